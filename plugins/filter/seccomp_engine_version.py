# -*- coding: utf-8 -*-
# Copyright: containment.docker maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: seccomp_engine_version
author: containment.docker maintainers
version_added: 1.0.0
short_description: Read MAJOR.MINOR from a Docker engine version string
description:
  - Accepts the output of C(dockerd --version) (C(Docker version 26.1.5+dfsg1, build 411e817)) or
    a version such as V("20.10") or V("26.1.5"), and returns V("MAJOR.MINOR").
  - Used by the C(containment.docker.seccomp) role to pick the seccomp baseline; engines before
    23.0 render moby v20.10.24's default, 23.0 and later moby v26.1.5's.
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
    C(seccomp_engine_version)).
"""

EXAMPLES = r"""
- name: Pick the engine version from dockerd
  ansible.builtin.debug:
    msg: "{{ 'Docker version 20.10.24+dfsg1, build 5d6db84' | containment.docker.seccomp_engine_version }}"
  # -> "20.10"
"""

RETURN = r"""
_value:
  description: The engine version as V("MAJOR.MINOR").
  type: str
  sample: "26.1"
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    EngineVersionError,
    parse_engine_version,
)


def seccomp_engine_version(text, host=None):
    """Filter entry point: see DOCUMENTATION. The parsing is module_utils/engine_version.py's."""
    try:
        version = parse_engine_version(text)
    except EngineVersionError as exc:
        raise AnsibleFilterError("%s%s; set seccomp_engine_version to the engine's version"
                                 % ("%s: " % host if host else "", exc))
    return "%d.%d" % (version[0], version[1])


class FilterModule(object):
    """containment.docker engine version parser."""

    def filters(self):
        return {"seccomp_engine_version": seccomp_engine_version}
