# -*- coding: utf-8 -*-
"""Tables for the pure functions that read a Docker host and decide the preflight
(plugins/module_utils/dockerd_host.py). The inputs are what real hosts print (Debian 12's
systemd 252 with docker.io 20.10.24, Debian 13's systemd 257 with docker.io 26.1.5)."""

import pytest

from ansible_collections.containment.docker.plugins.module_utils import dockerd_host as h
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    EngineVersionError,
    format_engine_version,
    parse_engine_version,
)

EXEC_START_DEBIAN = (
    "{ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// "
    "--containerd=/run/containerd/containerd.sock $DOCKER_OPTS ; ignore_errors=no ; "
    "start_time=[Tue 2026-12-01 05:21:42 UTC] ; stop_time=[n/a] ; pid=63 ; code=(null) ; status=0/0 }"
)
# `systemctl show docker.service -p ExecStart` on the dockerce lab host (docker-ce's unit).
EXEC_START_DOCKERCE = (
    "{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock ; "
    "ignore_errors=no ; start_time=[Tue 2026-12-01 09:47:41 UTC] ; stop_time=[n/a] ; pid=95 ; code=(null) ; "
    "status=0/0 }"
)
SHOW_DEBIAN = "\n".join([
    "MainPID=63", "Result=success", "NRestarts=0", "ExecStart=" + EXEC_START_DEBIAN, "Environment=",
    "EnvironmentFiles=/etc/default/docker (ignore_errors=yes)", "Id=docker.service", "LoadState=loaded",
    "ActiveState=active", "SubState=running", "FragmentPath=/lib/systemd/system/docker.service",
    "DropInPaths=", "UnitFileState=enabled",
])


# --- engine versions: one grammar -------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("20.10", (20, 10)),
    ("26.1.5", (26, 1, 5)),
    ("26.1.5+dfsg1", (26, 1, 5)),
    ("28.5.2-1", (28, 5, 2)),
    ("v29.0.1", (29, 0, 1)),
    ("Docker version 20.10.24+dfsg1, build 297e128", (20, 10, 24)),
    ("Docker version 26.1.5+dfsg1, build a72d7cd", (26, 1, 5)),
    ("Docker version 28.5.2, build ecc6942", (28, 5, 2)),
    (" 23.0 ", (23, 0)),
])
def test_engine_version_reads(text, expected):
    assert parse_engine_version(text) == expected


@pytest.mark.parametrize("value", [20.10, 26, None, True, "", "latest", "26", "twenty.ten", "26.1.x"])
def test_engine_version_refuses(value):
    with pytest.raises(EngineVersionError):
        parse_engine_version(value)


def test_engine_versions_compare_as_releases():
    assert (23, 0) < (23, 0, 5) < (23, 1) < (26, 1, 5)
    assert format_engine_version((26, 1, 5)) == "26.1.5"
    assert format_engine_version((20, 10)) == "20.10"


# --- the unit -------------------------------------------------------------------------------------

def test_systemctl_show_keeps_repeated_keys():
    props = h.parse_systemctl_show("A=1\nB=x=y\nA=2\nnoise\n")
    assert props == {"A": ["1", "2"], "B": "x=y"}


@pytest.mark.parametrize("text, expected", [
    ("Id=docker.service\nActiveState=active\n\nId=containerd.service\nActiveState=failed\n",
     [{"Id": "docker.service", "ActiveState": "active"}, {"Id": "containerd.service", "ActiveState": "failed"}]),
    ("\n\nId=a\n\n\n", [{"Id": "a"}]),
    ("", []),
    ("Id=a\nExecStart=x\nExecStart=y\n", [{"Id": "a", "ExecStart": ["x", "y"]}]),
])
def test_systemctl_show_of_several_units(text, expected):
    assert h.parse_systemctl_show_units(text) == expected


@pytest.mark.parametrize("value, expected", [
    (EXEC_START_DEBIAN, "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"),
    ("", ""),
    ("{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd ; ignore_errors=no }", "/usr/bin/dockerd"),
    # docker-ce's unit (moby v28.5.2 contrib/init/systemd), read on the dockerce lab host: no variable
    (EXEC_START_DOCKERCE, "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"),
    # a drop-in that clears and sets ExecStart again: systemd keeps the last one
    (["{ path=/a ; argv[]=/a --one ; ignore_errors=no }", "{ path=/b ; argv[]=/b --two ; ignore_errors=no }"],
     "/b --two"),
])
def test_exec_start_command(value, expected):
    assert h.exec_start_command(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("/etc/default/docker (ignore_errors=yes)", [("/etc/default/docker", True)]),
    ("/etc/sysconfig/docker (ignore_errors=no)", [("/etc/sysconfig/docker", False)]),
    (["/a (ignore_errors=yes)", "/b (ignore_errors=no)"], [("/a", True), ("/b", False)]),
    ("", []),
])
def test_environment_files_property(value, expected):
    assert h.parse_environment_files_property(value) == expected


@pytest.mark.parametrize("text, expected", [
    ('DOCKER_OPTS="--dns 8.8.8.8 --dns 8.8.4.4"\n', {"DOCKER_OPTS": "--dns 8.8.8.8 --dns 8.8.4.4"}),
    ("#DOCKER_OPTS=\"--dns 8.8.8.8\"\n", {}),
    ("; comment\nDOCKER_OPTS='--userns-remap=default'\n", {"DOCKER_OPTS": "--userns-remap=default"}),
    ("DOCKER_OPTS=--debug \\\n --log-level=warn\n", {"DOCKER_OPTS": "--debug  --log-level=warn"}),
    ("export DOCKER_OPTS=--debug\n", {}),
    ("A = 1\n", {"A": "1"}),
    ("", {}),
])
def test_environment_file_as_systemd_reads_it(text, expected):
    assert h.parse_environment_file(text) == expected


def test_environment_property():
    assert h.parse_environment_property('A=1 "B=two words"') == {"A": "1", "B": "two words"}


@pytest.mark.parametrize("command, env, expected", [
    ("/usr/sbin/dockerd -H fd:// $DOCKER_OPTS", {"DOCKER_OPTS": "--debug"}, "/usr/sbin/dockerd -H fd:// --debug"),
    ("/usr/sbin/dockerd ${DOCKER_OPTS}", {"DOCKER_OPTS": "-l warn"}, "/usr/sbin/dockerd -l warn"),
    ("/usr/sbin/dockerd -H fd:// $DOCKER_OPTS", {}, "/usr/sbin/dockerd -H fd:// "),
])
def test_expand_unit_variables(command, env, expected):
    assert h.expand_unit_variables(command, env) == expected


# --- the running process --------------------------------------------------------------------------

def test_cmdline():
    assert h.parse_cmdline(b"/usr/sbin/dockerd\x00-H\x00fd://\x00") == ["/usr/sbin/dockerd", "-H", "fd://"]


def test_process_start_time_counts_fields_after_the_name():
    # a command name with a space and a parenthesis must not shift the fields
    fields = ["S"] + ["0"] * 18 + ["250"] + ["0"] * 10
    stat = "63 (docker d) x) " + " ".join(fields)
    assert h.process_start_time(stat, 1000, 100) == 1002.5


@pytest.mark.parametrize("now, uptime, boot", [
    (1764567000.25, "350.12 700.00\n", 1764566650.13),
    (100.0, "0.50 1.00", 99.5),
])
def test_boot_time_from_uptime(now, uptime, boot):
    assert h.boot_time(now, uptime) == pytest.approx(boot)


def test_boot_time_refuses_garbage():
    with pytest.raises(h.HostFactsError):
        h.boot_time(1.0, "")


def test_btime():
    assert h.parse_btime("cpu 1 2 3\nbtime 1764567000\nprocesses 5\n") == 1764567000
    with pytest.raises(h.HostFactsError):
        h.parse_btime("cpu 1\n")


@pytest.mark.parametrize("mtimes, started, expected", [
    ([("/etc/docker/daemon.json", 10.0), ("/p", 30.0)], 20.0, ["/p"]),
    ([("/etc/docker/daemon.json", 10.0), ("/absent", None)], 5.0, ["/etc/docker/daemon.json"]),
    ([("/etc/docker/daemon.json", 10.0)], None, []),
])
def test_files_newer_than(mtimes, started, expected):
    assert h.files_newer_than(mtimes, started) == expected


# --- the engine -------------------------------------------------------------------------------------

def _container(name, privileged=False, pid="", net="default", userns=""):
    return {"Name": "/" + name, "HostConfig": {"Privileged": privileged, "PidMode": pid,
                                               "NetworkMode": net, "UsernsMode": userns}}


@pytest.mark.parametrize("inspected, expected", [
    ([], []),
    ([_container("web")], []),
    ([_container("priv", privileged=True)], [{"name": "priv", "uses": ["--privileged"]}]),
    ([_container("all", True, "host", "host")], [{"name": "all", "uses": ["--privileged", "--pid=host", "--network=host"]}]),
    ([_container("ok", True, "host", "host", userns="host")], []),
    ([{"Id": "abcdef0123456789", "HostConfig": None}], []),
])
def test_containers_needing_host_userns(inspected, expected):
    assert h.containers_needing_host_userns(inspected) == expected


INFO_PLAIN = {"ServerVersion": "26.1.5", "SecurityOptions": ["name=seccomp,profile=builtin", "name=cgroupns"],
              "DockerRootDir": "/var/lib/docker", "Images": 2, "Containers": 1, "ContainersRunning": 0}
INFO_REMAPPED = {"ServerVersion": "20.10.24", "DockerRootDir": "/var/lib/docker/165536.165536",
                 "SecurityOptions": ["name=seccomp,profile=/etc/docker/seccomp/containment.json", "name=userns"],
                 "Images": 0, "Containers": 0}


@pytest.mark.parametrize("info, remap, suffix, expected", [
    (INFO_PLAIN, "dockremap:dockremap", "", True),
    (INFO_PLAIN, "", "", False),
    (INFO_REMAPPED, "dockremap:dockremap", "165536.165536", False),
    (INFO_REMAPPED, "dockremap:dockremap", "231072.231072", True),
    ({}, "dockremap:dockremap", "", False),
    ({"SecurityOptions": None}, "dockremap:dockremap", "", True),
])
def test_remap_switch(info, remap, suffix, expected):
    assert h.remap_switch(info, remap, suffix) is expected


@pytest.mark.parametrize("info, remap, profile, suffix, missing", [
    (INFO_REMAPPED, "dockremap:dockremap", "/etc/docker/seccomp/containment.json", "165536.165536", 0),
    (INFO_PLAIN, "dockremap:dockremap", "/etc/docker/seccomp/containment.json", "", 2),
    (INFO_PLAIN, "", "builtin", "", 0),
    ({"SecurityOptions": ["name=seccomp,profile=default"]}, "", "builtin", "", 0),
    (INFO_REMAPPED, "dockremap:dockremap", "", "231072.231072", 1),
])
def test_engine_shows(info, remap, profile, suffix, missing):
    assert len(h.engine_shows(info, remap, profile, suffix)) == missing


@pytest.mark.parametrize("text, version, refused", [
    ("", (20, 10, 24), True),
    ("\n  \n", (20, 10), True),
    ("", (23, 0), False),
    ("\n", (26, 1, 5), False),
    ("", None, True),
    ("{}", (20, 10), False),
    (None, (20, 10), False),
])
def test_blank_config_by_engine(text, version, refused):
    assert h.blank_config_refused(text, version) is refused


# --- preflight decisions ---------------------------------------------------------------------------

def _facts(text='{"log-driver": "json-file"}\n', info=None, answers=True, containers=(), volumes=0,
           command="/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
           argv=("/usr/sbin/dockerd", "-H", "fd://"), version=(26, 1, 5), stale=()):
    return {
        "unit": {"command": command, "source": "docker.service (/lib/systemd/system/docker.service)"},
        "process": {"pid": 63, "argv": list(argv), "started": 100.0} if answers else {},
        "engine": {"answers": answers, "info": dict(info if info is not None else INFO_PLAIN),
                   "containers": list(containers), "volumes": volumes},
        "engine_version": version,
        "config": {"text": text},
        "stale_files": list(stale),
    }


def _wanted(**over):
    wanted = {"config_path": "/etc/docker/daemon.json", "remove": [], "acknowledge_hidden_data": False,
              "allow_host_namespace_containers": False, "expected_data_root_suffix": "",
              "userns_remap": "dockremap:dockremap", "seccomp_profile": "/etc/docker/seccomp/containment.json"}
    wanted.update(over)
    wanted.setdefault("settings", {"userns-remap": wanted["userns_remap"], "seccomp-profile": wanted["seccomp_profile"]})
    return wanted


@pytest.mark.parametrize("facts, wanted, needles", [
    # F08: images and containers the new data root would hide
    (_facts(), _wanted(), ["2 image(s), 1 container(s) and 0 volume(s)", "daemon_acknowledge_hidden_data"]),
    (_facts(), _wanted(acknowledge_hidden_data=True), []),
    # volumes count too
    (_facts(info=dict(INFO_PLAIN, Images=0, Containers=0), volumes=3), _wanted(), ["3 volume(s)"]),
    # F09: containers that need the host's user namespace
    (_facts(info=dict(INFO_PLAIN, Images=0, Containers=0), containers=[_container("vpn", net="host")]),
     _wanted(), ["vpn (--network=host)", "daemon_allow_host_namespace_containers"]),
    # live-restore orphans
    (_facts(info=dict(INFO_PLAIN, LiveRestoreEnabled=True, ContainersRunning=2)),
     _wanted(acknowledge_hidden_data=True), ["live-restore is on and 2 container(s)"]),
    # F12: invalid JSON, named with line and column
    (_facts(text='{"a": 1,}\n'), _wanted(), ["not valid JSON at line 1"]),
    (_facts(text='{"a": 1}{"b": 2}'), _wanted(), ["not valid JSON"]),
    # F22: whitespace-only daemon.json on 20.10 is refused, on 26.1 it is no settings
    (_facts(text="\n", version=(20, 10, 24), info=dict(INFO_PLAIN, Images=0, Containers=0)), _wanted(),
     ["holds no JSON at all", "Write {} into it"]),
    (_facts(text="\n", version=(26, 1, 5), info=dict(INFO_PLAIN, Images=0, Containers=0)), _wanted(), []),
    # F10: a key that is also a flag, in the unit or only in the running dockerd (a drop-in)
    (_facts(info=dict(INFO_PLAIN, Images=0, Containers=0)), _wanted(settings={"hosts": ["unix:///run/d.sock"]}),
     ["'hosts' (flag -H)", "docker.service"]),
    (_facts(info=dict(INFO_PLAIN, Images=0, Containers=0), command="/usr/sbin/dockerd",
            argv=("/usr/sbin/dockerd", "--userns-remap=default")), _wanted(),
     ["'userns-remap' (flag --userns-remap)", "the running dockerd"]),
    # docker-ce's unit passes --containerd: the `containerd` key in daemon.json conflicts with it
    (_facts(info=dict(INFO_PLAIN, Images=0, Containers=0),
            command="/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
            argv=("/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock")),
     _wanted(settings={"containerd": "/run/containerd/containerd.sock"}),
     ["'containerd' (flag --containerd)", "docker.service"]),
    # F13: a key the engine no longer accepts
    (_facts(text='{"graph": "/srv/docker"}', info=dict(INFO_PLAIN, Images=0, Containers=0)), _wanted(),
     ["'graph' (use data-root instead)"]),
])
def test_preflight_problems(facts, wanted, needles):
    decision = h.preflight(facts, wanted, "web1")
    text = " ".join(decision["problems"])
    if not needles:
        assert decision["problems"] == []
    for needle in needles:
        assert needle in text
    for problem in decision["problems"]:
        assert problem.startswith("web1: ")


def test_preflight_skips_engine_checks_when_dockerd_does_not_run():
    decision = h.preflight(_facts(answers=False), _wanted(), "web1")
    assert decision["problems"] == []
    assert decision["remap_switch"] is False
    assert "not running" in decision["warnings"][0]


def test_preflight_owes_a_restart_for_stale_files_and_missing_settings():
    decision = h.preflight(_facts(info=INFO_REMAPPED, stale=["/etc/docker/seccomp/containment.json"]),
                           _wanted(expected_data_root_suffix="165536.165536"), "web1")
    assert decision["problems"] == []
    assert decision["restart_owed"] == ["/etc/docker/seccomp/containment.json"]
    assert decision["engine_missing"] == []
    assert decision["remap_switch"] is False


def test_preflight_keeps_other_keys():
    decision = h.preflight(_facts(info=dict(INFO_PLAIN, Images=0, Containers=0)), _wanted(), "web1")
    assert list(decision["config"]) == ["log-driver", "userns-remap", "seccomp-profile"]
    assert decision["previous"] == {"log-driver": "json-file"}
    assert decision["config_write"][0] == "key(s) userns-remap, seccomp-profile change"


@pytest.mark.parametrize("text, stat, config_write", [
    # a re-run: the file already says it all, root:root 0644 -> the daemon role skips daemon_json
    ('{"log-driver": "json-file", "userns-remap": "dockremap:dockremap", '
     '"seccomp-profile": "/etc/docker/seccomp/containment.json"}', {"mode": "0644", "uid": 0, "gid": 0}, []),
    ('{"userns-remap": "dockremap:dockremap", "seccomp-profile": "/etc/docker/seccomp/containment.json"}',
     {"mode": "0666", "uid": 0, "gid": 0}, ["mode 0666, not 0644"]),
    (None, None, ["the file does not exist"]),
    ('{"a": 1}{"b": 2}', {"mode": "0644", "uid": 0, "gid": 0}, ["the file could not be read as daemon.json"]),
])
def test_preflight_says_whether_daemon_json_needs_a_write(text, stat, config_write):
    facts = _facts(text=text, info=dict(INFO_PLAIN, Images=0, Containers=0))
    facts["config"] = {"text": text, "exists": text is not None, "stat": stat or {}}
    decision = h.preflight(facts, _wanted(), "web1")
    assert decision["config_write"] == config_write
