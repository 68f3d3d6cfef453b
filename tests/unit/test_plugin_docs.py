# -*- coding: utf-8 -*-
"""Every module and filter documents itself in YAML that parses, with the sections ansible-doc shows."""

import ast
import os

import pytest
import yaml

from ansible_collections.containment.docker.tests.unit.helpers import COLLECTIONS_DIR

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLUGINS = sorted(
    os.path.join(kind, name)
    for kind in ("modules", "filter")
    for name in os.listdir(os.path.join(ROOT, "plugins", kind))
    if name.endswith(".py") and not name.startswith("_")
)


def _docs(relpath):
    with open(os.path.join(ROOT, "plugins", relpath)) as handle:
        tree = ast.parse(handle.read())
    docs = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                    docs[target.id] = node.value.value
    return docs


@pytest.mark.parametrize("relpath", PLUGINS)
def test_documentation_parses_and_describes_every_option(relpath):
    docs = _docs(relpath)
    if relpath.startswith("filter/") and not docs:
        pytest.fail("%s has no DOCUMENTATION" % relpath)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, relpath
    doc = yaml.safe_load(docs["DOCUMENTATION"])
    yaml.safe_load(docs["EXAMPLES"])
    yaml.safe_load(docs["RETURN"])
    assert doc.get("short_description") and doc.get("description"), relpath
    for name, option in (doc.get("options") or {}).items():
        assert option.get("description"), "%s: option %s" % (relpath, name)
        assert option.get("type"), "%s: option %s" % (relpath, name)
    if relpath.startswith("modules/"):
        assert {"check_mode", "diff_mode"} <= set(doc.get("attributes", {})), relpath


def test_ansible_doc_renders_every_module_and_filter(tmp_path):
    """ansible-doc itself (doc fragments merged, types checked) reads every plugin's documentation."""
    import json
    import subprocess
    import sys

    names = {"module": [], "filter": []}
    for relpath in PLUGINS:
        kind, name = relpath.split(os.sep)
        names["module" if kind == "modules" else "filter"].append("containment.docker." + name[:-3])
    # `python -m ansible.cli.doc` is ansible-doc: ansible-test units has no ansible-doc script in
    # its virtual environment, only the ansible package on the path.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_DIR,
               ANSIBLE_LOCAL_TEMP=str(tmp_path), ANSIBLE_HOME=str(tmp_path))
    for kind, plugins in names.items():
        proc = subprocess.run([sys.executable, "-m", "ansible.cli.doc", "-t", kind, "--json"] + plugins,
                              capture_output=True, text=True, env=env, cwd=str(tmp_path), check=False)
        assert proc.returncode == 0 and "ERROR" not in proc.stderr, proc.stderr
        docs = json.loads(proc.stdout)
        assert sorted(docs) == sorted(plugins)
        for plugin, doc in docs.items():
            assert doc["doc"].get("short_description"), plugin
