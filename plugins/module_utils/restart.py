# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Decisions of the ``dockerd_service`` module: the restart / rollback state machine and the texts.

Everything here is pure (no host access), so it is tested as tables in tests/unit/plugins/module_utils/test_restart.py.
The module's ``main()`` only executes the step ``next_step`` names and records what happened.

The two walks through the machine::

    started:   [containerd] -> check -ok-> [enable] -> done
               check -fail-> reset_failed -> start -> wait -> [enable] -> done
               (any failure) -> journal -> start_failed          (nothing was changed)
               containerd -fail-> journal_containerd -> containerd_down   (nothing was changed)

    restarted: [containerd] -> reset_failed -> restart -> wait -> [verify] -> [probe] -> done
               containerd -fail-> journal_containerd -> restore_untouched -> containerd_down
                                  (dockerd not restarted: it runs on, on the restored files)
               (any failure) -> journal -> restore -> reset_failed_previous -> start_previous
                             -> wait_previous -> rolled_back      (running on the old files)
               start_previous / wait_previous fail -> journal_previous
                             -> [fallback -> reset_failed_fallback -> start_fallback
                                 -> wait_fallback -> fell_back]     (running on the last
                                                                     configuration dockerd ran with)
                             -> down            (no fallback, or it does not start either)

``fallback`` exists for the one case a restore cannot cover: a daemon.json that was changed by hand
after dockerd last started, that dockerd refuses, and that the run merged into. Its backup is that
refused file, so dockerd does not start on the restored configuration either. The module keeps a
copy of each file dockerd is known to run with (``last_good``) and puts it back, keeping the refused
file beside it.

``containerd`` runs first when dockerd's command line names an external containerd
(``--containerd=SOCKET``, as docker-ce's and Debian's units do): nothing answering there (the
service stopped, failed or masked) is brought up with ``systemctl start containerd.service`` (the
unit docker.service wants), and when that fails dockerd is neither started nor restarted. dockerd
28.5 started without its containerd waits 60 s, then runs and answers ``docker version`` but
cannot start a single container ("dial unix:///run/containerd/containerd.sock: timeout"), so the
restart would look successful and leave a host that runs no container.

``restore`` never changes the path: a restore that fails is reported, and dockerd is still started
again, because a host without dockerd is worse than one with a half-restored configuration.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex
from collections import namedtuple

from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import parse_systemctl_show_units

STARTED = "started"
RESTARTED = "restarted"

# Steps (states the module executes).
CHECK = "check"
RESET_FAILED = "reset_failed"
START = "start"
RESTART = "restart"
WAIT = "wait"
VERIFY = "verify"
PROBE = "probe"
ENABLE = "enable"
JOURNAL = "journal"
RESTORE = "restore"
RESET_PREVIOUS = "reset_failed_previous"
START_PREVIOUS = "start_previous"
WAIT_PREVIOUS = "wait_previous"
JOURNAL_PREVIOUS = "journal_previous"
FALLBACK = "fallback"
RESET_FALLBACK = "reset_failed_fallback"
START_FALLBACK = "start_fallback"
WAIT_FALLBACK = "wait_fallback"
JOURNAL_FALLBACK = "journal_fallback"
CONTAINERD = "containerd"
JOURNAL_CONTAINERD = "journal_containerd"
RESTORE_UNTOUCHED = "restore_untouched"

# Terminal states.
DONE = "done"                    # success
START_FAILED = "start_failed"    # state=started could not bring dockerd up; nothing was changed
ENABLE_FAILED = "enable_failed"  # dockerd runs, but the unit could not be enabled
ROLLED_BACK = "rolled_back"      # the change failed; dockerd runs again on the restored files
DOWN = "down"                    # the change failed and dockerd does not run on the restored files
FELL_BACK = "fell_back"          # dockerd runs on the last configuration it was known to run with
CONTAINERD_DOWN = "containerd_down"  # containerd does not run: dockerd left as it was (files restored)

TERMINAL = frozenset([DONE, START_FAILED, ENABLE_FAILED, ROLLED_BACK, DOWN, FELL_BACK, CONTAINERD_DOWN])
FAILED_TERMINAL = frozenset([START_FAILED, ENABLE_FAILED, ROLLED_BACK, DOWN, FELL_BACK, CONTAINERD_DOWN])

HOST_RUNNING = "running"
HOST_RESTORED = "running on the restored configuration"
HOST_DOWN = "down"
HOST_FELL_BACK = "running on the last configuration it ran with"

HOST_STATE = {
    FELL_BACK: HOST_FELL_BACK,
    DONE: HOST_RUNNING,
    ENABLE_FAILED: HOST_RUNNING,
    START_FAILED: HOST_DOWN,
    ROLLED_BACK: HOST_RESTORED,
    DOWN: HOST_DOWN,
}


class Plan(namedtuple("Plan", "state enable verify probe fallback containerd")):
    """What the run was asked to do.

    state: STARTED or RESTARTED; enable: the unit must be enabled after it runs (started only);
    verify: an ``expect`` was given (restarted only); probe: prove a container starts (restarted);
    fallback: copies of the last configuration dockerd ran with exist to fall back to (restarted);
    containerd: dockerd's command line names an external containerd, which must answer first.
    """


Plan.__new__.__defaults__ = (False, False)


def _first_dockerd_step(plan):
    if plan.state == STARTED:
        return CHECK
    if plan.state == RESTARTED:
        return RESET_FAILED
    raise ValueError("unknown state %r" % (plan.state,))


def first_step(plan):
    """The first step of a run."""
    step = _first_dockerd_step(plan)
    return CONTAINERD if plan.containerd else step


def _after_running(plan):
    if plan.state == STARTED:
        return ENABLE if plan.enable else DONE
    if plan.verify:
        return VERIFY
    return PROBE if plan.probe else DONE


def next_step(state, ok, plan):
    """The step after ``state`` when it ended with ``ok`` (True/False), for ``plan``.

    Raises ValueError for a terminal or unknown state, so that a loop cannot run past the end.
    """
    ok = bool(ok)
    if state == CONTAINERD:
        return _first_dockerd_step(plan) if ok else JOURNAL_CONTAINERD
    if state == JOURNAL_CONTAINERD:
        return CONTAINERD_DOWN if plan.state == STARTED else RESTORE_UNTOUCHED
    if state == RESTORE_UNTOUCHED:
        return CONTAINERD_DOWN
    if state == CHECK:
        return _after_running(plan) if ok else RESET_FAILED
    if state == RESET_FAILED:
        if not ok:
            return JOURNAL
        return START if plan.state == STARTED else RESTART
    if state in (START, RESTART):
        return WAIT if ok else JOURNAL
    if state == WAIT:
        return _after_running(plan) if ok else JOURNAL
    if state == VERIFY:
        if not ok:
            return JOURNAL
        return PROBE if plan.probe else DONE
    if state == PROBE:
        return DONE if ok else JOURNAL
    if state == ENABLE:
        return DONE if ok else ENABLE_FAILED
    if state == JOURNAL:
        return START_FAILED if plan.state == STARTED else RESTORE
    if state == RESTORE:
        return RESET_PREVIOUS
    if state == RESET_PREVIOUS:
        return START_PREVIOUS
    if state == START_PREVIOUS:
        return WAIT_PREVIOUS if ok else JOURNAL_PREVIOUS
    if state == WAIT_PREVIOUS:
        return ROLLED_BACK if ok else JOURNAL_PREVIOUS
    if state == JOURNAL_PREVIOUS:
        return FALLBACK if plan.fallback else DOWN
    if state == FALLBACK:
        return RESET_FALLBACK if ok else DOWN
    if state == RESET_FALLBACK:
        return START_FALLBACK
    if state == START_FALLBACK:
        return WAIT_FALLBACK if ok else JOURNAL_FALLBACK
    if state == WAIT_FALLBACK:
        return FELL_BACK if ok else JOURNAL_FALLBACK
    if state == JOURNAL_FALLBACK:
        return DOWN
    raise ValueError("no step after %r" % (state,))


def walk(plan, outcomes):
    """The states visited for a sequence of outcomes (a dict step -> ok; missing means ok).

    A helper for tests and for reasoning: the module itself calls next_step one step at a time.
    """
    visited = []
    state = first_step(plan)
    while state not in TERMINAL:
        visited.append(state)
        if len(visited) > 50:
            raise ValueError("state machine does not end: %r" % visited)
        state = next_step(state, outcomes.get(state, True), plan)
    visited.append(state)
    return visited


# ---------------------------------------------------------------------------------------------
# systemctl show

def parse_systemctl_show(text):
    """``systemctl show UNIT... -p A -p B`` output as a list of dicts, one per unit (blank line
    apart), with one string per property (a property printed twice keeps its last value)."""
    return [dict((key, value[-1] if isinstance(value, list) else value) for key, value in unit.items())
            for unit in parse_systemctl_show_units(text)]


def containerd_address(command):
    """The socket of an external containerd named on dockerd's command line, '' when none.

    ``--containerd=PATH`` or ``--containerd PATH`` (dockerd's flag; docker-ce's and Debian's units
    pass ``--containerd=/run/containerd/containerd.sock``); a ``unix://`` prefix is dropped. The
    last one counts, as with dockerd's own flag parsing. Without the flag dockerd starts a
    containerd of its own and no other unit matters.
    """
    try:
        words = shlex.split(command or "")
    except ValueError:
        words = (command or "").split()
    address = ""
    for index, word in enumerate(words):
        if word.startswith("--containerd="):
            address = word.split("=", 1)[1]
        elif word == "--containerd" and index + 1 < len(words):
            address = words[index + 1]
    if address.startswith("unix://"):
        address = address[len("unix://"):]
    return address


def containerd_unit(unit):
    """``containerd.service`` when docker.service pulls it in (``Wants=``, ``Requires=``,
    ``BindsTo=``: the unit systemd would start with dockerd), else ''."""
    for prop in ("Requires", "BindsTo", "Wants"):
        if "containerd.service" in (unit.get(prop) or "").split():
            return "containerd.service"
    return ""


def host_state(final, running):
    """host_state of a run's end; CONTAINERD_DOWN leaves dockerd as it was, running or not."""
    if final == CONTAINERD_DOWN:
        return HOST_RUNNING if running else HOST_DOWN
    return HOST_STATE[final]


def unit_by_id(units, unit_id):
    """The dict of ``unit_id`` from parse_systemctl_show's list, or {}."""
    for unit in units:
        if unit.get("Id") == unit_id:
            return unit
    return {}


def needs_enable(unit):
    """True when the unit file is disabled: dockerd would not come back after a reboot.

    Only C(disabled) counts; C(enabled), C(static), C(indirect), C(generated), C(alias) and
    C(enabled-runtime) need nothing, and C(masked) is for the operator to lift (start fails and says so).
    """
    return unit.get("UnitFileState", "") == "disabled"


def parse_pid(value):
    """MainPID as an int; 0 when none or unreadable."""
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return 0


# ---------------------------------------------------------------------------------------------
# journal

_SYSTEMD_NOISE = re.compile(
    r"^(Started |Starting |Stopped |Stopping |Failed to start |Listening on |Closed |Reloading |"
    r"Reloaded |Consumed |Dependency failed |Job for |See \"systemctl)"
)
_LOGRUS_LEVEL = re.compile(r"\blevel=(\w+)")
_LOGRUS_TIME = re.compile(r'^time="[^"]*"\s+')
_QUIET_LEVELS = frozenset(["info", "debug", "trace", "warning", "warn"])


def dockerd_lines(lines, name="docker"):
    """dockerd's own lines from ``journalctl -u NAME.service -o cat``, without systemd's around them.

    Dropped: systemd's job lines (Starting/Started/Stopped/Failed to start ...), its unit lines
    (``NAME.service: Main process exited ...``, ``... Start request repeated too quickly.``), and
    dockerd's logrus lines below error (``level=info``/``debug``/``warning``). Kept: error, fatal and
    panic lines, and plain lines dockerd prints to stderr before its logger runs, such as
    ``unable to configure the Docker daemon with file /etc/docker/daemon.json: ...``. The leading
    ``time="..."`` of a logrus line is cut.
    """
    unit_prefixes = tuple("%s.%s:" % (name, kind) for kind in ("service", "socket"))
    kept = []
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        stripped = line.strip()
        if stripped.startswith(unit_prefixes) or _SYSTEMD_NOISE.match(stripped):
            continue
        level = _LOGRUS_LEVEL.search(stripped)
        if level and level.group(1).lower() in _QUIET_LEVELS:
            continue
        kept.append(_LOGRUS_TIME.sub("", stripped))
    return kept


def last_words(lines, count=3):
    """The last ``count`` distinct lines, in the order dockerd last printed them.

    systemd restarts a failing dockerd a few times, so the same error repeats; it is shown once.
    """
    seen, picked = set(), []
    for line in reversed(lines):
        if line in seen:
            continue
        seen.add(line)
        picked.append(line)
        if len(picked) == count:
            break
    return list(reversed(picked))


# ---------------------------------------------------------------------------------------------
# expect

_BUILTIN = frozenset(["builtin", "default"])


def _option_fields(text):
    """'name=seccomp,profile=builtin' -> {'name': 'seccomp', 'profile': 'builtin'}."""
    fields = {}
    for part in str(text).split(","):
        key, sep, value = part.strip().partition("=")
        if not key:
            continue
        fields[key.strip()] = value.strip() if sep else ""
    return fields


def _field_matches(key, want, have):
    if key == "profile" and want in _BUILTIN:
        return have in _BUILTIN
    return want == have


def security_option_present(wanted, options):
    """Whether ``wanted`` (e.g. 'name=userns', 'name=seccomp,profile=builtin') is among ``options``.

    Each field of ``wanted`` must appear with the same value in one option; an option may have more
    fields. ``profile=builtin`` and ``profile=default`` are the same (20.10 prints ``default``,
    23.0 and later ``builtin``).
    """
    want = _option_fields(wanted)
    if not want:
        return True
    for option in options or []:
        have = _option_fields(option)
        if all(key in have and _field_matches(key, value, have[key]) for key, value in want.items()):
            return True
    return False


def expect_problems(info, expect):
    """What the engine (``docker info --format '{{json .}}'`` as a dict) lacks of ``expect``.

    A list of sentences, empty when everything matches. ``SecurityOptions`` may be null.
    """
    expect = expect or {}
    info = info if isinstance(info, dict) else {}
    problems = []
    options = info.get("SecurityOptions") or []
    for wanted in expect.get("security_options") or []:
        if not security_option_present(wanted, options):
            problems.append("SecurityOptions lacks %s (the engine shows: %s)"
                            % (wanted, ", ".join(options) if options else "none"))
    suffix = (expect.get("data_root_suffix") or "").strip("/")
    if suffix:
        root = str(info.get("DockerRootDir") or "")
        if not root.rstrip("/").endswith("/" + suffix):
            problems.append("DockerRootDir is %s, expected it to end with /%s"
                            % (root or "(not shown)", suffix))
    return problems


# ---------------------------------------------------------------------------------------------
# messages

def _words(lines):
    picked = last_words(lines or [])
    if not picked:
        return "dockerd left no error line in the journal"
    return "dockerd says: %s" % " / ".join(picked)


def start_failed_message(host, name, failure, journal_lines):
    """state=started could not bring dockerd up; nothing was changed."""
    return (
        "%(host)s: dockerd (%(name)s.service) does not start on its existing configuration: "
        "%(failure)s; %(words)s. This run changed nothing (no file was written, dockerd stays down). "
        "Fix the file or flag dockerd names (for example /etc/docker/daemon.json, or the unit's "
        "ExecStart / DOCKER_OPTS), then on %(host)s run `systemctl reset-failed %(name)s; "
        "systemctl start %(name)s` and run again; `journalctl -u %(name)s` has the full log."
        % dict(host=host, name=name, failure=failure, words=_words(journal_lines))
    )


def containerd_down_message(host, name, state, address, unit, failure, journal_lines, pid=0,
                            restored=(), removed=(), problems=()):
    """containerd does not run and could not be started: dockerd was left as it was.

    state: STARTED (nothing was changed) or RESTARTED (the files of this run were restored,
    dockerd was not restarted); pid: dockerd's MainPID now (0: not running).
    """
    picked = last_words(journal_lines or [])
    words = ("%s says: %s" % (unit, " / ".join(picked))) if picked else (
        "%s left no error line in the journal" % (unit or "containerd"))
    head = (
        "%s: dockerd (%s.service) uses the containerd at %s (--containerd on its command line), and "
        "containerd does not run: %s; %s. Without it dockerd cannot start any container (dockerd 28.5 "
        "started without it waits 60 s, then runs and answers all the same)." % (host, name, address, failure, words))
    if state == STARTED:
        done = "This run changed nothing (no file was written); dockerd %s." % (
            "keeps running (pid %s), but cannot start containers until containerd runs" % pid if pid
            else "stays down")
    else:
        done = "dockerd was not restarted. Rolled back: %s. %s" % (
            _restore_summary(restored, removed, problems),
            "dockerd keeps running on its previous configuration (pid %s); nothing of this change "
            "is in effect." % pid if pid else "dockerd is not running.")
    if unit:
        fix = ("Fix containerd on %s (`systemctl status %s`, `journalctl -u %s`; a masked unit needs "
               "`systemctl unmask %s`), start it with `systemctl start %s`, then run again."
               % (host, unit, unit, unit, unit))
    else:
        fix = ("No unit of %s.service starts containerd (none in Wants=, Requires=, BindsTo=): start "
               "the containerd that serves %s on %s, then run again." % (name, address, host))
    return " ".join([head, done, fix])


def enable_failed_message(host, name, detail):
    return (
        "%s: dockerd runs, but `systemctl enable %s.service` failed (%s), so it will not come back "
        "after a reboot. Enable it by hand (`systemctl enable %s.service`; a masked unit needs "
        "`systemctl unmask %s.service` first) and run again."
        % (host, name, detail, name, name)
    )


def _restore_summary(restored, removed, problems):
    parts = []
    for path, backup, how in restored:
        if how == "removed":
            parts.append("%s removed (its backup %s is empty, which means no file)" % (path, backup))
        else:
            parts.append("%s restored from %s" % (path, backup))
    for path in removed:
        parts.append("%s removed (this run created it)" % path)
    text = "; ".join(parts) if parts else "no file to restore (none was given)"
    if problems:
        text += ". NOT restored: %s" % "; ".join(problems)
    return text


def rollback_message(host, name, failure, journal_lines, restored, removed, problems, final,
                     pid=0, previous_lines=None, backups=None, fell_back=None):
    """The failure message of state=restarted; always names host, cause, files and the host's state.

    restored: [(path, backup, 'restored' | 'removed')]; removed: [path]; problems: [sentence];
    final: ROLLED_BACK, FELL_BACK or DOWN; backups: {path: backup} as given, for the recovery
    commands; fell_back: [(path, last-good copy, where the refused file was kept)].
    """
    head = "%s: restarting dockerd (%s.service) on the new configuration failed: %s; %s." % (
        host, name, failure, _words(journal_lines))
    files = "Rolled back: %s." % _restore_summary(restored, removed, problems)
    if final == ROLLED_BACK:
        state = ("dockerd is running again on the previous configuration (pid %s). Nothing of "
                 "this change is in effect; fix the variables that produced it and run again."
                 % (pid or "unknown"))
        return " ".join([head, files, state])
    if final == FELL_BACK:
        state = (
            "dockerd did not start on the restored configuration either (%s): it had been changed "
            "after dockerd last started. dockerd is running again (pid %s) on the last configuration "
            "it was known to run with: %s. The file dockerd refused is kept beside it. Fix it by "
            "hand (or drop it), then run again."
            % (_words(previous_lines), pid or "unknown",
               "; ".join("%s <- %s (refused file kept as %s)" % item for item in (fell_back or []))))
        return " ".join([head, files, state])
    blank = set(path for path, _backup, how in restored if how == "removed")
    used = "; ".join(("%s <- %s (blank: the file was removed)" if path in blank else "%s <- %s")
                     % (path, backup) for path, backup in sorted((backups or {}).items()) if backup)
    state = (
        "dockerd is DOWN: it does not start on the restored configuration either (%s). "
        "To recover on %s: read `journalctl -u %s -n 50`; fix or remove what dockerd names%s, or put "
        "back a configuration dockerd last ran with; then `systemctl reset-failed %s && systemctl "
        "start %s`."
        % (_words(previous_lines).replace("dockerd says: ", "dockerd says now: "), host, name,
           " (this run restored: %s)" % used if used else "", name, name)
    )
    return " ".join([head, files, state])
