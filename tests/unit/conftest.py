# -*- coding: utf-8 -*-
"""Make the collection importable in unit tests without installing it.

Both import styles work:
- ``from plugins.module_utils.x import y`` (repository root on sys.path);
- ``from ansible_collections.containment.docker.plugins.module_utils.x import y`` (through the
  checkout symlink ``collections/ansible_collections/containment/docker`` -> repository root),
  which is the form the plugins themselves use.
"""

import os
import sys

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS_DIR = os.path.join(REPO_ROOT, "collections")

for _path in (REPO_ROOT, COLLECTIONS_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)


@pytest.fixture(scope="session")
def repo_root():
    """Absolute path of the repository (= collection) root."""
    return REPO_ROOT
