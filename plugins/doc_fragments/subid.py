# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The subordinate ID files, shared by remap_account, subid_ranges and docker_audit."""

    DOCUMENTATION = r"""
options:
  subuid_path:
    description: Path of the subordinate UID file (shadow-utils subuid(5)).
    type: path
    default: /etc/subuid
  subgid_path:
    description: Path of the subordinate GID file (shadow-utils subgid(5)).
    type: path
    default: /etc/subgid
"""
