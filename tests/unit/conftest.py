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


def run_module_file(module_name, tmp_path, check=False, diff=False, **args):
    """Run plugins/modules/<module_name>.py as Ansible runs it: a subprocess reading a JSON args
    file, so check mode, diff and failures go through AnsibleModule's real code path."""
    import json
    import subprocess

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
        pytest.fail("module output is not JSON: rc=%s\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
