# -*- coding: utf-8 -*-
"""Every role's contract: argument spec and defaults agree, variables carry the role's prefix,
each default has a comment of intent, and only the daemon role restarts dockerd."""

import os

import pytest
import yaml

ROLES_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "roles"))
ROLES = sorted(os.listdir(ROLES_DIR))


def _load(role, *parts):
    with open(os.path.join(ROLES_DIR, role, *parts)) as handle:
        return yaml.safe_load(handle)


def test_the_four_roles_exist():
    assert ROLES == ["daemon", "hardening", "seccomp", "userns_remap"]


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_specified_with_the_same_value(role):
    spec = _load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = _load(role, "defaults", "main.yml")
    assert sorted(spec) == sorted(defaults)
    for name, option in spec.items():
        assert option["default"] == defaults[name], name


@pytest.mark.parametrize("role", ROLES)
def test_spec_gives_prefix_type_description_and_list_elements(role):
    spec = _load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    for name, option in spec.items():
        assert name.startswith(role + "_"), name
        assert option.get("type") and option.get("description"), name
        if option["type"] == "list":
            assert option.get("elements"), name


@pytest.mark.parametrize("role", ROLES)
def test_each_default_has_a_comment_line_above_it(role):
    with open(os.path.join(ROLES_DIR, role, "defaults", "main.yml")) as handle:
        lines = handle.read().splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith(("#", " ", "-")) and line != "---":
            assert lines[index - 1].startswith("# "), "%s: no comment above %r" % (role, line)


def _tasks(role):
    tasks_dir = os.path.join(ROLES_DIR, role, "tasks")
    for name in sorted(os.listdir(tasks_dir)):
        for task in _load(role, "tasks", name) or []:
            yield name, task


@pytest.mark.parametrize("role", ["seccomp", "userns_remap"])
def test_only_the_daemon_role_restarts_dockerd(role):
    for name, task in _tasks(role):
        assert "notify" not in task, "%s/%s: %s" % (role, name, task.get("name"))
    assert not os.path.exists(os.path.join(ROLES_DIR, role, "handlers"))


def test_the_restart_chain_listens_on_one_topic():
    handlers = _load("daemon", "handlers", "main.yml")
    assert {h["listen"] for h in handlers} == {"containment_docker_restart_dockerd"}
    notified = {t["notify"] for _name, t in _tasks("daemon") if "notify" in t}
    assert notified == {"containment_docker_restart_dockerd"}


def test_seccomp_profile_is_written_root_0644_with_backup_and_validation():
    # seccomp_profile_file checks the profile before writing and always writes root:root.
    writes = [t["containment.docker.seccomp_profile_file"] for _name, t in _tasks("seccomp")
              if "containment.docker.seccomp_profile_file" in t]
    assert writes
    for write in writes:
        assert write["mode"] == "0644" and write["backup"] is True
