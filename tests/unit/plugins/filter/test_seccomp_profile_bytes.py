# -*- coding: utf-8 -*-
"""seccomp_profile_file writes the bytes Ansible's to_nice_json(indent=2) renders, as earlier
releases did with ansible.builtin.copy: a controller-side comparison (ansible-test units keeps
module tests away from controller code such as ansible.plugins.filter.core), so it lives here."""

import stat

from ansible.plugins.filter.core import to_nice_json
from ansible_collections.containment.docker.tests.unit.helpers import run_module_file

PROFILE = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
           "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                        {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}


def _run(tmp_path, check=False, **args):
    return run_module_file("seccomp_profile_file", tmp_path, check=check, diff=True, **args)


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
