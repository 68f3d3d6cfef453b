# -*- coding: utf-8 -*-
"""The seccomp role's contract: argument spec and defaults agree, and say the same thing."""

import os

import pytest
import yaml

ROLE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "roles", "seccomp"))


def _load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def spec():
    return _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]


@pytest.fixture(scope="module")
def defaults():
    return _load("defaults", "main.yml")


def test_every_default_is_specified_with_the_same_value(spec, defaults):
    assert sorted(spec) == sorted(defaults)
    for name, option in spec.items():
        assert option["default"] == defaults[name], name


def test_spec_gives_type_description_and_list_elements(spec):
    for name, option in spec.items():
        assert name.startswith("seccomp_")
        assert option.get("type") and option.get("description"), name
        if option["type"] == "list":
            assert option.get("elements") == "str", name


def test_each_default_has_a_comment_line_above_it():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        lines = handle.read().splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith(("#", " ", "-")) and line != "---":
            assert lines[index - 1].startswith("# "), "no comment above %r" % line


def test_profile_task_never_notifies_and_writes_root_0644():
    tasks = _load("tasks", "profile.yml") + _load("tasks", "main.yml")
    for task in tasks:
        assert "notify" not in task, task["name"]
    write = [t for t in tasks if "ansible.builtin.copy" in t][0]["ansible.builtin.copy"]
    assert (write["owner"], write["group"], write["mode"]) == ("root", "root", "0644")
    assert write["backup"] is True and "%s" in write["validate"]
