# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: audit_fleet
author: containment.docker contributors
version_added: 1.2.0
short_description: Combine the hosts' audit reports into the fleet report
description:
  - Takes the host reports of C(containment.docker.audit_report), one per host, and returns the
    fleet report (C(module_utils/audit.py), C(fleet_report)) - hosts in name order, totals per
    status, and the drifting hosts.
  - A host without a report (unreachable, or its probe failed) becomes one failing check
    C(audit_probe) built from its C(docker_audit) result in O(results), so the fleet report
    never silently drops a host.
options:
  _input:
    description: The host reports, in the order of O(hosts); null where a host has none.
    type: list
    elements: raw
    required: true
  hosts:
    description: Inventory names of the hosts, in the order of the input.
    type: list
    elements: str
    default: []
  results:
    description: The registered M(containment.docker.docker_audit) results, in the order of the input
      (used for a host that has no report).
    type: list
    elements: raw
    default: []
  generated:
    description: Timestamp written into the report as C(generated).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Build the fleet report
  ansible.builtin.set_fact:
    fleet: >-
      {{ groups['docker_hosts'] | map('extract', hostvars) | map(attribute='report', default=none)
         | containment.docker.audit_fleet(hosts=groups['docker_hosts'],
             results=groups['docker_hosts'] | map('extract', hostvars) | map(attribute='audit', default=none)) }}
"""

RETURN = r"""
_value:
  description: generated, drift (bool), drifting_hosts (names), totals (pass, fail, n/a counts),
    hosts (the host reports, in name order).
  type: dict
"""

from ansible_collections.containment.docker.plugins.module_utils.audit import fleet_report, host_report


def audit_fleet(reports, hosts=None, results=None, generated=""):
    """Host reports (None where a host has none: its result, failed or missing, becomes one)."""
    reports, hosts = list(reports), list(hosts or [])
    results = list(results or [None] * len(reports))
    fixed = []
    for index, report in enumerate(reports):
        if isinstance(report, dict):
            fixed.append(report)
        else:
            result = results[index] if index < len(results) else None
            fixed.append(host_report(result if isinstance(result, dict) else None, None,
                                     hosts[index] if index < len(hosts) else "?"))
    return fleet_report(fixed, generated)


class FilterModule(object):
    """containment.docker audit: the fleet report."""

    def filters(self):
        return {"audit_fleet": audit_fleet}
