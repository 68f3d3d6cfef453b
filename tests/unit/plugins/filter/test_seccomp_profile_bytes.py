# -*- coding: utf-8 -*-
"""seccomp_profile_file writes the bytes Ansible's to_nice_json(indent=2) renders, as earlier
releases did with ansible.builtin.copy: a controller-side comparison (ansible-test units keeps
module tests away from controller code such as ansible.plugins.filter.core), so it lives here."""

import stat

from ansible.plugins.filter.core import to_nice_json
# The module tests' profile and runner: the same module, the same input, one definition.
from ansible_collections.containment.docker.tests.unit.plugins.modules.test_seccomp_profile_file import (
    PROFILE,
    _run,
)


def test_writes_what_to_nice_json_renders_creates_the_directory_then_is_idempotent(tmp_path):
    path = tmp_path / "seccomp" / "containment.json"
    predicted = _run(tmp_path, check=True, path=str(path), profile=PROFILE)
    assert predicted["changed"] is True and not path.exists()
    out = _run(tmp_path, path=str(path), profile=PROFILE)
    assert out["changed"] is True and out["created"] is True and out["backup_file"] == ""
    assert path.read_text() == to_nice_json(PROFILE, indent=2) + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    again = _run(tmp_path, path=str(path), profile=PROFILE)
    assert again["changed"] is False
