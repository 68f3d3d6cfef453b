# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Paths and the module runner shared by the unit tests, for both runners.

Import it as ``from ansible_collections.containment.docker.tests.unit.helpers import ...``: under
``ansible-test units`` the collection sits at ``.../ansible_collections/containment/docker``; under
plain ``pytest`` from a checkout, tests/unit/conftest.py puts the checkout's ``collections/``
directory (where ``ansible_collections/containment/docker`` links back to the checkout) on
``sys.path`` first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

# The collection root: three levels up from tests/unit/helpers.py.
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(REPO_ROOT, "tests", "unit", "fixtures")
SECCOMP_FIXTURES = os.path.join(FIXTURES, "seccomp")
POLICY_FILE = os.path.join(REPO_ROOT, "files", "seccomp", "default-policy.yml")


def collections_dir(root=REPO_ROOT):
    """The directory holding ``ansible_collections/containment/docker`` for this collection root.

    Installed or under ansible-test, the root is that path itself; in a checkout it is the
    ``collections/`` directory beside the sources (a symlink back to the checkout)."""
    parts = root.rstrip(os.sep).split(os.sep)
    if parts[-3:-1] == ["ansible_collections", "containment"]:
        return os.sep.join(parts[:-3]) or os.sep
    return os.path.join(root, "collections")


COLLECTIONS_DIR = collections_dir()


def run_module_file(module_name, tmp_path, check=False, diff=False, **args):
    """Run plugins/modules/<module_name>.py as Ansible runs it: a subprocess reading a JSON args
    file, so check mode, diff and failures go through AnsibleModule's real code path.

    Returns the module's JSON result; raises AssertionError with the output when it is not JSON."""
    args["_ansible_check_mode"] = check
    args["_ansible_diff"] = diff
    args_file = tmp_path / ("%s-args.json" % module_name)
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ, PYTHONPATH=COLLECTIONS_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    module = os.path.join(REPO_ROOT, "plugins", "modules", module_name + ".py")
    proc = subprocess.run([sys.executable, module, str(args_file)], capture_output=True, text=True,
                          env=env, cwd=str(tmp_path), check=False)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module output is not JSON: rc=%s\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
