# -*- coding: utf-8 -*-
"""The seccomp policy data and its renderer.

Parity: the rendered default profile must equal the engine's own default rule by rule. The
engine's published profiles are read from shared/reference/seccomp/ beside the clone (override
with CONTAINMENT_SHARED_DIR); they are test data only and never copied into the collection.
"""

import json
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.containment.docker.plugins.filter.seccomp_engine_version import (
    seccomp_engine_version,
)
from ansible_collections.containment.docker.plugins.filter.seccomp_profile import seccomp_profile
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    SeccompPolicyError,
    baseline_name,
    engine_matches,
    parse_engine_version,
    policy_names,
    render_profile,
)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POLICY_FILE = os.path.join(REPO_ROOT, "files", "seccomp", "default-policy.yml")


def _reference_dir():
    shared = os.environ.get("CONTAINMENT_SHARED_DIR") or os.path.join(REPO_ROOT, "..", "shared")
    return os.path.join(os.path.abspath(shared), "reference", "seccomp")


@pytest.fixture(scope="module")
def policy():
    with open(POLICY_FILE) as handle:
        return yaml.safe_load(handle)


def load_reference(name):
    path = os.path.join(_reference_dir(), name)
    if not os.path.isfile(path):
        # Not a skip: CI keeps shared/ beside the clone, so a missing file is a broken setup.
        pytest.fail("reference profile %s not found; put shared/ beside the clone or set "
                    "CONTAINMENT_SHARED_DIR to the directory holding reference/seccomp/" % path)
    with open(path) as handle:
        return json.load(handle)


def _norm_conditions(value):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (value or {}).items()))


def normalise_rule(rule):
    """A hashable, order-free view of one rule (comment ignored, None == [] == absent)."""
    return (
        tuple(sorted(rule["names"])),
        rule["action"],
        rule.get("errnoRet"),
        tuple(sorted((a["index"], a["value"], a.get("valueTwo", 0), a["op"]) for a in rule.get("args") or [])),
        _norm_conditions(rule.get("includes")),
        _norm_conditions(rule.get("excludes")),
    )


def explain_difference(got, want):
    """Say which names differ per rule condition, rather than dumping 350-name tuples."""
    lines = []
    for cond in sorted({r[1:] for r in got} | {r[1:] for r in want}, key=repr):
        have = {n for r in got if r[1:] == cond for n in r[0]}
        need = {n for r in want if r[1:] == cond for n in r[0]}
        if have != need or sum(r[1:] == cond for r in got) != sum(r[1:] == cond for r in want):
            lines.append("rule %r: missing %s, extra %s" % (cond, sorted(need - have), sorted(have - need)))
    return "rendered profile differs from the engine's default:\n" + "\n".join(lines)


def normalise_rules(profile):
    return sorted(normalise_rule(r) for r in profile["syscalls"])


def allow_rules(profile):
    return [r for r in profile["syscalls"] if r["action"] == "SCMP_ACT_ALLOW"]


# --- parity with the engine's own default ------------------------------------------------------

PARITY = [
    ("20.10", "moby-default-v20.10.json"),
    ("20.10.24", "moby-default-v20.10.json"),
    ("Docker version 20.10.24+dfsg1, build 5d6db84", "moby-default-v20.10.json"),
    ("26.1", "moby-default-v26.1.json"),
    ("26.1.5", "moby-default-v26.1.json"),
    ("Docker version 26.1.5+dfsg1, build 411e817", "moby-default-v26.1.json"),
]


@pytest.mark.parametrize("version, reference", PARITY)
def test_default_profile_matches_engine_rule_by_rule(policy, version, reference):
    expected = load_reference(reference)
    rendered = render_profile(policy, version)
    assert rendered["defaultAction"] == expected["defaultAction"]
    assert rendered.get("defaultErrnoRet") == expected.get("defaultErrnoRet")
    assert rendered["archMap"] == expected["archMap"]
    assert "architectures" not in rendered
    got, want = normalise_rules(rendered), normalise_rules(expected)
    assert got == want, explain_difference(got, want)


@pytest.mark.parametrize("version, reference", [
    ("20.10", "moby-default-v20.10.json"),
    ("26.1", "moby-default-v26.1.json"),
])
def test_unconditional_allow_list_equals_engine(policy, version, reference):
    expected = load_reference(reference)
    rendered = render_profile(policy, version)
    assert set(rendered["syscalls"][0]["names"]) == set(expected["syscalls"][0]["names"])


@pytest.mark.parametrize("version, baseline", [
    ("19.03", "20.10"), ("20.10", "20.10"), ("22.06", "20.10"),
    ("23.0", "26.1"), ("24.0.7", "26.1"), ("26.1", "26.1"), ("28.5.2", "26.1"),
])
def test_engine_version_picks_baseline(policy, version, baseline):
    assert baseline_name(parse_engine_version(version)) == baseline
    reference = load_reference("moby-default-v%s.json" % baseline)
    assert normalise_rules(render_profile(policy, version)) == normalise_rules(reference)


@pytest.mark.parametrize("version", ["20.10", "26.1"])
def test_clone3_answers_enosys_without_cap_sys_admin(policy, version):
    """F17: glibc 2.34+ falls back to clone() only on ENOSYS."""
    rules = [r for r in render_profile(policy, version)["syscalls"] if "clone3" in r["names"]]
    errno_rules = [r for r in rules if r["action"] == "SCMP_ACT_ERRNO"]
    assert errno_rules == [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
                            "comment": "clone3 answers ENOSYS",
                            "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]
    assert all(r.get("includes") == {"caps": ["CAP_SYS_ADMIN"]}
               for r in rules if r["action"] == "SCMP_ACT_ALLOW")


@pytest.mark.parametrize("version", ["20.10", "26.1"])
def test_rendered_profile_is_json_without_flags(policy, version):
    rendered = render_profile(policy, version, ["chroot"], ["acct"])
    text = json.dumps(rendered)
    assert json.loads(text) == rendered
    assert all("flags" not in rule for rule in rendered["syscalls"])


def test_rendering_does_not_change_the_policy_data(policy):
    before = json.dumps(policy, sort_keys=True)
    render_profile(policy, "26.1", ["chroot", "ptrace"], ["reboot"])
    assert json.dumps(policy, sort_keys=True) == before


# --- operator changes --------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["20.10", "26.1"])
@pytest.mark.parametrize("denied", [
    ["chroot"],                      # only in a capability-gated rule
    ["ptrace"],                      # in the minKernel rule and the CAP_SYS_PTRACE rule
    ["mkdir", "personality"],        # unconditional, and five argument rules
    ["socket"],                      # unconditional on 20.10, argument rule on 26.1
    ["chroot", "chroot"],            # duplicates collapse
])
def test_denied_name_leaves_every_rule_and_gets_eperm(policy, version, denied):
    rendered = render_profile(policy, version, denied, [])
    for name in denied:
        assert not [r for r in rendered["syscalls"] if name in r["names"] and r["action"] != "SCMP_ACT_ERRNO"]
    deny = rendered["syscalls"][-1]
    assert deny["action"] == "SCMP_ACT_ERRNO" and deny["errnoRet"] == 1
    assert deny["names"] == sorted(set(denied), key=denied.index)
    assert all(r["names"] for r in rendered["syscalls"]), "an emptied rule must be dropped"


@pytest.mark.parametrize("version, reference", [
    ("20.10", "moby-default-v20.10.json"),
    ("26.1", "moby-default-v26.1.json"),
])
def test_deny_changes_nothing_else(policy, version, reference):
    expected = load_reference(reference)
    rendered = render_profile(policy, version, ["chroot"], [])
    want = normalise_rules(expected)
    want.remove(((("chroot",), "SCMP_ACT_ALLOW", None, (), (("caps", ("CAP_SYS_CHROOT",)),), ())))
    want.append((("chroot",), "SCMP_ACT_ERRNO", 1, (), (), ()))
    assert normalise_rules(rendered) == sorted(want)


@pytest.mark.parametrize("version", ["20.10", "26.1"])
@pytest.mark.parametrize("allowed, gone_from_conditional", [
    (["reboot"], True),                # was gated on CAP_SYS_BOOT
    (["clone3"], True),                # was ERRNO 38 / CAP_SYS_ADMIN: one action only now
    (["read"], False),                 # already allowed: no change
    (["my_new_call"], False),          # unknown to the policy: added as is
])
def test_allowed_name_joins_unconditional_rule(policy, version, allowed, gone_from_conditional):
    base = render_profile(policy, version)
    rendered = render_profile(policy, version, [], allowed)
    first = rendered["syscalls"][0]
    assert first["action"] == "SCMP_ACT_ALLOW" and "includes" not in first and "args" not in first
    for name in allowed:
        assert name in first["names"]
        assert [r for r in rendered["syscalls"] if name in r["names"]] == [first]
        was_conditional = any(name in r["names"] for r in base["syscalls"][1:])
        assert was_conditional == gone_from_conditional


def test_no_changes_when_lists_empty_or_none(policy):
    assert render_profile(policy, "26.1", None, None) == render_profile(policy, "26.1", [], [])


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version, message", [
    ("", "cannot read an engine version"),
    ("latest", "cannot read an engine version"),
    ("26", "cannot read an engine version"),
    ("26.x", "cannot read an engine version"),
    ("Docker version unknown", "cannot read an engine version"),
    (20.10, "got float 20.1; quote it"),  # YAML's 20.10 is the float 20.1
    (26, "must be a string"),
    (None, "must be a string"),
    (True, "must be a string"),
])
def test_bad_engine_version_is_refused(policy, version, message):
    with pytest.raises(SeccompPolicyError, match=message):
        render_profile(policy, version)


@pytest.mark.parametrize("denied, allowed, message", [
    (["chroot"], ["chroot"], "chroot named in both"),
    (["mount", "chroot"], ["chroot", "mount"], "mount, chroot named in both"),
    ([42], [], r"seccomp_denied_syscalls\[0\] must be a syscall name \(a string\)"),
    ([], ["read", None], r"seccomp_allowed_syscalls\[1\] must be a syscall name"),
    ([{"name": "x"}], [], "must be a syscall name"),
    (["Chroot"], [], "is not a syscall name"),
    (["chroot now"], [], "is not a syscall name"),
    (["sys_chroot()"], [], "is not a syscall name"),
    (["1chroot"], [], "is not a syscall name"),
    ([""], [], "is not a syscall name"),
    (["a" * 65], [], "is not a syscall name"),
    ("chroot", [], "must be a list of syscall names"),
    ([], {"chroot": True}, "must be a list of syscall names"),
    (["clone3"], [], "clone3 cannot be denied"),
])
def test_bad_operator_lists_are_refused(policy, denied, allowed, message):
    with pytest.raises(SeccompPolicyError, match=message):
        render_profile(policy, "26.1", denied, allowed)


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p["rules"][0].__setitem__("flags", ["SECCOMP_FILTER_FLAG_LOG"]), "'flags' is not allowed"),
    (lambda p: p["rules"][0].__setitem__("action", "SCMP_ACT_MAYBE"), "is not a seccomp action"),
    (lambda p: p["rules"][0].__setitem__("engine", "newer than 23"), "bad engine constraint"),
    (lambda p: p["rules"][0].__setitem__("when", "always"), "unknown keys"),
    (lambda p: p["allow"][0].__setitem__("flags", []), "allow group has"),
    (lambda p: p.__setitem__("schema", 2), "schema must be 1"),
    (lambda p: p.__setitem__("defaultAction", "ALLOW"), "defaultAction"),
])
def test_malformed_policy_data_is_refused(policy, mutate, message):
    broken = json.loads(json.dumps(policy))
    mutate(broken)
    with pytest.raises(SeccompPolicyError, match=message):
        render_profile(broken, "26.1", source="default-policy.yml")


# --- helpers and filter wrappers ---------------------------------------------------------------

@pytest.mark.parametrize("constraint, version, result", [
    (None, (20, 10), True),
    (">=23.0", (23, 0), True),
    (">=23.0", (22, 6), False),
    ("<23.0", (20, 10), True),
    (">=23.0,<28.0", (28, 5), False),
    (">=23.0,<28.0", (26, 1), True),
])
def test_engine_matches(constraint, version, result):
    assert engine_matches(constraint, version) is result


def test_policy_data_is_grouped_and_names_every_reference_call(policy):
    groups = [g["group"] for g in policy["allow"]] + [r["group"] for r in policy["rules"]]
    assert len(groups) == len(set(groups)), "group names must be unique"
    assert "file I/O" in groups and "gated on CAP_SYS_ADMIN" in groups
    names = policy_names(policy)
    for reference in ("moby-default-v20.10.json", "moby-default-v26.1.json"):
        for rule in load_reference(reference)["syscalls"]:
            assert set(rule["names"]) <= names


def test_filter_names_the_host_in_errors(policy):
    with pytest.raises(AnsibleFilterError, match=r"^lab1: /etc/docker/p.json: chroot named in both"):
        seccomp_profile(policy, "26.1", ["chroot"], ["chroot"], host="lab1", dest="/etc/docker/p.json")
    assert seccomp_profile(policy, "26.1")["defaultErrnoRet"] == 1


@pytest.mark.parametrize("text, result", [
    ("Docker version 20.10.24+dfsg1, build 5d6db84\n", "20.10"),
    ("Docker version 26.1.5+dfsg1, build 411e817", "26.1"),
    ("26.1.5", "26.1"),
    ("v24.0", "24.0"),
])
def test_engine_version_filter(text, result):
    assert seccomp_engine_version(text) == result


def test_engine_version_filter_error_names_host_and_fix():
    with pytest.raises(AnsibleFilterError, match=r"^lab1: .*set seccomp_engine_version"):
        seccomp_engine_version("bash: dockerd: command not found", host="lab1")
