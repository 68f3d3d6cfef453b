#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: seccomp_profile_file
short_description: Write a seccomp profile file for dockerd, checked, atomically, with a backup
version_added: "1.1.0"
description:
  - Writes O(profile) as JSON to O(path) in one round trip - the parent directory created
    (root:root C(0755)) when missing, the file written to a temporary file beside it, fsynced and
    renamed over the old one (atomic on one file system), owned by root:root with O(mode), the old
    file kept as a timestamped backup (C(PATH.<pid>.<date>@<time>~)). Nothing is written when the
    file already holds the same bytes.
  - The JSON is rendered as Ansible's C(to_nice_json(indent=2)) renders it (keys sorted, two-space
    indent, a trailing newline), so a profile written by earlier releases of this collection is
    not rewritten.
  - Before writing, the profile must pass the check of the shape and field types the engine reads
    (C(module_utils/seccomp_check.py), with actions, architectures, C(names), argument operators); a
    syscall name the host's libseccomp does not know fails in a rule that denies (runc would skip
    it silently, so the deny would deny nothing) and is accepted in an allow rule (stricter at
    most). A profile that fails is not written and the task fails naming the field.
  - dockerd reads the profile only when it starts; this module never restarts it (the
    C(containment.docker.daemon) role does).
author:
  - containment.docker contributors (!UNKNOWN)
options:
  path:
    description: Absolute path of the profile file (the value of C(seccomp-profile) in daemon.json).
    type: path
    required: true
  profile:
    description: The profile, as the engine reads it (a JSON object).
    type: dict
    required: true
  mode:
    description: Permissions of the file (CIS Docker Benchmark asks for root-owned, not world-writable).
    type: str
    default: "0644"
  backup:
    description: Keep the previous file as a timestamped backup before replacing it.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Predicts the change and the diff; writes nothing.
  diff_mode:
    support: full
    description: The file before and after.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with dockerd; tested on Debian 12 and 13.
"""

EXAMPLES = r"""
- name: Write the seccomp profile
  containment.docker.seccomp_profile_file:
    path: /etc/docker/seccomp/containment.json
    profile: "{{ rendered_profile }}"
  register: profile_file
"""

RETURN = r"""
path:
  description: The file.
  returned: always
  type: str
  sample: /etc/docker/seccomp/containment.json
created:
  description: Whether the file did not exist before.
  returned: always
  type: bool
  sample: false
backup_file:
  description: The backup of the previous file; empty when none was made.
  returned: always
  type: str
  sample: /etc/docker/seccomp/containment.json.4192.2026-12-01@05:39:59~
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text

from ansible_collections.containment.docker.plugins.module_utils.fileio import WriteError, read_bytes, write_atomic
from ansible_collections.containment.docker.plugins.module_utils.libseccomp import resolver
from ansible_collections.containment.docker.plugins.module_utils.seccomp_check import check_profile
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import profile_bytes


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            profile=dict(type="dict", required=True),
            mode=dict(type="str", default="0644"),
            backup=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    result = dict(changed=False, path=path, created=False, backup_file="")
    if not os.path.isabs(path):
        module.fail_json(msg="%s: the profile path must be absolute (dockerd would resolve it against its own "
                             "working directory); set seccomp_profile_path. Nothing was written." % path, **result)
    try:
        mode = int(module.params["mode"], 8)
    except ValueError:
        module.fail_json(msg="mode %r is not an octal mode such as \"0644\"" % module.params["mode"], **result)
    problems = check_profile(module.params["profile"], path, resolve=resolver())
    if problems:
        module.fail_json(msg="the profile for %s is not one the engine can use: %s. Nothing was written."
                             % (path, "; ".join(problems)), **result)
    try:
        before = read_bytes(path)
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, to_native(exc)), **result)
    after = profile_bytes(module.params["profile"])
    result["created"] = before is None
    result["changed"] = before != after
    if module._diff:
        result["diff"] = dict(before_header=path + (" (absent)" if before is None else ""), after_header=path,
                              before=to_text(before or b""), after=to_text(after))
    if result["changed"] and not module.check_mode:
        directory = os.path.dirname(path)
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
                if os.geteuid() == 0:
                    os.chown(directory, 0, 0)
            result["backup_file"] = write_atomic(module, path, after, mode=mode,
                                                 backup=module.params["backup"] and before is not None)
        except (WriteError, IOError, OSError) as exc:
            module.fail_json(msg="cannot write %s: %s. The previous file is unchanged." % (path, to_native(exc)),
                             **result)
    elif os.path.exists(path) and not module.check_mode:
        file_args = module.load_file_common_arguments(dict(path=path, owner="root", group="root",
                                                           mode=module.params["mode"]))
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
