"""Field faults (field-faults.md) on hardened live hosts: the run stops, rolls back or recovers.

Each case function breaks one host, runs site.yml against it (a subprocess, as an operator would),
and records what the host looks like afterwards; the tests below assert on those records. The
host is restored after every case (conftest.CaseRunner), so each case starts hardened. The cases
run in the order of this file; the last one proves a plain run changes nothing after them all.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from faultlab import (
    DAEMON_CONFIG,
    DATA_ROOT,
    DENIED,
    DROP_IN,
    DROP_IN_DIR,
    PROBE_IMAGE,
    REMAP_VALUE,
    SECCOMP_PROFILE,
    SUBGID,
    SUBUID,
    Lab,
)

# A syscall the engine's default profile allows and a busybox applet can call: `renice` on itself
# is setpriority(2), allowed without any capability, so EPERM can only come from the profile.
NEW_DENIAL = "setpriority"
NEW_DENY_LIST = [*DENIED, NEW_DENIAL]
RENICE = "renice -n 5 -p 1"
EPERM = "Operation not permitted"
# The daemon role's read-only check of daemon.json (roles/daemon/tasks/preflight.yml).
PREFLIGHT_CHECK = "Check daemon.json and dockerd's command line without writing"


def observe(lab: Lab) -> SimpleNamespace:
    """The host's files and engine as they are now."""
    info = lab.info()
    return SimpleNamespace(
        daemon=lab.read(DAEMON_CONFIG),
        profile_md5=lab.md5(SECCOMP_PROFILE),
        subuid=lab.read(SUBUID),
        subgid=lab.read(SUBGID),
        pid=lab.main_pid(),
        active=lab.active(),
        security_options=info.get("SecurityOptions") or [],
        data_root=info.get("DockerRootDir"),
    )


def json_of(data: bytes | None):
    return json.loads(data) if data else None


def hardened_config(lab: Lab) -> dict:
    return json.loads(lab.baseline[DAEMON_CONFIG])


def write_config(lab: Lab, config: dict) -> None:
    lab.write(DAEMON_CONFIG, (json.dumps(config, indent=2) + "\n").encode())


def unchanged(before: SimpleNamespace, after: SimpleNamespace) -> list[str]:
    """What differs between two observations in files and dockerd (empty: nothing)."""
    return [
        f"{field}: {getattr(before, field)!r} -> {getattr(after, field)!r}"
        for field in ("daemon", "profile_md5", "subuid", "subgid", "pid", "active")
        if getattr(before, field) != getattr(after, field)
    ]


def assert_engine_hardened(state: SimpleNamespace) -> None:
    assert state.active, "dockerd is not active"
    assert "name=userns" in state.security_options, state.security_options
    assert f"name=seccomp,profile={SECCOMP_PROFILE}" in state.security_options, state.security_options
    assert state.data_root == DATA_ROOT


def run_failed_with(run, *words: str) -> None:
    assert run.rc != 0, f"the run succeeded: {run.describe()}"
    assert run.stats.get("failures") == 1, run.describe()
    for word in words:
        assert word in run.message, f"{word!r} not in the failure: {run.describe()}"


# --- F12, and restarts a failed run must not lose ---------------------------------------------

TWO_OBJECTS = (
    b'{"userns-remap": "dockremap:dockremap"}\n{"seccomp-profile": "/etc/docker/seccomp/containment.json"}\n'
)


def invalid_json_then_fixed(lab: Lab) -> SimpleNamespace:
    """F12 with a new deny list asked for; then the file fixed and the same run again."""
    o = SimpleNamespace()
    lab.ensure_probe_image()
    o.probe_before = lab.probe(RENICE)
    lab.write(DAEMON_CONFIG, TWO_OBJECTS)
    o.before = observe(lab)
    o.bad_run = lab.site(extra_vars={"seccomp_denied_syscalls": NEW_DENY_LIST})
    o.after_bad = observe(lab)
    # The operator repairs daemon.json (the content the collection wrote) and runs again.
    lab.write(DAEMON_CONFIG, lab.baseline[DAEMON_CONFIG])
    o.fixed_run = lab.site(extra_vars={"seccomp_denied_syscalls": NEW_DENY_LIST})
    o.after_fixed = observe(lab)
    o.profile_after_fixed = lab.read_json(SECCOMP_PROFILE)
    o.probe_after = lab.probe(RENICE)
    o.probe_unconfined = lab.probe(RENICE, unconfined=True)
    return o


def test_f12_invalid_daemon_json_fails_naming_file_and_position(outcome):
    o = outcome(invalid_json_then_fixed)
    run_failed_with(o.bad_run, DAEMON_CONFIG, "not valid JSON")
    assert re.search(r"line 2, column 1\b", o.bad_run.message), o.bad_run.describe()


def test_f12_nothing_written_and_no_restart(outcome):
    o = outcome(invalid_json_then_fixed)
    assert o.after_bad.daemon == TWO_OBJECTS, "daemon.json was rewritten"
    assert unchanged(o.before, o.after_bad) == [], o.bad_run.describe()


def test_f12_profile_untouched_although_a_new_deny_list_was_asked_for(outcome):
    o = outcome(invalid_json_then_fixed)
    assert o.after_bad.profile_md5 == o.before.profile_md5
    # Stopped by the preflight the hardening role runs before the profile and ranges are written.
    assert o.bad_run.failure[0].endswith(PREFLIGHT_CHECK), o.bad_run.describe()


def test_lost_restart_fixed_run_writes_profile_and_restarts(outcome):
    o = outcome(invalid_json_then_fixed)
    assert o.fixed_run.rc == 0, o.fixed_run.describe()
    assert o.after_fixed.profile_md5 != o.before.profile_md5, "the new deny list was not written"
    assert o.after_fixed.pid != o.before.pid, "dockerd was not restarted for the new profile"
    assert_engine_hardened(o.after_fixed)


def test_lost_restart_new_denial_is_live(outcome):
    o = outcome(invalid_json_then_fixed)
    assert o.probe_before.returncode == 0, f"{RENICE} failed before the change: {o.probe_before.stdout}"
    denied = [rule for rule in o.profile_after_fixed["syscalls"]
              if NEW_DENIAL in (rule.get("names") or []) and rule["action"] != "SCMP_ACT_ALLOW"]
    assert denied, f"{NEW_DENIAL} has no deny rule in the new profile"
    assert o.probe_after.returncode != 0, f"{RENICE} still works under the new profile"
    assert EPERM in o.probe_after.stdout + o.probe_after.stderr
    assert o.probe_unconfined.returncode == 0, o.probe_unconfined.stdout + o.probe_unconfined.stderr


def profile_written_restart_interrupted(lab: Lab) -> SimpleNamespace:
    """A run writes a new profile, then stops before its restart; the next run must still restart.

    `log-level: bogus` parses (so the preflight lets it through) but dockerd refuses it: 26.1 at
    `dockerd --validate`, after the profile was written and before any restart; 20.10 (no
    --validate) only at the restart, which the rollback undoes (daemon.json and the profile).
    """
    o = SimpleNamespace()
    lab.ensure_probe_image()
    o.validates = int(lab.info()["ServerVersion"].split(".")[0]) >= 23
    o.before = observe(lab)
    o.bad_run = lab.site(extra_vars={"seccomp_denied_syscalls": NEW_DENY_LIST,
                                     "daemon_extra_settings": {"log-level": "bogus"}})
    o.after_bad = observe(lab)
    o.probe_after_bad = lab.probe(RENICE)
    o.next_run = lab.site(extra_vars={"seccomp_denied_syscalls": NEW_DENY_LIST})
    o.after_next = observe(lab)
    o.probe_after_next = lab.probe(RENICE)
    return o


def test_interrupted_run_fails_before_or_at_restart(outcome):
    o = outcome(profile_written_restart_interrupted)
    if o.validates:
        run_failed_with(o.bad_run, "dockerd rejects the new configuration", "bogus")
    else:
        run_failed_with(o.bad_run, "previous configuration was restored")
    assert json_of(o.after_bad.daemon) == json_of(o.before.daemon)
    assert o.after_bad.active


def test_interrupted_run_left_the_profile_written_or_rolled_back(outcome):
    o = outcome(profile_written_restart_interrupted)
    if o.validates:
        # Written, not yet read: dockerd still runs on the old profile.
        assert o.after_bad.profile_md5 != o.before.profile_md5
        assert o.after_bad.pid == o.before.pid
    else:
        # The restart failed: the rollback restored the profile with daemon.json.
        assert o.after_bad.profile_md5 == o.before.profile_md5
    assert o.probe_after_bad.returncode == 0, o.probe_after_bad.stdout + o.probe_after_bad.stderr


def test_next_run_makes_up_the_restart(outcome):
    o = outcome(profile_written_restart_interrupted)
    assert o.next_run.rc == 0, o.next_run.describe()
    assert o.after_next.profile_md5 != o.before.profile_md5
    if o.validates:
        assert o.after_next.profile_md5 == o.after_bad.profile_md5
        assert o.after_next.pid != o.after_bad.pid, "the owed restart was lost"
    assert o.probe_after_next.returncode != 0, f"{RENICE} works: {NEW_DENIAL} is not denied by the live engine"
    assert EPERM in o.probe_after_next.stdout + o.probe_after_next.stderr
    assert_engine_hardened(o.after_next)


# --- F10: the same setting as a flag and as a daemon.json key ----------------------------------


def hosts_key_against_h_flag(lab: Lab) -> SimpleNamespace:
    """Debian's unit starts dockerd with `-H fd://`; the operator asks for `hosts` in daemon.json."""
    o = SimpleNamespace(before=observe(lab))
    o.run = lab.site(extra_vars={"daemon_extra_settings": {"hosts": ["unix:///run/docker.sock"]}})
    o.after = observe(lab)
    return o


def test_f10_hosts_key_fails_naming_key_and_flag(outcome):
    o = outcome(hosts_key_against_h_flag)
    run_failed_with(o.run, DAEMON_CONFIG, "'hosts' (flag -H)")
    assert o.run.failure[0].endswith(PREFLIGHT_CHECK), o.run.describe()


def test_f10_hosts_key_nothing_written_dockerd_untouched(outcome):
    o = outcome(hosts_key_against_h_flag)
    assert unchanged(o.before, o.after) == [], o.run.describe()
    assert_engine_hardened(o.after)


def userns_flag_from_drop_in(lab: Lab) -> SimpleNamespace:
    """A drop-in passes --userns-remap through DOCKER_OPTS; daemon.json does not set it."""
    o = SimpleNamespace()
    config = hardened_config(lab)
    del config["userns-remap"]
    write_config(lab, config)
    lab.sh(f"mkdir -p {DROP_IN_DIR}")
    lab.write(DROP_IN, f"[Service]\nEnvironment=DOCKER_OPTS=--userns-remap={REMAP_VALUE}\n".encode())
    lab.sh("systemctl daemon-reload")
    lab.restart_docker()
    o.command_line = lab.command_line()
    o.before = observe(lab)
    o.run = lab.site()
    o.after = observe(lab)
    return o


def test_f10_drop_in_flag_is_live(outcome):
    o = outcome(userns_flag_from_drop_in)
    assert f"--userns-remap={REMAP_VALUE}" in o.command_line
    assert "name=userns" in o.before.security_options


def test_f10_drop_in_flag_fails_naming_it(outcome):
    o = outcome(userns_flag_from_drop_in)
    run_failed_with(o.run, "'userns-remap' (flag --userns-remap)")
    assert o.run.failure[0].endswith(PREFLIGHT_CHECK), o.run.describe()


def test_f10_drop_in_flag_nothing_written_dockerd_untouched(outcome):
    o = outcome(userns_flag_from_drop_in)
    assert unchanged(o.before, o.after) == [], o.run.describe()
    assert "userns-remap" not in json_of(o.after.daemon)


def test_f10_failure_names_the_unit(outcome):
    o = outcome(userns_flag_from_drop_in)
    assert "docker.service" in o.run.message, o.run.describe()


# --- F13: a key the engine no longer accepts ------------------------------------------------------

REMOVED_KEY = "disable-legacy-registry"


def removed_key_then_removed(lab: Lab) -> SimpleNamespace:
    """The key appears in daemon.json while dockerd runs; then the operator asks to remove it."""
    o = SimpleNamespace()
    write_config(lab, {**hardened_config(lab), REMOVED_KEY: True})
    o.before = observe(lab)
    o.run = lab.site()
    o.after = observe(lab)
    o.remove_run = lab.site(extra_vars={"daemon_remove_settings": [REMOVED_KEY]})
    o.after_remove = observe(lab)
    return o


def test_f13_removed_key_fails_naming_it(outcome):
    o = outcome(removed_key_then_removed)
    run_failed_with(o.run, DAEMON_CONFIG, f"'{REMOVED_KEY}'")
    assert o.run.failure[0].endswith(PREFLIGHT_CHECK), o.run.describe()


def test_f13_nothing_written_and_no_restart(outcome):
    o = outcome(removed_key_then_removed)
    assert unchanged(o.before, o.after) == [], o.run.describe()
    assert_engine_hardened(o.after)


def test_f13_remove_settings_drops_the_key(outcome, lab):
    o = outcome(removed_key_then_removed)
    assert o.remove_run.rc == 0, o.remove_run.describe()
    assert json_of(o.after_remove.daemon) == hardened_config(lab)
    assert_engine_hardened(o.after_remove)


# --- F15: a candidate dockerd refuses only at start -----------------------------------------------


def refused_at_start(lab: Lab) -> SimpleNamespace:
    """`bip` parses (and passes dockerd --validate on 26.1) but dockerd does not start with it."""
    o = SimpleNamespace(before=observe(lab))
    o.run = lab.site(extra_vars={"daemon_extra_settings": {"bip": "not-an-ip"}})
    o.after = observe(lab)
    return o


def test_f15_run_fails_saying_previous_config_restored(outcome):
    o = outcome(refused_at_start)
    # dockerd's own words come along: it refused the bridge address.
    run_failed_with(o.run, "previous configuration was restored", "not-an-ip")
    assert o.run.failure[0].endswith("Report the failed change"), o.run.describe()


def test_f15_daemon_json_is_back_and_engine_hardened(outcome):
    o = outcome(refused_at_start)
    assert json_of(o.after.daemon) == json_of(o.before.daemon)
    assert o.after.profile_md5 == o.before.profile_md5
    assert_engine_hardened(o.after)


def test_f15_nothing_left_to_repair(outcome):
    o = outcome(refused_at_start)
    assert o.repaired == [], f"the rollback left the host needing: {o.repaired}"


def profile_breaks_containers(lab: Lab) -> SimpleNamespace:
    """F15 through the profile: denying execve lets dockerd start but no container; the probe sees it."""
    o = SimpleNamespace()
    lab.ensure_probe_image()
    o.before = observe(lab)
    o.run = lab.site(extra_vars={"seccomp_denied_syscalls": [*DENIED, "execve"], "daemon_verify_container": True})
    o.after = observe(lab)
    o.container_after = lab.probe("true")
    return o


def test_f15_probe_failure_fails_naming_it(outcome):
    o = outcome(profile_breaks_containers)
    run_failed_with(o.run, "a container did not start", "operation not permitted")
    assert o.run.failure[0].endswith("Report the failed change"), o.run.describe()


def test_f15_probe_failure_leaves_dockerd_running(outcome):
    o = outcome(profile_breaks_containers)
    assert json_of(o.after.daemon) == json_of(o.before.daemon)
    assert_engine_hardened(o.after)


def test_f15_probe_failure_restores_previous_profile(outcome):
    o = outcome(profile_breaks_containers)
    assert o.after.profile_md5 == o.before.profile_md5


def test_f15_probe_failure_containers_start_again(outcome):
    o = outcome(profile_breaks_containers)
    assert o.container_after.returncode == 0, o.container_after.stdout + o.container_after.stderr


# --- F08: turning remap on hides what the engine holds -------------------------------------------

HIDDEN = "containment-faults-hidden"


def remap_off_with_data(lab: Lab) -> SimpleNamespace:
    """Remap switched off again, then an image, a container and a volume on the plain data root."""
    o = SimpleNamespace()
    config = hardened_config(lab)
    del config["userns-remap"]
    write_config(lab, config)
    lab.restart_docker()
    o.data_root_off = lab.info().get("DockerRootDir")
    # Leftovers of an earlier run of this case on the same host (tests run by hand) go first.
    lab.sh(f"docker rm -f {HIDDEN}; docker volume rm {HIDDEN}; docker image rm {PROBE_IMAGE}", check=False)
    lab.ensure_probe_image()
    o.container_id = lab.sh(f"docker create --name {HIDDEN} {PROBE_IMAGE} true").stdout.strip()
    lab.sh(f"docker volume create {HIDDEN} >/dev/null")
    info = lab.info()
    o.counts = (info.get("Images"), info.get("Containers"), len(lab.sh("docker volume ls -q").stdout.split()))
    o.before = observe(lab)
    o.run = lab.site()
    o.after = observe(lab)
    # The string form, as typed on a command line.
    o.ack_run = lab.site("-e", "daemon_acknowledge_hidden_data=true")
    o.after_ack = observe(lab)
    o.old_root_kept = lab.sh(
        f"test -d /var/lib/docker/containers/{o.container_id} && test -d /var/lib/docker/volumes/{HIDDEN} "
        f"&& grep -q {PROBE_IMAGE.split(':')[0]} /var/lib/docker/image/*/repositories.json",
        check=False,
    ).returncode == 0
    return o


def test_f08_stops_naming_the_counts(outcome):
    o = outcome(remap_off_with_data)
    assert o.data_root_off == "/var/lib/docker"
    images, containers, volumes = o.counts
    assert min(o.counts) >= 1, f"setup made no image, container or volume: {o.counts}"
    run_failed_with(o.run, f"{images} image(s), {containers} container(s) and {volumes} volume(s)",
                    "daemon_acknowledge_hidden_data")


def test_f08_nothing_written_and_no_restart(outcome):
    o = outcome(remap_off_with_data)
    assert unchanged(o.before, o.after) == [], o.run.describe()


def test_f08_acknowledged_as_string_goes_on(outcome):
    o = outcome(remap_off_with_data)
    assert o.ack_run.rc == 0, o.ack_run.describe()
    assert json_of(o.after_ack.daemon).get("userns-remap") == REMAP_VALUE
    assert_engine_hardened(o.after_ack)


def test_f08_old_data_root_kept(outcome):
    o = outcome(remap_off_with_data)
    assert o.old_root_kept, "the image, container or volume is gone from /var/lib/docker"


# --- After every fault: nothing left to do -------------------------------------------------------


def plain_run(lab: Lab) -> SimpleNamespace:
    o = SimpleNamespace(before=observe(lab))
    o.run = lab.site()
    o.after = observe(lab)
    return o


def test_idempotent_after_recovery(outcome):
    o = outcome(plain_run)
    assert o.run.rc == 0, o.run.describe()
    assert o.run.changed == 0, o.run.describe()
    assert unchanged(o.before, o.after) == []
