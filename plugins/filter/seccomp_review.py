# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: seccomp_review
author: containment.docker contributors
version_added: 1.2.0
short_description: Review a seccomp change without a host - the profile that would be deployed and its difference from the engine's default
description:
  - "Given the seccomp role's variables and an engine version, returns the profile the
    C(containment.docker.seccomp) role would deploy (the same decisions as
    C(containment.docker.seccomp_plan), C(plan) in C(plugins/module_utils/seccomp_policy.py)) and
    its difference from that engine's own default profile, as syscall names V(added) (allowed
    now, not by the default), V(removed) (allowed by the default, not now) and V(conditional)
    (allowed by both, but with a condition on one side only, C(name: allow -> conditional))."
  - With O(deployed) (a profile read from a host, as a dict or its JSON text) it also says whether
    that profile is exactly the rendered one (RV(_value.deployed_matches)) and how it differs from
    the rendered one and from the default. The audit playbook (C(containment.docker.audit)) uses
    this for its profile-content check.
  - Pure Python on the controller; no host is needed. The one-liner for people is in the README,
    section "Review a profile change" -
    C(ansible localhost -e @vars.yml -m ansible.builtin.debug -a 'msg={{ ...seccomp_review(...).summary }}').
options:
  _input:
    description: The parsed policy data (schema 1), or V(default) (or empty) for the collection's
      own C(files/seccomp/default-policy.yml).
    type: raw
    required: true
  engine_version:
    description: The engine release to render for (V("26.1.5")), as C(seccomp_engine_version);
      empty means O(dockerd_version).
    type: raw
    default: ""
  dockerd_version:
    description: What C(dockerd --version) printed (used when O(engine_version) is empty).
    type: str
    default: ""
  profile_path:
    description: C(seccomp_profile_path).
    type: raw
    default: /etc/docker/seccomp/containment.json
  denied:
    description: C(seccomp_denied_syscalls).
    type: raw
    default: []
  allowed:
    description: C(seccomp_allowed_syscalls).
    type: raw
    default: []
  errno:
    description: C(seccomp_denied_errno).
    type: raw
    default: 1
  unknown_engine:
    description: C(seccomp_unknown_engine) (V(newest), V(builtin), V(fail)).
    type: raw
    default: newest
  host:
    description: Host name that starts error and warning messages.
    type: str
  deployed:
    description: A profile read from a host (dict, or its JSON text) to compare; null skips it.
    type: raw
  warn:
    description: Show the plan's warnings (an engine newer than the policy data models) as Ansible warnings.
    type: bool
    default: true
"""

EXAMPLES = r"""
# ansible localhost -m ansible.builtin.debug -a "msg={{ review.summary }}" -e engine=26.1.5 ...
- name: Show what denying chroot changes against the default of engine 26.1.5
  ansible.builtin.debug:
    msg: "{{ ('default' | containment.docker.seccomp_review(engine_version='26.1.5', denied=['chroot'])).summary }}"
"""

RETURN = r"""
_value:
  description: C(seccomp_plan)'s result plus the review.
  type: dict
  contains:
    error:
      description: Empty, or the role's message for bad input (nothing would be deployed).
      type: str
    engine:
      description: The engine version (MAJOR.MINOR.PATCH).
      type: str
    render_for:
      description: The modelled release the profile is rendered for.
      type: str
    profile:
      description: The profile that would be deployed (null when no file is written).
      type: dict
    default:
      description: The engine's own default profile for RV(_value.render_for).
      type: dict
    vs_default:
      description: added, removed, conditional (lists of names) and identical (bool), profile against default.
      type: dict
    summary:
      description: One line for people.
      type: str
      sample: "engine 26.1.5 (default of 26.1.5) -> /etc/docker/seccomp/containment.json: removed: chroot"
    deployed_matches:
      description: With O(deployed) - true when it equals the rendered profile.
      type: bool
    deployed_vs_rendered:
      description: With O(deployed) - its difference from the rendered profile.
      type: dict
    deployed_vs_default:
      description: With O(deployed) - its difference from the engine's default.
      type: dict
"""

import os

import yaml
from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    DEFAULT_PROFILE_PATH,
    ERRNO_EPERM,
    review,
)

POLICY_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "files", "seccomp",
                           "default-policy.yml")


def shipped_policy():
    """The collection's own policy data (files/seccomp/default-policy.yml)."""
    try:
        with open(POLICY_FILE) as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise AnsibleFilterError("cannot read the collection's policy data %s: %s" % (POLICY_FILE, exc))


def seccomp_review(policy, engine_version="", dockerd_version="", profile_path=DEFAULT_PROFILE_PATH,
                   denied=(), allowed=(), errno=ERRNO_EPERM, unknown_engine="newest", host=None,
                   deployed=None, warn=True):
    """Filter entry point: see DOCUMENTATION."""
    source = None
    if policy in (None, "", "default"):
        policy, source = shipped_policy(), "default-policy.yml"
    result = review(policy, engine_version, dockerd_version, profile_path,
                    [] if denied is None else denied, [] if allowed is None else allowed, errno,
                    unknown_engine, host, source, deployed)
    if warn:
        for warning in result["warnings"]:
            Display().warning(warning)
    return result


class FilterModule(object):
    """containment.docker seccomp review."""

    def filters(self):
        return {"seccomp_review": seccomp_review}
