"""Field faults (field-faults.md) on hardened live hosts: the run stops, rolls back or recovers.

Each case function breaks one host, runs site.yml against it (a subprocess, as an operator would),
and records what the host looks like afterwards; the tests below assert on those records. The
host is restored after every case (conftest.CaseRunner), so each case starts hardened. The cases
run in the order of this file; the last one proves a plain run changes nothing after them all.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from faultlab import (
    CONTAINERD_DROP_IN,
    CONTAINERD_DROP_IN_DIR,
    DAEMON_CONFIG,
    DATA_ROOT,
    DENIED,
    DOCKER_WRAPPER,
    DROP_IN,
    DROP_IN_DIR,
    PROBE_IMAGE,
    REMAP_VALUE,
    SCRATCH_PREFIX,
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
# The read-only check before any write (roles/daemon/tasks/preflight.yml, module dockerd_preflight).
PREFLIGHT_CHECK = "Check daemon.json, dockerd's command line and the live engine before any change"
# The first task: dockerd up on its existing configuration (roles/daemon/tasks/started.yml).
START_CHECK = "Ensure dockerd runs on its current configuration"
# The hardening role's plan of the remap account and ranges, in check mode, before any write.
ACCOUNT_PLAN = "Plan the remap account and its subordinate ID ranges without writing"
# The one handler: restart, verify, roll back (roles/daemon/handlers/main.yml, module dockerd_service).
RESTART_HANDLER = "Restart dockerd and roll back if it does not come back"
# dockerd_service's words for a rollback that brought dockerd back (module_utils/restart.py).
ROLLED_BACK = "dockerd is running again on the previous configuration"

CASES = []


def case(function):
    """Register a case: test_no_internal_error checks every run it made on every host."""
    CASES.append(function)
    return function


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
        remap_user=lab.getent("dockremap"),
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
        for field in ("daemon", "profile_md5", "subuid", "subgid", "pid", "active", "remap_user")
        if getattr(before, field) != getattr(after, field)
    ]


def assert_engine_hardened(state: SimpleNamespace) -> None:
    assert state.active, "dockerd is not active"
    assert "name=userns" in state.security_options, state.security_options
    assert f"name=seccomp,profile={SECCOMP_PROFILE}" in state.security_options, state.security_options
    assert state.data_root == DATA_ROOT


def no_internal_error(run) -> None:
    """A run ends in the collection's own message, never in Ansible's or Python's."""
    found = run.internal_errors()
    assert not found, f"internal error text in the run: {found} ({run.describe()})"


def run_failed_with(run, *words: str, task: str | None = None) -> None:
    """The run stopped on one host with a message holding every word (and, given, in that task)."""
    no_internal_error(run)
    assert run.rc != 0, f"the run succeeded: {run.describe()}"
    assert run.stats.get("failures") == 1, run.describe()
    for word in words:
        assert word in run.message, f"{word!r} not in the failure: {run.describe()}"
    if task is not None:
        assert run.failure[0].endswith(task), f"stopped in another task than {task!r}: {run.describe()}"


def run_succeeded(run) -> None:
    no_internal_error(run)
    assert run.rc == 0, run.describe()


def engine_major(lab: Lab) -> int:
    """The major version of the engine the host runs (20 on bookworm, 26 on trixie)."""
    return int(lab.info()["ServerVersion"].split(".")[0])


# --- F12, and restarts a failed run must not lose ---------------------------------------------

TWO_OBJECTS = (
    b'{"userns-remap": "dockremap:dockremap"}\n{"seccomp-profile": "/etc/docker/seccomp/containment.json"}\n'
)


@case
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
    no_internal_error(o.bad_run)


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


@case
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
        run_failed_with(o.bad_run, ROLLED_BACK, task=RESTART_HANDLER)
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


@case
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


def unit_exec_start(lab: Lab) -> str:
    """The command line of docker.service's ExecStart as systemd holds it ($VARS not expanded)."""
    shown = lab.sh("systemctl show -p ExecStart --value docker.service").stdout
    found = re.search(r"argv\[\]=(.*?) ;", shown)
    assert found, f"cannot read ExecStart: {shown!r}"
    return found.group(1).strip()


def flag_drop_in(lab: Lab, flag: str) -> str:
    """A drop-in adding a flag to dockerd's command line, the way this host's unit allows.

    Debian's unit passes $DOCKER_OPTS (Environment= or /etc/default/docker); docker-ce's has no
    variable, so the drop-in replaces ExecStart, as Docker's documentation tells operators to.
    """
    command = unit_exec_start(lab)
    if "$DOCKER_OPTS" in command:
        return f"[Service]\nEnvironment=DOCKER_OPTS={flag}\n"
    return f"[Service]\nExecStart=\nExecStart={command} {flag}\n"


@case
def userns_flag_from_drop_in(lab: Lab) -> SimpleNamespace:
    """A drop-in passes --userns-remap (DOCKER_OPTS, or docker-ce's ExecStart replaced); daemon.json does not set it."""
    o = SimpleNamespace()
    config = hardened_config(lab)
    del config["userns-remap"]
    write_config(lab, config)
    lab.sh(f"mkdir -p {DROP_IN_DIR}")
    lab.write(DROP_IN, flag_drop_in(lab, f"--userns-remap={REMAP_VALUE}").encode())
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


@case
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


@case
def refused_at_start(lab: Lab) -> SimpleNamespace:
    """`bip` parses (and passes dockerd --validate on 26.1) but dockerd does not start with it."""
    o = SimpleNamespace(before=observe(lab))
    o.run = lab.site(extra_vars={"daemon_extra_settings": {"bip": "not-an-ip"}})
    o.after = observe(lab)
    return o


def test_f15_run_fails_saying_previous_config_restored(outcome):
    o = outcome(refused_at_start)
    # dockerd's own words come along: it refused the bridge address.
    run_failed_with(o.run, ROLLED_BACK, "not-an-ip", task=RESTART_HANDLER)
    # How to recover: the message says what to fix.
    assert "fix the variables that produced it and run again" in o.run.message, o.run.describe()


def test_f15_daemon_json_is_back_and_engine_hardened(outcome):
    o = outcome(refused_at_start)
    assert json_of(o.after.daemon) == json_of(o.before.daemon)
    assert o.after.profile_md5 == o.before.profile_md5
    assert_engine_hardened(o.after)


def test_f15_nothing_left_to_repair(outcome):
    o = outcome(refused_at_start)
    assert o.repaired == [], f"the rollback left the host needing: {o.repaired}"


@case
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
    run_failed_with(o.run, "a container did not start", "operation not permitted", ROLLED_BACK,
                    task=RESTART_HANDLER)


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


@case
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
        f"&& grep -q {PROBE_IMAGE.split(':', maxsplit=1)[0]} /var/lib/docker/image/*/repositories.json",
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


# --- Kind 1: dockerd not running when the run starts ---------------------------------------------
# The run brings dockerd up on the configuration it has (failed state and start limit cleared),
# then decides; when dockerd cannot start, it stops at the first task with dockerd's own error.


def down_then_run(lab: Lab, break_it: str, extra_vars: dict | None = None) -> SimpleNamespace:
    """Stop dockerd with `break_it`, record the host, run site.yml, record it again."""
    o = SimpleNamespace()
    lab.sh(break_it, check=False)
    o.active_before = lab.active()
    o.result_before = lab.result()
    o.units_before = lab.unit_file_states()
    o.before = observe(lab)
    o.run = lab.site(extra_vars=extra_vars)
    o.after = observe(lab)
    o.units_after = lab.unit_file_states()
    o.socket_after = lab.sh("systemctl is-active docker.socket", check=False).stdout.strip()
    return o


@case
def stopped_with_socket(lab: Lab) -> SimpleNamespace:
    """Kind 1a: service and socket stopped (a docker CLI call cannot socket-activate it)."""
    return down_then_run(lab, "systemctl stop docker.socket docker.service")


@case
def stopped_and_disabled(lab: Lab) -> SimpleNamespace:
    """Kind 1b, F20: `systemctl disable --now` service and socket; the run also asks for a new deny list."""
    return down_then_run(lab, "systemctl disable --now docker.service docker.socket",
                         {"seccomp_denied_syscalls": NEW_DENY_LIST})


@case
def start_limit_hit(lab: Lab) -> SimpleNamespace:
    """Kind 1c: a good configuration, but systemd's start limit holds dockerd (restarted too often)."""
    return down_then_run(
        lab,
        "for _ in $(seq 8); do systemctl restart docker.service || true; "
        "[ \"$(systemctl show -p Result --value docker.service)\" = start-limit-hit ] && break; done",
    )


@case
def failed_on_bad_config(lab: Lab) -> SimpleNamespace:
    """Kind 1d: daemon.json holds a key dockerd does not know; dockerd failed at its last start."""
    lab.write(DAEMON_CONFIG, BOGUS_CONFIG)
    return down_then_run(lab, "systemctl restart docker.service; "
                              "for _ in $(seq 30); do systemctl is-active -q docker.service || exit 0; sleep 0.5; done")


BOGUS_CONFIG = b'{"bogus-key": 1}\n'


@pytest.mark.parametrize("case_fn", [stopped_with_socket, start_limit_hit], ids=lambda f: f.__name__)
def test_kind1_down_dockerd_started_on_existing_config(outcome, case_fn):
    o = outcome(case_fn)
    assert not o.active_before, "setup left dockerd running"
    if case_fn is start_limit_hit:
        assert o.result_before == "start-limit-hit", o.result_before
    run_succeeded(o.run)
    assert o.after.active and o.socket_after == "active"
    assert_engine_hardened(o.after)
    # Started on what it had: no file of the hardened host was rewritten.
    assert o.after.daemon == o.before.daemon
    assert (o.after.profile_md5, o.after.subuid, o.after.subgid, o.after.remap_user) == (
        o.before.profile_md5, o.before.subuid, o.before.subgid, o.before.remap_user)


def test_kind1_f20_disabled_ends_enabled_active_and_hardened(outcome):
    o = outcome(stopped_and_disabled)
    assert not o.active_before and o.units_before == "disabled disabled", (o.active_before, o.units_before)
    run_succeeded(o.run)
    assert o.units_after == "enabled enabled", f"docker.service, docker.socket: {o.units_after}: {o.run.describe()}"
    assert o.after.active
    assert_engine_hardened(o.after)
    # Then it went on: the new deny list was written and dockerd restarted for it.
    assert o.after.profile_md5 != o.before.profile_md5, "the run did not go on after starting dockerd"
    assert o.after.daemon == o.before.daemon


def test_kind1_bad_config_stops_first_with_dockerds_error_and_fix(outcome):
    o = outcome(failed_on_bad_config)
    assert not o.active_before, "setup: dockerd started with bogus-key"
    run_failed_with(o.run, "does not start on its existing configuration", "bogus-key",
                    "This run changed nothing", "systemctl reset-failed docker", task=START_CHECK)


def test_kind1_bad_config_nothing_changed(outcome):
    o = outcome(failed_on_bad_config)
    assert o.after.daemon == BOGUS_CONFIG
    assert unchanged(o.before, o.after) == [], o.run.describe()
    assert not o.after.active


# --- Kind 2: never left without a running dockerd ----------------------------------------------


@case
def stale_refused_config(lab: Lab) -> SimpleNamespace:
    """daemon.json edited by hand after dockerd started, to something dockerd refuses (not applied)."""
    o = SimpleNamespace()
    write_config(lab, {**hardened_config(lab), "bip": "not-an-ip"})
    o.stale = lab.read(DAEMON_CONFIG)
    o.before = observe(lab)
    o.run = lab.site(extra_vars={"seccomp_denied_syscalls": NEW_DENY_LIST})
    o.after = observe(lab)
    return o


def test_kind2_stale_refused_config_leaves_dockerd_running(outcome):
    o = outcome(stale_refused_config)
    assert o.before.active
    no_internal_error(o.run)
    assert o.after.active, f"dockerd is down after the run: {o.run.describe()}"
    assert o.run.rc != 0, f"the run built on a daemon.json dockerd never ran with: {o.run.describe()}"
    assert DAEMON_CONFIG in o.run.message, o.run.describe()


@case
def blank_daemon_json(lab: Lab) -> SimpleNamespace:
    """F22 (kinds 2 and 6): daemon.json holds only whitespace.

    26.1 (trixie) runs on it: dockerd is restarted onto it, then a run whose restart fails (bip)
    must roll back to no file (never a 0-byte one), then a plain run hardens. 20.10 (bookworm)
    refuses such a file at start: the run must refuse before any change; dockerd keeps running.
    """
    o = SimpleNamespace(accepts_blank=engine_major(lab) >= 23)
    lab.write(DAEMON_CONFIG, BLANK)
    if o.accepts_blank:
        lab.restart_docker()
    o.before = observe(lab)
    o.run = lab.site(extra_vars={"daemon_extra_settings": {"bip": "not-an-ip"},
                                 "daemon_acknowledge_hidden_data": True})
    o.after = observe(lab)
    if o.accepts_blank:
        lab.write(DAEMON_CONFIG, BLANK)
        o.before_plain = observe(lab)
        o.plain_run = lab.site(extra_vars={"daemon_acknowledge_hidden_data": True})
        o.after_plain = observe(lab)
    return o


BLANK = b" \n\t\n"


def test_kind6_blank_daemon_json_per_engine(outcome, lab):
    o = outcome(blank_daemon_json)
    assert o.accepts_blank == (engine_major(lab) >= 23)
    if o.accepts_blank:
        # 26.1: the blank file was a working state; the restart on the new settings failed.
        run_failed_with(o.run, ROLLED_BACK, "not-an-ip", task=RESTART_HANDLER)
        run_succeeded(o.plain_run)
        assert_engine_hardened(o.after_plain)
        assert json_of(o.after_plain.daemon).get("userns-remap") == REMAP_VALUE
    else:
        # 20.10: refused before any change, naming the file and the fix.
        run_failed_with(o.run, DAEMON_CONFIG, "Write {}", task=PREFLIGHT_CHECK)
        assert unchanged(o.before, o.after) == [], o.run.describe()


def test_kind2_blank_daemon_json_rollback_never_writes_an_empty_file(outcome):
    o = outcome(blank_daemon_json)
    assert o.after.active, f"dockerd is down: {o.run.describe()}"
    states = [o.after] + ([o.after_plain] if o.accepts_blank else [])
    for state in states:
        assert state.daemon is None or state.daemon.strip() or state.daemon == BLANK, \
            f"daemon.json left empty: {state.daemon!r}"
        assert state.daemon != b"", "a 0-byte daemon.json"
    if o.accepts_blank:
        # The backup was blank: the rollback removes the file (no settings, as dockerd ran before).
        assert o.after.daemon is None, f"rollback wrote {o.after.daemon!r} instead of removing the file"
        assert "name=userns" not in o.after.security_options, "the failed change is in effect"
    else:
        assert o.after.daemon == BLANK


# --- Kind 3: accounts and ranges that are not the collection's -----------------------------------

LOGIN = "containment-flt-login"
SYSTEM = "containment-flt-sys"


def lines(data: bytes | None) -> list[bytes]:
    return (data or b"").splitlines()


def kept_in_order(before: bytes | None, after: bytes | None) -> bool:
    """Every line of `before` is in `after`, unchanged and in the same order (lines may be added)."""
    remaining = iter(lines(after))
    return all(line in remaining for line in lines(before))


@case
def existing_accounts(lab: Lab) -> SimpleNamespace:
    """A login account and a system account (F21: /bin/false, a home) named as the remap user."""
    o = SimpleNamespace()
    lab.own_accounts(f"/home/{LOGIN}", f"/home/{SYSTEM}")
    lab.sh(f"useradd -m -s /bin/bash -G users {LOGIN} && "
           f"useradd --system -m -d /home/{SYSTEM} -s /bin/false -G users {SYSTEM}")
    o.login_before, o.system_before = lab.getent(LOGIN), lab.getent(SYSTEM)
    o.passwd_before = lab.read("/etc/passwd")
    o.before = observe(lab)
    as_login = {"userns_remap_user": LOGIN, "userns_remap_group": LOGIN, "daemon_acknowledge_hidden_data": True}
    o.refused = lab.site(extra_vars=as_login)
    o.after_refused = observe(lab)
    o.login_after_refused, o.passwd_after_refused = lab.getent(LOGIN), lab.read("/etc/passwd")
    # Allowed, as typed on a command line (a string).
    o.allowed = lab.site("-e", "userns_remap_allow_login_account=true", extra_vars=as_login)
    o.after_allowed = observe(lab)
    o.login_after_allowed = lab.getent(LOGIN)
    o.home_kept = lab.sh(f"test -d /home/{LOGIN}", check=False).returncode == 0
    o.system_run = lab.site(extra_vars={"userns_remap_user": SYSTEM, "userns_remap_group": SYSTEM,
                                        "daemon_acknowledge_hidden_data": True})
    o.after_system = observe(lab)
    o.system_after = lab.getent(SYSTEM)
    o.login_after_system = lab.getent(LOGIN)
    return o


def test_kind3_login_account_refused_naming_uid_min_and_the_switch(outcome):
    o = outcome(existing_accounts)
    run_failed_with(o.refused, LOGIN, "UID_MIN", "userns_remap_allow_login_account", task=ACCOUNT_PLAN)


def test_kind3_login_account_refused_nothing_written(outcome):
    o = outcome(existing_accounts)
    assert o.login_after_refused == o.login_before
    assert o.passwd_after_refused == o.passwd_before
    assert unchanged(o.before, o.after_refused) == [], o.refused.describe()


def test_kind3_login_account_allowed_kept_as_it_is(outcome):
    o = outcome(existing_accounts)
    run_succeeded(o.allowed)
    assert o.login_after_allowed == o.login_before, "shell, home or groups of the login account changed"
    assert o.home_kept
    assert o.after_allowed.active and "name=userns" in o.after_allowed.security_options
    assert json_of(o.after_allowed.daemon).get("userns-remap") == f"{LOGIN}:{LOGIN}"
    # dockremap's ranges (and any other line) are kept.
    assert kept_in_order(o.before.subuid, o.after_allowed.subuid), o.after_allowed.subuid
    assert kept_in_order(o.before.subgid, o.after_allowed.subgid), o.after_allowed.subgid


def test_kind3_f21_system_account_kept_ranges_added(outcome):
    o = outcome(existing_accounts)
    run_succeeded(o.system_run)
    assert o.system_after == o.system_before, "shell, home or groups of the system account changed"
    assert "/bin/false" in o.system_after and f"/home/{SYSTEM}" in o.system_after
    assert o.login_after_system == o.login_before
    for before, after in ((o.after_allowed.subuid, o.after_system.subuid),
                          (o.after_allowed.subgid, o.after_system.subgid)):
        assert kept_in_order(before, after), f"another account's range line changed: {before!r} -> {after!r}"
        assert any(line.startswith(f"{SYSTEM}:".encode()) for line in lines(after)), after
    assert_engine_hardened_as(o.after_system)


def assert_engine_hardened_as(state: SimpleNamespace) -> None:
    assert state.active, "dockerd is not active"
    assert "name=userns" in state.security_options, state.security_options
    assert f"name=seccomp,profile={SECCOMP_PROFILE}" in state.security_options, state.security_options


AMBIGUOUS_NAME = "4242"
AMBIGUOUS_UID_OWNER = "containment-flt-uid"
AMBIGUOUS_LINE = "4242:300000:65536"


@case
def ambiguous_subid_key(lab: Lab) -> SimpleNamespace:
    """An account literally named 4242 and another with UID 4242; /etc/subuid has a `4242:` line."""
    o = SimpleNamespace()
    lab.own_accounts()
    # useradd refuses an all-digit name; the entries are written as an operator's tool might.
    lab.sh(f"useradd -M -u 4242 -s /usr/sbin/nologin {AMBIGUOUS_UID_OWNER} && "
           f"uid=$(for i in $(seq 950 -1 900); do getent passwd $i >/dev/null || getent group $i >/dev/null "
           f"|| {{ echo $i; break; }}; done) && "
           f"echo \"{AMBIGUOUS_NAME}:x:$uid:$uid::/nonexistent:/usr/sbin/nologin\" >> /etc/passwd && "
           f"echo \"{AMBIGUOUS_NAME}:x:$uid:\" >> /etc/group && "
           f"echo \"{AMBIGUOUS_NAME}:!:19000::::::\" >> /etc/shadow && "
           f"echo \"{AMBIGUOUS_NAME}:!::\" >> /etc/gshadow && echo {AMBIGUOUS_LINE} >> {SUBUID}")
    o.numeric_uid = lab.sh(f"id -u {AMBIGUOUS_NAME}").stdout.strip()
    o.accounts_before = {path: lab.read(path) for path in ("/etc/passwd", "/etc/group", SUBUID, SUBGID)}
    o.before = observe(lab)
    o.run = lab.site(extra_vars={"userns_remap_user": AMBIGUOUS_UID_OWNER, "userns_remap_group": AMBIGUOUS_UID_OWNER,
                                 "userns_remap_allow_login_account": True})
    o.accounts_after = {path: lab.read(path) for path in o.accounts_before}
    o.after = observe(lab)
    return o


def test_kind3_ambiguous_key_fails_naming_both_accounts_and_the_line(outcome):
    o = outcome(ambiguous_subid_key)
    run_failed_with(o.run, "ambiguous", f"{AMBIGUOUS_NAME} (UID {o.numeric_uid})",
                    f"{AMBIGUOUS_UID_OWNER} (UID 4242)", SUBUID, AMBIGUOUS_LINE)


def test_kind3_ambiguous_key_nothing_changed(outcome):
    o = outcome(ambiguous_subid_key)
    assert o.accounts_after == o.accounts_before
    assert unchanged(o.before, o.after) == [], o.run.describe()


# --- Kind 4: every seccomp-profile daemon.json would carry is checked ---------------------------

# Profiles the case writes; restore() removes every file with this prefix.
SCRATCH = SCRATCH_PREFIX
BAD_PROFILES = {
    # name: (content or None for no file, words the failure must hold besides the path)
    "missing": (None, ["does not exist", "create the profile first"]),
    "action": ({"defaultAction": "SCMP_ACT_NOPE"}, ["SCMP_ACT_NOPE"]),
    "names": ({"defaultAction": "SCMP_ACT_ERRNO",
               "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]}, ["names"]),
    "syscall": ({"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["chroot", "containment_nosuch"], "action": "SCMP_ACT_ERRNO"}]},
                ["containment_nosuch"]),
}


@case
def seccomp_profiles_checked(lab: Lab) -> SimpleNamespace:
    """F23, F18: seccomp-profile through daemon_extra_settings, the collection's profile off."""
    o = SimpleNamespace(profile_runs={}, before={}, after={})
    for name, (content, _words) in BAD_PROFILES.items():
        path = f"{SCRATCH}{name}.json"
        if content is not None:
            lab.write(path, (json.dumps(content) + "\n").encode())
        o.before[name] = observe(lab)
        o.profile_runs[name] = lab.site(extra_vars={"hardening_seccomp_enabled": False,
                                                    "daemon_extra_settings": {"seccomp-profile": path}})
        o.after[name] = observe(lab)
    return o


@pytest.mark.parametrize("profile", list(BAD_PROFILES))
def test_kind4_seccomp_profile_refused_naming_key_path_and_fix(outcome, profile):
    o = outcome(seccomp_profiles_checked)
    run_failed_with(o.profile_runs[profile], "seccomp-profile", f"{SCRATCH}{profile}.json",
                    *BAD_PROFILES[profile][1], task=PREFLIGHT_CHECK)


@pytest.mark.parametrize("profile", list(BAD_PROFILES))
def test_kind4_seccomp_profile_refused_nothing_written_dockerd_untouched(outcome, profile):
    o = outcome(seccomp_profiles_checked)
    assert unchanged(o.before[profile], o.after[profile]) == [], o.profile_runs[profile].describe()
    assert_engine_hardened(o.after[profile])


# --- Kind 5: probes fail closed ------------------------------------------------------------------

PROBE_FAILURE = "containment-faults: simulated failure of"
VOLUME = "containment-faults-volume"


def install_docker_wrapper(lab: Lab, fails: str) -> None:
    """A docker CLI earlier on PATH that fails for `docker <fails> ...` and passes the rest through."""
    lab.write(DOCKER_WRAPPER, (
        "#!/bin/sh\n"
        f'case "$*" in "{fails}"|"{fails} "*) echo "{PROBE_FAILURE} docker $*" >&2; exit 3;; esac\n'
        'exec /usr/bin/docker "$@"\n').encode())
    lab.sh(f"chmod 0755 {DOCKER_WRAPPER}")


@case
def docker_cli_fails(lab: Lab) -> SimpleNamespace:
    """`docker ps` fails on the hardened host; then, remap off with only a volume, `docker volume ls`.

    Read as "nothing found", the second would let the hidden-data check pass and the run would
    hide the volume behind the remapped data root.
    """
    o = SimpleNamespace()
    install_docker_wrapper(lab, "ps")
    o.before_ps = observe(lab)
    o.ps_run = lab.site()
    o.after_ps = observe(lab)
    lab.sh(f"rm -f {DOCKER_WRAPPER}")
    config = hardened_config(lab)
    del config["userns-remap"]
    write_config(lab, config)
    lab.restart_docker()
    # Only a volume on the plain data root: no image, no container (earlier cases leave some).
    lab.sh("docker ps -aq | xargs -r docker rm -f >/dev/null; docker image prune -af >/dev/null; "
           f"docker volume create {VOLUME} >/dev/null")
    info = lab.info()
    o.counts = (info.get("Images"), info.get("Containers"))
    install_docker_wrapper(lab, "volume ls")
    o.before_volume = observe(lab)
    o.volume_run = lab.site()
    o.after_volume = observe(lab)
    o.volume_visible = VOLUME in lab.sh("/usr/bin/docker volume ls -q").stdout.split()
    return o


def test_kind5_failing_ps_stops_the_run_with_command_and_output(outcome):
    o = outcome(docker_cli_fails)
    run_failed_with(o.ps_run, "ps --quiet", f"{PROBE_FAILURE} docker ps", task=PREFLIGHT_CHECK)
    assert unchanged(o.before_ps, o.after_ps) == [], o.ps_run.describe()


def test_kind5_failing_volume_ls_never_passes_the_hidden_data_check(outcome):
    o = outcome(docker_cli_fails)
    assert o.counts == (0, 0), f"setup: the plain data root still holds images/containers {o.counts}"
    run_failed_with(o.volume_run, "volume ls", f"{PROBE_FAILURE} docker volume ls", task=PREFLIGHT_CHECK)
    assert unchanged(o.before_volume, o.after_volume) == [], o.volume_run.describe()
    assert "userns-remap" not in json_of(o.after_volume.daemon)
    assert o.volume_visible, "the volume is hidden: the run switched remap on"


# --- docker-ce's layout: docker.socket, containerd.service apart (issue 9) --------------------------
# docker-ce (and Debian's docker.io) start dockerd with --containerd=/run/containerd/containerd.sock
# from containerd.service, and with -H fd:// from docker.socket. The cases run on every host: all
# four units have both; containment-flt-dockerce has docker-ce's own unit (no EnvironmentFile).

CONTAINERD_SOCKET = "/run/containerd/containerd.sock"
# The role's restart handler on its own (module dockerd_service, state=restarted, files to restore).
RESTART_ONLY = Path(__file__).with_name("restart_only.yml")
CONTAINERD_REFUSES = "containment-faults: containerd refuses to start"


@case
def containerd_key_against_flag(lab: Lab) -> SimpleNamespace:
    """The unit passes --containerd; the operator also asks for the `containerd` key in daemon.json."""
    o = SimpleNamespace(command=unit_exec_start(lab), before=observe(lab))
    o.run = lab.site(extra_vars={"daemon_extra_settings": {"containerd": CONTAINERD_SOCKET}})
    o.after = observe(lab)
    return o


def test_containerd_key_fails_naming_key_and_flag(outcome):
    o = outcome(containerd_key_against_flag)
    assert f"--containerd={CONTAINERD_SOCKET}" in o.command
    run_failed_with(o.run, DAEMON_CONFIG, "'containerd' (flag --containerd)", task=PREFLIGHT_CHECK)
    assert unchanged(o.before, o.after) == [], o.run.describe()
    assert "containerd" not in json_of(o.after.daemon)


SECCOMP_INPUT_CHECK = "Stop on bad seccomp input before any change"


@case
def bad_seccomp_input(lab: Lab) -> SimpleNamespace:
    """F18 with company: a misspelt deny (unknown to the host's libseccomp) and a bad errno."""
    o = SimpleNamespace(before=observe(lab))
    o.run = lab.site(extra_vars={"seccomp_denied_syscalls": ["chroot", "chrooot"],
                                 "seccomp_denied_errno": "EBOGUS"})
    o.after = observe(lab)
    return o


def test_bad_seccomp_input_is_reported_at_once_and_changes_nothing(outcome):
    """Every input problem in one message (one run shows them all), before any write."""
    o = outcome(bad_seccomp_input)
    run_failed_with(o.run, "2 problems:", "seccomp_denied_syscalls: 'chrooot' is not a syscall libseccomp",
                    "would not deny it as asked", "seccomp_denied_errno 'EBOGUS' is not an errno",
                    "Nothing was changed.", task=SECCOMP_INPUT_CHECK)
    assert "'chroot'" not in o.run.message, o.run.describe()
    assert unchanged(o.before, o.after) == [], o.run.describe()


@case
def socket_activation_only(lab: Lab) -> SimpleNamespace:
    """docker.service stopped, docker.socket still listening (the next docker CLI call starts dockerd)."""
    o = SimpleNamespace()
    lab.sh("systemctl stop docker.service")
    # No docker CLI call here: it would socket-activate dockerd before the run.
    o.active_before = lab.active()
    o.socket_before = lab.sh("systemctl is-active docker.socket", check=False).stdout.strip()
    o.daemon_before, o.profile_before = lab.read(DAEMON_CONFIG), lab.md5(SECCOMP_PROFILE)
    o.run = lab.site()
    o.after = observe(lab)
    o.socket_after = lab.sh("systemctl is-active docker.socket", check=False).stdout.strip()
    return o


def test_socket_activation_only_started_and_hardened(outcome):
    o = outcome(socket_activation_only)
    assert not o.active_before and o.socket_before == "active", (o.active_before, o.socket_before)
    run_succeeded(o.run)
    assert o.socket_after == "active"
    assert_engine_hardened(o.after)
    assert (o.after.daemon, o.after.profile_md5) == (o.daemon_before, o.profile_before)


def containerd_active(lab: Lab) -> str:
    return lab.sh("systemctl is-active containerd.service", check=False).stdout.strip()


@case
def containerd_stopped(lab: Lab) -> SimpleNamespace:
    """containerd.service stopped under a running dockerd: the API answers, no container starts."""
    o = SimpleNamespace()
    lab.ensure_probe_image()
    lab.sh("systemctl stop containerd.service")
    o.containerd_before = containerd_active(lab)
    o.probe_before = lab.probe("true")
    o.before = observe(lab)
    o.run = lab.site()
    o.after = observe(lab)
    o.containerd_after = containerd_active(lab)
    o.probe_after = lab.probe("true")
    return o


def test_containerd_stopped_is_started_and_containers_run_again(outcome):
    o = outcome(containerd_stopped)
    assert o.containerd_before != "active" and o.probe_before.returncode != 0, \
        f"setup: containerd {o.containerd_before}, a container started: {o.probe_before.stdout}"
    run_succeeded(o.run)
    assert o.containerd_after == "active", o.run.describe()
    assert o.probe_after.returncode == 0, o.probe_after.stdout + o.probe_after.stderr
    assert_engine_hardened(o.after)
    assert (o.after.daemon, o.after.profile_md5) == (o.before.daemon, o.before.profile_md5)


@case
def containerd_fails(lab: Lab) -> SimpleNamespace:
    """containerd.service stopped and failing to start (a drop-in); first under a running dockerd,
    with a change asked for, then with dockerd and its socket stopped too."""
    o = SimpleNamespace()
    lab.sh(f"mkdir -p {CONTAINERD_DROP_IN_DIR}")
    lab.write(CONTAINERD_DROP_IN, (
        "[Service]\nExecStart=\n"
        f"ExecStart=/bin/sh -c 'echo \"{CONTAINERD_REFUSES}\" >&2; exit 1'\nRestart=no\n").encode())
    lab.sh("systemctl daemon-reload; systemctl stop containerd.service")
    o.before = observe(lab)
    o.run = lab.site(extra_vars={"seccomp_denied_syscalls": NEW_DENY_LIST})
    o.after = observe(lab)
    o.containerd_after = containerd_active(lab)
    # The restart handler alone (containerd gone after the run's first task): a daemon.json this
    # "run" wrote, its backup; dockerd must not be restarted, the file must be put back.
    lab.sh(f"cp -p {DAEMON_CONFIG} {DAEMON_CONFIG}.containment-faults~")
    write_config(lab, {**hardened_config(lab), "debug": True})
    o.before_handler = observe(lab)
    o.handler_run = lab.play(RESTART_ONLY, extra_vars={"restore_map": {
        DAEMON_CONFIG: f"{DAEMON_CONFIG}.containment-faults~"}})
    o.after_handler = observe(lab)
    lab.sh(f"rm -f {DAEMON_CONFIG}.containment-faults~")
    lab.sh("systemctl stop docker.socket docker.service")
    o.before_down = observe(lab)
    o.down_run = lab.site()
    o.after_down = observe(lab)
    return o


def test_containerd_fails_stops_first_naming_containerd_service(outcome):
    o = outcome(containerd_fails)
    for run in (o.run, o.down_run):
        run_failed_with(run, "containerd.service", f"uses the containerd at {CONTAINERD_SOCKET}",
                        CONTAINERD_REFUSES, "systemctl start containerd.service", "This run changed nothing",
                        task=START_CHECK)
    assert "keeps running" in o.run.message, o.run.describe()
    assert "dockerd stays down" in o.down_run.message, o.down_run.describe()


def test_containerd_fails_restart_handler_restores_and_does_not_restart(outcome, lab):
    o = outcome(containerd_fails)
    run_failed_with(o.handler_run, "containerd.service", "dockerd was not restarted", CONTAINERD_REFUSES,
                    "restored from", "keeps running on its previous configuration")
    assert o.after_handler.pid == o.before_handler.pid and o.after_handler.active, o.handler_run.describe()
    assert json_of(o.after_handler.daemon) == hardened_config(lab), "daemon.json was not put back"


def test_containerd_fails_dockerd_left_as_it_was(outcome):
    o = outcome(containerd_fails)
    assert o.before.active and o.after.active, f"dockerd was running and is not: {o.run.describe()}"
    assert unchanged(o.before, o.after) == [], o.run.describe()
    assert o.containerd_after != "active"
    assert not o.before_down.active and not o.after_down.active, o.down_run.describe()
    assert unchanged(o.before_down, o.after_down) == [], o.down_run.describe()


# --- After every fault: nothing left to do -------------------------------------------------------


@case
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


# --- Every run of every case ---------------------------------------------------------------------


@pytest.mark.parametrize("case_fn", CASES, ids=lambda f: f.__name__)
def test_no_internal_error(outcome, case_fn):
    """No run of any case ended in (or printed) an internal error text instead of a message."""
    o = outcome(case_fn)
    assert o.runs, f"{case_fn.__name__} ran no site.yml"
    for run in o.runs:
        no_internal_error(run)
