# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: audit_junit
author: containment.docker contributors
version_added: 1.2.0
short_description: Render the fleet audit report as JUnit XML
description:
  - One testsuite per host, one testcase per check; a failed check is a failure (its reason the
    message), an V(n/a) check is skipped.
options:
  _input:
    description: The fleet report of C(containment.docker.audit_fleet).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the JUnit report
  ansible.builtin.copy:
    content: "{{ fleet | containment.docker.audit_junit }}"
    dest: audit-report/audit-junit.xml
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The JUnit XML document.
  type: str
"""

from ansible_collections.containment.docker.plugins.module_utils.audit import junit_xml


def audit_junit(fleet):
    return junit_xml(fleet)


class FilterModule(object):
    """containment.docker audit: JUnit XML."""

    def filters(self):
        return {"audit_junit": audit_junit}
