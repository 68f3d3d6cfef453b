# -*- coding: utf-8 -*-
"""The dockerd_service module end to end against fake systemctl / docker / journalctl.

The module runs as Ansible runs it (a subprocess reading a JSON args file); the fakes are shell
scripts first on PATH, driven by files in a state directory, and log every call. Files to restore
are real files under tmp_path, so restores, removals and modes are checked byte for byte.
"""

import os
import platform
import stat

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file

SYSTEMCTL = r"""#!/bin/bash
S="$FAKE_STATE"
echo "systemctl $*" >> "$S/log"
get() { cat "$S/$1" 2>/dev/null || echo "$2"; }
case "$1" in
  show)
    if [[ " $* " == *" --value "* ]]; then
      case "$*" in
        *MainPID*) if [ -f "$S/up" ]; then get pid 4242; else echo 0; fi ;;
        *ActiveState*) get active inactive ;;
      esac
      exit 0
    fi
    if [ "$2" = containerd.service ]; then
      printf 'ActiveState=failed\nSubState=failed\nUnitFileState=enabled\nResult=exit-code\n'; exit 0
    fi
    pid=0; [ -f "$S/up" ] && pid=$(get pid 4242)
    printf 'MainPID=%s\nId=docker.service\nLoadState=%s\nActiveState=%s\nSubState=x\nUnitFileState=%s\n' \
      "$pid" "$(get load loaded)" "$(get active inactive)" "$(get unitfile enabled)"
    # docker-ce's unit when the test names a containerd socket (file containerd_sock)
    if [ -f "$S/containerd_sock" ]; then
      printf 'ExecStart={ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// --containerd=%s ; %s }\n' \
        "$(get containerd_sock)" "ignore_errors=no"
      printf 'Wants=network-online.target containerd.service\n'
    fi
    echo
    printf 'MainPID=0\nId=docker.socket\nLoadState=loaded\nActiveState=active\nSubState=x\nUnitFileState=enabled\n'
    ;;
  start|restart)
    if [ "$2" = containerd.service ]; then
      [ -f "$S/containerd_late" ] || echo "containerd-faults: refuses to start" >> "$S/containerd_journal"
      echo "Job for containerd.service failed because the control process exited with error code." >&2
      exit "$(get rc_containerd 1)"
    fi
    n=$(( $(get "count_$1" 0) + 1 )); echo $n > "$S/count_$1"
    rc=$(get "rc_$1_$n" 0)
    if [ "$rc" = 0 ]; then touch "$S/up"; echo active > "$S/active"; echo $((4242 + n)) > "$S/pid"
    else rm -f "$S/up"; echo failed > "$S/active"
      echo "unable to configure the Docker daemon with file /etc/docker/daemon.json: attempt $1 $n" >> "$S/journal"
      echo "Job for docker.service failed because the control process exited with error code." >&2
    fi
    exit "$rc" ;;
  reset-failed) exit "$(get rc_reset 0)" ;;
  enable) echo enabled > "$S/unitfile"; exit "$(get rc_enable 0)" ;;
esac
exit 0
"""

DOCKER = r"""#!/bin/bash
S="$FAKE_STATE"
echo "docker $*" >> "$S/log"
case "$1" in
  version) if [ -f "$S/up" ]; then echo 26.1.5+dfsg1; else echo "Cannot connect to the Docker daemon" >&2; exit 1; fi ;;
  info) cat "$S/info.json" 2>/dev/null || echo '{"SecurityOptions": null, "DockerRootDir": "/var/lib/docker"}' ;;
  import) cat > /dev/null; echo sha256:abc ;;
  run) rc=$(cat "$S/rc_run" 2>/dev/null || echo 0)
       [ "$rc" = 0 ] || echo "docker: Error response from daemon: cannot start a stopped process: unknown." >&2
       exit "$rc" ;;
  image) exit 0 ;;
esac
"""

JOURNALCTL = r"""#!/bin/bash
echo "journalctl $*" >> "$FAKE_STATE/log"
# journald still holding containerd's last words (file containerd_late): a sync writes them.
if [ "$1" = --sync ]; then
  [ -f "$FAKE_STATE/containerd_late" ] && cat "$FAKE_STATE/containerd_late" >> "$FAKE_STATE/containerd_journal"
  rm -f "$FAKE_STATE/containerd_late"; exit 0
fi
if [ "$2" = containerd.service ]; then cat "$FAKE_STATE/containerd_journal" 2>/dev/null; exit 0; fi
echo "Starting docker.service - Docker Application Container Engine..."
cat "$FAKE_STATE/journal" 2>/dev/null
echo "docker.service: Failed with result 'exit-code'."
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    state = tmp_path / "state"
    bindir.mkdir()
    state.mkdir()
    for name, text in (("systemctl", SYSTEMCTL), ("docker", DOCKER), ("journalctl", JOURNALCTL)):
        path = bindir / name
        path.write_text(text)
        path.chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (bindir, os.pathsep, os.environ["PATH"]))
    monkeypatch.setenv("FAKE_STATE", str(state))

    class Fake(object):
        dir = state

        def set(self, name, value):
            (state / name).write_text("%s\n" % value)

        def up(self):
            (state / "up").write_text("")
            self.set("active", "active")

        def log(self):
            path = state / "log"
            return path.read_text().splitlines() if path.exists() else []

    return Fake()


def run(tmp_path, check=False, **args):
    args.setdefault("timeout", 2)
    return run_module_file("dockerd_service", tmp_path, check=check, **args)


def files(tmp_path, good=b'{"log-driver": "json-file"}\n', mode=0o600):
    etc = tmp_path / "etc"
    etc.mkdir()
    target = etc / "daemon.json"
    target.write_bytes(b'{"bogus-key": 1}\n')
    backup = etc / "daemon.json.1~"
    backup.write_bytes(good)
    backup.chmod(mode)
    return target, backup


HOST = platform.node()


def test_started_on_running_engine_changes_nothing(tmp_path, fake):
    fake.up()
    out = run(tmp_path, state="started")
    assert out["changed"] is False and out["host_state"] == "running"
    assert [s["step"] for s in out["steps"]] == ["check"]
    assert not [line for line in fake.log() if line.split()[1] in ("start", "restart", "reset-failed")]


def test_started_on_stopped_disabled_engine_starts_and_enables(tmp_path, fake):
    fake.set("unitfile", "disabled")
    out = run(tmp_path, state="started")
    assert out["changed"] is True and out["host_state"] == "running", out
    assert [s["step"] for s in out["steps"]] == ["check", "reset_failed", "start", "wait", "enable"]
    assert "systemctl reset-failed docker.socket" in fake.log()
    assert out["pid_before"] == 0 and out["pid_after"] == 4243
    assert out["engine_version"] == "26.1.5+dfsg1"


def test_started_check_mode_predicts_and_does_nothing(tmp_path, fake):
    fake.set("unitfile", "disabled")
    out = run(tmp_path, check=True, state="started")
    assert out["changed"] is True
    assert "would start docker.service" in out["msg"] and "would enable" in out["msg"]
    assert not [line for line in fake.log() if line.split()[1] in ("start", "enable", "reset-failed")]
    # the engine is not asked while the service is inactive (that would socket-activate it)
    assert not [line for line in fake.log() if line.startswith("docker ")]


def test_started_that_fails_reports_dockerd_words_and_changes_nothing(tmp_path, fake):
    fake.set("rc_start_1", 1)
    out = run(tmp_path, state="started")
    assert out.get("failed") is True and out["changed"] is False
    assert out["host_state"] == "down"
    assert out["msg"].startswith(HOST + ": ")
    assert "attempt start 1" in out["msg"] and "changed nothing" in out["msg"]
    assert "systemctl reset-failed docker; systemctl start docker" in out["msg"]
    assert "Job for" not in out["msg"]


def test_restarted_check_mode(tmp_path, fake):
    fake.up()
    out = run(tmp_path, check=True, state="restarted")
    assert out["changed"] is True and out["msg"] == "would restart docker.service"
    assert not [line for line in fake.log() if line.split()[1] in ("restart", "reset-failed")]


def test_restarted_success_with_expect_and_probe(tmp_path, fake):
    fake.up()
    fake.set("info.json", '{"SecurityOptions": ["name=seccomp,profile=default", "name=userns"],'
                          ' "DockerRootDir": "/var/lib/docker/165536.165536"}')
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF fake")
    out = run(tmp_path, state="restarted", verify_container=True, busybox_path=str(busybox),
              expect=dict(security_options=["name=userns", "name=seccomp,profile=builtin"],
                          data_root_suffix="165536.165536"))
    assert out.get("failed") is not True, out["msg"]
    assert [s["step"] for s in out["steps"]] == ["reset_failed", "restart", "wait", "verify", "probe"]
    assert "docker image rm -f containment-verify:probe" in fake.log()


def test_restart_failure_restores_removes_and_runs_again(tmp_path, fake):
    fake.up()
    fake.set("rc_restart_1", 1)
    target, backup = files(tmp_path)
    created = tmp_path / "etc" / "created.json"
    created.write_text("{}")
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)}, remove=[str(created)])
    assert out["failed"] is True and out["rolled_back"] is True
    assert out["host_state"] == "running on the restored configuration"
    assert target.read_bytes() == b'{"log-driver": "json-file"}\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not created.exists()
    msg = out["msg"]
    assert msg.startswith(HOST + ": ")
    assert "attempt restart 1" in msg
    assert "%s restored from %s" % (target, backup) in msg
    assert "%s removed (this run created it)" % created in msg
    assert "dockerd is running again on the previous configuration (pid 4244)" in msg
    assert out["pid_after"] == 4244 and out["pid_before"] == 4242


def test_blank_backup_removes_the_target(tmp_path, fake):
    fake.up()
    fake.set("rc_restart_1", 1)
    target, backup = files(tmp_path, good=b"  \n")
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)})
    assert out["rolled_back"] is True and not target.exists()
    assert out["restored"] == [dict(path=str(target), backup=str(backup), action="removed")]


def test_previous_configuration_down_too(tmp_path, fake):
    fake.up()
    fake.set("rc_restart_1", 1)
    fake.set("rc_restart_2", 1)
    target, backup = files(tmp_path)
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)})
    assert out["failed"] is True and out["host_state"] == "down"
    assert out["steps"][-1]["step"] == "journal_previous"
    msg = out["msg"]
    for text in (HOST, "dockerd is DOWN", "attempt restart 2", "journalctl -u docker",
                 "systemctl reset-failed docker && systemctl start docker", str(backup)):
        assert text in msg, text
    assert "Traceback" not in msg


def test_expect_mismatch_rolls_back(tmp_path, fake):
    fake.up()
    target, backup = files(tmp_path)
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)},
              expect=dict(security_options=["name=userns"]))
    assert out["failed"] is True and out["host_state"] == "running on the restored configuration"
    assert "SecurityOptions lacks name=userns (the engine shows: none)" in out["msg"]
    assert [s["step"] for s in out["steps"]][:4] == ["reset_failed", "restart", "wait", "verify"]
    assert target.read_bytes() == backup.read_bytes()


def test_failed_container_probe_rolls_back(tmp_path, fake):
    fake.up()
    fake.set("rc_run", 125)
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"x")
    out = run(tmp_path, state="restarted", verify_container=True, busybox_path=str(busybox))
    assert out["failed"] is True and "a container did not start" in out["msg"]
    assert out["host_state"] == "running on the restored configuration"


def test_restore_that_fails_still_starts_dockerd(tmp_path, fake):
    fake.up()
    fake.set("rc_restart_1", 1)
    target, backup = files(tmp_path)
    missing_dir = tmp_path / "gone" / "subuid"
    out = run(tmp_path, state="restarted",
              restore={str(target): str(backup), str(missing_dir): str(backup)})
    assert out["host_state"] == "running on the restored configuration"
    assert "NOT restored: %s" % missing_dir in out["msg"]
    assert target.read_bytes() == backup.read_bytes()


@pytest.mark.parametrize("args, text", [
    (dict(state="restarted", timeout=1), "timeout must be at least 2"),
    (dict(state="restarted", restore={"/etc/docker/daemon.json": "/nonexistent/backup~"}),
     "backup /nonexistent/backup~ of /etc/docker/daemon.json does not exist"),
    (dict(state="restarted", restore={"/etc/docker/daemon.json": ""}), "has no backup path"),
    (dict(state="restarted", restore={"daemon.json": "/b"}), "is not absolute"),
    (dict(state="restarted", verify_container=True, busybox_path="/nonexistent/busybox"),
     "busybox /nonexistent/busybox does not exist"),
])
def test_bad_arguments_fail_before_anything_runs(tmp_path, fake, args, text):
    fake.up()
    out = run(tmp_path, **args)
    assert out["failed"] is True and text in out["msg"] and "Nothing was done" in out["msg"]
    assert not [line for line in fake.log() if line.split()[1] in ("restart", "reset-failed")]


def test_missing_unit_fails_cleanly(tmp_path, fake):
    fake.set("load", "not-found")
    out = run(tmp_path, state="started")
    assert out["failed"] is True and "systemd has no unit docker.service" in out["msg"]


def test_restored_file_refused_too_falls_back_to_the_last_good_copy(tmp_path, fake):
    """A daemon.json changed by hand after dockerd started: its backup is the refused file itself,
    so the restore does not start; the copy of the file dockerd ran with is put back."""
    fake.up()
    fake.set("rc_restart_1", 1)
    fake.set("rc_restart_2", 1)
    target, backup = files(tmp_path, good=b'{"bip": "not-an-ip"}\n')
    copy = tmp_path / "state-dir" / "daemon.json"
    copy.parent.mkdir()
    copy.write_bytes(b'{"log-driver": "json-file"}\n')
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)}, last_good={str(target): str(copy)})
    assert out["failed"] is True
    assert out["host_state"] == "running on the last configuration it ran with"
    assert target.read_bytes() == b'{"log-driver": "json-file"}\n'
    kept = out["fell_back"][0]["refused_kept_as"]
    assert open(kept, "rb").read() == b'{"bip": "not-an-ip"}\n', "the refused file must be kept"
    assert [s["step"] for s in out["steps"]][-2:] == ["start_fallback", "wait_fallback"]
    assert "last configuration it was known to run with" in out["msg"] and kept in out["msg"]


def test_no_copy_to_fall_back_to_ends_down(tmp_path, fake):
    fake.up()
    fake.set("rc_restart_1", 1)
    fake.set("rc_restart_2", 1)
    target, backup = files(tmp_path)
    copy = tmp_path / "state-dir" / "daemon.json"
    copy.parent.mkdir()
    copy.write_bytes(b'{"log-driver": "json-file"}\n')  # equals the restored file: nothing to put back
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)}, last_good={str(target): str(copy)})
    assert out["host_state"] == "down" and "dockerd is DOWN" in out["msg"]


def test_a_verified_restart_saves_the_last_good_copy(tmp_path, fake):
    fake.up()
    target, _backup = files(tmp_path)
    copy = tmp_path / "state-dir" / "daemon.json"
    out = run(tmp_path, state="restarted", last_good={str(target): str(copy)})
    assert out["saved"] == [str(target)]
    assert copy.read_bytes() == target.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


# --- containerd apart (docker-ce's unit: --containerd=/run/containerd/containerd.sock) ----------

def test_containerd_that_answers_changes_nothing(tmp_path, fake):
    import socket
    path = str(tmp_path / "containerd.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    try:
        fake.up()
        fake.set("containerd_sock", path)
        out = run(tmp_path, state="started")
    finally:
        listener.close()
    assert out["changed"] is False, out
    assert [s["step"] for s in out["steps"]] == ["containerd", "check"]
    assert "containerd answers at %s" % path in out["steps"][0]["detail"]
    assert "systemctl start containerd.service" not in fake.log()


def test_a_failed_units_words_not_yet_in_the_journal_are_read_after_a_sync(tmp_path, fake):
    """journald reads a unit's stderr asynchronously: words logged just before the failure may be
    missing from the first read (seen on a lab host: "left no error line in the journal")."""
    fake.up()
    fake.set("containerd_sock", str(tmp_path / "containerd.sock"))
    fake.set("rc_containerd", 1)
    # containerd's words reach the journal only at `journalctl --sync` (the first read finds none)
    fake.set("containerd_late", "containerd-faults: late words")
    out = run(tmp_path, state="started")
    assert out["failed"] is True and "containerd-faults: late words" in out["msg"], out["msg"]
    assert "journalctl --sync" in fake.log()


def test_started_containerd_that_does_not_start_leaves_dockerd_running(tmp_path, fake):
    fake.up()
    fake.set("containerd_sock", str(tmp_path / "containerd.sock"))
    out = run(tmp_path, state="started")
    assert out["failed"] is True and out["changed"] is False and out["host_state"] == "running"
    assert [s["step"] for s in out["steps"]] == ["containerd", "journal_containerd"]
    assert "systemctl start containerd.service" in fake.log()
    assert not [line for line in fake.log() if line.split()[1:3] in (["start", "docker.service"],
                                                                     ["restart", "docker.service"])]
    msg = out["msg"]
    assert "uses the containerd at %s" % (tmp_path / "containerd.sock") in msg
    assert "containerd.service is failed/failed" in msg
    assert "containerd.service says: containerd-faults: refuses to start" in msg
    assert "keeps running (pid 4242)" in msg and "This run changed nothing" in msg
    assert "Job for" not in msg


def test_restarted_containerd_that_does_not_start_restores_without_restarting(tmp_path, fake):
    fake.up()
    fake.set("containerd_sock", str(tmp_path / "containerd.sock"))
    target, backup = files(tmp_path)
    out = run(tmp_path, state="restarted", restore={str(target): str(backup)})
    assert out["failed"] is True and out["rolled_back"] is True and out["changed"] is True
    assert out["host_state"] == "running" and out["pid_after"] == 4242
    assert [s["step"] for s in out["steps"]] == ["containerd", "journal_containerd", "restore_untouched"]
    assert target.read_bytes() == b'{"log-driver": "json-file"}\n'
    assert not [line for line in fake.log() if line.split()[1] in ("restart", "reset-failed")]
    assert "dockerd was not restarted" in out["msg"]
    assert "%s restored from %s" % (target, backup) in out["msg"]


def test_containerd_check_mode_predicts_its_start(tmp_path, fake):
    fake.up()
    fake.set("containerd_sock", str(tmp_path / "containerd.sock"))
    out = run(tmp_path, check=True, state="started")
    assert out["changed"] is True and "would start containerd.service" in out["msg"]
    assert "systemctl start containerd.service" not in fake.log()
