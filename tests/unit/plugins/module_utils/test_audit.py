# -*- coding: utf-8 -*-
"""The audit's checks, the profile diff and the undo record, as tables of inputs and outcomes."""

import json
import xml.etree.ElementTree as ET

import pytest
import yaml

from ansible_collections.containment.docker.plugins.module_utils import audit
from ansible_collections.containment.docker.plugins.module_utils.accounts import (
    Group,
    Passwd,
    created_record,
    plan_removal,
)
from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import container_escapes
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    profile_diff,
    review,
    syscall_states,
)

PROFILE = "/etc/docker/seccomp/containment.json"
REMAPPED = {"SecurityOptions": ["name=seccomp,profile=%s" % PROFILE, "name=userns"],
            "DockerRootDir": "/var/lib/docker/165536.165536", "Driver": "overlay2", "DriverStatus": []}
PLAIN = {"SecurityOptions": ["name=seccomp,profile=builtin"], "DockerRootDir": "/var/lib/docker"}
RANGES = "alice:100000:65536\ndockremap:165536:65536\n"


def inspected(name, **host_config):
    return {"Name": "/" + name, "HostConfig": host_config}


@pytest.mark.parametrize("host_config, found", [
    ({}, []),
    ({"Privileged": True}, ["privileged"]),
    ({"PidMode": "host", "NetworkMode": "host"}, ["host_pid", "host_network"]),
    ({"IpcMode": "host", "UsernsMode": "host"}, ["host_ipc", "host_userns"]),
    ({"SecurityOpt": ["seccomp=unconfined"]}, ["seccomp_unconfined"]),
    ({"SecurityOpt": ["seccomp:unconfined"]}, ["seccomp_unconfined"]),
    ({"SecurityOpt": ["seccomp=/etc/x.json"], "NetworkMode": "bridge"}, []),
])
def test_container_escapes(host_config, found):
    assert container_escapes(inspected("c", **host_config)) == found


@pytest.mark.parametrize("info, wanted, answers, status", [
    (REMAPPED, True, True, "pass"),
    (PLAIN, True, True, "fail"),
    ({"SecurityOptions": None}, True, True, "fail"),
    (REMAPPED, True, False, "fail"),
    (PLAIN, False, True, "n/a"),
])
def test_userns_remap(info, wanted, answers, status):
    assert audit.check_userns_remap(info, wanted, answers)["status"] == status


@pytest.mark.parametrize("info, subuid, status, why", [
    (REMAPPED, RANGES, "pass", "/var/lib/docker/165536.165536"),
    (PLAIN, RANGES, "fail", "does not end in /165536.165536"),
    (REMAPPED, "dockremap:200000:65536\n", "fail", "does not end in /200000.165536"),
    (REMAPPED, "alice:100000:65536\n", "fail", "no ranges of dockremap"),
])
def test_data_root(info, subuid, status, why):
    result = audit.check_data_root(info, True, subuid, RANGES, "dockremap", 997)
    assert (result["status"], why in result["why"]) == (status, True), result


@pytest.mark.parametrize("uid, subuid, subgid, configured, status, why", [
    (997, RANGES, RANGES, "dockremap:dockremap", "pass", "subuid 165536:65536"),
    (997, "997:165536:65536\n", RANGES, "dockremap", "pass", "subuid 165536:65536"),
    (None, RANGES, RANGES, "dockremap:dockremap", "fail", "user dockremap does not exist"),
    (997, RANGES, "alice:1:2\n", "dockremap:dockremap", "fail", "/etc/subgid has no range"),
    (997, None, RANGES, "dockremap:dockremap", "fail", "/etc/subuid has no range"),
    (997, RANGES, RANGES, "", "fail", "daemon.json has no userns-remap"),
    (997, RANGES, RANGES, "default", "fail", "not user dockremap"),
])
def test_remap_account(uid, subuid, subgid, configured, status, why):
    result = audit.check_remap_account("dockremap", uid, subuid, subgid, True, configured)
    assert result["status"] == status and why in result["why"], result


@pytest.mark.parametrize("journal, read, status", [
    ('level=info msg="User namespaces: ID ranges will be mapped to subuid/subgid ranges of: dockremap"\n', True, "pass"),
    ('msg="User namespaces: ID ranges will be mapped to subuid/subgid ranges of: other"\n', True, "fail"),
    ("level=info msg=\"Starting up\"\n", True, "n/a"),
    ("", False, "n/a"),
])
def test_journal(journal, read, status):
    assert audit.check_journal(journal, "dockremap", True, read)["status"] == status


@pytest.mark.parametrize("info, configured, exists, status, why", [
    (REMAPPED, PROFILE, True, "pass", "sha256"),
    (PLAIN, PROFILE, True, "fail", "the engine uses builtin"),
    ({"SecurityOptions": []}, PROFILE, True, "fail", "no seccomp profile"),
    (REMAPPED, "", True, "fail", "seccomp-profile is absent"),
    (REMAPPED, PROFILE, False, "fail", "does not exist"),
])
def test_seccomp_in_use(info, configured, exists, status, why):
    result = audit.check_seccomp_in_use(info, PROFILE, configured, {"exists": exists, "sha256": "ab"})
    assert result["status"] == status and why in result["why"], result


@pytest.mark.parametrize("stat, owner, mode", [
    ({"uid": 0, "gid": 0, "mode": "0644"}, "pass", "pass"),
    ({"uid": 0, "gid": 0, "mode": "0600"}, "pass", "pass"),
    ({"uid": 1000, "gid": 0, "mode": "0664"}, "fail", "fail"),
    ({"uid": 0, "gid": 5, "mode": "0755"}, "fail", "fail"),
    ({"uid": 0, "gid": 0, "mode": "0646"}, "pass", "fail"),
    ({}, "n/a", "n/a"),
])
def test_daemon_json_owner_and_mode(stat, owner, mode):
    assert audit.check_daemon_json_owner(stat)["status"] == owner
    assert audit.check_daemon_json_mode(stat)["status"] == mode
    assert audit.check_daemon_json_owner(stat)["cis"] == "3.17"


@pytest.mark.parametrize("info, version, status, why", [
    ({"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]}, (20, 10, 24), "n/a", "no containerd"),
    ({"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]}, (26, 1, 5), "pass", "off"),
    ({"Driver": "overlayfs", "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]}, (27, 0, 0),
     "pass", "on: Driver overlayfs, driver-type io.containerd.snapshotter.v1"),
])
def test_containerd_store(info, version, status, why):
    result = audit.check_containerd_store(info, version)
    assert result["status"] == status and why in result["why"], result


def test_containers_one_check_per_cis_item():
    containers = [inspected("web"), inspected("debug", SecurityOpt=["seccomp=unconfined"]),
                  inspected("tool", Privileged=True, UsernsMode="host", NetworkMode="host")]
    checks = {c["id"]: c for c in audit.check_containers(containers)}
    assert checks["seccomp_unconfined_containers"]["status"] == "fail"
    assert checks["seccomp_unconfined_containers"]["cis"] == "5.22"
    assert "debug" in checks["seccomp_unconfined_containers"]["why"]
    assert checks["host_userns_containers"]["cis"] == "5.31" and "tool" in checks["host_userns_containers"]["why"]
    assert checks["privileged_containers"]["status"] == checks["host_network_containers"]["status"] == "fail"
    assert checks["host_pid_containers"]["status"] == checks["host_ipc_containers"]["status"] == "pass"
    assert {c["status"] for c in audit.check_containers([], answers=False)} == {"n/a"}


@pytest.mark.parametrize("stale, status", [([], "pass"), (["/etc/subuid"], "fail")])
def test_restart_owed(stale, status):
    assert audit.check_restart_owed(stale)["status"] == status


# --- the profile diff (review command) ------------------------------------------------------

BASE = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
    {"names": ["read", "write", "chroot"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PTRACE"]}},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
]}


@pytest.mark.parametrize("other, added, removed, conditional", [
    (BASE, [], [], []),
    ({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read", "write", "ptrace", "mount"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]},
     ["mount"], ["chroot"], ["ptrace: conditional -> allow"]),
    ({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
     [], ["chroot", "ptrace"], ["write: allow -> conditional"]),
])
def test_profile_diff(other, added, removed, conditional):
    diff = profile_diff(BASE, other)
    assert (diff["added"], diff["removed"], diff["conditional"]) == (added, removed, conditional)
    assert diff["identical"] is (other is BASE)


def test_syscall_states_strongest_rule_wins():
    assert syscall_states(BASE) == {"read": "allow", "write": "allow", "chroot": "allow",
                                    "ptrace": "conditional", "clone3": "deny"}


@pytest.fixture(scope="module")
def policy(repo_root):
    with open("%s/files/seccomp/default-policy.yml" % repo_root) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("engine, denied, allowed, added, removed", [
    ("26.1.5", [], [], [], []),
    ("26.1.5", ["chroot"], [], [], ["chroot"]),
    ("20.10.24", ["chroot", "setpriority"], [], [], ["chroot", "setpriority"]),
    ("26.1.5", [], ["add_key"], ["add_key"], []),
])
def test_review_against_the_engine_default(policy, engine, denied, allowed, added, removed):
    result = review(policy, engine, denied=denied, allowed=allowed)
    assert result["error"] == ""
    assert (result["vs_default"]["added"], result["vs_default"]["removed"]) == (added, removed)
    assert result["summary"].startswith("engine %s" % engine)


def test_review_of_a_deployed_profile_names_a_hand_edit(policy):
    rendered = review(policy, "26.1.5", denied=["chroot"])["profile"]
    assert review(policy, "26.1.5", denied=["chroot"], deployed=json.dumps(rendered))["deployed_matches"] is True
    edited = json.loads(json.dumps(rendered))
    edited["syscalls"][-1]["names"] = ["chroot", "setpriority"]
    edited["syscalls"][0]["names"].remove("setpriority")
    result = review(policy, "26.1.5", denied=["chroot"], deployed=edited)
    assert result["deployed_matches"] is False
    assert result["deployed_vs_rendered"]["removed"] == ["setpriority"]
    assert result["deployed_vs_default"]["removed"] == ["chroot", "setpriority"]
    check = audit.profile_check(result, PROFILE, True)
    assert check["status"] == "fail" and "removed: setpriority" in check["why"]


def test_review_reports_bad_input_without_raising(policy):
    result = review(policy, "20.1", denied=["chroot"])
    assert result["error"] and result["profile"] is None and result["vs_default"] is None


# --- reports --------------------------------------------------------------------------------

def test_host_report_fleet_junit_and_table():
    facts = {"unit": {"name": "docker.service", "active_state": "active"}, "process": {"pid": 42},
             "engine": {"answers": True, "info": REMAPPED,
                        "containers": [inspected("debug", SecurityOpt=["seccomp=unconfined"])]},
             "engine_version": (26, 1, 5), "config": {"stat": {"uid": 0, "gid": 0, "mode": "0644"}},
             "stale_files": []}
    extra = {"account_uid": 997, "subuid": RANGES, "subgid": RANGES, "journal": "", "journal_read": True,
             "profile": {"exists": True, "sha256": "ab", "content": {}},
             "configured": {"userns-remap": "dockremap:dockremap", "seccomp-profile": PROFILE}}
    checks = audit.host_checks(facts, extra, {"userns_remap": True, "remap_user": "dockremap",
                                              "seccomp_profile": PROFILE})
    result = {"checks": checks, "seccomp": extra["profile"], "process": {"pid": 42}}
    good = audit.host_report(result, {"error": "", "profile": {}, "deployed_matches": True, "render_for": "26.1.5",
                                      "deployed_vs_default": {"identical": True}}, "lab-1", PROFILE)
    assert good["failed"] == ["seccomp_unconfined_containers"] and good["drift"] is True
    assert [c["id"] for c in good["checks"]].index("seccomp_profile_content") == \
        [c["id"] for c in good["checks"]].index("seccomp_profile") + 1
    lost = audit.host_report({"failed": True, "msg": "a read-only probe failed: boom"}, None, "lab-2")
    missing = audit.host_report(None, None, "lab-3")
    assert lost["failed"] == missing["failed"] == ["audit_probe"]
    fleet = audit.fleet_report([missing, good, lost])
    assert fleet["drifting_hosts"] == ["lab-1", "lab-2", "lab-3"]
    root = ET.fromstring(audit.junit_xml(fleet))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["lab-1", "lab-2", "lab-3"]
    assert len(suites[0].findall("testcase")) == len(good["checks"])
    failing = [c.get("name") for c in suites[0].findall("testcase") if c.find("failure") is not None]
    assert failing == ["seccomp_unconfined_containers (CIS 5.22): No running container runs without seccomp"]
    assert int(root.get("failures")) == 3
    table = audit.summary_table(fleet)
    assert table[1].split()[:3] == ["lab-1", "seccomp_unconfined_containers", "(CIS"]
    assert table[-1].endswith("DRIFT on lab-1, lab-2, lab-3")


# --- undo: what the collection created ------------------------------------------------------

@pytest.mark.parametrize("old, user_created, before, after, expected", [
    (None, True, "", "dockremap:165536:65536\n",
     {"user_created": True, "subuid": ["dockremap:165536:65536"]}),
    (None, False, "dockremap:165536:65536\n", "dockremap:165536:65536\n", None),
    ({"user": "dockremap", "user_created": True, "group_created": True, "subuid": ["dockremap:165536:65536"],
      "subgid": []}, False, "dockremap:165536:65536\n", "dockremap:165536:65536\n",
     {"user_created": True, "subuid": ["dockremap:165536:65536"]}),
    (None, False, "alice:100000:65536\n", "alice:100000:65536\ndockremap:165536:65536\n",
     {"user_created": False, "subuid": ["dockremap:165536:65536"]}),
])
def test_created_record(old, user_created, before, after, expected):
    record = created_record(old, "dockremap", "dockremap", user_created, user_created,
                            {"subuid": before, "subgid": ""}, {"subuid": after, "subgid": ""})
    if expected is None:
        assert record is None
    else:
        assert {k: record[k] for k in expected} == expected


USERS = [Passwd("dockremap", 997, 997, "/nonexistent", "/usr/sbin/nologin"), Passwd("alice", 1000, 1000, "/", "/")]
PATHS = {"subuid": "/etc/subuid", "subgid": "/etc/subgid"}


@pytest.mark.parametrize("record, groups, commands, subuid_after", [
    ({"user": "dockremap", "group": "dockremap", "user_created": True, "group_created": True,
      "subuid": ["dockremap:165536:65536"], "subgid": []},
     [Group("dockremap", 997, ())], [["userdel", "dockremap"], ["groupdel", "dockremap"]], "alice:100000:65536\n"),
    ({"user": "dockremap", "group": "dockremap", "user_created": False, "group_created": False,
      "subuid": ["dockremap:165536:65536"], "subgid": []},
     [Group("dockremap", 997, ())], [], "alice:100000:65536\n"),
    ({"user": "dockremap", "group": "alice", "user_created": True, "group_created": True,
      "subuid": ["dockremap:200000:65536"], "subgid": []},
     [Group("alice", 1000, ())], [["userdel", "dockremap"]], "alice:100000:65536\ndockremap:165536:65536\n"),
])
def test_plan_removal(record, groups, commands, subuid_after):
    texts = {"subuid": "alice:100000:65536\ndockremap:165536:65536\n", "subgid": "alice:100000:65536\n"}
    plan = plan_removal(record, USERS, groups, texts, PATHS)
    assert plan.commands == commands
    assert plan.files["subuid"]["after"] == subuid_after
    assert plan.files["subgid"]["changed"] is False
