# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Gather what a Docker host shows, in one pass, failing closed.

``gather(module, ...)`` runs the read-only probes (systemctl, /proc, the docker CLI, the files
dockerd reads at start) and returns plain data for ``dockerd_host``'s pure functions. It never
changes the host. A probe that errors raises ``ProbeError`` with the command, its exit code and
its output: an error never reads as "nothing found" (no containers, no volumes, no flags).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import (
    HostFactsError,
    exec_start_command,
    expand_unit_variables,
    files_newer_than,
    boot_time,
    parse_cmdline,
    parse_environment_file,
    parse_environment_files_property,
    parse_environment_property,
    parse_systemctl_show,
    process_start_time,
)
from ansible_collections.containment.docker.plugins.module_utils.fileio import owner_and_mode
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    try_parse_engine_version,
)

UNIT_PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "Result", "MainPID", "ExecStart",
                   "FragmentPath", "DropInPaths", "Environment", "EnvironmentFiles", "UnitFileState",
                   "NRestarts")
SOCKET_PROPERTIES = ("LoadState", "ActiveState", "UnitFileState")


class ProbeError(Exception):
    """A read-only probe failed; the message has the command, exit code and output."""


def _run(module, argv, allow_rc=(0,)):
    rc, out, err = module.run_command(argv)
    if rc not in allow_rc:
        raise ProbeError("`%s` failed (exit %d): %s" % (" ".join(argv), rc, (err or out or "").strip() or "no output"))
    return rc, out, err


def read_file(path, binary=False):
    """A file's content (bytes when ``binary``), None when it does not exist; any other error
    raises ProbeError (a probe that errors is an error, never "nothing found")."""
    try:
        with open(path, "rb" if binary else "r") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProbeError("cannot read %s: %s" % (path, exc))


def _stat(path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProbeError("cannot stat %s: %s" % (path, exc))
    return dict(mtime=st.st_mtime, size=st.st_size, **owner_and_mode(st))


def read_unit(module, service):
    """The unit's properties, its command line with systemd's variables expanded, and its socket."""
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        raise ProbeError("systemctl not found: this collection manages dockerd through systemd")
    unit_name = "%s.service" % service
    out = _run(module, [systemctl, "show", unit_name, "--property=" + ",".join(UNIT_PROPERTIES)])[1]
    props = parse_systemctl_show(out)
    if props.get("LoadState") != "loaded":
        raise ProbeError("%s is not a loaded systemd unit (LoadState=%s); is the Docker engine installed, and "
                         "is daemon_service_name right?" % (unit_name, props.get("LoadState", "?")))
    env = {}
    env_sources = []
    for path, optional in parse_environment_files_property(props.get("EnvironmentFiles")):
        text = read_file(path)
        if text is None:
            if not optional:
                env_sources.append("%s (missing)" % path)
            continue
        env.update(parse_environment_file(text))
        env_sources.append(path)
    env.update(parse_environment_property(props.get("Environment")))
    raw = exec_start_command(props.get("ExecStart"))
    dropins = (props.get("DropInPaths") or "").split()
    source = "%s (%s%s%s)" % (unit_name, props.get("FragmentPath") or "no unit file",
                              "; drop-ins: %s" % ", ".join(dropins) if dropins else "",
                              "; variables from %s" % ", ".join(env_sources) if env_sources else "")
    unit = dict(
        name=unit_name, load_state=props.get("LoadState"), active_state=props.get("ActiveState"),
        sub_state=props.get("SubState"), result=props.get("Result"),
        main_pid=int(props.get("MainPID") or 0), unit_file_state=props.get("UnitFileState"),
        fragment=props.get("FragmentPath") or "", dropins=dropins, environment_files=env_sources,
        command_raw=raw, command=expand_unit_variables(raw, env), source=source,
        restarts=int(props.get("NRestarts") or 0),
    )
    out = _run(module, [systemctl, "show", "%s.socket" % service, "--property=" + ",".join(SOCKET_PROPERTIES)])[1]
    socket = parse_systemctl_show(out)
    unit["socket"] = dict(load_state=socket.get("LoadState"), active_state=socket.get("ActiveState"),
                          unit_file_state=socket.get("UnitFileState")) if socket.get("LoadState") == "loaded" else None
    return unit


def read_process(pid):
    """argv and start time of the running dockerd, {} when there is none."""
    if not pid:
        return {}
    data = read_file("/proc/%d/cmdline" % pid, binary=True)
    stat = read_file("/proc/%d/stat" % pid)
    now = time.time()
    uptime = read_file("/proc/uptime")
    if data is None or stat is None:
        raise ProbeError("systemd names pid %d as dockerd, but /proc/%d is gone; run again" % (pid, pid))
    try:
        started = process_start_time(stat, boot_time(now, uptime), os.sysconf("SC_CLK_TCK"))
    except HostFactsError as exc:
        raise ProbeError(str(exc))
    return dict(pid=pid, argv=parse_cmdline(data), started=started)


def read_engine(module, unit):
    """The engine's own view (docker info, running containers, volumes), or answers=False when the
    unit does not run. A running unit whose engine does not answer is an error."""
    docker = module.get_bin_path("docker")
    if unit["active_state"] != "active":
        return dict(answers=False, info={}, containers=[], volumes=0)
    if not docker:
        raise ProbeError("the docker CLI is not installed; it is needed to read the engine's state")
    # One CLI call answers both "does the engine answer" and "what does it run with".
    rc, out, err = module.run_command([docker, "info", "--format", "{{json .}}"])
    if rc != 0 or not out.strip():
        raise ProbeError("%s is active but the engine does not answer `docker info` (exit %d): %s"
                         % (unit["name"], rc, (err or out).strip() or "no output"))
    try:
        info = json.loads(out)
    except ValueError:
        raise ProbeError("`docker info --format '{{json .}}'` printed no JSON: %s" % out.strip()[:300])
    if not isinstance(info, dict) or not info.get("ServerVersion"):
        detail = "; ".join(info.get("ServerErrors") or []) if isinstance(info, dict) else ""
        raise ProbeError("`docker info` shows no engine (ServerVersion missing): %s" % (detail or out.strip()[:300]))
    if info.get("ServerErrors"):
        raise ProbeError("`docker info` reports errors: %s" % "; ".join(info["ServerErrors"]))
    containers = read_running_containers(module, docker)
    out = _run(module, [docker, "volume", "ls", "--quiet"])[1]
    volumes = len([line for line in out.splitlines() if line.strip()])
    return dict(answers=True, info=info, containers=containers, volumes=volumes)


def read_running_containers(module, docker):
    """`docker inspect` of every running container. A container that exits between the listing
    and the inspect makes the listing repeat once; any other error is raised."""
    for attempt in (1, 2):
        out = _run(module, [docker, "ps", "--quiet", "--no-trunc"])[1]
        ids = [line.strip() for line in out.splitlines() if line.strip()]
        if not ids:
            return []
        rc, out, err = module.run_command([docker, "inspect"] + ids)
        if rc == 0:
            try:
                return json.loads(out)
            except ValueError:
                raise ProbeError("`docker inspect` printed no JSON: %s" % out.strip()[:300])
        if attempt == 2 or "No such object" not in (err + out):
            raise ProbeError("`docker inspect %s` failed (exit %d): %s" % (" ".join(i[:12] for i in ids), rc,
                                                                           (err or out).strip()))
    return []


def read_engine_version(module, engine):
    """(major, minor[, patch]) from the engine, else from `dockerd --version`; None when neither."""
    version = try_parse_engine_version((engine.get("info") or {}).get("ServerVersion") or "")
    if version:
        return version
    dockerd = module.get_bin_path("dockerd")
    if not dockerd:
        raise ProbeError("dockerd is not installed (not on PATH); install the Docker engine first")
    out = _run(module, [dockerd, "--version"])[1]
    version = try_parse_engine_version(out.strip())
    if not version:
        raise ProbeError("cannot read the engine version from `dockerd --version`: %s" % out.strip())
    return version


def gather(module, service="docker", config_path="/etc/docker/daemon.json", watched=(), engine=True):
    """Everything the preflight and the facts module need, in one pass over the host."""
    unit = read_unit(module, service)
    process = read_process(unit["main_pid"]) if unit["active_state"] in ("active", "reloading") else {}
    state = read_engine(module, unit) if engine else dict(answers=False, info={}, containers=[], volumes=0)
    config_stat = _stat(config_path)
    text = read_file(config_path) if config_stat is not None else None
    files = []
    for path in [config_path] + [p for p in watched if p and p != config_path]:
        st = config_stat if path == config_path else (_stat(path) if os.path.isabs(path) else None)
        files.append(dict(path=path, mtime=st["mtime"] if st else None))
    stale = files_newer_than([(f["path"], f["mtime"]) for f in files], process.get("started"))
    return dict(
        unit=unit, process=process, engine=state,
        engine_version=read_engine_version(module, state),
        config=dict(path=config_path, exists=config_stat is not None, text=text,
                    stat=config_stat or {}),
        files=files, stale_files=stale,
    )
