# -*- coding: utf-8 -*-
"""The seccomp_syscalls module against this machine's real libseccomp (field fault F18)."""

import ctypes.util
import json
import os

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import profile_write_reasons
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import profile_bytes

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


# The seccomp role skips the seccomp_profile_file task when profile_write_reasons, fed with this
# module's profile_file, is empty: the two must agree on every file the writer would leave alone,
# and on every file it would write, fix or refuse.
PROFILE = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
           "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                        {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
UNKNOWN_DENY = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["no_such_syscall"], "action": "SCMP_ACT_ERRNO"}]}


@pytest.mark.skipif(os.geteuid() != 0, reason="owner checks need root (the writer sets root:root)")
@pytest.mark.parametrize("profile, seed, mode, owner, reason", [
    (PROFILE, None, None, None, "the file does not exist"),
    (PROFILE, "same", 0o644, 0, None),                                   # a re-run: skipped
    (PROFILE, '{"defaultAction": "SCMP_ACT_ALLOW"}\n', 0o644, 0, "its content differs"),
    (PROFILE, json.dumps(PROFILE), 0o644, 0, "its content differs"),     # same meaning, other bytes
    (PROFILE, "same", 0o600, 0, "mode 0600, not 0644"),
    (PROFILE, "same", 0o644, 1000, "owner 1000:0, not root:root"),
    (UNKNOWN_DENY, "same", 0o644, 0, "no_such_syscall"),                  # the writer refuses it
    (PROFILE, "not json\n", 0o644, 0, "its content differs"),
])
def test_profile_file_report_agrees_with_the_writer(tmp_path, profile, seed, mode, owner, reason):
    path = tmp_path / "containment.json"
    if seed is not None:
        path.write_bytes(profile_bytes(profile) if seed == "same" else seed.encode())
        os.chmod(str(path), mode)
        os.chown(str(path), owner, 0)
    probe = run_module_file("seccomp_syscalls", tmp_path, names=[], profile_path=str(path))
    assert probe["changed"] is False and probe["profile_file"]["exists"] is (seed is not None)
    reasons = profile_write_reasons(profile, probe["profile_file"])
    assert (reason is None and reasons == []) or (reason is not None and reason in " ".join(reasons)), reasons
    out = run_module_file("seccomp_profile_file", tmp_path, path=str(path), profile=profile)
    assert bool(out.get("changed") or out.get("failed")) is bool(reasons)
    if not out.get("failed"):
        again = run_module_file("seccomp_syscalls", tmp_path, names=[], profile_path=str(path))
        assert profile_write_reasons(profile, again["profile_file"]) == []


def test_profile_file_not_checked_without_libseccomp_is_written(tmp_path):
    path = tmp_path / "containment.json"
    path.write_bytes(profile_bytes(PROFILE))
    os.chmod(str(path), 0o644)
    probe = run_module_file("seccomp_syscalls", tmp_path, names=[], profile_path=str(path),
                            library="libnothere.so.9")
    assert probe["profile_file"]["check"] is None and probe.get("warnings") in (None, [])
    assert profile_write_reasons(PROFILE, probe["profile_file"]) == [
        "its syscall names were not checked with the host's libseccomp"]


def test_unreadable_profile_fails_the_probe(tmp_path):
    path = tmp_path / "containment.json"
    path.mkdir()  # a directory where the file should be: reading it fails, which is not "absent"
    probe = run_module_file("seccomp_syscalls", tmp_path, names=[], profile_path=str(path), host="web1")
    assert probe["failed"] is True and "web1: cannot read the seccomp profile" in probe["msg"]
    out = run_module_file("seccomp_syscalls", tmp_path, names=[], profile_path="containment.json")
    assert out["failed"] is True and "not an absolute path" in out["msg"]


def test_unknown_names_are_returned_without_failing_when_asked(tmp_path):
    out = run_module_file("seccomp_syscalls", tmp_path, names=["chroot", "chrooot"], fail_on_unknown=False)
    assert out.get("failed", False) is False and out["checked"] is True
    assert out["unknown"] == ["chrooot"] and list(out["numbers"]) == ["chroot"]
