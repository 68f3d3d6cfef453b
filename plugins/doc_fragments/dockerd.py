# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options shared by the modules that read a Docker host (dockerd_facts, dockerd_preflight)."""

    DOCUMENTATION = r"""
options:
  service:
    description: The systemd unit that runs dockerd, without C(.service).
    type: str
    default: docker
  config_path:
    description: Absolute path of the daemon configuration file (dockerd's C(--config-file)).
    type: path
    default: /etc/docker/daemon.json
  watched:
    description:
      - Further files dockerd reads only at start (the seccomp profile, C(/etc/subuid),
        C(/etc/subgid)). One that is newer than the running dockerd (its start time from
        C(/proc/PID/stat) and C(/proc/uptime)) means dockerd has not read it yet.
    type: list
    elements: path
    default: []
notes:
  - Needs systemd, the Docker engine and its CLI on the host.
  - "Fails closed: a probe that errors (C(systemctl), C(/proc), the C(docker) CLI while dockerd
    runs) fails the task with the command and its output; it never reads as nothing found."
"""
