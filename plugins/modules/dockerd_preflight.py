#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dockerd_preflight
short_description: Decide, before anything is written, whether a Docker host may be hardened
version_added: "1.1.0"
description:
  - Read-only. In one round trip it gathers what the host shows (the same probes as
    M(containment.docker.dockerd_facts)) and decides whether the run may go on. Every problem found
    is reported at once, each naming the host, the file or unit, and the fix; the task fails when
    there is any, and nothing has been changed.
  - "It fails closed: a probe that errors (C(systemctl), C(/proc), the C(docker) CLI while dockerd
    runs) fails the task with the command and its output. It never reads as \"nothing found\"."
  - B(daemon.json) as it is must parse (one JSON object, no duplicate key; file, line and column
    named otherwise). A file holding only whitespace is refused on engines before 23.0, which
    refuse it at start (C(EOF)); from 23.0 on dockerd reads it as no settings (moby pull request
    42393), and so does this module.
  - B(The merged daemon.json) (the existing keys, plus O(settings), minus O(remove)) must not set
    a key that dockerd's command line sets as a flag, neither the unit's C(ExecStart) with systemd's
    C($VARS) expanded from C(Environment=) and C(EnvironmentFile=) (Debian's C(DOCKER_OPTS) from
    C(/etc/default/docker)) nor the running dockerd's own argv (drop-ins); dockerd refuses to start
    with a directive given both ways (moby daemon/config). Keys the engine no longer accepts fail
    too (C(disable-legacy-registry); C(graph), C(cluster-store*) from 23.0).
  - B(seccomp-profile.) Every C(seccomp-profile) the merged daemon.json would carry is checked,
    whatever put it there (O(settings) or the existing file); the keywords C(builtin) and
    C(unconfined) only on engines 23.0 and later; otherwise an absolute path to a file that exists
    and has the shape and field types the engine reads, with syscall names the host's libseccomp
    knows (see the C(seccomp_check) module utils). The one profile this run writes itself
    (O(seccomp_profile) with O(seccomp_profile_managed=true)) is checked when it is written.
  - B(The live engine), when O(userns_remap) turns remapping on (or moves it to other ranges,
    O(expected_data_root_suffix)), the images, containers and volumes the new data root would hide
    stop the run unless O(acknowledge_hidden_data); running containers with C(--privileged),
    C(--pid=host) or C(--network=host) and no C(--userns=host) stop it unless
    O(allow_host_namespace_containers); with C(live-restore) on, running containers stop it (they
    would run on as real root, unmanaged).
  - B(A moved data root.) When the merged daemon.json moves dockerd to another data root
    (C(data-root), or C(graph) before 23.0, differing from the live C(DockerRootDir) without the
    remap part, symlinks resolved, and no C(--data-root) flag), the images, containers and volumes
    of the old one would be hidden, and the run stops unless O(acknowledge_hidden_data).
  - B(The image store.) The store the engine uses now (graph driver or containerd image store,
    from C(docker info)) and the one it will use after the restart (from the engine version, the
    merged C(features.containerd-snapshotter), C(storage-driver) and C(userns-remap); see the
    C(image_store) module utils for the moby sources). A switch hides the images and containers of
    the store left behind and stops the run unless O(acknowledge_hidden_data), as a data-root
    switch does. C(features.containerd-snapshotter=true) with C(userns-remap) fails before any
    write on engines 29.0 and later (dockerd refuses to start with both) and, unless
    O(allow_containerd_store_with_remap), on 24.0 to 28.x (BuildKit builds fail, moby issue 47377).
  - When dockerd does not run (only in check mode, where it cannot be started first), the checks
    of the live engine are skipped with a warning.
author:
  - containment.docker contributors (!UNKNOWN)
extends_documentation_fragment:
  - containment.docker.dockerd
options:
  settings:
    description: Top-level daemon.json keys this run sets (the collection's own included).
    type: dict
    default: {}
  remove:
    description: Top-level daemon.json keys this run deletes.
    type: list
    elements: str
    default: []
  userns_remap:
    description: The C(userns-remap) value this run sets (C(user:group)); empty when it leaves remapping alone.
    type: str
    default: ""
  seccomp_profile:
    description: The C(seccomp-profile) value this run sets; empty when it leaves the key alone.
    type: str
    default: ""
  seccomp_profile_managed:
    description:
      - True when this run writes O(seccomp_profile) itself before the restart (the C(seccomp) role);
        its file need not exist yet.
    type: bool
    default: false
  expected_data_root_suffix:
    description: The data root's expected last part once remapped (C(<subuid start>.<subgid start>)); empty skips.
    type: str
    default: ""
  acknowledge_hidden_data:
    description: Go on although turning remapping on hides the engine's images, containers and volumes.
    type: bool
    default: false
  allow_host_namespace_containers:
    description: Go on although running containers need the host's user namespace.
    type: bool
    default: false
  allow_containerd_store_with_remap:
    description:
      - Go on although the merged daemon.json turns the containerd image store
        (C(features.containerd-snapshotter=true)) and C(userns-remap) on together on an engine
        24.0 to 28.x, where BuildKit builds fail. Engines 29.0 and later refuse to start with both;
        this option does not change that check.
    type: bool
    default: false
  restart_timeout:
    description: Seconds the restart will wait for the engine (checked here, at least 2).
    type: int
    default: 60
  host:
    description: Name of the host in messages (the inventory name); defaults to the host's own name.
    type: str
    default: ""
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same way in check mode.
  diff_mode:
    support: none
    description: Read-only; there is nothing to compare.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with dockerd, run by systemd; tested on Debian 12 and 13.
"""

EXAMPLES = r"""
- name: Check the host before writing anything
  containment.docker.dockerd_preflight:
    settings:
      userns-remap: dockremap:dockremap
      seccomp-profile: /etc/docker/seccomp/containment.json
    userns_remap: dockremap:dockremap
    seccomp_profile: /etc/docker/seccomp/containment.json
    seccomp_profile_managed: true
    watched: [/etc/docker/seccomp/containment.json, /etc/subuid, /etc/subgid]
  register: preflight
"""

RETURN = r"""
engine_version:
  description: The engine's version, from the running engine or C(dockerd --version).
  returned: always
  type: str
  sample: "26.1.5"
running:
  description: Whether dockerd ran and answered.
  returned: always
  type: bool
remap_switch:
  description: Whether this run moves dockerd to another data root (remap turned on or moved).
  returned: always
  type: bool
image_store:
  description:
    - The image store the engine uses now and after the restart (C(graph-driver), C(containerd),
      or null when unknown, e.g. dockerd not running), and whether that is a switch.
  returned: always
  type: dict
  sample: {"now": "graph-driver", "after": "containerd", "switch": true}
restart_owed:
  description: Files dockerd reads at start that are newer than the running dockerd.
  returned: always
  type: list
  elements: str
engine_missing:
  description: Wanted settings the live engine does not show yet (a restart is due).
  returned: always
  type: list
  elements: str
restart_due:
  description: True when dockerd must restart even if no file changes on this run.
  returned: always
  type: bool
config_write:
  description:
    - Why module M(containment.docker.daemon_json) would write or fix O(config_path) with the same
      O(settings) and O(remove) (a missing file, keys whose value changes, a mode other than
      C(0644), an owner other than root:root); empty when it would change nothing. The daemon role
      skips that write task when this is empty - one round trip less on a re-run. Only the
      collection's own tasks run between this check and that write, and none of them touches the
      file.
  returned: always
  type: list
  elements: str
  sample: ["key(s) userns-remap change"]
command_line:
  description: The unit's dockerd command line with variables expanded.
  returned: always
  type: str
command_line_source:
  description: The unit file, drop-ins and environment files it comes from.
  returned: always
  type: str
problems:
  description: Every reason the run may not go on (empty on success).
  returned: always
  type: list
  elements: str
"""

import os
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import preflight
from ansible_collections.containment.docker.plugins.module_utils.dockerd_probe import ProbeError, gather
from ansible_collections.containment.docker.plugins.module_utils.engine_version import format_engine_version
from ansible_collections.containment.docker.plugins.module_utils.seccomp_check import seccomp_setting_problems


def nothing_changed(problems):
    """The problems as one message ending in 'Nothing was changed.' once (some already say so)."""
    message = " ".join(problems).rstrip()
    if not message.lower().endswith("nothing was changed."):
        message += " Nothing was changed."
    return message


def input_problems(params, host):
    problems = []
    if not os.path.isabs(params["config_path"]):
        problems.append("%s: config_path must be an absolute path (got %r); set daemon_config_path."
                        % (host, params["config_path"]))
    if params["restart_timeout"] < 2:
        problems.append("%s: the restart timeout must be at least 2 seconds (got %d); set "
                        "daemon_restart_timeout." % (host, params["restart_timeout"]))
    return problems


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type="str", default="docker"),
            config_path=dict(type="path", default="/etc/docker/daemon.json"),
            settings=dict(type="dict", default={}),
            remove=dict(type="list", elements="str", default=[]),
            userns_remap=dict(type="str", default=""),
            seccomp_profile=dict(type="str", default=""),
            seccomp_profile_managed=dict(type="bool", default=False),
            expected_data_root_suffix=dict(type="str", default=""),
            watched=dict(type="list", elements="path", default=[]),
            acknowledge_hidden_data=dict(type="bool", default=False),
            allow_host_namespace_containers=dict(type="bool", default=False),
            allow_containerd_store_with_remap=dict(type="bool", default=False),
            restart_timeout=dict(type="int", default=60),
            host=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    host = params["host"] or socket.gethostname()
    problems = input_problems(params, host)
    if problems:
        module.fail_json(msg=nothing_changed(problems), problems=problems)
    try:
        facts = gather(module, params["service"], params["config_path"], params["watched"])
    except ProbeError as exc:
        module.fail_json(msg="%s: a read-only check failed, so the run stops before any change: %s. "
                             "Nothing was changed." % (host, to_native(exc)), problems=[to_native(exc)])

    wanted = dict(params)
    wanted["seccomp_problems"] = []
    decision = preflight(facts, wanted, host, resolve=os.path.realpath)
    if "seccomp-profile" in decision["config"]:
        managed = params["seccomp_profile_managed"] and decision["config"]["seccomp-profile"] == params["seccomp_profile"]
        if not managed:
            source = ("daemon.json key seccomp-profile from the run's settings (daemon_extra_settings or "
                      "seccomp_profile_path)" if "seccomp-profile" in params["settings"]
                      else "daemon.json key seccomp-profile already in %s" % params["config_path"])
            decision["problems"].extend(seccomp_setting_problems(
                decision["config"]["seccomp-profile"], facts["engine_version"], host, source))
    for warning in decision["warnings"]:
        module.warn(warning)
    unit = facts["unit"]
    result = dict(
        changed=False,
        engine_version=format_engine_version(facts["engine_version"]) if facts["engine_version"] else "",
        running=bool(facts["engine"]["answers"]),
        remap_switch=decision["remap_switch"],
        image_store=decision["image_store"],
        restart_owed=decision["restart_owed"],
        engine_missing=decision["engine_missing"],
        restart_due=bool(decision["restart_owed"] or decision["engine_missing"]),
        config_write=decision["config_write"],
        command_line=unit["command"],
        command_line_source=unit["source"],
        problems=decision["problems"],
    )
    if decision["problems"]:
        module.fail_json(msg=nothing_changed(decision["problems"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
