#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: docker_audit
short_description: Audit a Docker host's containment from the live engine and its files, read-only
version_added: "1.2.0"
description:
  - Read-only, in one round trip. Gathers what M(containment.docker.dockerd_facts) gathers
    (the unit, the running dockerd, C(docker info), running containers, daemon.json and its stat,
    files newer than dockerd) plus the remap account, C(/etc/subuid) and C(/etc/subgid),
    dockerd's journal since it started (C(journalctl _PID=PID)), and the seccomp profile dockerd
    uses (path, sha256, parsed content), and judges them with the pure checks of
    C(module_utils/audit.py).
  - "Each check is V(pass), V(fail) or V(n/a) with the reason: dockerd runs; userns-remap active in
    C(docker info); the data root is the remapped one; the remap account and its ranges in both
    files (and daemon.json names it); dockerd's journal names the same account; dockerd uses the
    collection's profile; running containers that are privileged, share the host's network, PID,
    IPC or user namespace, or run without seccomp (CIS Docker Benchmark v1.6.0 5.5, 5.10, 5.16,
    5.17, 5.31, 5.22); daemon.json owner and mode (CIS 3.17, 3.18); a restart owed; the containerd
    image store state (engines 24.0 and later)."
  - The profile's content against what the seccomp variables render for this engine is judged on
    the controller (filter C(containment.docker.audit_report), with
    C(containment.docker.seccomp_review)); the playbook C(containment.docker.audit) wires both.
  - "Fails closed: a probe that errors fails the task with the command and its output. The module
    never changes the host and never fails for drift; the playbook decides what drift means."
author:
  - containment.docker contributors (!UNKNOWN)
extends_documentation_fragment:
  - containment.docker.subid
  - containment.docker.dockerd
options:
  userns_remap:
    description: Whether userns-remap is wanted (the hardening role's C(hardening_userns_remap_enabled)).
      False makes the remap checks V(n/a).
    type: bool
    default: true
  remap_user:
    description: The remap account (C(userns_remap_user)).
    type: str
    default: dockremap
  seccomp_profile:
    description: The profile path dockerd should use (C(seccomp_profile_path)); empty makes the
      profile checks V(n/a).
    type: str
    default: /etc/docker/seccomp/containment.json
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
- name: Audit the host
  containment.docker.docker_audit:
    remap_user: dockremap
    seccomp_profile: /etc/docker/seccomp/containment.json
  register: audit
"""

RETURN = r"""
checks:
  description: The host-side checks in report order, each with id, title, cis (CIS Docker
    Benchmark v1.6.0 number or empty), status (pass, fail, n/a) and why.
  returned: success
  type: list
  elements: dict
  sample: [{"id": "userns_remap", "title": "userns-remap is active in docker info", "cis": "",
            "status": "pass", "why": "SecurityOptions has name=userns"}]
seccomp:
  description: The profile dockerd uses - path (from SecurityOptions), exists, sha256, content
    (parsed JSON, null when absent or not JSON).
  returned: success
  type: dict
engine_version:
  description: The engine's version.
  returned: success
  type: str
  sample: "26.1.5"
process:
  description: The running dockerd (pid, started); the audit proves with it that nothing restarted.
  returned: success
  type: dict
data_root:
  description: dockerd's data root (C(docker info) DockerRootDir).
  returned: success
  type: str
"""

import hashlib
import json
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.containment.docker.plugins.module_utils.audit import host_checks, profile_in_use
from ansible_collections.containment.docker.plugins.module_utils.dockerd_probe import ProbeError, gather, read_file
from ansible_collections.containment.docker.plugins.module_utils.engine_version import format_engine_version


def read_profile(path):
    if not path.startswith("/"):
        return dict(path=path, exists=False, sha256="", content=None)
    data = read_file(path, binary=True)
    if data is None:
        return dict(path=path, exists=False, sha256="", content=None)
    try:
        content = json.loads(data.decode("utf-8"))
    except ValueError:
        content = None
    return dict(path=path, exists=True, sha256=hashlib.sha256(data).hexdigest(), content=content)


def read_journal(module, pid):
    """(text, read): dockerd's own journal lines since it started; read=False without journalctl."""
    journalctl = module.get_bin_path("journalctl")
    if not journalctl or not pid:
        return "", False
    rc, out, err = module.run_command([journalctl, "--no-pager", "--output=cat", "_PID=%d" % pid])
    if rc != 0:
        raise ProbeError("`journalctl _PID=%d` failed (exit %d): %s" % (pid, rc, (err or out).strip()))
    return out, True


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type="str", default="docker"),
            config_path=dict(type="path", default="/etc/docker/daemon.json"),
            watched=dict(type="list", elements="path", default=[]),
            userns_remap=dict(type="bool", default=True),
            remap_user=dict(type="str", default="dockremap"),
            seccomp_profile=dict(type="str", default="/etc/docker/seccomp/containment.json"),
            subuid_path=dict(type="path", default="/etc/subuid"),
            subgid_path=dict(type="path", default="/etc/subgid"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    wanted_profile = params["seccomp_profile"] or ""
    # dockerd reads the range files only when remapped, and the profile only when configured.
    watched = list(params["watched"])
    if params["userns_remap"]:
        watched += [params["subuid_path"], params["subgid_path"]]
    if wanted_profile.startswith("/"):
        watched.append(wanted_profile)
    try:
        facts = gather(module, params["service"], params["config_path"], watched)
        info = facts["engine"]["info"]
        used = profile_in_use(info) or wanted_profile
        profile = read_profile(used)
        journal, journal_read = read_journal(module, (facts["process"] or {}).get("pid"))
        subuid = read_file(params["subuid_path"], binary=True)
        subgid = read_file(params["subgid_path"], binary=True)
    except ProbeError as exc:
        module.fail_json(msg="a read-only probe failed: %s" % to_native(exc))
    try:
        account_uid = pwd.getpwnam(params["remap_user"]).pw_uid
    except KeyError:
        account_uid = None
    try:
        configured = json.loads(facts["config"]["text"] or "{}")
        if not isinstance(configured, dict):
            configured = {}
    except ValueError:
        configured = {}
    extra = dict(account_uid=account_uid, subuid=subuid.decode("utf-8", "replace") if subuid is not None else None,
                 subgid=subgid.decode("utf-8", "replace") if subgid is not None else None,
                 journal=journal, journal_read=journal_read, profile=profile, configured=configured)
    wanted = dict(userns_remap=params["userns_remap"], remap_user=params["remap_user"],
                  seccomp_profile=wanted_profile)
    checks = host_checks(facts, extra, wanted)
    module.exit_json(
        changed=False, checks=checks, seccomp=profile,
        engine_version=format_engine_version(facts["engine_version"]) if facts["engine_version"] else "",
        process=dict(pid=(facts["process"] or {}).get("pid"), started=(facts["process"] or {}).get("started")),
        data_root=info.get("DockerRootDir", ""),
    )


if __name__ == "__main__":
    main()
