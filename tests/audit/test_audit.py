"""Issue 7 on live lab hosts: the audit changes nothing and is green on hardened hosts, red naming
host and check on drifted ones; undo brings back the pre-remap data root; hardening again is
idempotent. The tests run in file order on the same hosts."""

from __future__ import annotations

import json

import pytest

from auditlab import (
    BEFORE_CONTAINER,
    DAEMON_CONFIG,
    DRIFT_CONTAINER,
    PROBE_IMAGE,
    PROFILE,
    RECORD,
    ensure_probe_image,
    failed_checks,
    snapshot,
)

REMAPPED_ROOT = "/var/lib/docker/165536.165536"


def test_audit_is_green_and_changes_nothing(fleet):
    before = {name: snapshot(lab) for name, lab in fleet.labs.items()}
    run, report, junit = fleet.audit("green")
    after = {name: snapshot(lab) for name, lab in fleet.labs.items()}
    assert run.rc == 0, run.describe() + run.stdout[-3000:]
    assert report["drift"] is False and sorted(h["host"] for h in report["hosts"]) == sorted(fleet.labs)
    assert junit is not None and junit.get("failures") == "0"
    assert sorted(s.get("name") for s in junit.findall("testsuite")) == sorted(fleet.labs)
    for name in fleet.labs:
        assert after[name] == before[name], f"{name}: the audit changed dockerd or a file"
        host = next(h for h in report["hosts"] if h["host"] == name)
        statuses = {c["id"]: c["status"] for c in host["checks"]}
        for check in ("userns_remap", "data_root", "remap_account", "remap_journal", "seccomp_profile",
                      "seccomp_profile_content", "seccomp_unconfined_containers", "daemon_json_mode"):
            assert statuses[check] == "pass", (name, check, host)
        assert "removed: chroot" in next(c["why"] for c in host["checks"] if c["id"] == "seccomp_profile_content")
    assert "no drift" in run.stdout


def drift(lab) -> None:
    """Remap removed by hand (and dockerd restarted), the profile edited by hand, an unconfined container."""
    config = json.loads(lab.read(DAEMON_CONFIG))
    config.pop("userns-remap")
    lab.write(DAEMON_CONFIG, (json.dumps(config, indent=2) + "\n").encode())
    lab.restart_docker()
    profile = json.loads(lab.read(PROFILE))
    rules = profile["syscalls"]
    rules[-1]["names"].remove("chroot")
    if not rules[-1]["names"]:
        rules.pop()
    rules[0]["names"] = sorted(rules[0]["names"] + ["chroot"])
    lab.write(PROFILE, (json.dumps(profile, indent=2) + "\n").encode())
    ensure_probe_image(lab)
    lab.sh(f"docker rm -f {DRIFT_CONTAINER} >/dev/null 2>&1; docker run -d --name {DRIFT_CONTAINER} "
           f"--security-opt seccomp=unconfined {PROBE_IMAGE} sleep 600")


def test_audit_is_red_on_drift_naming_host_and_check_then_site_repairs(fleet):
    for lab in fleet.labs.values():
        drift(lab)
    run, report, junit = fleet.audit("drift")
    assert run.rc != 0, run.describe()
    assert report["drift"] is True and sorted(report["drifting_hosts"]) == sorted(fleet.labs)
    for name in fleet.labs:
        failed = failed_checks(report, name)
        for check in ("userns_remap", "data_root", "seccomp_profile_content", "restart_owed",
                      "seccomp_unconfined_containers"):
            assert check in failed, (name, check, failed)
        assert f"{name}: " in run.stdout and "seccomp_unconfined_containers" in run.stdout
        suite = next(s for s in junit.findall("testsuite") if s.get("name") == name)
        failures = {c.get("name").split(" ")[0].rstrip(":") for c in suite.findall("testcase")
                    if c.find("failure") is not None}
        assert set(failed) == failures
        content = next(c for h in report["hosts"] if h["host"] == name for c in h["checks"]
                       if c["id"] == "seccomp_profile_content")
        assert "vs rendered: added: chroot" in content["why"], content
        unconfined = next(c for h in report["hosts"] if h["host"] == name for c in h["checks"]
                          if c["id"] == "seccomp_unconfined_containers")
        assert DRIFT_CONTAINER in unconfined["why"] and unconfined["cis"] == "5.22"
    for lab in fleet.labs.values():
        lab.sh(f"docker rm -f {DRIFT_CONTAINER}")
    repair = fleet.playbook("site.yml")
    assert repair.rc == 0, repair.describe()
    run, report, _junit = fleet.audit("repaired")
    assert run.rc == 0 and report["drift"] is False, run.stdout[-3000:]


def test_undo_check_mode_changes_nothing(fleet):
    before = {name: snapshot(lab) for name, lab in fleet.labs.items()}
    run = fleet.playbook("site.yml", "--check", "--diff", "-e", "hardening_state=absent")
    assert run.rc == 0, run.describe()
    for name, lab in fleet.labs.items():
        assert run.changed(name) >= 1, run.describe()
        assert snapshot(lab) == before[name], f"{name}: check mode changed the host"


def test_undo_shows_the_pre_remap_data_root_and_removes_only_what_the_collection_created(fleet):
    run = fleet.playbook("site.yml", "-e", "hardening_state=absent", "-e", "hardening_absent_remove_account=true",
                         "-e", "hardening_absent_remove_profile=true")
    assert run.rc == 0, run.describe()
    for name, lab in fleet.labs.items():
        config = json.loads(lab.read(DAEMON_CONFIG))
        assert "userns-remap" not in config and "seccomp-profile" not in config, (name, config)
        info = lab.info()
        assert info["DockerRootDir"] == "/var/lib/docker" and "name=userns" not in (info["SecurityOptions"] or [])
        assert PROBE_IMAGE in lab.sh("docker image ls --format '{{.Repository}}:{{.Tag}}'").stdout
        assert BEFORE_CONTAINER in lab.sh("docker ps -a --format '{{.Names}}'").stdout
        assert lab.read(PROFILE) is None
        # The scenario's fresh hosts had no dockremap: remap_account created it, so undo removes it.
        assert lab.getent("dockremap") is None, name
        assert b"dockremap" not in (lab.read("/etc/subuid") or b"") + (lab.read("/etc/subgid") or b"")
        assert lab.read(RECORD) is None
    again = fleet.playbook("site.yml", "-e", "hardening_state=absent", "-e", "hardening_absent_remove_account=true",
                           "-e", "hardening_absent_remove_profile=true")
    assert again.rc == 0 and all(again.changed(name) == 0 for name in fleet.labs), again.describe()
    run, report, _junit = fleet.audit("undone", "-e", "hardening_state=absent")
    assert run.rc == 0 and report["drift"] is False, run.stdout[-3000:]


def test_harden_again_then_idempotent(fleet):
    run = fleet.playbook("site.yml")
    assert run.rc == 0, run.describe()
    for name, lab in fleet.labs.items():
        assert run.changed(name) > 0
        assert lab.hardened(), name
        assert lab.info()["DockerRootDir"] == REMAPPED_ROOT
    again = fleet.playbook("site.yml")
    assert again.rc == 0 and all(again.changed(name) == 0 for name in fleet.labs), again.describe()
    audit, report, _junit = fleet.audit("final")
    assert audit.rc == 0 and report["drift"] is False, audit.stdout[-3000:]


@pytest.fixture(scope="session", autouse=True)
def timings(fleet):
    yield
    for run in fleet.runs:
        print(f"{run.seconds:6.1f}s rc={run.rc} {' '.join(run.argv[3:])}")
