#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: seccomp_syscalls
short_description: Check syscall names against the host's libseccomp before a profile uses them
version_added: "1.0.0"
description:
  - Resolves each name with the host's own libseccomp (C(libseccomp.so.2), loaded with ctypes),
    the library runc uses to load a profile. runc silently ignores a name libseccomp does not
    know, so a misspelt syscall in a deny list would deny nothing; this module fails instead,
    naming the syscall, before the profile is deployed.
  - A name counts as known when libseccomp resolves it for any architecture it supports
    (C(seccomp_syscall_resolve_name) returns a syscall number, or a negative pseudo-syscall number
    for a name that exists only on other architectures). Only C(__NR_SCMP_ERROR) (-1) means
    unknown.
  - Read-only; never changes the host.
author:
  - containment.docker contributors (!UNKNOWN)
options:
  names:
    description: Syscall names to check, for example the operator's denied and allowed syscalls.
    type: list
    elements: str
    required: true
  library:
    description:
      - The libseccomp shared object to load.
      - When it cannot be loaded (some engines ship a runc linked statically with libseccomp and
        the host has no shared library), the check is skipped with a warning and RV(checked) is
        false, unless O(required=true).
    type: str
    default: libseccomp.so.2
  required:
    description: Fail instead of warning when libseccomp cannot be loaded.
    type: bool
    default: false
  fail_on_unknown:
    description:
      - Fail when a name in O(names) is unknown to libseccomp (the message names the host, each
        name and the variable in O(sources) that holds it).
      - With V(false) the unknown names are only returned (RV(unknown)), for the caller to report
        them together with its other checks, as the seccomp role does through the
        C(containment.docker.seccomp_plan) filter.
    type: bool
    default: true
  sources:
    description:
      - "Where the names come from, as C(variable name: list of names), for example
        C({seccomp_denied_syscalls: [chroot], seccomp_allowed_syscalls: [ptrace]}). An unknown name
        is reported with the variable(s) that hold it, so the operator knows what to correct."
    type: dict
    default: {}
  host:
    description: Name of the host in messages (the inventory name); defaults to the host's own name.
    type: str
    default: ""
  profile_path:
    description:
      - Also report the seccomp profile file at this absolute path in the same round trip
        (RV(profile_file)), for the seccomp role to skip a write that would change nothing.
      - The file is checked as the C(seccomp_profile_file) module checks a profile before it
        writes (C(module_utils/seccomp_check.py), syscall names resolved with the library
        O(library)); nothing is checked or reported when empty.
      - A file that exists but cannot be read fails the task (a probe that errors is an error).
    type: str
    default: ""
  dockerd_version:
    description:
      - Also read the installed engine's version (C(dockerd --version)) in the same round trip, for
        the profile to be rendered for it (RV(dockerd_version)). Fails when dockerd is not installed
        or the command errors, with its output.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The check is read-only and runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only; there is nothing to compare.
  platform:
    support: full
    platforms: linux
    description: Linux with libseccomp (a missing shared library skips the check with a warning).
notes:
  - libseccomp learns new syscalls with new releases (Debian 12 ships 2.5.4, Debian 13 2.6.0), so
    a name can be known on one host and unknown on another.
"""

EXAMPLES = r"""
- name: Refuse syscall names the host's libseccomp does not know
  containment.docker.seccomp_syscalls:
    names: "{{ seccomp_denied_syscalls + seccomp_allowed_syscalls }}"
"""

RETURN = r"""
checked:
  description: Whether libseccomp was loaded and the names were checked.
  returned: always
  type: bool
  sample: true
libseccomp_version:
  description: The version of the loaded libseccomp; empty when not loaded.
  returned: always
  type: str
  sample: 2.5.4
numbers:
  description: Each known name and the number libseccomp gives it on this host's architecture (negative for a name that exists only on other architectures).
  returned: always
  type: dict
  sample: {"chroot": 161}
dockerd_version:
  description: What C(dockerd --version) printed, when O(dockerd_version=true); else empty.
  returned: always
  type: str
  sample: "Docker version 26.1.5+dfsg1, build 411e817"
profile_file:
  description:
    - The file at O(profile_path), when given; empty otherwise.
    - C(exists); C(sha256) of its bytes; C(mode) (octal string), C(uid), C(gid) (of the file a
      symlink points to, as the writer sees it); C(check) - the problems the profile check finds
      in it with the host's libseccomp (a list, empty when it passes), or null when the file is
      not a JSON object or libseccomp could not be loaded.
  returned: always
  type: dict
  sample: {"exists": true, "sha256": "9f2c...", "mode": "0644", "uid": 0, "gid": 0, "check": []}
unknown:
  description: Names libseccomp does not know.
  returned: always
  type: list
  elements: str
  sample: []
"""

import hashlib
import json
import os
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.containment.docker.plugins.module_utils.fileio import owner_and_mode, read_bytes
from ansible_collections.containment.docker.plugins.module_utils.libseccomp import (
    Resolver,
    load,
    resolve,
    version,
)
from ansible_collections.containment.docker.plugins.module_utils.seccomp_check import check_profile


def describe_unknown(name, sources):
    """'name' or 'name (in seccomp_denied_syscalls)': the variables whose list holds the name."""
    holders = sorted(var for var, names in (sources or {}).items()
                     if isinstance(names, (list, tuple)) and name in names)
    return "%s (in %s)" % (name, " and ".join(holders)) if holders else name


def read_profile_file(path, lib, library):
    """What the seccomp role needs to know of the profile file at ``path`` (see profile_file).
    ``lib``: the loaded libseccomp, or None. Raises OSError when the file exists but cannot be read."""
    data = read_bytes(path)
    if data is None:
        return dict(exists=False)
    report = dict(exists=True, sha256=hashlib.sha256(data).hexdigest(), check=None, **owner_and_mode(os.stat(path)))
    try:
        profile = json.loads(data.decode("utf-8"))
    except ValueError:
        return report
    if lib is not None and isinstance(profile, dict):
        report["check"] = check_profile(profile, path, resolve=Resolver(lib, library))
    return report


def main():
    module = AnsibleModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            library=dict(type="str", default="libseccomp.so.2"),
            required=dict(type="bool", default=False),
            dockerd_version=dict(type="bool", default=False),
            profile_path=dict(type="str", default=""),
            fail_on_unknown=dict(type="bool", default=True),
            sources=dict(type="dict", default={}),
            host=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    result = dict(changed=False, checked=False, libseccomp_version="", numbers={}, unknown=[],
                  dockerd_version="", profile_file={})
    profile_path = module.params["profile_path"]
    if profile_path and not os.path.isabs(profile_path):
        module.fail_json(msg="profile_path %r is not an absolute path. Nothing was changed." % profile_path,
                         **result)
    if module.params["dockerd_version"]:
        dockerd = module.get_bin_path("dockerd")
        if not dockerd:
            module.fail_json(msg="dockerd is not installed (not on PATH), so the profile cannot be "
                                 "rendered for its version. Install the Docker engine first, or set "
                                 "seccomp_engine_version (e.g. \"26.1\"). Nothing was changed.", **result)
        rc, out, err = module.run_command([dockerd, "--version"])
        if rc != 0:
            module.fail_json(msg="`%s --version` failed (exit %d): %s. Set seccomp_engine_version "
                                 "(e.g. \"26.1\") to render the profile for a given engine. Nothing "
                                 "was changed." % (dockerd, rc, (err or out).strip()), **result)
        result["dockerd_version"] = out.strip()
    if not module.params["names"] and not profile_path:
        module.exit_json(**result)
    lib = None
    try:
        lib = load(module.params["library"])
    except (OSError, AttributeError) as exc:
        message = ("cannot load %s (%s); syscall names were not checked. Install Debian's "
                   "libseccomp2, or check the names by hand." % (module.params["library"], exc))
        if module.params["required"]:
            module.fail_json(msg=message, **result)
        if module.params["names"]:
            module.warn(message)
    if profile_path:
        try:
            result["profile_file"] = read_profile_file(profile_path, lib, module.params["library"])
        except (IOError, OSError) as exc:
            module.fail_json(msg="%s: cannot read the seccomp profile %s: %s. Nothing was changed."
                                 % (module.params["host"] or socket.gethostname(), profile_path, to_native(exc)),
                             **result)
    if lib is None or not module.params["names"]:
        if lib is not None:
            result["libseccomp_version"] = version(lib)
        module.exit_json(**result)

    result["libseccomp_version"] = version(lib)
    result["checked"] = True
    result["numbers"], result["unknown"] = resolve(lib, module.params["names"])
    if result["unknown"] and module.params["fail_on_unknown"]:
        host = module.params["host"] or socket.gethostname()
        module.fail_json(
            msg="%s: libseccomp %s does not know the syscall(s) %s; runc would ignore them and the "
                "profile would not deny or allow what was asked. Correct the names (see `man 2 "
                "syscalls`). Nothing was changed."
                % (host, result["libseccomp_version"], ", ".join(
                    describe_unknown(name, module.params["sources"]) for name in result["unknown"])),
            **result
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
