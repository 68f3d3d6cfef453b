# -*- coding: utf-8 -*-
"""The seccomp_syscalls module against this machine's real libseccomp (field fault F18)."""

import ctypes.util

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file

pytestmark = pytest.mark.skipif(ctypes.util.find_library("seccomp") is None,
                                reason="libseccomp2 is not installed (docker.io depends on it)")


@pytest.mark.parametrize("names, unknown", [
    (["chroot", "read", "openat"], []),
    (["arm_fadvise64_64"], []),          # exists on arm only: a pseudo-syscall number, still known
    (["chrot"], ["chrot"]),              # a typo runc would silently ignore
    (["chroot", "no_such_call", "mount"], ["no_such_call"]),
])
def test_names_are_resolved_by_libseccomp(tmp_path, names, unknown):
    out = run_module_file("seccomp_syscalls", tmp_path, names=names)
    assert out["checked"] is True and out["libseccomp_version"].startswith("2.")
    assert out["unknown"] == unknown
    assert out.get("failed", False) is bool(unknown)
    if unknown:
        assert all(name in out["msg"] for name in unknown)
    else:
        assert sorted(out["numbers"]) == sorted(names)
    assert out["changed"] is False


def test_known_number_on_this_architecture(tmp_path):
    import platform
    if platform.machine() != "x86_64":
        pytest.skip("syscall numbers differ by architecture")
    out = run_module_file("seccomp_syscalls", tmp_path, check=True, names=["chroot"])
    assert out["numbers"] == {"chroot": 161}


@pytest.mark.parametrize("required", [False, True])
def test_missing_library_warns_or_fails(tmp_path, required):
    out = run_module_file("seccomp_syscalls", tmp_path, names=["chroot"], library="libnothere.so.9",
                          required=required)
    assert out["checked"] is False
    assert out.get("failed", False) is required
    if not required:
        import json
        assert "libnothere.so.9" in json.dumps(out.get("warnings", []))  # 2.19 structures warnings


def test_a_library_without_libseccomp_symbols_counts_as_not_loaded(tmp_path):
    out = run_module_file("seccomp_syscalls", tmp_path, names=["chroot"], library="libc.so.6",
                          required=True)
    assert out["checked"] is False and out["failed"] is True
    assert "libc.so.6" in out["msg"] and "were not checked" in out["msg"]


def test_unknown_names_are_reported_with_the_host_and_the_variable_holding_them(tmp_path):
    out = run_module_file("seccomp_syscalls", tmp_path, names=["chroot", "chrooot", "ptracee"], host="web1",
                          sources={"seccomp_denied_syscalls": ["chroot", "chrooot"],
                                   "seccomp_allowed_syscalls": ["ptracee"]})
    assert out["failed"] is True
    assert out["msg"].startswith("web1: libseccomp ")
    assert "chrooot (in seccomp_denied_syscalls), ptracee (in seccomp_allowed_syscalls)" in out["msg"]
    assert "Nothing was changed." in out["msg"]
