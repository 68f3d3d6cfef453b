# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: audit_report
author: containment.docker contributors
version_added: 1.2.0
short_description: Turn a host's docker_audit result into its audit report (the profile-content check added)
description:
  - Takes what M(containment.docker.docker_audit) returned for one host and the
    C(containment.docker.seccomp_review) of the profile it read, adds the check
    C(seccomp_profile_content) (the profile dockerd reads against what the seccomp variables
    render for that engine, and its difference from the engine's default as syscalls added and
    removed) and returns the host's report (C(module_utils/audit.py), C(host_report)).
  - A failed or missing result (unreachable host, a probe that failed) becomes one failing check
    C(audit_probe) with the error, so the fleet report never silently drops a host.
  - C(containment.docker.audit_fleet) combines the host reports into the fleet report, which
    C(containment.docker.audit_junit) and C(containment.docker.audit_table) render.
options:
  _input:
    description: The registered result of M(containment.docker.docker_audit) (or null).
    type: raw
    required: true
  review:
    description: C(containment.docker.seccomp_review) with O(review.deployed) set to the profile's content.
    type: raw
  host:
    description: Inventory name of the host.
    type: str
    required: true
  profile_path:
    description: The profile path the seccomp variables want (empty - seccomp not wanted).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Judge one host
  ansible.builtin.set_fact:
    report: "{{ audit | containment.docker.audit_report(review=review, host=inventory_hostname,
                profile_path='/etc/docker/seccomp/containment.json') }}"
"""

RETURN = r"""
_value:
  description: host, drift (bool), failed (check ids), checks (id, title, cis, status, why), engine_version,
    dockerd_pid, seccomp (path, sha256, vs_default).
  type: dict
"""

from ansible_collections.containment.docker.plugins.module_utils.audit import host_report


def audit_report(result, review=None, host="", profile_path=""):
    return host_report(result if isinstance(result, dict) else None, review, host, profile_path or "")


class FilterModule(object):
    """containment.docker audit: one host's report."""

    def filters(self):
        return {"audit_report": audit_report}
