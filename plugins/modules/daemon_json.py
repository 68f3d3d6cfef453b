#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: daemon_json
short_description: Merge keys into dockerd's daemon.json, validated, atomically, with a backup
version_added: "1.0.0"
description:
  - Reads the existing C(daemon.json), sets the keys given in O(settings) and drops those in
    O(remove), and keeps every other key (for example C(log-driver), C(log-opts), C(runtimes)) with
    its value unchanged.
  - The file is rewritten only when the merged configuration differs in meaning from the current
    one; formatting alone never counts as a change.
  - The candidate is written to a temporary file beside the target, validated, and then moved over
    the target in one C(rename) (atomic on the same file system). The previous file is kept as a
    timestamped backup when O(backup=true), so it can be restored.
  - Validation has two parts. First, every key of the merged file is compared with the flags on
    dockerd's command line (O(command_line)); a key given in both places stops dockerd at start
    ("the following directives are specified both as a flag and in the configuration file",
    moby daemon/config), so such a conflict fails the task before anything is written. Second,
    where the engine has it (dockerd 23.0 and later), C(dockerd --validate --config-file CANDIDATE)
    must print C(configuration OK); dockerd 20.10 has no C(--validate) (it exits 1 with "unknown
    flag"), and then only the parse and conflict checks apply.
  - Keys the installed engine no longer accepts (C(disable-legacy-registry) since 17.12; C(graph),
    C(cluster-store), C(cluster-store-opts), C(cluster-advertise) since 23.0, per moby's release
    notes) fail the task before anything is written, on every engine version, also when they were
    already in the file. The engine version comes from C(dockerd --version).
  - The module never restarts dockerd; the C(containment.docker.daemon) role does that through
    its handler chain and rolls back from RV(backup_file) when the engine does not come back.
author:
  - containment.docker contributors (!UNKNOWN)
options:
  path:
    description: Absolute path of the daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - Top-level keys to set, with their values. A value replaces the whole value of its key.
      - Booleans, numbers, lists and objects are written as JSON types, never as strings.
    type: dict
    default: {}
  remove:
    description: Top-level keys to delete when present. A key may not be both set and removed.
    type: list
    elements: str
    default: []
  backup:
    description:
      - Keep the previous file as C(PATH.<timestamp>~) (Ansible's backup naming) before replacing
        it. Nothing is backed up when the file did not exist.
    type: bool
    default: true
  mode:
    description:
      - Permissions of the written file. CIS Docker Benchmark 3.18 asks for C(0644) or stricter;
        the file is always owned by root:root (3.17).
    type: str
    default: "0644"
  validate:
    description:
      - Run C(dockerd --validate) on the candidate when the engine supports it.
      - Skipped in check mode, because the engine's check of C(userns-remap) looks up an account
        that a check-mode run has not created yet.
    type: bool
    default: true
  dockerd_path:
    description:
      - The dockerd binary used for validation and for the engine version; looked up on PATH when
        not absolute. When it is missing, every key of the removed-keys table counts as refused.
    type: str
    default: dockerd
  command_line:
    description:
      - dockerd's command line as the service starts it (for example the unit's C(ExecStart) with
        C($DOCKER_OPTS) expanded). Every option on it is matched to its daemon.json key; a key
        present in both fails the task. Empty means no conflict check.
    type: str
    default: ""
  check_seccomp_profile:
    description:
      - Check the C(seccomp-profile) the merged file carries, whatever put it there - the keywords
        C(builtin)/C(unconfined) only on engines 23.0 and later, otherwise an absolute path to a
        profile that exists, parses and has the shape and syscall names the engine reads - and fail
        before writing when it does not pass. A profile that is not valid lets dockerd start and
        then fails every container start.
    type: bool
    default: true
  command_line_source:
    description:
      - "Where O(command_line) comes from, for the failure message, for example
        C(docker.service (/lib/systemd/system/docker.service; drop-ins: ...)). The role fills it from
        C(systemctl show -p FragmentPath -p DropInPaths)."
    type: str
    default: ""
notes:
  - Only top-level keys are merged. To change one entry of C(log-opts), pass the whole object.
  - An empty or blank existing file counts as C({}), as it does for dockerd.
attributes:
  check_mode:
    support: full
    description: Predicts the change and the diff; writes nothing and skips C(dockerd --validate).
  diff_mode:
    support: full
    description: Shows the file before and after, as dockerd will read it.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with dockerd; tested on Debian 12 and 13.
seealso:
  - name: dockerd configuration file reference
    description: Every key daemon.json accepts.
    link: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
"""

EXAMPLES = r"""
- name: Turn on user-namespace remapping and a daemon-wide seccomp profile
  containment.docker.daemon_json:
    settings:
      userns-remap: "dockremap:dockremap"
      seccomp-profile: /etc/docker/seccomp/containment.json
    command_line: "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
  register: daemon_json_result

- name: Drop a key the engine no longer accepts
  containment.docker.daemon_json:
    remove:
      - disable-legacy-registry
"""

RETURN = r"""
path:
  description: The file that was managed.
  returned: always
  type: str
  sample: /etc/docker/daemon.json
existed:
  description: Whether the file existed before the task.
  returned: always
  type: bool
  sample: true
config:
  description: The configuration after the task (in check mode, the one that would be written).
  returned: always
  type: dict
  sample: {"log-driver": "json-file", "userns-remap": "dockremap:dockremap"}
previous:
  description: The configuration before the task; C({}) when the file did not exist.
  returned: always
  type: dict
  sample: {"log-driver": "json-file"}
changed_keys:
  description: Top-level keys added, changed or removed.
  returned: always
  type: list
  elements: str
  sample: ["userns-remap", "seccomp-profile"]
backup_file:
  description: The backup of the previous file; empty when none was made.
  returned: always
  type: str
  sample: /etc/docker/daemon.json.12345.2026-11-30@03:30:00~
validation:
  description: What validated the candidate.
  returned: always
  type: str
  sample: "dockerd --validate: configuration OK"
"""

import os
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.containment.docker.plugins.module_utils.daemon_config import (
    changed_keys,
    DaemonConfigError,
    find_flag_conflicts,
    find_removed_keys,
    merge_config,
    parse_config,
    render_config,
)
from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import blank_config_refused
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    format_engine_version,
    try_parse_engine_version,
)
from ansible_collections.containment.docker.plugins.module_utils.fileio import WriteError, write_atomic
from ansible_collections.containment.docker.plugins.module_utils.seccomp_check import seccomp_setting_problems


def engine_version(module):
    """(major, minor[, patch]) of the installed dockerd, or None when it cannot be run."""
    dockerd = module.params["dockerd_path"]
    if not os.path.isabs(dockerd):
        dockerd = module.get_bin_path(dockerd)
    if not dockerd or not os.access(dockerd, os.X_OK):
        return None
    rc, out, err = module.run_command([dockerd, "--version"])
    return try_parse_engine_version(out.strip()) if rc == 0 else None


def run_validate(module, dockerd, candidate):
    """Return a description of the validation, or fail the module with dockerd's answer."""
    rc, out, err = module.run_command([dockerd, "--validate", "--config-file", candidate])
    text = (out + err).strip()
    if rc == 0:
        return "dockerd --validate: %s" % (text or "configuration OK")
    if "unknown flag: --validate" in text:
        return "dockerd --validate not supported by this engine (before 23.0): parse and conflict checks only"
    raise DaemonConfigError(
        "dockerd rejects the new configuration (dockerd --validate exit %d): %s. Nothing was "
        "written and dockerd was not restarted; fix the offending key in the role's variables or "
        "in the existing file." % (rc, text)
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/docker/daemon.json"),
            settings=dict(type="dict", default={}),
            remove=dict(type="list", elements="str", default=[]),
            backup=dict(type="bool", default=True),
            mode=dict(type="str", default="0644"),
            validate=dict(type="bool", default=True),
            dockerd_path=dict(type="str", default="dockerd"),
            command_line=dict(type="str", default=""),
            command_line_source=dict(type="str", default=""),
            check_seccomp_profile=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    result = dict(changed=False, path=path, existed=os.path.exists(path), backup_file="",
                  validation="none", changed_keys=[])

    try:
        if not os.path.isabs(path):
            raise DaemonConfigError("path '%s' is not absolute; give the full path of daemon.json." % path)
        before_text = ""
        if result["existed"]:
            with open(path, "r") as handle:
                before_text = handle.read()
        current = parse_config(before_text, path)
        merged = merge_config(current, module.params["settings"], module.params["remove"])
        conflicts = find_flag_conflicts(merged, module.params["command_line"])
        if conflicts:
            raise DaemonConfigError(
                "%s and dockerd's command line both set %s; dockerd refuses to start when a "
                "directive is given both as a flag and in the configuration file. Remove the flag "
                "from %s, or keep the key out of daemon.json. Nothing was written. Command line: %s"
                % (path, ", ".join("'%s' (flag %s)" % c for c in conflicts),
                   module.params["command_line_source"] or "the service that starts dockerd",
                   module.params["command_line"])
            )
        version = engine_version(module)
        if blank_config_refused(before_text if result["existed"] else None, version):
            raise DaemonConfigError(
                "%s holds no JSON (empty or only whitespace), and this engine (%s) refuses such a "
                "file at start (\"EOF\"). Write {} into it or delete it, then run again. Nothing was "
                "written." % (path, format_engine_version(version) if version else "version unknown"))
        removed = find_removed_keys(merged, version[:2] if version else None)
        if removed:
            raise DaemonConfigError(
                "%s holds key(s) this engine refuses at start: %s. Add them to "
                "daemon_remove_settings (module option remove) or delete them by hand. Nothing was "
                "written and dockerd was not restarted."
                % (path, "; ".join("'%s' (%s)" % item for item in removed))
            )
        if "seccomp-profile" in merged and module.params["check_seccomp_profile"]:
            problems = seccomp_setting_problems(merged["seccomp-profile"], version, socket.gethostname(),
                                                "daemon.json key seccomp-profile in %s" % path,
                                                must_exist=not module.check_mode)
            if problems:
                raise DaemonConfigError(" ".join(problems) + " Nothing was written.")
    except (DaemonConfigError, IOError, OSError) as exc:
        module.fail_json(msg="%s" % to_native(exc), **result)

    result["previous"] = current
    result["config"] = merged
    result["changed_keys"] = changed_keys(current, merged)
    after_text = render_config(merged) if result["changed_keys"] or not result["existed"] else before_text
    content_changed = bool(result["changed_keys"]) or not result["existed"]
    if module._diff:
        result["diff"] = dict(before=before_text, after=after_text,
                              before_header=path, after_header=path)

    if content_changed and not module.check_mode:
        dockerd = None
        if module.params["validate"]:
            dockerd = module.params["dockerd_path"]
            if not os.path.isabs(dockerd):
                dockerd = module.get_bin_path(dockerd, required=True)
        validation = {}

        def validate(candidate):
            if dockerd:
                validation["text"] = run_validate(module, dockerd, candidate)

        try:
            result["backup_file"] = write_atomic(
                module, path, to_bytes(after_text), mode=int(module.params["mode"], 8),
                backup=result["existed"] and module.params["backup"], validate=validate)
        except (DaemonConfigError, WriteError) as exc:
            module.fail_json(msg="%s: %s" % (path, to_native(exc)), **result)
        result["validation"] = validation.get("text", "disabled")
        result["changed"] = True
    elif content_changed:
        result["changed"] = True
        result["validation"] = "skipped in check mode"

    if os.path.exists(path):
        file_args = dict(path=path, owner="root", group="root", mode=module.params["mode"])
        result["changed"] = module.set_fs_attributes_if_different(
            module.load_file_common_arguments(file_args), result["changed"]
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
