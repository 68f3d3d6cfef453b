"""The daemon-wide seccomp profile: its content, and what a container may and may not do under it."""

from __future__ import annotations

import pytest

from expected import DENIED_SYSCALL, SECCOMP_PROFILE

DENY_ACTIONS = {
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
}


def rule_names(rule):
    """Syscall names a profile rule applies to (`names`, or the older single `name`)."""
    return set(rule.get("names") or []) | ({rule["name"]} if rule.get("name") else set())


def names_with_action(profile, actions):
    names = set()
    for rule in profile.get("syscalls") or []:
        if rule.get("action") in actions:
            names |= rule_names(rule)
    return names


def test_profile_denies_by_default(seccomp_profile):
    assert seccomp_profile["defaultAction"] == "SCMP_ACT_ERRNO"


@pytest.mark.parametrize("syscall", ["read", "write", "openat", "execve", "exit_group"])
def test_profile_allows_ordinary_syscalls(seccomp_profile, syscall):
    assert syscall in names_with_action(seccomp_profile, {"SCMP_ACT_ALLOW"})


def test_profile_never_allows_denied_syscall(seccomp_profile):
    # Not even in a rule that depends on a capability (the engine's default allows chroot with
    # CAP_SYS_CHROOT, which containers have by default).
    assert DENIED_SYSCALL not in names_with_action(seccomp_profile, {"SCMP_ACT_ALLOW"})


def test_profile_has_rule_denying_syscall(seccomp_profile):
    assert DENIED_SYSCALL in names_with_action(seccomp_profile, DENY_ACTIONS)


def test_profile_has_no_flags_key(seccomp_profile):
    # runc 1.1.5 and 1.1.15 refuse to start any container when a profile carries `flags`.
    assert "flags" not in seccomp_profile


def test_engine_uses_profile(docker_info):
    assert f"name=seccomp,profile={SECCOMP_PROFILE}" in docker_info["SecurityOptions"]


def test_container_starts_under_profile(host, probe_image):
    # Only starting a container proves a profile: an undecodable one fails every start.
    result = host.run("docker run --rm %s true", probe_image)
    assert result.rc == 0, result.stderr


def test_container_cannot_call_denied_syscall(host, probe_image):
    result = host.run("docker run --rm %s chroot / true", probe_image)
    assert result.rc != 0, "chroot succeeded under the daemon-wide profile"
    assert "Operation not permitted" in result.stdout + result.stderr


def test_denied_syscall_works_without_profile(host, probe_image):
    # Control: the same call succeeds unconfined, so the denial above comes from the profile.
    result = host.run("docker run --rm --security-opt seccomp=unconfined --userns=host %s chroot / true", probe_image)
    assert result.rc == 0, result.stderr
