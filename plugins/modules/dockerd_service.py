#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dockerd_service
short_description: Start or restart dockerd safely; on a failed restart restore the files and start it again
version_added: "1.1.0"
description:
  - Brings dockerd up (O(state=started)) or restarts it on a new configuration (O(state=restarted)),
    waits until the engine answers, and for a restart checks that the engine shows the expected
    settings and, optionally, that a container starts.
  - "Facts come from two sources: systemd (C(systemctl show NAME.service NAME.socket) for
    C(ActiveState), C(UnitFileState), C(MainPID), C(LoadState)) and dockerd itself
    (C(docker version --format '{{.Server.Version}}') for whether the engine answers,
    C(docker info --format '{{json .}}') for C(SecurityOptions) and C(DockerRootDir), and
    C(journalctl -u NAME.service -n 50 -o cat) for its error lines)."
  - Before a start or restart, C(systemctl reset-failed NAME.service NAME.socket) clears systemd's
    failed state and its start limit (C(start-limit-hit), reached after a few restarts in quick
    succession), so an earlier failure does not refuse this start. The socket unit is included
    only when it exists.
  - "O(state=started): when the unit is active and the engine answers, nothing is done
    (C(changed=false)), except enabling a disabled unit (O(enabled)). Otherwise dockerd is started
    on its existing configuration. When it does not come up, the task fails with dockerd's own
    error lines from the journal and the fix; it has written no file."
  - "O(state=restarted): restart, wait, verify O(expect), prove a container starts
    (O(verify_container)). When any of these fails, the module reads the journal, restores every
    file of O(restore) from its backup, removes every path of O(remove), clears the failed state,
    starts dockerd again and waits for it; then it fails with a message that names the host, what
    failed with dockerd's own words, each file restored or removed, and the state the host is in
    now: running again on the previous configuration (with its pid), or down with the commands
    that recover it."
  - "When dockerd's command line names an external containerd (C(--containerd=SOCKET) in the
    unit's C(ExecStart), with C(Environment=) and C(EnvironmentFile=) variables expanded; docker-ce's
    and Debian's units pass C(--containerd=/run/containerd/containerd.sock)), that containerd must
    answer before dockerd is started or restarted. When nothing answers at the socket,
    C(containerd.service) (the unit C(NAME.service) wants or requires) is started; when it does not
    start (failed, masked), dockerd is left as it is: O(state=started) changes nothing, and
    O(state=restarted) restores the files of O(restore), removes those of O(remove) and does not
    restart dockerd. The task fails naming C(containerd.service), its state and its own error
    lines. Without this check dockerd 28.5 waits 60 s for the socket, then runs and answers
    C(docker version) but cannot start any container."
  - The decisions (the state machine, journal filtering, matching O(expect), the messages) are
    pure functions in C(module_utils/restart.py); this module only runs the commands.
author:
  - containment.docker contributors (!UNKNOWN)
options:
  name:
    description:
      - Name of the systemd service; the unit is C(NAME.service) and its socket C(NAME.socket)
        when that exists. Also the unit named in the recovery commands of a failure message.
    type: str
    default: docker
  state:
    description:
      - C(started) brings dockerd up on the configuration it has; a running, answering engine is
        left alone.
      - C(restarted) always restarts it, then verifies, and rolls back on failure.
    type: str
    required: true
    choices: [started, restarted]
  enabled:
    description:
      - With O(state=started), enable C(NAME.service) (and C(NAME.socket) when it exists) when its
        unit file is C(disabled), so that dockerd survives a reboot. Only C(disabled) is changed; a C(masked) unit fails the start and
        is left to the operator. Ignored with O(state=restarted).
      - The unit is enabled only after dockerd runs; a start that fails enables nothing.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait until C(docker version --format '{{.Server.Version}}') answers after a
        start or restart (and again after a rollback). At least 2. The wait ends early when systemd
        reports the unit C(failed).
    type: int
    default: 60
  restore:
    description:
      - "Files this run replaced, as C(path: backup path) (for example the C(backup_file) of
        M(containment.docker.daemon_json)). On failure each path is rewritten from its backup
        atomically (temporary file, fsync, rename), owned by root:root with the backup's mode."
      - "A backup that is empty or whitespace-only is never written; the target is removed instead,
        because a blank C(daemon.json) means no settings to engines that accept it, and dockerd
        20.10 refuses it (C(unable to configure the Docker daemon with file ...: EOF))."
      - Paths and backups must be absolute; a backup that does not exist fails the task before
        dockerd is restarted (not checked in check mode, where no backup has been made).
    type: dict
    default: {}
  remove:
    description:
      - Paths this run created (files, or empty directories); on failure each is removed, in
        reverse order, after the restores.
    type: list
    elements: path
    default: []
  expect:
    description:
      - What the engine must show after a restart (O(state=restarted)); when it does not, the restart
        counts as failed and is rolled back.
    type: dict
    default: {}
    suboptions:
      security_options:
        description:
          - Entries that must appear in C(docker info) C(SecurityOptions), such as C(name=userns) or
            C(name=seccomp,profile=/etc/docker/seccomp/containment.json). Each C(key=value) field of
            an entry must be in one option of the engine; the option may have more fields.
          - C(profile=builtin) and C(profile=default) match each other (dockerd 20.10 shows
            C(default), 23.0 and later C(builtin)). A null C(SecurityOptions) counts as none.
        type: list
        elements: str
        default: []
      data_root_suffix:
        description:
          - C(DockerRootDir) must end with C(/) and this, for example C(165536.165536) for a
            remapped engine. Empty means not checked.
        type: str
        default: ""
  verify_container:
    description:
      - After a restart, prove that a container starts. An image with one binary is built from the
        host's static busybox (O(busybox_path), with C(bin/true) a symlink to it) by
        C(docker import), then C(docker run --rm containment-verify:probe /bin/true) runs, and the
        image C(containment-verify:probe) is removed afterwards, also when the run failed. Nothing
        is pulled, so this works on a remapped engine with an empty data root.
      - A failed container start is rolled back like a failed restart.
    type: bool
    default: false
  last_good:
    description:
      - "Where to keep a copy of each configuration file dockerd is known to run with, as
        C(path: copy path), for example C(/etc/docker/daemon.json:
        /var/lib/containment-docker/last-good/daemon.json)."
      - A copy is saved when dockerd runs on the file, and only then - after a restart that was
        verified (O(state=restarted)), or when dockerd already runs and started after the file was
        last changed (O(state=started)). An absent file is saved as C({}), which means no settings
        to dockerd. Saving a copy is bookkeeping and does not count as a change.
      - When a rollback restores a file that dockerd refuses too (it was changed by hand after
        dockerd last started, and the run's backup is that refused file), the refused file is kept
        as C(PATH.refused-<time>), the copy is put back and dockerd started once more. Without a
        copy the host stays down and the message says how to recover.
    type: dict
    default: {}
  busybox_path:
    description:
      - A statically linked busybox on the host, for O(verify_container). When it is missing the
        task fails before dockerd is restarted.
    type: path
    default: /bin/busybox
notes:
  - Requires systemd and the C(docker) CLI on the host.
  - Read-only probes (C(systemctl show), C(docker version)) also run in check mode; the engine is
    queried only when the service is active, so the probe never socket-activates dockerd.
attributes:
  check_mode:
    support: full
    description:
      - Changes nothing. O(state=started) predicts C(changed=true) when the service is not active or
        the engine does not answer, or when the unit would be enabled; O(state=restarted) always
        predicts C(changed=true) ("would restart").
  diff_mode:
    support: none
    description: A service has no file content to compare.
  platform:
    support: full
    platforms: posix
    description: Linux hosts run by systemd.
seealso:
  - module: containment.docker.daemon_json
  - name: systemctl reset-failed
    description: Clears a unit's failed state and its start-limit counter.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemctl.html
"""

EXAMPLES = r"""
- name: Bring dockerd up on its existing configuration
  containment.docker.dockerd_service:
    state: started

- name: Restart dockerd on the new settings, roll back when the engine does not take them
  containment.docker.dockerd_service:
    state: restarted
    timeout: 90
    restore: >-
      {{ {'/etc/docker/daemon.json': daemon_json_result.backup_file}
         if daemon_json_result.backup_file | length > 0 else {} }}
    remove: "{{ [] if daemon_json_result.existed else ['/etc/docker/daemon.json'] }}"
    expect:
      security_options:
        - name=userns
        - name=seccomp,profile=/etc/docker/seccomp/containment.json
      data_root_suffix: "165536.165536"
    verify_container: true
"""

RETURN = r"""
steps:
  description: Each step run, in order.
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: >-
        containerd, check, reset_failed, start, restart, wait, verify, probe, enable, journal,
        restore, reset_failed_previous, start_previous, wait_previous, journal_previous, fallback,
        reset_failed_fallback, start_fallback, wait_fallback, journal_fallback, journal_containerd,
        restore_untouched.
      type: str
    ok:
      description: Whether the step succeeded.
      type: bool
    rc:
      description: Exit code of the step's (last) command; 0 for a step that runs none.
      type: int
    detail:
      description: What the step saw or did.
      type: str
  sample:
    - {step: reset_failed, ok: true, rc: 0, detail: "systemctl reset-failed docker.service docker.socket"}
    - {step: restart, ok: true, rc: 0, detail: "systemctl restart docker.service"}
    - {step: wait, ok: true, rc: 0, detail: "engine answers after 0 s: 26.1.5+dfsg1"}
pid_before:
  description: dockerd's MainPID per systemd before the run; 0 when it did not run.
  returned: always
  type: int
  sample: 812
pid_after:
  description: dockerd's MainPID per systemd at the end; 0 when it does not run.
  returned: always
  type: int
  sample: 1405
rolled_back:
  description: Whether the files of O(restore) / O(remove) were put back after a failure.
  returned: always
  type: bool
  sample: false
host_state:
  description: dockerd's state at the end.
  returned: always
  type: str
  choices: [running, running on the restored configuration, down]
  sample: running
journal:
  description: dockerd's lines from the journal (systemd's own filtered out), when it was read.
  returned: always
  type: list
  elements: str
  sample: ["unable to configure the Docker daemon with file /etc/docker/daemon.json: EOF"]
engine_version:
  description: C(Server.Version) of the engine at the end; empty when it does not answer.
  returned: always
  type: str
  sample: 26.1.5+dfsg1
restored:
  description: Files rewritten from their backups (or removed for a blank backup) after a failure.
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/docker/daemon.json, backup: "/etc/docker/daemon.json.1234.2026-12-01@05:30:00~", action: restored}]
fell_back:
  description: Files put back from O(last_good) after the restored configuration failed too.
  returned: always
  type: list
  elements: dict
  sample: []
saved:
  description: Files whose copy in O(last_good) was saved on this run.
  returned: always
  type: list
  elements: str
  sample: [/etc/docker/daemon.json]
removed:
  description: Paths of O(remove) removed after a failure.
  returned: always
  type: list
  elements: str
  sample: []
"""

import io
import json
import os
import platform
import socket
import stat
import tarfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.containment.docker.plugins.module_utils import restart as rs
from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import (
    HostFactsError,
    boot_time,
    exec_start_command,
    expand_unit_variables,
    parse_environment_file,
    parse_environment_files_property,
    parse_environment_property,
    parse_systemctl_show as parse_show_lists,
    process_start_time,
)
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    try_parse_engine_version,
)
from ansible_collections.containment.docker.plugins.module_utils.fileio import (
    WriteError,
    read_bytes,
    write_atomic,
)

PROBE_IMAGE = "containment-verify:probe"
SHOW_PROPS = ["Id", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "Result"]
# What of the service says which containerd dockerd uses and which unit starts it.
CONTAINERD_PROPS = ["ExecStart", "Environment", "EnvironmentFiles", "Wants", "Requires", "BindsTo"]
# Seconds to wait for containerd's socket after `systemctl start containerd.service` returned.
CONTAINERD_WAIT = 30
# Reads of a failed unit's journal when it shows nothing yet (see Runner.unit_journal): the first at
# once, then after `journalctl --sync`, with pauses of 0, 0.5 and 1 s.
JOURNAL_READS = 4
JOURNAL_PAUSE = 0.5


def unix_socket_answers(path, timeout=2.0):
    """(True, '') when something accepts a connection on the unix socket ``path``, else (False, why)."""
    if not path:
        return False, "no socket path"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        return True, ""
    except OSError as exc:
        return False, to_native(getattr(exc, "strerror", None) or exc)
    finally:
        sock.close()


class Runner(object):
    """Executes the steps the state machine names; every decision is in module_utils/restart.py."""

    def __init__(self, module, plan):
        self.module = module
        self.plan = plan
        self.p = module.params
        self.name = self.p["name"]
        self.service = "%s.service" % self.name
        self.socket = "%s.socket" % self.name
        self.systemctl = module.get_bin_path("systemctl")
        self.docker = module.get_bin_path("docker")
        self.timeout_bin = module.get_bin_path("timeout")
        self.steps = []
        self.failure = ""
        self.journal = []
        self.previous_journal = []
        self.restored = []
        self.removed = []
        self.fell_back = []
        self.saved = []
        self.problems = []
        self.version = ""
        self.changed = False
        self.units = []
        self.mark = time.time()
        self.containerd_address = ""
        self.containerd_unit = ""
        self.containerd_journal = []
        self.containerd_mark = time.time()

    # -- commands --------------------------------------------------------------------------

    def run(self, argv, data=None, binary=False, limit=None):
        if limit and self.timeout_bin:
            argv = [self.timeout_bin, str(limit)] + list(argv)
        try:
            return self.module.run_command(argv, data=data, binary_data=binary)
        except Exception as exc:  # pylint: disable=broad-except
            return 127, "", "%s: %s" % (argv[0], to_native(exc))

    def show(self):
        """systemctl show for the service and the socket; fails the module when systemctl errors."""
        argv = [self.systemctl, "show", self.service, self.socket]
        for prop in SHOW_PROPS:
            argv.extend(["-p", prop])
        rc, out, err = self.run(argv, limit=30)
        if rc != 0:
            return None, "`%s` failed (exit %d): %s" % (" ".join(argv), rc, (err or out).strip())
        self.units = rs.parse_systemctl_show(out)
        return self.units, ""

    def unit(self, unit_id=None):
        return rs.unit_by_id(self.units, unit_id or self.service)

    def socket_exists(self):
        return self.unit(self.socket).get("LoadState") == "loaded"

    def main_pid(self):
        argv = [self.systemctl, "show", "-p", "MainPID", "--value", self.service]
        rc, out, _err = self.run(argv, limit=30)
        return rs.parse_pid(out) if rc == 0 else 0

    def active_state(self):
        rc, out, _err = self.run([self.systemctl, "show", "-p", "ActiveState", "--value", self.service],
                                 limit=30)
        return out.strip() if rc == 0 else "unknown"

    def engine_answers(self):
        """(True, version) when `docker version` answers with a version the parser reads."""
        rc, out, err = self.run([self.docker, "version", "--format", "{{.Server.Version}}"], limit=15)
        answer = out.strip()
        if rc == 0 and try_parse_engine_version(answer):
            return True, answer
        said = (err or out).strip().splitlines()
        return False, said[-1] if said else ("exit %d" % rc)

    def record(self, step, ok, rc, detail):
        self.steps.append(dict(step=step, ok=bool(ok), rc=rc, detail=detail))
        return ok

    def fail_forward(self, text):
        if not self.failure:
            self.failure = text

    def read_containerd(self):
        """Which containerd dockerd's unit names (socket) and which unit starts it; '' when none.

        Returns an error text when systemctl cannot be read (the caller fails: nothing was done).
        """
        argv = [self.systemctl, "show", self.service] + ["--property=" + ",".join(CONTAINERD_PROPS)]
        rc, out, err = self.run(argv, limit=30)
        if rc != 0:
            return "`%s` failed (exit %d): %s" % (" ".join(argv), rc, (err or out).strip())
        props = parse_show_lists(out)
        env = {}
        for path, _optional in parse_environment_files_property(props.get("EnvironmentFiles")):
            try:
                with open(path) as handle:
                    env.update(parse_environment_file(handle.read()))
            except (IOError, OSError):
                continue  # a missing file: systemd refuses to start the unit and says so itself
        environment = props.get("Environment")
        env.update(parse_environment_property(" ".join(environment) if isinstance(environment, list) else environment))
        command = expand_unit_variables(exec_start_command(props.get("ExecStart")), env)
        self.containerd_address = rs.containerd_address(command)
        flat = dict((key, " ".join(value) if isinstance(value, list) else value) for key, value in props.items())
        self.containerd_unit = rs.containerd_unit(flat) if self.containerd_address else ""
        return ""

    def unit_state_text(self, unit):
        argv = [self.systemctl, "show", unit, "-p", "ActiveState", "-p", "SubState", "-p", "UnitFileState",
                "-p", "Result"]
        rc, out, _err = self.run(argv, limit=30)
        props = (rs.parse_systemctl_show(out) or [{}])[0] if rc == 0 else {}
        return "%s/%s (unit file %s, result %s)" % (
            props.get("ActiveState", "?"), props.get("SubState", "?"), props.get("UnitFileState") or "?",
            props.get("Result", "?"))

    # -- steps -----------------------------------------------------------------------------

    def step_containerd(self):
        """The containerd dockerd's command line names must answer; start its unit when not."""
        address, unit = self.containerd_address, self.containerd_unit
        ok, why = unix_socket_answers(address)
        if ok:
            return True, 0, "containerd answers at %s" % address
        if not unit:
            detail = "nothing answers at %s (%s)" % (address, why)
            self.fail_forward(detail)
            return False, 1, detail
        before = self.unit_state_text(unit)
        self.containerd_mark = time.time()
        rc, out, err = self.run([self.systemctl, "start", unit], limit=120)
        if rc != 0:
            said = [line for line in (err or out).strip().splitlines()
                    if line and not line.startswith(("Job for ", "See \"systemctl"))]
            detail = "nothing answers at %s (%s), %s is %s, and `systemctl start %s` failed (exit %d)%s" % (
                address, why, unit, before, unit, rc, (": " + " ".join(said)) if said else "")
            self.fail_forward(detail)
            return False, rc, detail
        self.changed = True
        began = time.time()
        while True:
            ok, why = unix_socket_answers(address)
            if ok:
                return True, 0, "%s was %s; started it, containerd answers at %s" % (unit, before, address)
            if time.time() - began >= CONTAINERD_WAIT:
                detail = "%s was %s and was started, but nothing answers at %s after %d s (%s)" % (
                    unit, before, address, CONTAINERD_WAIT, why)
                self.fail_forward(detail)
                return False, 1, detail
            time.sleep(1)

    def unit_journal(self, unit, since, name):
        """(lines, rc, error) - what ``unit`` logged since ``since``, the lines of ``name`` only.

        journald reads a service's stdout and stderr asynchronously: right after a unit failed, its
        last words may not be in the journal yet. When nothing is found, the journal is synced
        (`journalctl --sync`, best effort) and read again, a few times over about 1.5 s - only on a
        failure path, where those words are the cause the operator needs.
        """
        journalctl = self.module.get_bin_path("journalctl") or "journalctl"
        argv = [journalctl, "-u", unit, "-n", "50", "-o", "cat", "--no-pager", "--since", "@%.6f" % since]
        lines = []
        for attempt in range(JOURNAL_READS):
            if attempt:
                self.run([journalctl, "--sync"], limit=10)
                time.sleep(JOURNAL_PAUSE * (attempt - 1))
            rc, out, err = self.run(argv, limit=30)
            if rc != 0:
                return [], rc, "`journalctl -u %s` failed (exit %d): %s" % (unit, rc, (err or out).strip())
            lines = rs.dockerd_lines(out.splitlines(), name)
            if lines:
                break
        return lines, 0, ""

    def step_journal_containerd(self):
        if not self.containerd_unit:
            return True, 0, "no containerd unit to read"
        self.containerd_journal, rc, error = self.unit_journal(
            self.containerd_unit, self.containerd_mark, self.containerd_unit.rsplit(".", 1)[0])
        if rc != 0:
            return False, rc, error
        return True, 0, "%d line(s) of %s; last: %s" % (len(self.containerd_journal), self.containerd_unit,
                                                        " / ".join(rs.last_words(self.containerd_journal, 1)))

    def step_restore_untouched(self):
        # The same restore as after a failed restart, but dockerd was never restarted.
        return self.step_restore()

    def step_check(self):
        unit = self.unit()
        state = "%s/%s" % (unit.get("ActiveState", "?"), unit.get("SubState", "?"))
        if unit.get("ActiveState") != "active":
            return False, 0, "%s is %s (systemd)" % (self.service, state)
        ok, answer = self.engine_answers()
        if ok:
            self.version = answer
            return True, 0, "%s is %s; the engine answers: %s" % (self.service, state, answer)
        return False, 1, "%s is %s but the engine does not answer: %s" % (self.service, state, answer)

    def _reset_failed(self):
        """Clear the failed state and start limit of the service, and of the socket when it exists.

        systemd answers "Unit X not loaded." for a unit that is inactive and not in memory (for
        example stopped and disabled): it has no failed state to clear, so that is not an error.
        """
        units = [self.service] + ([self.socket] if self.socket_exists() else [])
        done, rc_all = [], 0
        for unit in units:
            rc, out, err = self.run([self.systemctl, "reset-failed", unit], limit=30)
            said = (err or out).strip()
            if rc == 0:
                done.append(unit)
            elif "not loaded" in said:
                done.append("%s (not loaded: nothing to clear)" % unit)
            else:
                return False, rc, "`systemctl reset-failed %s` failed (exit %d): %s" % (unit, rc, said)
        return True, rc_all, "systemctl reset-failed " + ", ".join(done)

    def step_reset_failed(self):
        self.mark = time.time()
        ok, rc, detail = self._reset_failed()
        if ok:
            self.changed = True
        else:
            self.fail_forward(detail)
        return ok, rc, detail

    def _systemctl(self, verb):
        argv = [self.systemctl, verb, self.service]
        rc, out, err = self.run(argv)
        if rc == 0:
            return True, rc, "systemctl %s %s" % (verb, self.service)
        said = [line for line in (err or out).strip().splitlines()
                if line and not line.startswith(("Job for ", "See \"systemctl"))]
        return False, rc, "`systemctl %s %s` failed (exit %d)%s" % (
            verb, self.service, rc, (": " + " ".join(said)) if said else "")

    def step_start(self):
        self.changed = True
        ok, rc, detail = self._systemctl("start")
        if not ok:
            self.fail_forward(detail)
        return ok, rc, detail

    def step_restart(self):
        self.changed = True
        ok, rc, detail = self._systemctl("restart")
        if not ok:
            self.fail_forward(detail)
        return ok, rc, detail

    def _wait(self):
        timeout = self.p["timeout"]
        began = time.time()
        last = ""
        while True:
            ok, answer = self.engine_answers()
            if ok:
                self.version = answer
                return True, 0, "engine answers after %d s: %s" % (time.time() - began, answer)
            last = answer
            state = self.active_state()
            waited = time.time() - began
            if state == "failed":
                return False, 1, "%s failed (systemd) after %d s; the engine does not answer%s" % (
                    self.service, waited, (": " + last) if last else "")
            if waited >= timeout:
                return False, 1, "the engine did not answer `docker version` within %d s (%s is %s)%s" % (
                    timeout, self.service, state, (": " + last) if last else "")
            time.sleep(1)

    def step_wait(self):
        ok, rc, detail = self._wait()
        if not ok:
            self.fail_forward(detail)
        return ok, rc, detail

    def step_verify(self):
        argv = [self.docker, "info", "--format", "{{json .}}"]
        rc, out, err = self.run(argv, limit=30)
        if rc != 0:
            detail = "`docker info` failed (exit %d): %s" % (rc, (err or out).strip())
            self.fail_forward(detail)
            return False, rc, detail
        try:
            info = json.loads(out)
        except ValueError:
            detail = "`docker info --format '{{json .}}'` printed no JSON: %s" % out.strip()[:200]
            self.fail_forward(detail)
            return False, 1, detail
        problems = rs.expect_problems(info, self.p["expect"])
        if problems:
            detail = "the engine does not show the expected settings: %s" % "; ".join(problems)
            self.fail_forward(detail)
            return False, 1, detail
        return True, 0, "the engine shows %s" % ", ".join(
            (self.p["expect"].get("security_options") or []) +
            (["DockerRootDir %s" % info.get("DockerRootDir")] if self.p["expect"].get("data_root_suffix") else []))

    def probe_tar(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("bin")
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
            with open(self.p["busybox_path"], "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo("bin/busybox")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
            info = tarfile.TarInfo("bin/true")
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, "busybox", 0o777
            tar.addfile(info)
        return buf.getvalue()

    def step_probe(self):
        try:
            data = self.probe_tar()
        except (IOError, OSError) as exc:
            detail = "cannot read %s for the container probe: %s" % (self.p["busybox_path"], to_native(exc))
            self.fail_forward(detail)
            return False, 1, detail
        rc, out, err = self.run([self.docker, "import", "-", PROBE_IMAGE], data=data, binary=True, limit=120)
        if rc != 0:
            detail = "`docker import - %s` failed (exit %d): %s" % (PROBE_IMAGE, rc, (err or out).strip())
        else:
            rc, out, err = self.run([self.docker, "run", "--rm", PROBE_IMAGE, "/bin/true"], limit=120)
            if rc != 0:
                detail = "a container did not start: `docker run --rm %s /bin/true` exit %d: %s" % (
                    PROBE_IMAGE, rc, (err or out).strip())
            else:
                detail = "a container started (docker run --rm %s /bin/true)" % PROBE_IMAGE
        rmrc, _out, rmerr = self.run([self.docker, "image", "rm", "-f", PROBE_IMAGE], limit=60)
        if rmrc != 0 and "No such image" not in rmerr:
            detail += "; the probe image was not removed: %s" % rmerr.strip()
        if rc != 0:
            self.fail_forward(detail)
        return rc == 0, rc, detail

    def step_enable(self):
        """Enable the service, and its socket when that exists and is disabled too (F20 disables both)."""
        self.changed = True
        ok, rc, detail = self._systemctl("enable")
        if ok and self.socket_exists() and rs.needs_enable(self.unit(self.socket)):
            argv = [self.systemctl, "enable", self.socket]
            rc, out, err = self.run(argv)
            if rc != 0:
                return False, rc, "`systemctl enable %s` failed (exit %d): %s" % (self.socket, rc, (err or out).strip())
            detail += "; systemctl enable %s" % self.socket
        return ok, rc, detail

    def _read_journal(self, since):
        # Only what dockerd said during this run: an older error would name the wrong cause.
        lines, rc, error = self.unit_journal(self.service, since, self.name)
        if rc != 0:
            return [], rc, error
        return lines, 0, "%d line(s) of dockerd; last: %s" % (len(lines), " / ".join(rs.last_words(lines, 1)))

    def step_journal(self):
        self.journal, rc, detail = self._read_journal(self.mark)
        return rc == 0, rc, detail

    def step_restore(self):
        done = []
        for path, backup in sorted(self.p["restore"].items()):
            try:
                data = read_bytes(backup)
                if data is None:
                    raise WriteError("backup %s does not exist" % backup)
                if not data.strip():
                    if os.path.lexists(path):
                        os.remove(path)
                    self.restored.append((path, backup, "removed"))
                    done.append("%s removed (blank backup)" % path)
                    continue
                mode = stat.S_IMODE(os.stat(backup).st_mode)
                write_atomic(self.module, path, data, mode=mode, owner=0, group=0)
                self.restored.append((path, backup, "restored"))
                done.append("%s <- %s" % (path, backup))
            except (WriteError, IOError, OSError) as exc:
                self.problems.append("%s from %s (%s)" % (path, backup, to_native(exc)))
        for path in reversed(self.p["remove"]):
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                elif os.path.lexists(path):
                    os.remove(path)
                self.removed.append(path)
                done.append("%s removed" % path)
            except OSError as exc:
                self.problems.append("%s not removed (%s)" % (path, to_native(exc)))
        detail = "; ".join(done) or "nothing to restore"
        if self.problems:
            detail += "; FAILED: %s" % "; ".join(self.problems)
        return not self.problems, 1 if self.problems else 0, detail

    def step_reset_failed_previous(self):
        self.mark = time.time()
        return self._reset_failed()

    def step_start_previous(self):
        # restart, not start: after a failed verify or probe dockerd runs on the new configuration.
        return self._systemctl("restart")

    def step_wait_previous(self):
        return self._wait()

    def step_journal_previous(self):
        self.previous_journal, rc, detail = self._read_journal(self.mark)
        return rc == 0, rc, detail

    def step_fallback(self):
        stamp = time.strftime("%Y-%m-%d@%H:%M:%S")
        done = []
        for path, copy in sorted(self.p["last_good"].items()):
            try:
                good = read_bytes(copy)
                if good is None or not good.strip():
                    continue
                current = read_bytes(path)
                if current == good:
                    continue
                kept = ""
                if current is not None:
                    kept = "%s.refused-%s" % (path, stamp)
                    os.rename(path, kept)
                write_atomic(self.module, path, good, mode=0o644, owner=0, group=0)
                self.fell_back.append((path, copy, kept or "(no file)"))
                done.append("%s <- %s (refused file kept as %s)" % (path, copy, kept or "none"))
            except (WriteError, IOError, OSError) as exc:
                self.problems.append("%s from %s (%s)" % (path, copy, to_native(exc)))
        if not done:
            return False, 1, "no copy of a configuration dockerd ran with differs from the files now"
        return True, 0, "; ".join(done)

    def step_reset_failed_fallback(self):
        self.mark = time.time()
        return self._reset_failed()

    def step_start_fallback(self):
        return self._systemctl("restart")

    def step_wait_fallback(self):
        return self._wait()

    def step_journal_fallback(self):
        lines, rc, detail = self._read_journal(self.mark)
        self.previous_journal = lines or self.previous_journal
        return rc == 0, rc, detail

    def dockerd_started_at(self):
        """Start of the running dockerd (seconds since the epoch), None when unknown."""
        pid = self.main_pid()
        if not pid:
            return None
        try:
            with open("/proc/%d/stat" % pid) as handle:
                pid_stat = handle.read()
            now = time.time()
            with open("/proc/uptime") as handle:
                boot = boot_time(now, handle.read())
            return process_start_time(pid_stat, boot, os.sysconf("SC_CLK_TCK"))
        except (IOError, OSError, HostFactsError):
            return None

    def save_last_good(self, proven_all):
        """Keep a copy of each file dockerd runs with (see the option last_good)."""
        started = None if proven_all else self.dockerd_started_at()
        for path, copy in sorted(self.p["last_good"].items()):
            try:
                current = read_bytes(path)
                if not proven_all:
                    if started is None:
                        continue
                    if current is not None and os.stat(path).st_mtime > started:
                        continue  # changed after dockerd started: dockerd has not read it
                data = current if current is not None and current.strip() else b"{}\n"
                if read_bytes(copy) == data:
                    continue
                directory = os.path.dirname(copy)
                if not os.path.isdir(directory):
                    os.makedirs(directory, 0o700)
                write_atomic(self.module, copy, data, mode=0o600, owner=0, group=0)
                self.saved.append(path)
            except (WriteError, IOError, OSError) as exc:
                self.module.warn("could not keep a copy of %s as %s: %s" % (path, copy, to_native(exc)))

    # -- loop ------------------------------------------------------------------------------

    def execute(self):
        state = rs.first_step(self.plan)
        while state not in rs.TERMINAL:
            try:
                ok, rc, detail = getattr(self, "step_" + state)()
            except Exception as exc:  # pylint: disable=broad-except
                # Never end a run half way: an unexpected error is a failed step like any other.
                ok, rc, detail = False, 1, "%s: unexpected error: %s" % (state, to_native(exc))
                self.fail_forward(detail)
            self.record(state, ok, rc, detail)
            state = rs.next_step(state, ok, self.plan)
        return state


def validate_params(module):
    """Refuse arguments that would make a rollback impossible, before anything runs."""
    p = module.params
    errors = []
    if p["timeout"] < 2:
        errors.append("timeout must be at least 2 (seconds), got %d" % p["timeout"])
    for path, backup in (p["restore"] or {}).items():
        if not os.path.isabs(path):
            errors.append("restore: path %r is not absolute" % path)
        if not isinstance(backup, str) or not backup:
            errors.append("restore: %s has no backup path; leave out files that had no backup and "
                          "list files this run created in remove" % path)
            continue
        if not os.path.isabs(backup):
            errors.append("restore: backup %r of %s is not absolute" % (backup, path))
        elif not module.check_mode and not os.path.isfile(backup):
            errors.append("restore: backup %s of %s does not exist" % (backup, path))
    for path in p["remove"]:
        if not os.path.isabs(path):
            errors.append("remove: path %r is not absolute" % path)
    for path, copy in (p["last_good"] or {}).items():
        if not os.path.isabs(path) or not isinstance(copy, str) or not os.path.isabs(copy):
            errors.append("last_good: %r -> %r: both paths must be absolute" % (path, copy))
    unknown = set(p["expect"] or {}) - set(["security_options", "data_root_suffix"])
    if unknown:
        errors.append("expect: unknown key(s) %s" % ", ".join(sorted(unknown)))
    if p["state"] == rs.RESTARTED and p["verify_container"] and not os.path.isfile(p["busybox_path"]):
        errors.append("verify_container: busybox %s does not exist (set busybox_path to a static "
                      "busybox)" % p["busybox_path"])
    return errors


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", default="docker"),
            state=dict(type="str", required=True, choices=[rs.STARTED, rs.RESTARTED]),
            enabled=dict(type="bool", default=True),
            timeout=dict(type="int", default=60),
            restore=dict(type="dict", default={}),
            remove=dict(type="list", elements="path", default=[]),
            expect=dict(type="dict", default={}, options=dict(
                security_options=dict(type="list", elements="str", default=[]),
                data_root_suffix=dict(type="str", default=""),
            )),
            verify_container=dict(type="bool", default=False),
            busybox_path=dict(type="path", default="/bin/busybox"),
            last_good=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    p["expect"] = p["expect"] or {}
    p["restore"] = p["restore"] or {}
    p["last_good"] = p["last_good"] or {}
    host = platform.node() or "this host"
    result = dict(changed=False, steps=[], pid_before=0, pid_after=0, rolled_back=False,
                  host_state="", journal=[], engine_version="", restored=[], removed=[], fell_back=[],
                  saved=[])

    errors = validate_params(module)
    if errors:
        module.fail_json(msg="%s: %s. Nothing was done." % (host, "; ".join(errors)), **result)
    for tool in ("systemctl", "docker"):
        if not module.get_bin_path(tool):
            module.fail_json(msg="%s: `%s` is not on PATH; this module needs systemd and the docker "
                                 "CLI. Nothing was done." % (host, tool), **result)

    restarted = p["state"] == rs.RESTARTED
    plan = rs.Plan(state=p["state"], enable=False,
                   verify=restarted and bool(p["expect"].get("security_options") or
                                             p["expect"].get("data_root_suffix")),
                   probe=restarted and p["verify_container"],
                   fallback=restarted and any(os.path.isfile(copy) for copy in p["last_good"].values()))
    runner = Runner(module, plan)
    units, error = runner.show()
    if units is None:
        module.fail_json(msg="%s: cannot read the state of %s from systemd: %s. Nothing was done."
                             % (host, runner.service, error), **result)
    service = runner.unit()
    if service.get("LoadState") != "loaded":
        module.fail_json(msg="%s: systemd has no unit %s (LoadState=%s); is the Docker engine "
                             "installed, and is `name` right? Nothing was done."
                             % (host, runner.service, service.get("LoadState", "unknown")), **result)
    result["pid_before"] = rs.parse_pid(service.get("MainPID"))
    enable = p["enabled"] and not restarted and (
        rs.needs_enable(service) or rs.needs_enable(runner.unit(runner.socket)))
    error = runner.read_containerd()
    if error:
        module.fail_json(msg="%s: cannot read the ExecStart of %s from systemd: %s. Nothing was done."
                             % (host, runner.service, error), **result)
    plan = plan._replace(enable=enable, containerd=bool(runner.containerd_address))
    runner.plan = plan

    if module.check_mode:
        containerd_ok, why = unix_socket_answers(runner.containerd_address) if plan.containerd else (True, "")
        containerd_would = "" if containerd_ok else "would start %s (nothing answers at %s: %s)" % (
            runner.containerd_unit or "containerd", runner.containerd_address, why)
        if restarted:
            would = [containerd_would] if containerd_would else []
            result.update(changed=True, msg="; ".join(would + ["would restart %s" % runner.service]),
                          host_state=rs.HOST_RUNNING if service.get("ActiveState") == "active" else rs.HOST_DOWN,
                          pid_after=result["pid_before"])
            module.exit_json(**result)
        ok, rc, detail = runner.step_check()
        runner.record(rs.CHECK, ok, rc, detail)
        would = [containerd_would] if containerd_would else []
        if not ok:
            would.append("would start %s (%s)" % (runner.service, detail))
        if enable:
            would.append("would enable %s (it is disabled)" % runner.service)
        result.update(changed=bool(would), msg="; ".join(would) or "%s runs and answers" % runner.service,
                      steps=runner.steps, engine_version=runner.version,
                      host_state=rs.HOST_RUNNING if ok else rs.HOST_DOWN, pid_after=result["pid_before"])
        module.exit_json(**result)

    final = runner.execute()
    if final == rs.DONE:
        runner.save_last_good(proven_all=restarted)
    pid_after = runner.main_pid()
    # containerd down: dockerd left as it was; the files of a restart were put back.
    untouched_restore = final == rs.CONTAINERD_DOWN and bool(runner.restored or runner.removed)
    result.update(
        # A start that failed changed nothing the operator sees; a rollback did change the host.
        changed=final in (rs.ROLLED_BACK, rs.DOWN, rs.FELL_BACK) or untouched_restore or (
            runner.changed and final not in (rs.START_FAILED, rs.CONTAINERD_DOWN)),
        steps=runner.steps,
        pid_after=pid_after,
        rolled_back=final in (rs.ROLLED_BACK, rs.DOWN, rs.FELL_BACK) or untouched_restore,
        host_state=rs.host_state(final, bool(pid_after)),
        journal=runner.journal + runner.previous_journal,
        engine_version=runner.version if final != rs.DOWN and final != rs.START_FAILED else "",
        restored=[dict(path=path, backup=backup, action=how) for path, backup, how in runner.restored],
        removed=runner.removed,
        fell_back=[dict(path=path, copy=copy, refused_kept_as=kept) for path, copy, kept in runner.fell_back],
        saved=runner.saved,
    )
    if final == rs.DONE:
        module.exit_json(msg="%s runs (%s)" % (runner.service, runner.version), **result)
    if final == rs.START_FAILED:
        module.fail_json(msg=rs.start_failed_message(host, runner.name, runner.failure, runner.journal),
                         **result)
    if final == rs.CONTAINERD_DOWN:
        result["journal"] = runner.containerd_journal
        module.fail_json(msg=rs.containerd_down_message(
            host, runner.name, p["state"], runner.containerd_address, runner.containerd_unit, runner.failure,
            runner.containerd_journal, pid=pid_after, restored=runner.restored, removed=runner.removed,
            problems=runner.problems), **result)
    if final == rs.ENABLE_FAILED:
        module.fail_json(msg=rs.enable_failed_message(host, runner.name, runner.steps[-1]["detail"]),
                         **result)
    module.fail_json(msg=rs.rollback_message(
        host, runner.name, runner.failure, runner.journal, runner.restored, runner.removed,
        runner.problems, final, pid=result["pid_after"], previous_lines=runner.previous_journal,
        backups=p["restore"], fell_back=runner.fell_back), **result)


if __name__ == "__main__":
    main()
