"""User-namespace remapping: the remap account, its subordinate ranges, and the engine using them."""

from __future__ import annotations

import pytest

from expected import REMAP_GROUP, REMAP_USER, SUBID_COUNT, SUBID_START

REMAP_LINE = f"{REMAP_USER}:{SUBID_START}:{SUBID_COUNT}"
SUBID_FILES = ("subuid", "subgid")


def test_remap_account_exists_without_login(host):
    account = host.user(REMAP_USER)
    assert account.exists, f"account {REMAP_USER} is missing"
    assert account.shell == "/usr/sbin/nologin"
    assert account.group == REMAP_GROUP


def test_remap_group_exists(host):
    assert host.group(REMAP_GROUP).exists, f"group {REMAP_GROUP} is missing"


@pytest.mark.parametrize("name", SUBID_FILES)
def test_remap_range_is_listed_once(host, name):
    lines = host.file(f"/etc/{name}").content_string.splitlines()
    remap_lines = [line for line in lines if line.split(":", 1)[0] == REMAP_USER]
    assert remap_lines == [REMAP_LINE]


@pytest.mark.parametrize("name", SUBID_FILES)
def test_foreign_ranges_are_unchanged(host, seed, name):
    seeded = seed[name].splitlines()
    assert seeded == ["alice:100000:65536"], f"prepare did not seed /etc/{name} as expected"
    lines = host.file(f"/etc/{name}").content_string.splitlines()
    assert [line for line in lines if not line.startswith(f"{REMAP_USER}:")] == seeded


@pytest.mark.parametrize("name", SUBID_FILES)
def test_subid_file_is_seed_plus_remap_range(host, seed, name):
    # Byte for byte: the operator's lines untouched and first, our line appended.
    assert host.file(f"/etc/{name}").content_string == seed[name] + REMAP_LINE + "\n"


def test_engine_reports_userns(docker_info):
    assert "name=userns" in docker_info["SecurityOptions"]


def test_engine_data_root_follows_remap(host):
    root_dir = host.check_output("docker info --format '{{.DockerRootDir}}'")
    assert root_dir == f"/var/lib/docker/{SUBID_START}.{SUBID_START}"


def test_container_root_is_unprivileged_on_host(host, running_probe):
    assert host.check_output("ps -o uid= -p %s", str(running_probe.host_pid)).strip() == str(SUBID_START)


def test_container_uid_map_starts_at_remap_range(host, running_probe):
    uid_map = host.file(f"/proc/{running_probe.host_pid}/uid_map").content_string.split()
    assert [int(field) for field in uid_map[:3]] == [0, SUBID_START, SUBID_COUNT]


def test_container_gid_map_starts_at_remap_range(host, running_probe):
    gid_map = host.file(f"/proc/{running_probe.host_pid}/gid_map").content_string.split()
    assert [int(field) for field in gid_map[:3]] == [0, SUBID_START, SUBID_COUNT]
