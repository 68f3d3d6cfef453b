# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: seccomp_plan
author: containment.docker maintainers
version_added: 1.1.0
short_description: Decide everything the seccomp role does on a host, without failing the task
description:
  - The C(containment.docker.seccomp) role's preflight in one pure function
    (C(plan) in C(plugins/module_utils/seccomp_policy.py)). It checks the role's variables, reads the
    engine version, decides what the profile is for that engine (C(seccomp_unknown_engine)) and
    renders it. Runs on the controller; touches no host.
  - Never fails the template for bad operator input. It returns the problem in RV(_value.error),
    one message naming the host, the profile, each variable and value at fault and the fix,
    ending C(Nothing was changed.). The role stops the host with C(ansible.builtin.fail) on it, so
    the operator reads that message and no internal error text. Problems with the variables
    themselves are reported together, numbered.
  - "What fails, and why: O(profile_path) not a string, empty, relative, ending in C(/) or with a
    C(..) component (dockerd would not find the file); a keyword (V(builtin), V(unconfined)) on an
    engine before 23.0 (it would read the keyword as a file name and not start) or together with
    syscall lists (the keyword cannot carry them); O(denied) or O(allowed) not a list, an entry
    not a string or not shaped like a syscall name, a name in both lists, V(clone3) denied with
    another errno than ENOSYS (glibc 2.34+ needs ENOSYS to fall back to clone()); O(errno) not a
    number from 1 to 4095 or a known errno name; O(unknown_engine) not one of its choices; an
    engine version that cannot be read (an unquoted YAML C(20.10) is the float 20.1), a release
    the policy data does not model (before 20.10.18, or 20.10.22: its default is not known), a
    C(MAJOR.MINOR) whose minor line has more than one default; on an engine newer than the policy
    data models (29.7.2), O(unknown_engine=fail), or O(unknown_engine=builtin) with syscall lists."
  - An engine newer than the policy data models is never handled silently. RV(_value.warnings)
    names the newest known version, and the filter shows each warning as an Ansible warning
    unless O(warn=false). With O(unknown_engine=newest) the newest known default is rendered
    with the operator's changes. With O(unknown_engine=builtin) no file is written and
    RV(_value.effective_path) is V(builtin).
  - Bad policy data (the collection's own C(files/seccomp/default-policy.yml)) is reported in
    RV(_value.error) too, naming O(source) and the key.
options:
  _input:
    description: The parsed policy data (schema 1), e.g. C(lookup('file', path) | from_yaml).
    type: dict
    required: true
  engine_version:
    description:
      - C(seccomp_engine_version) as the operator gave it, V("MAJOR.MINOR.PATCH") (V("26.1.5")),
        V("MAJOR.MINOR") where that minor line has one default, or a C(dockerd --version) line.
      - Empty or null means the version is read from O(dockerd_version).
      - Anything that is not a string (an unquoted C(20.10) is the float 20.1) is reported in
        RV(_value.error).
    type: raw
    default: ""
  dockerd_version:
    description:
      - What C(dockerd --version) printed on the host (the C(seccomp_syscalls) module's
        C(dockerd_version)); used when O(engine_version) is empty.
    type: str
    default: ""
  profile_path:
    description:
      - C(seccomp_profile_path) - the absolute path of the profile file, or V(builtin) /
        V(unconfined) (engines 23.0 and later; no file is written).
    type: str
    default: /etc/docker/seccomp/containment.json
  denied:
    description:
      - C(seccomp_denied_syscalls) - syscall names (lower-case kernel names) taken out of every
        rule and denied with O(errno). Must be a list of strings; null or a string is an error.
    type: list
    elements: str
    default: []
  allowed:
    description:
      - C(seccomp_allowed_syscalls) - syscall names allowed to every container, on top of the
        policy. Checked like O(denied).
    type: list
    elements: str
    default: []
  errno:
    description:
      - C(seccomp_denied_errno) - the errno the denied syscalls fail with, 1 to 4095 or a Linux
        errno name such as V(EPERM) (1), V(EACCES) (13), V(ENOSYS) (38). Checked even when no
        syscall is denied.
    type: raw
    default: 1
  unknown_engine:
    description:
      - C(seccomp_unknown_engine) - what to do on an engine newer than the newest release the
        policy data models.
    type: str
    choices: [newest, builtin, fail]
    default: newest
  host:
    description: The inventory host name, at the start of RV(_value.error) and of each warning.
    type: str
  source:
    description: Where the policy came from (a file name), quoted in errors about the policy data.
    type: str
  warn:
    description: Show each of RV(_value.warnings) as an Ansible warning.
    type: bool
    default: true
  host_syscalls:
    description:
      - What the C(seccomp_syscalls) module returned for the operator's syscall names, run with
        C(fail_on_unknown=false) (its RV(containment.docker.seccomp_syscalls#module:unknown) and
        RV(containment.docker.seccomp_syscalls#module:libseccomp_version)). A name the host's
        libseccomp does not know is then one of the problems in RV(_value.error), with every other
        problem of the same run. Null when the host was not asked.
    type: dict
  host_file:
    description:
      - What the C(seccomp_syscalls) module reported of the profile file on the host (its
        RV(containment.docker.seccomp_syscalls#module:profile_file)), for RV(_value.write). Null
        when the host was not asked; the profile is then always written.
    type: dict
notes:
  - Returns the problem instead of raising, so a task using it never fails with Ansible's
    "The filter plugin ... failed" text. Fail on RV(_value.error) in the next task, as the role does.
  - The syscall names are resolved with the host's libseccomp by the C(seccomp_syscalls) module
    before this filter runs (O(host_syscalls)); this filter checks their type and shape, and
    reports the names that module found unknown.
seealso:
  - name: Moby default seccomp profile
    description: The engine's built-in default the policy data reproduces.
    link: https://docs.docker.com/engine/security/seccomp/
"""

EXAMPLES = r"""
- name: Plan the profile for the engine on the host
  ansible.builtin.set_fact:
    plan: >-
      {{ lookup('ansible.builtin.file', 'files/seccomp/default-policy.yml') | from_yaml
         | containment.docker.seccomp_plan(engine_version='', dockerd_version=host_said.dockerd_version,
             profile_path='/etc/docker/seccomp/containment.json', denied=['chroot'], allowed=[],
             errno='EPERM', unknown_engine='newest', host=inventory_hostname) }}

- name: Stop on bad input before any change
  ansible.builtin.fail:
    msg: "{{ plan.error }}"
  when: plan.error | length > 0

- name: Write the profile
  ansible.builtin.copy:
    content: "{{ plan.profile | to_nice_json(indent=2) }}\n"
    dest: /etc/docker/seccomp/containment.json
    owner: root
    group: root
    mode: "0644"
  when: plan.profile is not none
"""

RETURN = r"""
_value:
  description: The plan for the host.
  type: dict
  contains:
    error:
      description:
        - Empty when the role may go on. Otherwise one message - the host, C(seccomp profile PATH),
          the problems (each naming the variable, its value and the fix), C(Nothing was changed.)
        - When it is set, RV(_value.render_for) and RV(_value.effective_path) are empty and
          RV(_value.profile) is null.
      type: str
      sample: "lab1: seccomp profile /etc/docker/seccomp/containment.json: seccomp_denied_errno 'EBOGUS' is not an errno: ..."
    warnings:
      description: Sentences for the operator, each starting with the host (an engine newer than the policy data models).
      type: list
      elements: str
      sample: ["lab1: engine 30.0.1 is newer than the newest release the collection's seccomp policy models (29.7.2): ..."]
    engine:
      description: The engine version as V("MAJOR.MINOR.PATCH"); empty when it could not be read.
      type: str
      sample: "26.1.5"
    render_for:
      description: The modelled release the profile is rendered for (the newest known one on a newer engine); empty when no file is written.
      type: str
      sample: "26.1.5"
    effective_path:
      description: What daemon.json's C(seccomp-profile) gets - the file path, or V(builtin) / V(unconfined).
      type: str
      sample: /etc/docker/seccomp/containment.json
    profile:
      description:
        - The rendered profile, as C(containment.docker.seccomp_profile) returns it (write it with
          C(to_nice_json)); null when no file is written (a keyword, or V(builtin) on a newer engine).
      type: dict
    write:
      description:
        - Why the C(seccomp_profile_file) module would write or fix the file - its content
          differs, it does not exist, its mode is not C(0644) or its owner not root:root, or the
          host did not check it - as sentences; empty when the host already holds exactly this
          profile (the same bytes, passing the same check with the host's libseccomp) and when
          no file is written. The seccomp role skips the write task when it is empty.
      type: list
      elements: str
      sample: ["its content differs"]
"""

from ansible.utils.display import Display

from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    DEFAULT_PROFILE_PATH,
    ERRNO_EPERM,
    plan,
)


def seccomp_plan(policy, engine_version="", dockerd_version="", profile_path=DEFAULT_PROFILE_PATH,
                 denied=(), allowed=(), errno=ERRNO_EPERM, unknown_engine="newest", host=None,
                 source=None, warn=True, host_file=None, host_syscalls=None):
    """Filter entry point: see DOCUMENTATION. The decisions are module_utils/seccomp_policy.plan's."""
    result = plan(policy, engine_version, dockerd_version, profile_path, denied, allowed, errno,
                  unknown_engine, host, source, host_file, host_syscalls)
    if warn:
        for warning in result["warnings"]:
            Display().warning(warning)
    return result


class FilterModule(object):
    """containment.docker seccomp plan."""

    def filters(self):
        return {"seccomp_plan": seccomp_plan}
