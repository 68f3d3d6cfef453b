# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Make the collection importable as ``ansible_collections.containment.docker`` under plain pytest.

A checkout holds ``collections/ansible_collections/containment/docker``, a symlink back to the
checkout; putting ``collections/`` first on ``sys.path`` lets the tests import the collection
(and ``tests.unit.helpers``) exactly as ``ansible-test units`` does. Under ansible-test the path is
already right and this changes nothing that matters.
"""

import os
import sys

import pytest

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_PARTS = _ROOT.split(os.sep)
_COLLECTIONS = (os.sep.join(_PARTS[:-3]) if _PARTS[-3:-1] == ["ansible_collections", "containment"]
                else os.path.join(_ROOT, "collections"))
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)


@pytest.fixture(scope="session")
def repo_root():
    """Absolute path of the repository (= collection) root."""
    return _ROOT
