# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: seccomp_profile
author: containment.docker maintainers
version_added: 1.0.0
short_description: Render the collection's seccomp policy data into a dockerd seccomp profile
description:
  - Turns the policy data in C(files/seccomp/default-policy.yml) (the engine's built-in default
    syscall policy, authored as grouped YAML) into the JSON-ready profile dict dockerd reads
    (C(seccomp-profile) in daemon.json or C(--security-opt seccomp=FILE)).
  - The engine version picks the default, to the patch level. For every engine release the data
    models (20.10.18 to 29.7.2 except 20.10.22; the list is C(engines.lines) in the policy data)
    the result without O(denied)/O(allowed) equals that engine's own built-in default rule for
    rule (unit tests compare every line with moby's published default). Before 23.0 there is no
    C(defaultErrnoRet), which those engines drop.
  - A version the data does not model is refused. That is an older release, 20.10.22, a release
    newer than the newest modelled one (C(containment.docker.seccomp_plan) decides what to
    render for those), or V("MAJOR.MINOR") where moby changed the default inside that minor
    line (V("20.10"), V("23.0"), V("24.0"), V("25.0"), V("29.4")). V("MAJOR.MINOR") elsewhere
    means V("MAJOR.MINOR.0").
  - O(denied) names leave every rule and are denied by an explicit SCMP_ACT_ERRNO rule with
    C(errnoRet) O(errno) (default 1, EPERM). O(allowed) names join the unconditional allow rule
    and leave any conditional rule, so no call is given two different actions.
  - Rules never carry C(flags) (runc 1.1.5 and 1.1.15 refuse it at container start); the clone3
    rule keeps answering ENOSYS (38) to containers without CAP_SYS_ADMIN so glibc 2.34+ falls back
    to clone().
  - Pure Python, runs on the controller; no host access.
positional: engine_version, denied, allowed
options:
  _input:
    description: The parsed policy data (schema 1), e.g. C(lookup('file', path) | from_yaml).
    type: dict
    required: true
  engine_version:
    description:
      - Engine version as C(MAJOR.MINOR.PATCH) (V("20.10.24"), V("26.1.5")) or the whole output of
        C(dockerd --version); C(MAJOR.MINOR) only where that minor line has one default.
      - Must be a string; an unquoted YAML C(20.10) is the float 20.1 and is refused.
    type: str
    required: true
  denied:
    description:
      - Syscall names to deny (lower-case kernel names). C(clone3) is refused unless O(errno) is
        ENOSYS (38), because any other errno breaks thread creation in glibc 2.34+.
    type: list
    elements: str
    default: []
  allowed:
    description: Syscall names to allow unconditionally, in addition to the policy.
    type: list
    elements: str
    default: []
  errno:
    description:
      - The errno denied syscalls fail with (C(errnoRet) of the deny rule), 1 to 4095, or a Linux
        errno name such as V(EPERM), V(EACCES), V(ENOSYS) (asm-generic numbers; on MIPS, SPARC,
        Alpha and PA-RISC give the number). A rule's C(errnoRet) works on every modelled engine,
        20.10 included (only C(defaultErrnoRet) is dropped there).
    type: raw
    default: 1
  source:
    description: Where the policy came from (a file name), quoted in error messages.
    type: str
  host:
    description: Host name quoted at the start of error messages.
    type: str
  dest:
    description: Path of the profile file being rendered, quoted in error messages after the host.
    type: str
notes:
  - Fails (AnsibleFilterError) with a message naming the host, the list entry or policy key and the
    fix when the engine version cannot be read or is not modelled, a name is not a string or not
    syscall-shaped, a name is in both O(denied) and O(allowed), O(errno) is not an errno, or the
    policy data is malformed (unknown key, C(flags), unknown action, bad engine constraint).
  - The task then fails with Ansible's own wrapping around that message. The
    C(containment.docker.seccomp) role renders through C(containment.docker.seccomp_plan)
    instead, which reports bad input as one message without raising.
seealso:
  - name: Moby default seccomp profile
    description: The engine's built-in default this policy reproduces.
    link: https://docs.docker.com/engine/security/seccomp/
"""

EXAMPLES = r"""
- name: Render the profile for the engine on the host, denying chroot
  ansible.builtin.set_fact:
    profile: >-
      {{ lookup('ansible.builtin.file', 'files/seccomp/default-policy.yml') | from_yaml
         | containment.docker.seccomp_profile('26.1.5', ['chroot'], [], errno='EACCES') }}

- name: Write it as JSON
  ansible.builtin.copy:
    content: "{{ profile | to_nice_json }}\n"
    dest: /etc/docker/seccomp/containment.json
    owner: root
    group: root
    mode: "0644"
"""

RETURN = r"""
_value:
  description:
    - The seccomp profile. C(syscalls) starts with the unconditional allow rule (names sorted),
      then the conditional rules in policy order, then the operator's deny rule if any.
    - Rule keys are C(names), C(action), and where present C(errnoRet), C(args), C(comment),
      C(includes), C(excludes).
  type: dict
  sample:
    defaultAction: SCMP_ACT_ERRNO
    defaultErrnoRet: 1
    archMap:
      - architecture: SCMP_ARCH_X86_64
        subArchitectures: [SCMP_ARCH_X86, SCMP_ARCH_X32]
    syscalls:
      - names: [accept, accept4, access]
        action: SCMP_ACT_ALLOW
      - names: [clone3]
        action: SCMP_ACT_ERRNO
        errnoRet: 38
        excludes: {caps: [CAP_SYS_ADMIN]}
      - names: [chroot]
        action: SCMP_ACT_ERRNO
        errnoRet: 1
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    SeccompPolicyError,
    render_profile,
)


def seccomp_profile(policy, engine_version, denied=None, allowed=None, source=None, host=None,
                    dest=None, errno=1):
    """Filter entry point: see DOCUMENTATION."""
    try:
        return render_profile(policy, engine_version, denied or [], allowed or [], source=source,
                              errno=errno)
    except SeccompPolicyError as exc:
        prefix = "".join("%s: " % part for part in (host, dest) if part)
        raise AnsibleFilterError("%s%s" % (prefix, exc))


class FilterModule(object):
    """containment.docker seccomp profile renderer."""

    def filters(self):
        return {"seccomp_profile": seccomp_profile}
