# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: audit_table
author: containment.docker contributors
version_added: 1.2.0
short_description: Render the fleet audit report as the summary table
description:
  - One line per host and check (columns HOST, CHECK, STATUS, WHY; failures first within a host),
    then a line with the totals and the drifting hosts.
options:
  _input:
    description: The fleet report of C(containment.docker.audit_fleet).
    type: dict
    required: true
  width:
    description: Longest reason shown; a longer one is cut and ends in C(...).
    type: int
    default: 100
"""

EXAMPLES = r"""
- name: Show the audit summary
  ansible.builtin.debug:
    msg: "{{ fleet | containment.docker.audit_table | join('\n') }}"
"""

RETURN = r"""
_value:
  description: The lines of the table, the totals line last.
  type: list
  elements: str
"""

from ansible_collections.containment.docker.plugins.module_utils.audit import summary_table


def audit_table(fleet, width=100):
    return summary_table(fleet, width)


class FilterModule(object):
    """containment.docker audit: the summary table."""

    def filters(self):
        return {"audit_table": audit_table}
