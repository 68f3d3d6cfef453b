# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: seccomp_engine_version
author: containment.docker maintainers
version_added: 1.0.0
short_description: Read MAJOR.MINOR.PATCH from a Docker engine version string
description:
  - Accepts the output of C(dockerd --version) (C(Docker version 26.1.5+dfsg1, build 411e817)) or
    a version such as V("26.1.5"), V("v29.0.1"), V("28.5.2+dfsg1-1") or V("26.1"), and returns
    V("MAJOR.MINOR.PATCH"), or V("MAJOR.MINOR") when the text has no patch level. Package
    suffixes (C(+dfsg1), C(-1)) and the build are dropped.
  - Used by the C(containment.docker.seccomp) role to pick the engine's default policy, which moby
    changed within minor lines (23.0.7, 24.0.3, 29.4.2, ...), so the patch level is kept. What a
    version without patch level means is decided by C(containment.docker.seccomp_plan).
options:
  _input:
    description: The version text. Must be a string (an unquoted YAML C(20.10) is the float 20.1).
    type: str
    required: true
  host:
    description: Host name quoted at the start of error messages.
    type: str
notes:
  - Fails (AnsibleFilterError) naming the text it could not read and the fix (set
    C(seccomp_engine_version)); the task then fails with Ansible's own wrapping around that
    message. The C(containment.docker.seccomp) role does not use this filter; it reads the version
    with C(containment.docker.seccomp_plan), which reports the problem instead of raising.
"""

EXAMPLES = r"""
- name: Pick the engine version from dockerd
  ansible.builtin.debug:
    msg: "{{ 'Docker version 20.10.24+dfsg1, build 5d6db84' | containment.docker.seccomp_engine_version }}"
  # -> "20.10.24"
"""

RETURN = r"""
_value:
  description: The engine version as V("MAJOR.MINOR.PATCH"), or V("MAJOR.MINOR") when the input had no patch level.
  type: str
  sample: "26.1.5"
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    format_engine_version,
)
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    SeccompPolicyError,
    parse_engine_version,
)


def seccomp_engine_version(text, host=None):
    """Filter entry point: see DOCUMENTATION. The parsing is module_utils/engine_version.py's."""
    try:
        version = parse_engine_version(text)
    except SeccompPolicyError as exc:
        raise AnsibleFilterError("%s%s" % ("%s: " % host if host else "", exc))
    return format_engine_version(version)


class FilterModule(object):
    """containment.docker engine version parser."""

    def filters(self):
        return {"seccomp_engine_version": seccomp_engine_version}
