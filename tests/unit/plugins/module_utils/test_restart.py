# -*- coding: utf-8 -*-
"""module_utils/restart.py as tables: the state machine, journal filtering, expect, the messages.

The journal lines are real, read with `journalctl -u docker.service -n 50 -o cat` on the lab hosts
(containment-lab:bookworm, docker.io 20.10.24; containment-lab:trixie, docker.io 26.1.5).
"""

import pytest

from ansible_collections.containment.docker.plugins.module_utils import restart as rs

STARTED = rs.Plan(state="started", enable=False, verify=False, probe=False)
STARTED_ENABLE = rs.Plan(state="started", enable=True, verify=False, probe=False)
RESTART_PLAIN = rs.Plan(state="restarted", enable=False, verify=False, probe=False)
RESTART_FULL = rs.Plan(state="restarted", enable=False, verify=True, probe=True)
RESTART_PROBE = rs.Plan(state="restarted", enable=False, verify=False, probe=True)
RESTART_FALLBACK = rs.Plan(state="restarted", enable=False, verify=True, probe=False, fallback=True)
FALLBACK = ["journal_previous", "fallback", "reset_failed_fallback", "start_fallback", "wait_fallback"]

ROLLBACK = ["journal", "restore", "reset_failed_previous", "start_previous", "wait_previous"]


# --- state machine -----------------------------------------------------------------------------

@pytest.mark.parametrize("plan, outcomes, path", [
    # started: already running
    (STARTED, {}, ["check", "done"]),
    (STARTED_ENABLE, {}, ["check", "enable", "done"]),
    (STARTED_ENABLE, {"enable": False}, ["check", "enable", "enable_failed"]),
    # started: stopped / failed / start-limit-hit, and each step failing
    (STARTED, {"check": False}, ["check", "reset_failed", "start", "wait", "done"]),
    (STARTED_ENABLE, {"check": False}, ["check", "reset_failed", "start", "wait", "enable", "done"]),
    (STARTED, {"check": False, "reset_failed": False}, ["check", "reset_failed", "journal", "start_failed"]),
    (STARTED, {"check": False, "start": False}, ["check", "reset_failed", "start", "journal", "start_failed"]),
    (STARTED_ENABLE, {"check": False, "wait": False},
     ["check", "reset_failed", "start", "wait", "journal", "start_failed"]),
    # a journal that cannot be read changes nothing about the path
    (STARTED, {"check": False, "start": False, "journal": False},
     ["check", "reset_failed", "start", "journal", "start_failed"]),
    # restarted: success
    (RESTART_PLAIN, {}, ["reset_failed", "restart", "wait", "done"]),
    (RESTART_FULL, {}, ["reset_failed", "restart", "wait", "verify", "probe", "done"]),
    (RESTART_PROBE, {}, ["reset_failed", "restart", "wait", "probe", "done"]),
    # restarted: every forward step failing, rolled back
    (RESTART_FULL, {"reset_failed": False}, ["reset_failed"] + ROLLBACK + ["rolled_back"]),
    (RESTART_FULL, {"restart": False}, ["reset_failed", "restart"] + ROLLBACK + ["rolled_back"]),
    (RESTART_FULL, {"wait": False}, ["reset_failed", "restart", "wait"] + ROLLBACK + ["rolled_back"]),
    (RESTART_FULL, {"verify": False},
     ["reset_failed", "restart", "wait", "verify"] + ROLLBACK + ["rolled_back"]),
    (RESTART_FULL, {"probe": False},
     ["reset_failed", "restart", "wait", "verify", "probe"] + ROLLBACK + ["rolled_back"]),
    # a restore that fails still starts dockerd again
    (RESTART_FULL, {"restart": False, "restore": False},
     ["reset_failed", "restart"] + ROLLBACK + ["rolled_back"]),
    # a failed reset before the restart of the old files is not fatal either
    (RESTART_PLAIN, {"restart": False, "reset_failed_previous": False},
     ["reset_failed", "restart"] + ROLLBACK + ["rolled_back"]),
    # the previous configuration does not start either
    (RESTART_FULL, {"restart": False, "start_previous": False},
     ["reset_failed", "restart", "journal", "restore", "reset_failed_previous", "start_previous",
      "journal_previous", "down"]),
    (RESTART_FULL, {"probe": False, "wait_previous": False},
     ["reset_failed", "restart", "wait", "verify", "probe"] + ROLLBACK + ["journal_previous", "down"]),
    (RESTART_PLAIN, {"wait": False, "restore": False, "wait_previous": False},
     ["reset_failed", "restart", "wait"] + ROLLBACK + ["journal_previous", "down"]),
    # with a copy of the last configuration dockerd ran with: the restored files fail too (a
    # daemon.json changed by hand after dockerd started), the copy is put back and started
    (RESTART_FALLBACK, {}, ["reset_failed", "restart", "wait", "verify", "done"]),
    (RESTART_FALLBACK, {"restart": False}, ["reset_failed", "restart"] + ROLLBACK + ["rolled_back"]),
    (RESTART_FALLBACK, {"restart": False, "start_previous": False},
     ["reset_failed", "restart", "journal", "restore", "reset_failed_previous", "start_previous"]
     + FALLBACK + ["fell_back"]),
    (RESTART_FALLBACK, {"verify": False, "wait_previous": False},
     ["reset_failed", "restart", "wait", "verify"] + ROLLBACK + FALLBACK + ["fell_back"]),
    # nothing to put back (the copy equals the files now): down
    (RESTART_FALLBACK, {"restart": False, "wait_previous": False, "fallback": False},
     ["reset_failed", "restart"] + ROLLBACK + ["journal_previous", "fallback", "down"]),
    # the copy does not start either: down, with dockerd's words read once more
    (RESTART_FALLBACK, {"restart": False, "wait_previous": False, "start_fallback": False},
     ["reset_failed", "restart"] + ROLLBACK + ["journal_previous", "fallback", "reset_failed_fallback",
                                               "start_fallback", "journal_fallback", "down"]),
    (RESTART_FALLBACK, {"restart": False, "wait_previous": False, "wait_fallback": False},
     ["reset_failed", "restart"] + ROLLBACK + FALLBACK + ["journal_fallback", "down"]),
])
def test_walk(plan, outcomes, path):
    assert rs.walk(plan, outcomes) == path


@pytest.mark.parametrize("plan", [STARTED, STARTED_ENABLE, RESTART_PLAIN, RESTART_FULL, RESTART_PROBE,
                                  RESTART_FALLBACK])
def test_every_failure_combination_ends_in_a_terminal_state(plan):
    """Whatever fails, the walk ends; a started run never restores, a restart never ends unreported."""
    forward = ["check", "reset_failed", "start", "restart", "wait", "verify", "probe", "enable",
               "journal", "restore", "reset_failed_previous", "start_previous", "wait_previous",
               "journal_previous", "fallback", "start_fallback", "wait_fallback"]
    for mask in range(1 << len(forward)):
        outcomes = dict((name, not (mask >> i) & 1) for i, name in enumerate(forward))
        path = rs.walk(plan, outcomes)
        assert path[-1] in rs.TERMINAL
        if plan.state == "started":
            assert "restore" not in path and path[-1] in ("done", "start_failed", "enable_failed")
        else:
            assert path[-1] in ("done", "rolled_back", "down", "fell_back")
            if path[-1] != "done":
                assert "restore" in path and "start_previous" in path
            if path[-1] == "fell_back":
                assert plan.fallback and path[-2] == "wait_fallback"
            if not plan.fallback:
                assert "fallback" not in path


@pytest.mark.parametrize("state", sorted(rs.TERMINAL) + ["bogus"])
def test_no_step_after_a_terminal_or_unknown_state(state):
    with pytest.raises(ValueError):
        rs.next_step(state, True, RESTART_FULL)


def test_first_step_refuses_unknown_state():
    with pytest.raises(ValueError):
        rs.first_step(rs.Plan(state="stopped", enable=False, verify=False, probe=False))


@pytest.mark.parametrize("final, host_state", [
    ("done", "running"), ("enable_failed", "running"), ("start_failed", "down"),
    ("rolled_back", "running on the restored configuration"), ("down", "down"),
])
def test_host_state_of_each_end(final, host_state):
    assert rs.HOST_STATE[final] == host_state


# --- systemctl show ----------------------------------------------------------------------------

SHOW = """MainPID=0
Result=start-limit-hit
Id=docker.service
LoadState=loaded
ActiveState=failed
SubState=failed
UnitFileState=disabled

Result=success
Id=docker.socket
LoadState=not-found
ActiveState=inactive
SubState=dead
UnitFileState=
"""


def test_parse_systemctl_show_two_units():
    units = rs.parse_systemctl_show(SHOW)
    assert [u["Id"] for u in units] == ["docker.service", "docker.socket"]
    service = rs.unit_by_id(units, "docker.service")
    assert service["Result"] == "start-limit-hit" and rs.parse_pid(service["MainPID"]) == 0
    assert rs.needs_enable(service)
    assert rs.unit_by_id(units, "docker.socket")["LoadState"] == "not-found"
    assert rs.unit_by_id(units, "containerd.service") == {}


@pytest.mark.parametrize("state, wanted", [
    ("disabled", True), ("enabled", False), ("static", False), ("masked", False),
    ("indirect", False), ("enabled-runtime", False), ("", False),
])
def test_needs_enable(state, wanted):
    assert rs.needs_enable({"UnitFileState": state}) is wanted


@pytest.mark.parametrize("value, pid", [("812", 812), ("0", 0), ("", 0), (" 77\n", 77), ("x", 0), (None, 0)])
def test_parse_pid(value, pid):
    assert rs.parse_pid(value) == pid


# --- journal -----------------------------------------------------------------------------------

# docker.io 20.10.24 (bookworm), `{"bogus-key": 1}` in daemon.json, restarted until start-limit-hit
JOURNAL_2010_BOGUS = """Stopped docker.service - Docker Application Container Engine.
Starting docker.service - Docker Application Container Engine...
unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives don't match any configuration option: bogus-key
docker.service: Main process exited, code=exited, status=1/FAILURE
docker.service: Failed with result 'exit-code'.
Failed to start docker.service - Docker Application Container Engine.
docker.service: Scheduled restart job, restart counter is at 1.
Stopped docker.service - Docker Application Container Engine.
Starting docker.service - Docker Application Container Engine...
unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives don't match any configuration option: bogus-key
docker.service: Main process exited, code=exited, status=1/FAILURE
docker.service: Failed with result 'exit-code'.
Failed to start docker.service - Docker Application Container Engine.
docker.service: Scheduled restart job, restart counter is at 3.
Stopped docker.service - Docker Application Container Engine.
docker.service: Start request repeated too quickly.
docker.service: Failed with result 'exit-code'.
Failed to start docker.service - Docker Application Container Engine.""".splitlines()

# docker.io 20.10.24: a blank daemon.json, then a good start (info and warning lines)
JOURNAL_2010_BLANK_THEN_START = """unable to configure the Docker daemon with file /etc/docker/daemon.json: EOF
docker.service: Main process exited, code=exited, status=1/FAILURE
Failed to start docker.service - Docker Application Container Engine.
Starting docker.service - Docker Application Container Engine...
time="2026-12-01T05:22:57.331847409Z" level=info msg="Starting up"
time="2026-12-01T05:22:57.334324278Z" level=info msg="[core] parsed scheme: \\"unix\\"" module=grpc
time="2026-12-01T05:22:57.344637498Z" level=info msg="[graphdriver] using prior storage driver: overlay2"
time="2026-12-01T05:22:57.346528170Z" level=warning msg="Your kernel does not support cgroup blkio weight"
time="2026-12-01T05:22:57.776837221Z" level=info msg="Docker daemon" commit=5d6db84 graphdriver(s)=overlay2 version=20.10.24+dfsg1
time="2026-12-01T05:22:57.777013732Z" level=info msg="Daemon has completed initialization"
Started docker.service - Docker Application Container Engine.
time="2026-12-01T05:22:57.788735674Z" level=info msg="API listen on /run/docker.sock"
""".splitlines()

# docker.io 26.1.5 (trixie): a seccomp profile path that does not exist
JOURNAL_261_SECCOMP = """Starting docker.service - Docker Application Container Engine...
docker.service: Referenced but unset environment variable evaluates to an empty string: DOCKER_OPTS
time="2026-12-01T05:23:05.033243935Z" level=info msg="Starting up"
failed to start daemon: opening seccomp profile (/etc/docker/nope.json) failed: open /etc/docker/nope.json: no such file or directory
docker.service: Main process exited, code=exited, status=1/FAILURE
docker.service: Failed with result 'exit-code'.
Failed to start docker.service - Docker Application Container Engine.
docker.service: Scheduled restart job, restart counter is at 1.""".splitlines()

# docker.io 26.1.5: a remap user that does not exist
JOURNAL_261_USERNS = """Starting docker.service - Docker Application Container Engine...
docker.service: Referenced but unset environment variable evaluates to an empty string: DOCKER_OPTS
Error during uid lookup for "nosuchuser": getent unable to find entry "nosuchuser" in passwd database
docker.service: Main process exited, code=exited, status=1/FAILURE
Failed to start docker.service - Docker Application Container Engine.""".splitlines()

# docker.io 26.1.5: dockerd runs, a deny-all seccomp profile makes every container start fail
JOURNAL_261_CONTAINER = [
    'time="2026-12-01T05:40:01.1Z" level=info msg="Loading containers: done."',
    'time="2026-12-01T05:40:02.2Z" level=error msg="Handler for POST /v1.45/containers/84904a7e9dca/start '
    'returned error: cannot start a stopped process: unknown" spanID=90801b691b5de52b traceID=3fb6c6b3',
]


@pytest.mark.parametrize("lines, kept", [
    (JOURNAL_2010_BOGUS,
     ["unable to configure the Docker daemon with file /etc/docker/daemon.json: the following "
      "directives don't match any configuration option: bogus-key"] * 2),
    (JOURNAL_2010_BLANK_THEN_START,
     ["unable to configure the Docker daemon with file /etc/docker/daemon.json: EOF"]),
    (JOURNAL_261_SECCOMP,
     ["failed to start daemon: opening seccomp profile (/etc/docker/nope.json) failed: open "
      "/etc/docker/nope.json: no such file or directory"]),
    (JOURNAL_261_USERNS,
     ['Error during uid lookup for "nosuchuser": getent unable to find entry "nosuchuser" in passwd database']),
    (JOURNAL_261_CONTAINER,
     ['level=error msg="Handler for POST /v1.45/containers/84904a7e9dca/start returned error: cannot '
      'start a stopped process: unknown" spanID=90801b691b5de52b traceID=3fb6c6b3']),
    ([], []),
    (["", "   "], []),
])
def test_dockerd_lines_keep_dockerd_and_drop_systemd(lines, kept):
    assert rs.dockerd_lines(lines) == kept


def test_dockerd_lines_of_another_unit_name():
    lines = ["dockerd-ce.service: Main process exited, code=exited, status=1/FAILURE", "boom"]
    assert rs.dockerd_lines(lines, name="dockerd-ce") == ["boom"]
    # the docker.service prefix is not systemd's for that unit
    assert rs.dockerd_lines(["docker.service: x"], name="dockerd-ce") == ["docker.service: x"]


@pytest.mark.parametrize("lines, count, picked", [
    (["a", "b", "a", "c", "a"], 3, ["b", "c", "a"]),
    (["a", "a", "a"], 3, ["a"]),
    (["a", "b", "c", "d"], 2, ["c", "d"]),
    ([], 3, []),
])
def test_last_words(lines, count, picked):
    assert rs.last_words(lines, count) == picked


# --- expect --------------------------------------------------------------------------------------

INFO_2010 = {"SecurityOptions": ["name=seccomp,profile=default"], "DockerRootDir": "/var/lib/docker"}
INFO_261_REMAP = {
    "SecurityOptions": ["name=seccomp,profile=/etc/docker/seccomp/containment.json", "name=userns",
                        "name=cgroupns"],
    "DockerRootDir": "/var/lib/docker/165536.165536",
}


@pytest.mark.parametrize("info, expect, problems", [
    (INFO_2010, {}, []),
    (INFO_2010, {"security_options": ["name=seccomp,profile=builtin"]}, []),
    (INFO_2010, {"security_options": ["name=seccomp,profile=default"]}, []),
    (INFO_2010, {"security_options": ["name=seccomp"]}, []),
    ({"SecurityOptions": ["name=seccomp,profile=builtin"]}, {"security_options": ["name=seccomp,profile=default"]}, []),
    (INFO_261_REMAP, {"security_options": ["name=userns", "name=seccomp,profile=/etc/docker/seccomp/containment.json"],
                      "data_root_suffix": "165536.165536"}, []),
    (INFO_261_REMAP, {"data_root_suffix": "/165536.165536/"}, []),
    (INFO_2010, {"security_options": ["name=userns"]},
     ["SecurityOptions lacks name=userns (the engine shows: name=seccomp,profile=default)"]),
    (INFO_261_REMAP, {"security_options": ["name=seccomp,profile=builtin"]},
     ["SecurityOptions lacks name=seccomp,profile=builtin (the engine shows: "
      "name=seccomp,profile=/etc/docker/seccomp/containment.json, name=userns, name=cgroupns)"]),
    (INFO_2010, {"data_root_suffix": "165536.165536"},
     ["DockerRootDir is /var/lib/docker, expected it to end with /165536.165536"]),
    # a suffix that only matches part of the last component does not count
    ({"DockerRootDir": "/var/lib/docker/1165536.165536"}, {"data_root_suffix": "165536.165536"},
     ["DockerRootDir is /var/lib/docker/1165536.165536, expected it to end with /165536.165536"]),
    # SecurityOptions null (an engine without seccomp or apparmor)
    ({"SecurityOptions": None, "DockerRootDir": "/var/lib/docker"}, {"security_options": ["name=userns"]},
     ["SecurityOptions lacks name=userns (the engine shows: none)"]),
    ({}, {"security_options": ["name=userns"], "data_root_suffix": "x"},
     ["SecurityOptions lacks name=userns (the engine shows: none)",
      "DockerRootDir is (not shown), expected it to end with /x"]),
    (None, {"security_options": []}, []),
])
def test_expect_problems(info, expect, problems):
    assert rs.expect_problems(info, expect) == problems


# --- messages ----------------------------------------------------------------------------------

def test_start_failed_message_names_host_cause_and_fix():
    msg = rs.start_failed_message("web1", "docker", "`systemctl start docker.service` failed (exit 1)",
                                  rs.dockerd_lines(JOURNAL_2010_BOGUS))
    assert msg.startswith("web1: ")
    assert "bogus-key" in msg and msg.count("bogus-key") == 1
    assert "changed nothing" in msg
    assert "systemctl reset-failed docker; systemctl start docker" in msg
    assert "Traceback" not in msg and "object of type" not in msg


def test_start_failed_message_without_journal_lines():
    msg = rs.start_failed_message("web1", "docker", "the engine did not answer", [])
    assert "dockerd left no error line in the journal" in msg


RESTORED = [("/etc/docker/daemon.json", "/etc/docker/daemon.json.1.2026@x~", "restored"),
            ("/etc/subuid", "/etc/subuid.2~", "restored")]


@pytest.mark.parametrize("final, restored, removed, problems, must, must_not", [
    ("rolled_back", RESTORED, [], [],
     ["web1: ", "bogus-key", "/etc/docker/daemon.json restored from /etc/docker/daemon.json.1.2026@x~",
      "/etc/subuid restored from /etc/subuid.2~",
      "dockerd is running again on the previous configuration (pid 4242)"],
     ["DOWN", "NOT restored"]),
    ("rolled_back", [], ["/etc/docker/daemon.json"], [],
     ["/etc/docker/daemon.json removed (this run created it)", "running again"], ["DOWN"]),
    ("rolled_back", [], [], [], ["no file to restore"], ["DOWN"]),
    ("rolled_back", [("/etc/docker/daemon.json", "/b~", "removed")], [], [],
     ["/etc/docker/daemon.json removed (its backup /b~ is empty"], ["DOWN"]),
    ("rolled_back", RESTORED[:1], [], ["/etc/subuid from /etc/subuid.2~ (backup /etc/subuid.2~ does not exist)"],
     ["NOT restored: /etc/subuid from /etc/subuid.2~", "running again"], ["DOWN"]),
    ("down", RESTORED, [], [],
     ["web1: ", "dockerd is DOWN", "dockerd says now: also-bogus",
      "/etc/docker/daemon.json <- /etc/docker/daemon.json.1.2026@x~", "journalctl -u docker",
      "systemctl reset-failed docker && systemctl start docker", "To recover on web1"],
     ["running again"]),
    ("down", [("/etc/docker/daemon.json", "/b~", "removed")], [], [],
     ["/etc/docker/daemon.json <- /b~ (blank: the file was removed)", "dockerd is DOWN"], []),
])
def test_rollback_message(final, restored, removed, problems, must, must_not):
    backups = dict((path, backup) for path, backup, _how in restored)
    msg = rs.rollback_message("web1", "docker", "`systemctl restart docker.service` failed (exit 1)",
                              ["unable to configure ...: bogus-key"], restored, removed, problems,
                              final, pid=4242, previous_lines=["also-bogus"], backups=backups)
    for text in must:
        assert text in msg, text
    for text in must_not:
        assert text not in msg, text
    assert "`systemctl restart docker.service` failed (exit 1)" in msg


def test_enable_failed_message():
    msg = rs.enable_failed_message("web1", "docker", "Unit file docker.service is masked.")
    assert "web1" in msg and "systemctl unmask docker.service" in msg and "reboot" in msg


# --- containerd apart (docker-ce's and Debian's units: --containerd=/run/containerd/containerd.sock)

# `systemctl show docker.service -p ExecStart` on the dockerce lab host (docker-ce's unit) and on
# Debian's (trixie, forky: $DOCKER_OPTS from /etc/default/docker, expanded before this is read).
DOCKERCE_COMMAND = "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
DEBIAN_COMMAND = "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock "


@pytest.mark.parametrize("command, address", [
    (DOCKERCE_COMMAND, "/run/containerd/containerd.sock"),
    (DEBIAN_COMMAND, "/run/containerd/containerd.sock"),
    ("/usr/bin/dockerd --containerd /run/c.sock -H fd://", "/run/c.sock"),
    ("/usr/bin/dockerd --containerd=unix:///run/c.sock", "/run/c.sock"),
    # the last flag counts, as in dockerd's own parsing (a drop-in appending one)
    ("/usr/bin/dockerd --containerd=/a.sock --containerd=/b.sock", "/b.sock"),
    # dockerd starts its own containerd: nothing else must run
    ("/usr/bin/dockerd -H fd://", ""),
    ("/usr/bin/dockerd --containerd-namespace=moby", ""),
    ("/usr/bin/dockerd --containerd", ""),
    ("", ""),
    ('/usr/bin/dockerd --label "unbalanced --containerd=/x.sock', "/x.sock"),
])
def test_containerd_address(command, address):
    assert rs.containerd_address(command) == address


@pytest.mark.parametrize("unit, wanted", [
    # docker-ce's and Debian's docker.service: Wants=network-online.target containerd.service
    ({"Wants": "network-online.target containerd.service", "Requires": "sysinit.target docker.socket"},
     "containerd.service"),
    ({"Requires": "containerd.service docker.socket"}, "containerd.service"),
    ({"BindsTo": "containerd.service"}, "containerd.service"),
    ({"Wants": "network-online.target", "Requires": "docker.socket"}, ""),
    ({"Wants": "my-containerd.service"}, ""),
    ({}, ""),
])
def test_containerd_unit(unit, wanted):
    assert rs.containerd_unit(unit) == wanted


STARTED_CONTAINERD = rs.Plan(state="started", enable=False, verify=False, probe=False, containerd=True)
RESTART_CONTAINERD = rs.Plan(state="restarted", enable=False, verify=True, probe=True, containerd=True)


@pytest.mark.parametrize("plan, outcomes, path", [
    # containerd answers (or was started): the usual walks follow
    (STARTED_CONTAINERD, {}, ["containerd", "check", "done"]),
    (STARTED_CONTAINERD, {"check": False}, ["containerd", "check", "reset_failed", "start", "wait", "done"]),
    (RESTART_CONTAINERD, {}, ["containerd", "reset_failed", "restart", "wait", "verify", "probe", "done"]),
    (RESTART_CONTAINERD, {"restart": False},
     ["containerd", "reset_failed", "restart"] + ROLLBACK + ["rolled_back"]),
    # containerd does not start: dockerd is neither started nor restarted
    (STARTED_CONTAINERD, {"containerd": False}, ["containerd", "journal_containerd", "containerd_down"]),
    (STARTED_CONTAINERD, {"containerd": False, "journal_containerd": False},
     ["containerd", "journal_containerd", "containerd_down"]),
    (RESTART_CONTAINERD, {"containerd": False},
     ["containerd", "journal_containerd", "restore_untouched", "containerd_down"]),
    (RESTART_CONTAINERD, {"containerd": False, "restore_untouched": False},
     ["containerd", "journal_containerd", "restore_untouched", "containerd_down"]),
])
def test_walk_with_containerd(plan, outcomes, path):
    walked = rs.walk(plan, outcomes)
    assert walked == path
    if walked[-1] == "containerd_down":
        assert not set(walked) & {"start", "restart", "start_previous", "reset_failed"}


@pytest.mark.parametrize("final, running, text", [
    ("containerd_down", True, "running"), ("containerd_down", False, "down"),
    ("done", True, "running"), ("rolled_back", True, "running on the restored configuration"),
])
def test_host_state_with_containerd(final, running, text):
    assert rs.host_state(final, running) == text


CONTAINERD_FAILURE = ("nothing answers at /run/containerd/containerd.sock ([Errno 2] No such file or directory), "
                      "containerd.service is failed/failed (unit file enabled, result exit-code), and "
                      "`systemctl start containerd.service` failed (exit 1)")


@pytest.mark.parametrize("state, pid, restored, must, must_not", [
    ("started", 4242, [], ["web1: dockerd (docker.service) uses the containerd at /run/containerd/containerd.sock",
                           "This run changed nothing", "keeps running (pid 4242)", "systemctl start containerd.service",
                           "containerd.service says: containerd-faults: refuses", "journalctl -u containerd.service"],
     ["Rolled back", "restarted"]),
    ("started", 0, [], ["This run changed nothing", "dockerd stays down"], ["keeps running"]),
    ("restarted", 4242, RESTORED, ["dockerd was not restarted", "/etc/docker/daemon.json restored from",
                                   "keeps running on its previous configuration (pid 4242)",
                                   "nothing of this change is in effect"], ["changed nothing"]),
    ("restarted", 0, [], ["dockerd was not restarted", "no file to restore", "dockerd is not running"], []),
])
def test_containerd_down_message(state, pid, restored, must, must_not):
    msg = rs.containerd_down_message("web1", "docker", state, "/run/containerd/containerd.sock",
                                     "containerd.service", CONTAINERD_FAILURE,
                                     ["containerd-faults: refuses to start"], pid=pid, restored=restored)
    for text in must:
        assert text in msg, text
    for text in must_not:
        assert text not in msg, text
    assert CONTAINERD_FAILURE in msg


def test_containerd_down_message_without_a_unit():
    msg = rs.containerd_down_message("web1", "docker", "started", "/run/c.sock", "", "nothing answers at /run/c.sock",
                                     [], pid=0)
    assert "No unit of docker.service starts containerd" in msg and "/run/c.sock" in msg
    assert "containerd left no error line" in msg
