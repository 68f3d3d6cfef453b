#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dockerd_facts
short_description: Read what a Docker host shows about dockerd, in one round trip, failing closed
version_added: "1.1.0"
description:
  - Read-only. Returns the systemd unit of dockerd and its socket (states, systemd's failed state
    and restart count, the unit file and drop-ins), the command line dockerd is started with
    (C(ExecStart) with C(Environment=) and C(EnvironmentFile=) variables expanded, as systemd
    expands them), the running dockerd's own argv and start time (C(/proc/PID/cmdline),
    C(/proc/PID/stat) and C(/proc/uptime)), the engine's C(docker info), the running
    containers that need the host's user namespace (C(--privileged), C(--pid=host),
    C(--network=host) without C(--userns=host)), the number of volumes, daemon.json's text and
    stat, and which of the files dockerd reads at start are newer than the running dockerd.
  - "Fails closed: a probe that errors fails the task with the command and its output, never an
    empty list. A unit that is active while the engine does not answer C(docker version) is an
    error; a unit that is not active gives RV(engine.answers=false) and no engine data."
author:
  - containment.docker contributors (!UNKNOWN)
extends_documentation_fragment:
  - containment.docker.dockerd
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
- name: Read dockerd's state
  containment.docker.dockerd_facts:
    watched: [/etc/docker/seccomp/containment.json]
  register: dockerd
"""

RETURN = r"""
unit:
  description: The unit (name, load_state, active_state, sub_state, result, main_pid, unit_file_state,
    fragment, dropins, environment_files, command_raw, command, source, restarts, socket).
  returned: always
  type: dict
process:
  description: The running dockerd (pid, argv, started as seconds since the epoch); empty when none.
  returned: always
  type: dict
engine:
  description: The engine's own view; empty values when the unit is not active.
  returned: always
  type: dict
  contains:
    answers:
      description: Whether the engine answered (false when the unit is not active).
      type: bool
    info:
      description: C(docker info --format '{{json .}}').
      type: dict
    containers:
      description: C(docker inspect) of each running container.
      type: list
      elements: dict
    volumes:
      description: The number of volumes.
      type: int
engine_version:
  description: The engine's version.
  returned: always
  type: str
  sample: "20.10.24"
host_namespace_containers:
  description: Running containers that need the host's user namespace, with what they use.
  returned: always
  type: list
  elements: dict
config:
  description: daemon.json (path, exists, text, stat).
  returned: always
  type: dict
stale_files:
  description: Files newer than the running dockerd.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import (
    containers_needing_host_userns,
)
from ansible_collections.containment.docker.plugins.module_utils.dockerd_probe import ProbeError, gather
from ansible_collections.containment.docker.plugins.module_utils.engine_version import format_engine_version


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type="str", default="docker"),
            config_path=dict(type="path", default="/etc/docker/daemon.json"),
            watched=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    try:
        facts = gather(module, module.params["service"], module.params["config_path"], module.params["watched"])
    except ProbeError as exc:
        module.fail_json(msg="a read-only probe failed: %s" % to_native(exc))
    facts["engine_version"] = format_engine_version(facts["engine_version"]) if facts["engine_version"] else ""
    facts["host_namespace_containers"] = containers_needing_host_userns(facts["engine"]["containers"])
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
