# -*- coding: utf-8 -*-
"""The seccomp_profile_file module on temp files: atomic, backup, checked. (Its bytes against the
controller's to_nice_json: tests/unit/plugins/filter/test_seccomp_profile_bytes.py.)"""

import json
import os

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file

PROFILE = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
           "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                        {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}


def _run(tmp_path, check=False, **args):
    return run_module_file("seccomp_profile_file", tmp_path, check=check, diff=True, **args)


def test_a_changed_profile_keeps_a_backup(tmp_path):
    path = tmp_path / "containment.json"
    path.write_text("{}\n")
    out = _run(tmp_path, path=str(path), profile=PROFILE)
    assert out["changed"] is True and open(out["backup_file"]).read() == "{}\n"
    assert json.loads(path.read_text()) == PROFILE


@pytest.mark.parametrize("profile, needle", [
    ({"defaultAction": "SCMP_ACT_NOPE"}, "SCMP_ACT_NOPE"),
    ({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "chroot", "action": "SCMP_ACT_ERRNO"}]}, "names"),
    # a deny of a name libseccomp does not know would deny nothing
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall"], "action": "SCMP_ACT_ERRNO"}]},
     "no_such_syscall"),
])
def test_a_profile_the_engine_cannot_use_is_not_written(tmp_path, profile, needle):
    path = tmp_path / "containment.json"
    out = _run(tmp_path, path=str(path), profile=profile)
    assert out.get("failed") is True and needle in out["msg"] and "Nothing was written" in out["msg"]
    assert not path.exists()


def test_relative_path_refused(tmp_path):
    out = _run(tmp_path, path="containment.json", profile=PROFILE)
    assert out.get("failed") is True and "absolute" in out["msg"]
    assert not os.path.exists(tmp_path / "containment.json")
