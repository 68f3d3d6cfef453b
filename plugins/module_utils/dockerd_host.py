# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure functions over what a Docker host shows: the systemd unit, dockerd's command line, the
running process, the engine's state, and the preflight decisions made from them.

Nothing here runs a command or reads a file: ``dockerd_probe`` gathers the texts, these functions
read them, and the modules (``dockerd_facts``, ``dockerd_preflight``) wire the two together. Every
function is tested as a table in tests/unit/plugins/module_utils/test_dockerd_host.py.

Facts relied on, and where they come from:

* ``systemctl show UNIT -p ...`` prints ``KEY=VALUE`` lines; ``ExecStart`` reads
  ``{ path=... ; argv[]=ARGV ; ignore_errors=no ; ... }`` (systemd, src/shared/bus-print-properties
  and bus-unit-util; seen on Debian 12's systemd 252 and Debian 13's 257). ``EnvironmentFiles``
  reads ``PATH (ignore_errors=yes|no)``, one line per file.
* systemd expands ``$VAR`` in ``ExecStart`` to the variable split on whitespace and ``${VAR}`` to
  one word (systemd.service(5), "Command lines"); variables come from ``Environment=`` and
  ``EnvironmentFile=`` (systemd.exec(5): ``KEY=VALUE`` lines, ``#`` and ``;`` comments, quotes
  removed, no shell expansion). Debian's docker.io passes ``$DOCKER_OPTS`` from
  ``/etc/default/docker`` that way.
* ``/proc/PID/stat`` field 22 is the start time in clock ticks after boot; the boot time is the
  clock now less ``/proc/uptime`` (proc(5)). ``btime`` of ``/proc/stat`` is the same instant
  truncated to whole seconds, too coarse: a file written in the second before a restart would
  look newer than the dockerd it started, and a re-run would restart dockerd for nothing.
* Under ``userns-remap`` dockerd refuses ``--privileged``, ``--pid=host`` and ``--network=host``
  for containers that do not also set ``--userns=host`` (Docker documentation, "Isolate containers
  with a user namespace", "User namespace known limitations").
* A daemon with ``userns-remap`` keeps its images, containers and volumes under
  ``DATA_ROOT/<uid>.<gid>``; what the engine held before is kept but no longer shown (moby
  daemon/daemon_unix.go, setupRemappedRoot).
* An empty or whitespace-only daemon.json: dockerd 20.10 refuses it ("unable to configure the
  Docker daemon with file ...: EOF"); from 23.0 on dockerd reads it as no settings (moby pull
  request 42393, daemon/config/config.go getConflictFreeConfiguration accepts io.EOF).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex

from ansible_collections.containment.docker.plugins.module_utils import image_store

from ansible_collections.containment.docker.plugins.module_utils.daemon_config import (
    config_write_reasons,
    DaemonConfigError,
    flags_to_keys,
    find_flag_conflicts,
    find_removed_keys,
    merge_config,
    parse_config,
)

# Engines from this version on read an empty or blank daemon.json as {} (moby PR 42393).
BLANK_CONFIG_ACCEPTED_SINCE = (23, 0)

# systemd unit states in which dockerd is not running and `systemctl start` is what brings it up.
NOT_RUNNING_STATES = ("inactive", "failed", "deactivating")


class HostFactsError(ValueError):
    """A text that cannot be read as what it should be; the message names it."""


def parse_systemctl_show(text):
    """``KEY=VALUE`` lines into a dict; a key printed several times keeps every value in a list
    under ``KEY`` (a single value stays a string)."""
    props = {}
    for line in (text or "").splitlines():
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key in props:
            previous = props[key]
            props[key] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            props[key] = value
    return props


def parse_systemctl_show_units(text):
    """``systemctl show UNIT1 UNIT2 ...`` output: one dict per unit (systemctl separates them with a
    blank line), each read as ``parse_systemctl_show`` reads one."""
    blocks, current = [], []
    for line in (text or "").splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return [parse_systemctl_show("\n".join(block)) for block in blocks]


_ARGV_RE = re.compile(r"argv\[\]=(.*?) ; ")


def exec_start_command(value):
    """The command line of the unit's (last) ``ExecStart`` entry, as one string; '' when none."""
    if isinstance(value, list):
        value = value[-1] if value else ""
    found = _ARGV_RE.findall(value or "")
    return found[-1].strip() if found else ""


def parse_environment_files_property(value):
    """[(path, optional)] from ``EnvironmentFiles`` values (``/etc/default/docker (ignore_errors=yes)``)."""
    values = value if isinstance(value, list) else ([value] if value else [])
    files = []
    for item in values:
        match = re.match(r"^(\S+)(?: \(ignore_errors=(yes|no)\))?$", item.strip())
        if match:
            files.append((match.group(1), match.group(2) == "yes"))
    return files


def parse_environment_property(value):
    """{name: value} from the ``Environment`` property (``A=1 "B=two words"``)."""
    env = {}
    try:
        words = shlex.split(value or "")
    except ValueError:
        words = (value or "").split()
    for word in words:
        if "=" in word:
            key, val = word.split("=", 1)
            env[key] = val
    return env


def parse_environment_file(text):
    """{name: value} as systemd reads an ``EnvironmentFile`` (systemd.exec(5)).

    ``KEY=VALUE`` per line; lines starting with ``#`` or ``;`` are comments; a value in single or
    double quotes loses them; a trailing backslash continues the line. No shell expansion: a line
    such as ``export DOCKER_OPTS=...`` is not an assignment for systemd and is skipped.
    """
    env = {}
    pending = ""
    for raw in (text or "").splitlines():
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1]
            continue
        pending = ""
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
            if match.group(2).strip()[0] == '"':
                value = re.sub(r'\\(["\\$`])', r"\1", value)
        env[key] = value
    return env


def expand_unit_variables(command, env):
    """``$VAR`` and ``${VAR}`` of an ``ExecStart`` command replaced by their values ('' when unset)."""
    def repl(match):
        return env.get(match.group(1) or match.group(2), "")

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", repl, command or "")


def parse_cmdline(data):
    """argv list from the bytes of /proc/PID/cmdline (NUL-separated)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return [part for part in (data or "").split("\0") if part != ""]


def parse_btime(proc_stat_text):
    """Boot time (seconds since the epoch) from /proc/stat."""
    for line in (proc_stat_text or "").splitlines():
        if line.startswith("btime "):
            return int(line.split()[1])
    raise HostFactsError("/proc/stat has no btime line")


def boot_time(now, uptime_text):
    """Boot time (seconds since the epoch, to about 10 ms) from the clock and /proc/uptime."""
    try:
        return now - float((uptime_text or "").split()[0])
    except (IndexError, ValueError):
        raise HostFactsError("cannot read /proc/uptime: %r" % (uptime_text or "")[:80])


def process_start_time(pid_stat_text, btime, clock_ticks):
    """Start of a process (seconds since the epoch) from /proc/PID/stat, boot time and CLK_TCK.

    The command name (field 2) may hold spaces and parentheses, so fields are counted after the
    last ')': field 22 (starttime) is the 20th field after the name.
    """
    text = pid_stat_text or ""
    close = text.rfind(")")
    if close < 0:
        raise HostFactsError("cannot read /proc/PID/stat: %r" % text[:80])
    rest = text[close + 1:].split()
    # rest[0] is field 3 (state); field 22 is rest[19].
    if len(rest) < 20:
        raise HostFactsError("cannot read /proc/PID/stat: too few fields")
    return btime + int(rest[19]) / float(clock_ticks)


def files_newer_than(mtimes, started):
    """Paths whose mtime is after ``started`` (both seconds since the epoch), in the order given.

    ``mtimes`` is [(path, mtime or None)]; an absent file (None) is never newer.
    """
    if started is None:
        return []
    return [path for path, mtime in mtimes if mtime is not None and mtime > started]


def containers_needing_host_userns(inspected):
    """Running containers that dockerd refuses under userns-remap unless they use --userns=host.

    ``inspected`` is the list `docker inspect` prints. Returns [{name, uses}] where ``uses`` names
    what needs the host's user namespace (``--privileged``, ``--pid=host``, ``--network=host``).
    """
    found = []
    for item in inspected or []:
        host_config = item.get("HostConfig") or {}
        if (host_config.get("UsernsMode") or "") == "host":
            continue
        uses = []
        if host_config.get("Privileged"):
            uses.append("--privileged")
        if (host_config.get("PidMode") or "") == "host":
            uses.append("--pid=host")
        if (host_config.get("NetworkMode") or "") == "host":
            uses.append("--network=host")
        if uses:
            found.append(dict(name=(item.get("Name") or item.get("Id", "?")[:12]).lstrip("/"), uses=uses))
    return found


def security_options(info):
    """The engine's SecurityOptions as a list (``docker info`` prints null on some engines)."""
    return list((info or {}).get("SecurityOptions") or [])


def remap_active(info):
    return "name=userns" in security_options(info)


def remap_switch(info, userns_remap, expected_suffix=""):
    """True when this run moves dockerd to another data root: remap turned on, or remapped to
    other ranges (the data root is named after the first subordinate UID and GID)."""
    if not userns_remap or not info:
        return False
    if not remap_active(info):
        return True
    return bool(expected_suffix) and not (info.get("DockerRootDir") or "").endswith("/" + expected_suffix)


def engine_shows(info, userns_remap="", seccomp_profile="", expected_suffix=""):
    """What the live engine does not show of the wanted settings: [] when it shows all of them."""
    missing = []
    options = security_options(info)
    if userns_remap and "name=userns" not in options:
        missing.append("userns-remap (no name=userns in SecurityOptions)")
    if seccomp_profile:
        if seccomp_profile == "builtin":
            ok = any(re.search(r"^name=seccomp,profile=(builtin|default)$", o) for o in options)
        else:
            ok = ("name=seccomp,profile=%s" % seccomp_profile) in options
        if not ok:
            missing.append("seccomp-profile %s (SecurityOptions: %s)" % (seccomp_profile, ", ".join(options) or "none"))
    if userns_remap and expected_suffix and not (info.get("DockerRootDir") or "").endswith("/" + expected_suffix):
        missing.append("data root ending in /%s (now %s)" % (expected_suffix, info.get("DockerRootDir")))
    return missing


def blank_config_refused(text, engine_version):
    """True when daemon.json holds only whitespace and the engine refuses that (before 23.0).

    An unknown engine version counts as refusing (the safe side)."""
    if text is None or text.strip():
        return False
    return engine_version is None or tuple(engine_version) < BLANK_CONFIG_ACCEPTED_SINCE


def plan_daemon_config(text, path, settings, remove, command_lines, engine_version):
    """Check daemon.json as it is and as it would be; return (current, merged, problems).

    ``command_lines`` is [(source, command line)]: the unit's expanded ExecStart and the running
    dockerd's own argv. Problems are complete sentences naming the file and the fix.
    """
    problems = []
    current, merged = {}, {}
    if blank_config_refused(text, engine_version):
        problems.append(
            "%s holds no JSON at all (%s), and this engine (%s) refuses such a file at start "
            "(\"unable to configure the Docker daemon with file %s: EOF\"); dockerd would not come "
            "back from a restart. Write {} into it or delete it, then run again."
            % (path, "empty" if not text else "only whitespace",
               ".".join(str(p) for p in engine_version) if engine_version else "version unknown", path))
        return current, merged, problems
    try:
        current = parse_config(text or "", path)
        merged = merge_config(current, settings, remove)
    except DaemonConfigError as exc:
        problems.append(str(exc))
        return current, merged, problems
    for source, command in command_lines:
        conflicts = find_flag_conflicts(merged, command)
        if conflicts:
            problems.append(
                "%s and dockerd's command line both set %s; dockerd refuses to start when a "
                "directive is given both as a flag and in the configuration file. Remove the flag "
                "from %s, or keep the key out of daemon.json. Command line: %s"
                % (path, ", ".join("'%s' (flag %s)" % c for c in conflicts), source, command))
            break
    removed = find_removed_keys(merged, engine_version[:2] if engine_version else None)
    if removed:
        problems.append(
            "%s holds key(s) this engine refuses at start: %s. Add them to daemon_remove_settings or "
            "delete them by hand." % (path, "; ".join("'%s' (%s)" % item for item in removed)))
    return current, merged, problems


DEFAULT_DATA_ROOT = "/var/lib/docker"


def data_root_switch(info, config, command_lines, resolve=None):
    """The sentence saying how daemon.json moves dockerd to another data root, else ''.

    ``info``: ``docker info`` of the live engine. ``config``: the merged daemon.json.
    ``command_lines``: [(source, command line)]. The live data root is ``DockerRootDir`` without
    the ``<uid>.<gid>`` part remapping adds. A ``--data-root`` (or ``-g``) flag keeps its value
    across the restart, so it never counts as a switch; otherwise the next start uses ``data-root``
    (``graph`` before 23.0) of daemon.json, or dockerd's default /var/lib/docker.
    ``resolve``: a function giving a path's real path on the host (the module passes
    ``os.path.realpath``): dockerd reports its data root with symlinks resolved (moby
    daemon/daemon.go, ReadSymlinkedDirectory), so a /var/lib/docker that is a symlink to /srv/docker
    runs as /srv/docker and is no switch.
    """
    live = (info or {}).get("DockerRootDir") or ""
    if not live:
        return ""
    live = live.rstrip("/") or "/"
    if remap_active(info):
        live = live.rsplit("/", 1)[0] or "/"
    for _source, command in command_lines:
        if "data-root" in flags_to_keys(command) or "graph" in flags_to_keys(command):
            return ""
    key = "data-root" if config.get("data-root") else ("graph" if config.get("graph") else "")
    wanted = str(config.get(key) or DEFAULT_DATA_ROOT).rstrip("/") or "/"
    if resolve is not None:
        wanted = resolve(wanted).rstrip("/") or "/"
    if wanted == live:
        return ""
    if key:
        return "daemon.json sets %s to %s (the engine runs on %s)" % (key, wanted, live)
    return "daemon.json no longer sets data-root, so dockerd goes back to %s (it runs on %s)" % (wanted, live)


def hidden_data_problem(info, volumes, host, remap_switch=True, store=None, root_switch=""):
    """The message when the restart would hide what the engine holds, else ''.

    ``remap_switch``: remapping turned on or moved; ``root_switch``: the sentence of
    ``data_root_switch`` (a new data root hides images, containers and volumes). ``store``: the
    decision of ``image_store.plan``; a switch of image store hides images and containers
    (volumes stay under the data root).
    """
    store = store or {}
    store_switch = bool(store.get("switch"))
    new_root = bool(remap_switch or root_switch)
    if not new_root and not store_switch:
        return ""
    images = int(info.get("Images") or 0)
    containers = int(info.get("Containers") or 0)
    volumes = volumes if new_root else 0
    if images + containers + volumes == 0:
        return ""
    causes = []
    if remap_switch:
        causes.append("turning on userns-remap gives dockerd a new data root")
    if root_switch:
        causes.append(root_switch)
    if store_switch:
        causes.append(image_store.describe_switch(store))
    hidden = "%d image(s), %d container(s)" % (images, containers)
    hidden += " and %d volume(s)" % volumes if new_root else " (volumes stay)"
    return (
        "%s: %s, so %s %s will no longer be visible (they are kept, not deleted; going back shows "
        "them again). Stop running containers first, then set daemon_acknowledge_hidden_data=true "
        "to go on."
        % (host, "; and ".join(causes), hidden,
           "under %s" % (info.get("DockerRootDir") or "the data root") if new_root
           else "in %s" % image_store.STORE_WORDS[store["now"]]))


def image_store_problems(store, path, host, allow_containerd_store_with_remap):
    """Sentences for what ``image_store.plan`` found that stops the run."""
    fix = ("Set it to false (daemon_extra_settings: {features: {...}}, the whole features object) or "
           "delete it (daemon_remove_settings: [features]); the images of the containerd image store "
           "are then hidden and counted by this check. Or keep userns-remap off on this host "
           "(hardening_userns_remap_enabled: false).")
    problems = ["%s: %s: %s. Nothing was written." % (host, path, p) for p in store["problems"]]
    for sentence in store["refused"]:
        problems.append("%s: %s %s; dockerd would not come back from the restart. %s"
                        % (host, path, sentence, fix if image_store.FEATURE in sentence else
                           "Remove storage-driver from %s (daemon_remove_settings: [storage-driver]) or "
                           "name a graph driver (overlay2)." % path))
    if store["buildkit_broken"] and not allow_containerd_store_with_remap:
        problems.append(
            "%s: %s sets features.%s=true and userns-remap: dockerd runs the containerd image store "
            "under remapping, where BuildKit builds (docker build) fail (moby issue 47377), and "
            "engine 29.0 and later refuse to start with both. %s To keep both anyway, set "
            "daemon_allow_containerd_store_with_remap=true."
            % (host, path, image_store.FEATURE, fix))
    return problems


def preflight(facts, wanted, host, resolve=None):
    """Decide, from gathered facts and what the run wants, whether the run may go on.

    ``facts``: the dict ``dockerd_probe.gather`` returns. ``wanted``: dict with config_path,
    settings (the keys to set, collection's own included), remove, userns_remap, seccomp_profile,
    expected_data_root_suffix, acknowledge_hidden_data, allow_host_namespace_containers,
    allow_containerd_store_with_remap, seccomp_problems (list, from the seccomp check, already
    formatted).

    Returns dict(problems=[...], warnings=[...], remap_switch=bool, restart_owed=[...],
    engine_missing=[...], config=merged, previous=current, config_write=[...],
    image_store=dict(now, after, switch)): ``config_write`` says why module daemon_json would write
    or fix the file (``daemon_config.config_write_reasons``; [] when it would change nothing), the
    image store is as ``image_store.plan`` decides it. ``resolve``: see ``data_root_switch``.
    Problems are full sentences; the
    module fails with all of them at once.
    """
    problems, warnings = [], []
    engine = facts.get("engine") or {}
    info = engine.get("info") or {}
    running = bool(engine.get("answers"))
    path = wanted["config_path"]
    version = facts.get("engine_version")

    command_lines = []
    unit = facts.get("unit") or {}
    if unit.get("command"):
        command_lines.append((unit.get("source") or "the unit", unit["command"]))
    process = facts.get("process") or {}
    if process.get("argv"):
        command_lines.append(("the running dockerd (pid %s: flags from drop-ins and Environment= count)"
                              % process.get("pid"), " ".join(process["argv"])))
    config = facts.get("config") or {}
    current, merged, config_problems = plan_daemon_config(
        config.get("text"), path, wanted.get("settings") or {}, wanted.get("remove") or [],
        command_lines, version)
    problems.extend("%s: %s" % (host, p) if not p.startswith(host + ":") else p for p in config_problems)
    problems.extend(wanted.get("seccomp_problems") or [])

    store = image_store.plan(version, merged, info if running else {}, command_lines)
    problems.extend(image_store_problems(store, path, host, wanted.get("allow_containerd_store_with_remap")))

    switch = False
    if not running:
        warnings.append("%s: dockerd is not running (check mode cannot start it); the checks of the "
                        "live engine (hidden data, containers, live-restore) were skipped." % host)
    else:
        switch = remap_switch(info, wanted.get("userns_remap"), wanted.get("expected_data_root_suffix") or "")
        root_switch = data_root_switch(info, merged, command_lines, resolve)
        if (switch or root_switch or store["switch"]) and not wanted.get("acknowledge_hidden_data"):
            message = hidden_data_problem(info, int(engine.get("volumes") or 0), host, switch, store, root_switch)
            if message:
                problems.append(message)
        if switch:
            if info.get("LiveRestoreEnabled") and int(info.get("ContainersRunning") or 0) > 0:
                problems.append(
                    "%s: live-restore is on and %d container(s) are running; after the switch to "
                    "userns-remap they would keep running as root, invisible to the engine. Stop them "
                    "(`docker stop $(docker ps -q)`) and run again."
                    % (host, int(info.get("ContainersRunning") or 0)))
            escaping = containers_needing_host_userns(engine.get("containers") or [])
            if escaping and not wanted.get("allow_host_namespace_containers"):
                problems.append(
                    "%s: these running containers use host namespaces, which dockerd refuses under "
                    "userns-remap unless started with --userns=host: %s. Recreate them with "
                    "--userns=host after the change, then set daemon_allow_host_namespace_containers=true "
                    "to go on." % (host, "; ".join("%s (%s)" % (c["name"], ", ".join(c["uses"])) for c in escaping)))
    restart_owed = list(facts.get("stale_files") or [])
    if path in restart_owed:
        warnings.append("%s: %s was changed after dockerd started, so dockerd has not read it yet; the "
                        "restart of this run will. Should dockerd refuse it, the rollback falls back to "
                        "the last daemon.json dockerd ran with." % (host, path))
    missing = engine_shows(info, wanted.get("userns_remap"), wanted.get("seccomp_profile"),
                           wanted.get("expected_data_root_suffix") or "") if running else []
    write_reasons = ["the file could not be read as daemon.json"] if config_problems else config_write_reasons(
        config.get("exists", config.get("text") is not None), config.get("stat"), current, merged)
    return dict(problems=problems, warnings=warnings, remap_switch=switch, restart_owed=restart_owed,
                engine_missing=missing, config=merged, previous=current, config_write=write_reasons,
                image_store=dict(now=store["now"], after=store["after"], switch=store["switch"]))


def container_escapes(item):
    """What of the host one running container (an entry of `docker inspect`) shares or disables.

    Returns the subset of ('privileged', 'host_pid', 'host_network', 'host_ipc', 'host_userns',
    'seccomp_unconfined') it uses, in that order: ``--privileged``, ``--pid=host``,
    ``--network=host``, ``--ipc=host``, ``--userns=host`` and ``--security-opt seccomp=unconfined``
    (HostConfig.SecurityOpt holds ``seccomp=unconfined``, older CLIs ``seccomp:unconfined``).
    """
    host_config = (item or {}).get("HostConfig") or {}
    found = []
    if host_config.get("Privileged"):
        found.append("privileged")
    for key, label in (("PidMode", "host_pid"), ("NetworkMode", "host_network"), ("IpcMode", "host_ipc"),
                       ("UsernsMode", "host_userns")):
        if (host_config.get(key) or "") == "host":
            found.append(label)
    if any(re.sub(r"\s", "", o) in ("seccomp=unconfined", "seccomp:unconfined")
           for o in host_config.get("SecurityOpt") or []):
        found.append("seccomp_unconfined")
    return found
