# -*- coding: utf-8 -*-
"""The seccomp_profile_file module on temp files: same bytes as to_nice_json, atomic, backup, checked."""

import json
import os
import stat

import pytest

from ansible.plugins.filter.core import to_nice_json
from conftest import run_module_file

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
