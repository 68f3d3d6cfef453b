# -*- coding: utf-8 -*-
"""daemon.json parsing, merging and flag conflicts (field faults F10, F11, F12), and the
daemon_json module end to end on temp files."""

import json
import os
import re
import shutil
import stat

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file
from ansible_collections.containment.docker.plugins.module_utils.daemon_config import (
    DaemonConfigError,
    config_write_reasons,
    find_flag_conflicts,
    flags_to_keys,
    merge_config,
    parse_config,
    render_config,
)
from ansible_collections.containment.docker.plugins.module_utils.dockerd_probe import _stat

DEBIAN_EXECSTART = "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"
OURS = {"userns-remap": "dockremap:dockremap", "seccomp-profile": "/etc/docker/seccomp/containment.json"}


@pytest.mark.parametrize("text, message", [
    ('{"a": 1}{"b": 2}', "line 1, column 9: Extra data"),            # F12: two objects
    # F12: trailing comma; Python 3.13 (Debian 13's) names the comma, column 27, 3.11 the brace
    ('{"log-driver": "json-file",}', r"line 1, column 2[78]"),
    ('{\n  "a": 1,\n  "a": 2\n}', "key 'a' appears more than once"),
    ('["userns-remap"]', "must hold one JSON object"),
    ('{"log-opts": {"max-size": "1m", "max-size": "2m"}}', "key 'max-size' appears more than once"),
])
def test_parse_refuses_what_dockerd_would_refuse(text, message):
    with pytest.raises(DaemonConfigError) as err:
        parse_config(text, "/etc/docker/daemon.json")
    assert re.search(message, str(err.value)), str(err.value)
    assert "/etc/docker/daemon.json" in str(err.value)


@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("  \n", {}),
    ('{"debug": true, "max-concurrent-downloads": 3}', {"debug": True, "max-concurrent-downloads": 3}),
])
def test_parse_accepts_what_dockerd_accepts(text, expected):
    assert parse_config(text) == expected


def test_merge_keeps_foreign_keys_in_order_and_types():  # F11
    current = {
        "log-driver": "json-file",
        "log-opts": {"max-size": "10m", "max-file": "3"},
        "runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace"]}},
        "live-restore": True,
        "userns-remap": "default",
    }
    merged = merge_config(current, OURS)
    assert list(merged) == ["log-driver", "log-opts", "runtimes", "live-restore", "userns-remap", "seccomp-profile"]
    for key in ("log-driver", "log-opts", "runtimes", "live-restore"):
        assert merged[key] == current[key]
    assert merged["live-restore"] is True
    assert merged["userns-remap"] == "dockremap:dockremap"
    assert json.loads(render_config(merged)) == merged


@pytest.mark.parametrize("current, settings, remove, expected", [
    ({}, OURS, [], OURS),
    ({"disable-legacy-registry": True, "debug": False}, {}, ["disable-legacy-registry"], {"debug": False}),
    ({"debug": False}, {}, ["not-there"], {"debug": False}),
])
def test_merge_table(current, settings, remove, expected):
    assert merge_config(current, settings, remove) == expected


def test_merge_refuses_a_key_both_set_and_removed():
    with pytest.raises(DaemonConfigError, match="both set and removed"):
        merge_config({}, {"debug": True}, ["debug"])


@pytest.mark.parametrize("command_line, expected", [
    (DEBIAN_EXECSTART, {"hosts": "-H", "containerd": "--containerd"}),
    ("/usr/bin/dockerd --userns-remap=default --label a=b --label c=d",
     {"userns-remap": "--userns-remap", "labels": "--label"}),
    ("dockerd --host unix:///run/docker.sock --log-opt max-size=1m", {"hosts": "--host", "log-opts": "--log-opt"}),
    ("", {}),
])
def test_flags_map_to_daemon_json_keys(command_line, expected):
    assert flags_to_keys(command_line) == expected


@pytest.mark.parametrize("config, command_line, conflicts", [
    ({"hosts": ["unix:///run/docker.sock"]}, DEBIAN_EXECSTART, [("hosts", "-H")]),          # F10
    (OURS, DEBIAN_EXECSTART + " --userns-remap=default", [("userns-remap", "--userns-remap")]),  # F10
    (OURS, DEBIAN_EXECSTART, []),
    ({"log-opts": {}}, "dockerd --log-opt max-size=1m", [("log-opts", "--log-opt")]),
])
def test_flag_conflicts(config, command_line, conflicts):
    assert find_flag_conflicts(config, command_line) == conflicts


# The module on temp files. Validation runs the real dockerd where one is installed.

def _run(tmp_path, check=False, diff=True, **args):
    args.setdefault("path", str(tmp_path / "daemon.json"))
    # OURS names /etc/docker/seccomp/containment.json, absent on a test machine; the profile check
    # has its own tests below.
    args.setdefault("check_seccomp_profile", False)
    return run_module_file("daemon_json", tmp_path, check=check, diff=diff, **args)


def test_module_merges_backs_up_and_is_idempotent(tmp_path):
    path = tmp_path / "daemon.json"
    seeded = '{"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}'
    path.write_text(seeded)
    os.chmod(str(path), 0o600)
    predicted = _run(tmp_path, check=True, settings=OURS, validate=False)
    assert predicted["changed"] is True and path.read_text() == seeded
    assert predicted["changed_keys"] == ["userns-remap", "seccomp-profile"]

    out = _run(tmp_path, settings=OURS, validate=False)
    assert out["changed"] is True and out["config"] == predicted["config"]
    written = json.loads(path.read_text())
    assert written == dict(json.loads(seeded), **OURS)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    assert out["backup_file"] and open(out["backup_file"]).read() == seeded
    assert out["diff"]["before"] == seeded and json.loads(out["diff"]["after"]) == written

    again = _run(tmp_path, settings=OURS, validate=False)
    assert again["changed"] is False and again["backup_file"] == ""


def test_module_leaves_an_equivalent_file_alone(tmp_path):
    path = tmp_path / "daemon.json"
    text = '{"seccomp-profile":"/etc/docker/seccomp/containment.json",\n"userns-remap":"dockremap:dockremap"}'
    path.write_text(text)
    os.chmod(str(path), 0o644)
    out = _run(tmp_path, settings=OURS, validate=False)
    assert out["changed"] is False and path.read_text() == text


def test_module_creates_a_missing_file_without_backup(tmp_path):
    out = _run(tmp_path, settings=OURS, validate=False)
    assert out["changed"] is True and out["existed"] is False and out["backup_file"] == ""
    assert json.loads((tmp_path / "daemon.json").read_text()) == OURS


@pytest.mark.parametrize("exists, stat, current, merged, reasons", [
    (False, None, {}, OURS, ["the file does not exist"]),
    (True, {"mode": "0644", "uid": 0, "gid": 0}, OURS, dict(OURS), []),
    (True, {"mode": "0644", "uid": 0, "gid": 0}, {"debug": True}, dict(OURS, debug=True),
     ["key(s) userns-remap, seccomp-profile change"]),
    (True, {"mode": "0644", "uid": 0, "gid": 0}, dict(OURS, debug=True), OURS, ["key(s) debug change"]),
    (True, {"mode": "0600", "uid": 0, "gid": 0}, OURS, OURS, ["mode 0600, not 0644"]),
    (True, {"mode": "0644", "uid": 1000, "gid": 0}, OURS, OURS, ["owner 1000:0, not root:root"]),
    (True, {}, OURS, OURS, ["mode unknown, not 0644", "owner ?:?, not root:root"]),
])
def test_config_write_reasons(exists, stat, current, merged, reasons):
    assert config_write_reasons(exists, stat, current, merged) == reasons


# The preflight skips the daemon_json task when config_write_reasons is empty: the two must agree
# on every file the module would leave alone and every file it would write or fix.
@pytest.mark.skipif(os.geteuid() != 0, reason="owner checks need root (the module sets root:root)")
@pytest.mark.parametrize("seed, mode, owner", [
    (None, None, None),                                                       # missing
    ('{"seccomp-profile":"/etc/docker/seccomp/containment.json",\n"userns-remap":"dockremap:dockremap"}',
     0o644, 0),                                                               # same meaning, other layout
    ('{"userns-remap": "other:other"}', 0o644, 0),                            # a value changes
    (json.dumps(dict(OURS, debug=True)), 0o644, 0),                          # a key more: kept
    (json.dumps(OURS), 0o600, 0),                                             # mode only
    (json.dumps(OURS), 0o644, 1000),                                          # owner only
])
def test_config_write_reasons_agree_with_the_module(tmp_path, seed, mode, owner):
    path = tmp_path / "daemon.json"
    if seed is not None:
        path.write_text(seed)
        os.chmod(str(path), mode)
        os.chown(str(path), owner, 0)
    current = parse_config(seed or "", str(path))
    merged = merge_config(current, OURS, [])
    reasons = config_write_reasons(seed is not None, _stat(str(path)), current, merged)
    out = _run(tmp_path, settings=OURS, validate=False)
    assert out["changed"] is bool(reasons), reasons
    assert config_write_reasons(True, _stat(str(path)), json.loads(path.read_text()), merged) == []


@pytest.mark.parametrize("seed, args, message", [
    ('{"a": 1}{"b": 2}', {}, "is not valid JSON at line 1, column 9"),                        # F12
    ('{"hosts": ["unix:///run/docker.sock"]}', {"command_line": DEBIAN_EXECSTART}, "'hosts' (flag -H)"),  # F10
    ("{}", {"command_line": DEBIAN_EXECSTART + " --userns-remap=default"}, "'userns-remap' (flag --userns-remap)"),
])
def test_module_fails_naming_the_file_and_changes_nothing(tmp_path, seed, args, message):
    path = tmp_path / "daemon.json"
    path.write_text(seed)
    out = _run(tmp_path, settings=OURS, validate=False, **args)
    assert out.get("failed") is True
    assert message in out["msg"] and str(path) in out["msg"]
    assert path.read_text() == seed
    assert sorted(os.listdir(str(tmp_path))) == ["daemon.json", "daemon_json-args.json"]


def test_module_refuses_a_relative_path(tmp_path):
    out = _run(tmp_path, path="daemon.json", settings=OURS)
    assert out.get("failed") is True and "not absolute" in out["msg"]


@pytest.mark.skipif(shutil.which("dockerd") is None, reason="dockerd is not installed on this machine")
def test_module_validates_with_the_installed_engine(tmp_path):
    out = _run(tmp_path, settings={"log-level": "warn"})
    assert out["changed"] is True
    # Engines 23.0+ answer "configuration OK"; 20.10 has no --validate and says so.
    assert out["validation"].startswith("dockerd --validate")


@pytest.mark.parametrize("text, version", [
    ("Docker version 20.10.24+dfsg1, build 297e128", (20, 10)),
    ("Docker version 26.1.5+dfsg1, build a72d7cd", (26, 1)),
    ("garbage", None),
])
def test_parse_engine_version(text, version):
    from ansible_collections.containment.docker.plugins.module_utils.daemon_config import parse_engine_version
    assert parse_engine_version(text) == version


@pytest.mark.parametrize("config, version, keys", [
    ({"disable-legacy-registry": True, "debug": True}, (20, 10), ["disable-legacy-registry"]),   # F13
    ({"graph": "/srv/docker"}, (20, 10), []),            # deprecated but still accepted by 20.10
    ({"graph": "/srv/docker"}, (26, 1), ["graph"]),
    ({"cluster-store": "consul://x"}, None, ["cluster-store"]),
    (OURS, (26, 1), []),
])
def test_removed_keys_by_engine_version(config, version, keys):
    from ansible_collections.containment.docker.plugins.module_utils.daemon_config import find_removed_keys
    assert [key for key, _hint in find_removed_keys(config, version)] == keys


def test_module_refuses_a_removed_key_already_in_the_file(tmp_path):  # F13
    path = tmp_path / "daemon.json"
    seed = '{"log-driver": "json-file", "disable-legacy-registry": true}'
    path.write_text(seed)
    out = _run(tmp_path, settings=OURS, validate=False, dockerd_path="/nonexistent/dockerd")
    assert out.get("failed") is True and "'disable-legacy-registry'" in out["msg"]
    assert path.read_text() == seed
    fixed = _run(tmp_path, settings=OURS, remove=["disable-legacy-registry"], validate=False,
                 dockerd_path="/nonexistent/dockerd")
    assert fixed["changed"] is True and "disable-legacy-registry" not in json.loads(path.read_text())


def _fake_dockerd(tmp_path, version):
    """A dockerd that only answers --version (the module reads the engine version from it)."""
    fake = tmp_path / "dockerd"
    fake.write_text("#!/bin/sh\necho 'Docker version %s, build 0000000'\n" % version)
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.parametrize("seed, version, refused", [
    ("", "20.10.24+dfsg1", True),         # F22: 20.10 refuses a blank file at start ("EOF")
    ("\n  \n", "20.10.24+dfsg1", True),
    ("\n", "26.1.5+dfsg1", False),         # 23.0+ reads it as no settings (moby PR 42393)
    ("", "28.5.2", False),
])
def test_module_blank_file_as_the_engine_reads_it(tmp_path, seed, version, refused):
    path = tmp_path / "daemon.json"
    path.write_text(seed)
    out = _run(tmp_path, settings=OURS, validate=False, dockerd_path=_fake_dockerd(tmp_path, version))
    if refused:
        assert out.get("failed") is True and "holds no JSON" in out["msg"] and "Write {}" in out["msg"]
        assert path.read_text() == seed
    else:
        assert out["changed"] is True and json.loads(path.read_text()) == OURS
        # the backup of a blank file is kept, and the new file is never empty
        assert open(out["backup_file"]).read() == seed


@pytest.mark.parametrize("profile, message", [
    (None, "does not exist"),                                 # F23: names a file that is not there
    ('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [', "not valid JSON"),
    ('{"defaultAction": "SCMP_ACT_NOPE"}', "SCMP_ACT_NOPE"),
    ('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["chroot"], "action": "SCMP_ACT_ALLOW"}]}', None),
])
def test_module_checks_any_seccomp_profile_before_writing(tmp_path, profile, message):
    target = tmp_path / "profile.json"
    if profile is not None:
        target.write_text(profile)
    out = _run(tmp_path, settings={"seccomp-profile": str(target)}, validate=False, check_seccomp_profile=True)
    if message is None:
        assert out["changed"] is True, out
    else:
        assert out.get("failed") is True and message in out["msg"] and str(target) in out["msg"], out
        assert not (tmp_path / "daemon.json").exists()


def test_module_refuses_a_relative_seccomp_profile(tmp_path):
    out = _run(tmp_path, settings={"seccomp-profile": "profile.json"}, validate=False, check_seccomp_profile=True)
    assert out.get("failed") is True and "absolute" in out["msg"]
