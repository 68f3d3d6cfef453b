"""daemon.json: the keys the collection owns, the operator's keys it must keep, the file's rights."""

from __future__ import annotations

import json

import pytest

from expected import DAEMON_CONFIG, REMAP_GROUP, REMAP_USER, SECCOMP_PROFILE


def test_docker_service_is_running(host):
    assert host.service("docker").is_running


@pytest.mark.parametrize("path", [DAEMON_CONFIG, SECCOMP_PROFILE])
def test_config_file_is_root_owned_and_not_writable_by_others(host, path):
    # CIS Docker Benchmark 3.17/3.18 for daemon.json; the same for the profile dockerd loads.
    config = host.file(path)
    assert config.is_file
    assert config.user == "root"
    assert config.group == "root"
    assert config.mode == 0o644


def test_daemon_config_sets_userns_remap(daemon_config):
    assert daemon_config.get("userns-remap") in (REMAP_USER, f"{REMAP_USER}:{REMAP_GROUP}")


def test_daemon_config_sets_seccomp_profile(daemon_config):
    assert daemon_config.get("seccomp-profile") == SECCOMP_PROFILE


def test_daemon_config_keeps_operator_keys(daemon_config, seed):
    seeded = json.loads(seed["daemon.json"])
    assert seeded == {
        "log-driver": "json-file",
        "log-opts": {"max-size": "10m", "max-file": "3"},
    }, "prepare did not seed daemon.json as expected"
    assert {key: daemon_config.get(key) for key in seeded} == seeded
