# -*- coding: utf-8 -*-
"""The seccomp policy data and its renderer.

Parity: for every engine release line from 20.10.18 on (engine-versions.tsv), the rendered default
profile equals the engine's own default rule for rule, in the engine's order. The engine's
published defaults are test fixtures in tests/unit/fixtures/seccomp/ (origin and licence in the
README there), so these tests need nothing outside the clone.
"""

import csv
import json
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.containment.docker.tests.unit.helpers import POLICY_FILE, REPO_ROOT, SECCOMP_FIXTURES
from ansible_collections.containment.docker.plugins.filter.seccomp_engine_version import (
    seccomp_engine_version,
)
from ansible_collections.containment.docker.plugins.filter.seccomp_profile import seccomp_profile
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    SeccompPolicyError,
    classify_engine,
    denied_errno,
    engine_lines,
    engine_matches,
    engine_support,
    newest_known,
    parse_engine_version,
    policy_names,
    render_profile,
)

FIXTURES = SECCOMP_FIXTURES

# Fixture file -> the release tag it was extracted from (fixtures/seccomp/README.md), which the
# policy data names as each line's `default`.
FIXTURE_TAGS = {
    "moby-default-v20.10.json": "v20.10.24",
    "moby-default-v20.10.26.json": "v20.10.26",
    "moby-default-v23.0.0.json": "v23.0.0",
    "moby-default-v23.0.7.json": "v23.0.7",
    "moby-default-v23.0.10.json": "v23.0.10",
    "moby-default-v25.0.0.json": "v25.0.0",
    "moby-default-v26.1.json": "v26.1.5",
    "moby-default-v28.5.2.json": "v28.5.2",
    "moby-default-v29.4.2.json": "v29.4.2",
    "moby-default-master.json": "v29.7.2",
}


def _read_rows():
    with open(os.path.join(FIXTURES, "engine-versions.tsv")) as handle:
        return [dict(row, first=row["first_release"].lstrip("v"), last=row["last_release"].lstrip("v"))
                for row in csv.DictReader(handle, delimiter="\t")]


ROWS = _read_rows()
MODELLED_ROWS = [row for row in ROWS if row["profile_file"] != "-"]


def _version(text):
    return tuple(int(part) for part in text.split("."))


def _releases(row):
    """Every release of a row when first and last share a minor line; else first and last."""
    first, last = _version(row["first"]), _version(row["last"])
    if first[:2] == last[:2]:
        return ["%d.%d.%d" % (first[0], first[1], patch) for patch in range(first[2], last[2] + 1)]
    return [row["first"], row["last"]]


# (release, reference file): every release of every modelled row, plus the engines the labs run.
PARITY = [(release, row["profile_file"]) for row in MODELLED_ROWS for release in _releases(row)] + [
    ("26.1.5", "moby-default-v26.1.json"),
    ("Docker version 26.1.5+dfsg1, build 411e817", "moby-default-v26.1.json"),
    ("Docker version 20.10.24+dfsg1, build 5d6db84", "moby-default-v20.10.json"),
    ("28.5.2+dfsg1-1", "moby-default-v28.5.2.json"),
    ("26.1", "moby-default-v26.1.json"),   # a minor line with one default: 26.1.0
    ("29.7", "moby-default-master.json"),
]


@pytest.fixture(scope="module")
def policy():
    with open(POLICY_FILE) as handle:
        return yaml.safe_load(handle)


def load_reference(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def as_engine_reads_it(profile):
    """The profile as the engine decodes it: a rule's comment and empty args/includes/excludes
    (null, [], {}) carry no meaning. The unconditional allow rule's names are sorted: moby writes
    them in a hand-kept, nearly alphabetical order, and their order within one rule has no effect.
    Everything else, the order of the rules and of every other rule's names included, is kept."""
    out = {key: value for key, value in profile.items() if key != "syscalls"}
    rules = []
    for index, rule in enumerate(profile["syscalls"]):
        rule = {key: value for key, value in rule.items()
                if key != "comment" and value not in (None, [], {}, "")}
        if index == 0:
            rule["names"] = sorted(rule["names"])
        rules.append(rule)
    out["syscalls"] = rules
    return out


def explain_difference(got, want):
    lines = ["top level: %s != %s" % (key, want.get(key)) for key in sorted(set(got) | set(want))
             if key != "syscalls" and got.get(key) != want.get(key)]
    g, w = got["syscalls"], want["syscalls"]
    if len(g) != len(w):
        lines.append("%d rules rendered, the engine has %d" % (len(g), len(w)))
    for index, (a, b) in enumerate(zip(g, w)):
        if a != b:
            lines.append("rule %d: missing %s, extra %s; rendered %s; engine %s" % (
                index, sorted(set(b["names"]) - set(a["names"])), sorted(set(a["names"]) - set(b["names"])),
                json.dumps({k: v for k, v in a.items() if k != "names"}),
                json.dumps({k: v for k, v in b.items() if k != "names"})))
    return "rendered profile differs from the engine's default:\n" + "\n".join(lines)


# --- the fixtures and the data's table of engines ----------------------------------------------

def test_fixture_table_covers_every_release_from_20_10_0_to_29_7_2():
    assert ROWS[0]["first"] == "20.10.0" and ROWS[-1]["last"] == "29.7.2"
    for before, after in zip(ROWS, ROWS[1:]):
        assert _version(before["last"]) < _version(after["first"])
    assert [row["first"] for row in ROWS if row["profile_file"] == "-"] == \
        ["20.10.0", "20.10.4", "20.10.10", "20.10.22"]
    for row in MODELLED_ROWS:
        assert os.path.isfile(os.path.join(FIXTURES, row["profile_file"])), row
    assert sorted(set(r["profile_file"] for r in MODELLED_ROWS)) == sorted(FIXTURE_TAGS)


def test_policy_lines_are_the_fixture_rows(policy):
    lines = [("%d.%d.%d" % line["first"], "%d.%d.%d" % line["last"], line["default"])
             for line in engine_lines(policy)]
    rows = sorted(((row["first"], row["last"], FIXTURE_TAGS[row["profile_file"]]) for row in MODELLED_ROWS),
                  key=lambda r: _version(r[0]))
    assert lines == rows
    assert newest_known(policy) == _version(ROWS[-1]["last"]) == (29, 7, 2)


# --- parity with the engine's own default ------------------------------------------------------

@pytest.mark.parametrize("version, reference", PARITY)
def test_default_profile_matches_engine_rule_by_rule(policy, version, reference):
    want = as_engine_reads_it(load_reference(reference))
    got = as_engine_reads_it(render_profile(policy, version))
    assert got == want, explain_difference(got, want)
    assert list(got) == [k for k in ("defaultAction", "defaultErrnoRet", "archMap", "syscalls") if k in want]


# Unconditional allow-list size and unique names in all rules, per engine line (README table).
COUNTS = [
    ("20.10.18", 346, 404), ("20.10.23", 346, 404), ("20.10.26", 347, 404),
    ("23.0.0", 348, 410), ("23.0.7", 349, 410), ("23.0.10", 355, 417),
    ("24.0.0", 348, 410), ("24.0.3", 349, 410), ("25.0.0", 346, 407), ("25.0.3", 352, 414),
    ("28.2.0", 361, 426), ("29.4.2", 360, 426), ("29.4.3", 361, 426),
]


@pytest.mark.parametrize("version, unconditional, unique", COUNTS)
def test_allowed_syscall_counts_per_engine_line(policy, version, unconditional, unique):
    reference = load_reference(next(r["profile_file"] for r in MODELLED_ROWS if r["first"] == version))
    for profile in (render_profile(policy, version), reference):
        assert len(profile["syscalls"][0]["names"]) == unconditional
        assert len({n for rule in profile["syscalls"] for n in rule["names"]}) == unique


def test_every_engine_line_has_a_count_row(policy):
    assert [c[0] for c in COUNTS] == ["%d.%d.%d" % line["first"] for line in engine_lines(policy)]


@pytest.mark.parametrize("before, after", [
    ("20.10.25", "20.10.26"), ("23.0.6", "23.0.7"), ("23.0.9", "23.0.10"), ("24.0.2", "24.0.3"),
    ("25.0.2", "25.0.3"), ("28.1.1", "28.2.0"), ("29.4.1", "29.4.2"), ("29.4.2", "29.4.3"),
])
def test_the_default_changes_at_each_patch_boundary(policy, before, after):
    assert render_profile(policy, before) != render_profile(policy, after)


@pytest.mark.parametrize("version", ["20.10.24", "26.1.5", "29.4.2", "29.7.2"])
def test_clone3_answers_enosys_without_cap_sys_admin(policy, version):
    """F17: glibc 2.34+ falls back to clone() only on ENOSYS."""
    rules = [r for r in render_profile(policy, version)["syscalls"] if "clone3" in r["names"]]
    errno_rules = [r for r in rules if r["action"] == "SCMP_ACT_ERRNO"]
    assert errno_rules == [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
                            "comment": "clone3 answers ENOSYS",
                            "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]
    assert all(r.get("includes") == {"caps": ["CAP_SYS_ADMIN"]}
               for r in rules if r["action"] == "SCMP_ACT_ALLOW")


@pytest.mark.parametrize("version", ["20.10.24", "26.1.5", "29.7.2"])
def test_rendered_profile_is_json_without_flags(policy, version):
    rendered = render_profile(policy, version, ["chroot"], ["acct"])
    text = json.dumps(rendered)
    assert json.loads(text) == rendered
    assert all("flags" not in rule for rule in rendered["syscalls"])


def test_rendering_does_not_change_the_policy_data(policy):
    before = json.dumps(policy, sort_keys=True)
    render_profile(policy, "26.1.5", ["chroot", "ptrace"], ["reboot"], errno="ENOSYS")
    engine_support(policy, "30.0.0")
    assert json.dumps(policy, sort_keys=True) == before


# --- engine versions: patch levels, MAJOR.MINOR, older and newer -------------------------------

@pytest.mark.parametrize("version, status, engine", [
    ("20.10.18", "known", "20.10.18"),
    ("20.10.24", "known", "20.10.24"),
    ("Docker version 26.1.5+dfsg1, build 411e817", "known", "26.1.5"),
    ("26.1", "known", "26.1.0"),          # one default in the whole 26.1 line: 26.1.0
    ("27.5", "known", "27.5.0"),
    ("28.5", "known", "28.5.0"),
    ("29.7", "known", "29.7.0"),          # 29.7.0 is modelled (29.7.3 would be newer)
    ((26, 1, 5), "known", "26.1.5"),
    ("29.7.2", "known", "29.7.2"),
    ("29.7.3", "newer", "29.7.3"),
    ("29.8", "newer", "29.8.0"),
    ("30.0.1", "newer", "30.0.1"),
    ("99.9", "newer", "99.9.0"),
])
def test_engine_version_is_classified(policy, version, status, engine):
    got_status, got_version, line = classify_engine(policy, version)
    assert (got_status, "%d.%d.%d" % got_version) == (status, engine)
    assert (line is None) == (status == "newer")


@pytest.mark.parametrize("version, message", [
    ("20.10", r"20.10 has no patch level.*changes at 20.10.18, 20.10.23, 20.10.26"),
    ("23.0", r"23.0 has no patch level.*changes at 23.0.7, 23.0.10\): write the exact version"),
    ("24.0", r"24.0 has no patch level.*24.0.3"),
    ("25.0", r"25.0 has no patch level.*25.0.3"),
    ("29.4", r"29.4 has no patch level.*29.4.2, 29.4.3"),
    ((23, 0), r"23.0 has no patch level"),
    ("20.10.17", r"engine 20.10.17 is not a release .* models \(20.10.18 to 29.7.2, except 20.10.22\)"),
    ("20.10.22", r"engine 20.10.22 is not a release"),
    ("20.10.0", r"is not a release.*set seccomp_engine_version to a modelled release"),
    ("19.03.15", r"engine 19.3.15 is not a release"),
    ("19.03", r"engine 19.3.0 is not a release"),
    ("24.0.10", r"engine 24.0.10 is not a release"),   # no such release: not guessed
    ("", "cannot read an engine version"),
    ("latest", "cannot read an engine version"),
    ("26", "cannot read an engine version"),
    (20.10, "got float 20.1; quote it"),  # YAML's 20.10 is the float 20.1
    (None, "must be a string"),
    (True, "must be a string"),
])
def test_unmodelled_or_ambiguous_versions_are_refused(policy, version, message):
    with pytest.raises(SeccompPolicyError, match=message):
        classify_engine(policy, version)
    with pytest.raises(SeccompPolicyError, match=message):
        render_profile(policy, version)
    with pytest.raises(SeccompPolicyError, match=message):
        engine_support(policy, version, "newest")


@pytest.mark.parametrize("version", ["29.7.3", "30.0.0", "99.9"])
def test_render_refuses_a_newer_engine_without_a_decision(policy, version):
    with pytest.raises(SeccompPolicyError, match=r"newer than the newest release .* \(29.7.2\)"):
        render_profile(policy, version)


@pytest.mark.parametrize("version, choice, denied, profile, render_for, warning", [
    ("26.1.5", "newest", [], "file", "26.1.5", ""),
    ("26.1.5", "fail", [], "file", "26.1.5", ""),
    ("26.1.5", "builtin", ["chroot"], "file", "26.1.5", ""),    # a known engine ignores the choice
    ("20.10.24", "builtin", [], "file", "20.10.24", ""),
    ("29.7.2", "fail", [], "file", "29.7.2", ""),
    ("29.7.3", "newest", [], "file", "29.7.2", "newer than the newest release"),
    ("30.0.1", "newest", ["chroot"], "file", "29.7.2", "rendering moby v29.7.2's default"),
    ("30.0.1", "builtin", [], "builtin", "", "seccomp-profile is set to 'builtin'"),
])
def test_engine_support_decides(policy, version, choice, denied, profile, render_for, warning):
    result = engine_support(policy, version, choice, denied, [])
    assert (result["profile"], result["render_for"]) == (profile, render_for)
    assert result["newest_known"] == "29.7.2"
    if warning:
        assert warning in result["warning"] and "(29.7.2)" in result["warning"]
        assert result["status"] == "newer"
    else:
        assert result["warning"] == "" and result["status"] == "known"


@pytest.mark.parametrize("version, choice, denied, allowed, message", [
    ("30.0.1", "fail", [], [], r"newer than the newest release .* \(29.7.2\), and seccomp_unknown_engine "
                               r"is 'fail'"),
    ("30.0.1", "builtin", ["chroot"], [], r"cannot carry seccomp_denied_syscalls"),
    ("30.0.1", "builtin", [], ["acct"], r"cannot carry seccomp_allowed_syscalls"),
    ("30.0.1", "sometimes", [], [], r"seccomp_unknown_engine must be one of newest, builtin, fail"),
    ("26.1.5", None, [], [], r"seccomp_unknown_engine must be one of"),
])
def test_engine_support_refuses(policy, version, choice, denied, allowed, message):
    with pytest.raises(SeccompPolicyError, match=message):
        engine_support(policy, version, choice, denied, allowed)


def test_a_newer_engine_renders_the_newest_known_default(policy):
    decision = engine_support(policy, "30.0.1", "newest")
    rendered = as_engine_reads_it(render_profile(policy, decision["render_for"]))
    assert rendered == as_engine_reads_it(load_reference("moby-default-master.json"))


# --- the operator's errno (F19) ----------------------------------------------------------------

@pytest.mark.parametrize("value, number", [
    (1, 1), (38, 38), (4095, 4095), ("38", 38), (" 13 ", 13),
    ("EPERM", 1), ("ENOSYS", 38), ("enosys", 38), ("EACCES", 13), ("EOPNOTSUPP", 95), ("ENOTSUP", 95),
])
def test_denied_errno_accepts_numbers_and_names(value, number):
    assert denied_errno(value) == number


@pytest.mark.parametrize("value, message", [
    (0, r"0 is out of range: use 1 to 4095 \(0 would make every denied call return success"),
    ("0", r"0 is out of range"),
    (4096, r"4096 is out of range"),
    (-1, r"-1 is out of range"),
    ("-1", r"is not an errno"),
    ("EFOO", r"'EFOO' is not an errno: give a number from 1 to 4095 or a name such as EPERM"),
    ("", r"is not an errno"),
    (True, r"must be an errno .* got bool True"),
    (None, r"got null None"),
    (1.0, r"got float"),
    ([1], r"got list"),
])
def test_denied_errno_refuses(value, message):
    with pytest.raises(SeccompPolicyError, match=r"^seccomp_denied_errno .*" + message):
        denied_errno(value)


ALL_LINES = ["20.10.18", "20.10.23", "20.10.26", "23.0.0", "23.0.7", "23.0.10", "24.0.0", "24.0.3",
             "25.0.0", "25.0.3", "28.2.0", "29.4.2", "29.4.3"]


@pytest.mark.parametrize("version", ALL_LINES)
@pytest.mark.parametrize("errno, number, label", [
    (None, 1, "EPERM"), (1, 1, "EPERM"), ("EACCES", 13, "EACCES"), (38, 38, "ENOSYS"), (200, 200, "errno 200"),
])
def test_denied_syscalls_get_the_operators_errno_on_every_engine(policy, version, errno, number, label):
    """F19: the deny rule's errnoRet, which 20.10 honours too (only defaultErrnoRet is dropped)."""
    kwargs = {} if errno is None else {"errno": errno}
    rendered = render_profile(policy, version, ["chroot", "mkdir"], [], **kwargs)
    assert rendered["syscalls"][-1] == {
        "names": ["chroot", "mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": number,
        "comment": "denied by the operator (seccomp_denied_syscalls): %s" % label}
    base = render_profile(policy, version)
    assert rendered.get("defaultErrnoRet") == base.get("defaultErrnoRet")  # never touched
    assert [r for r in rendered["syscalls"] if r["action"] == "SCMP_ACT_ERRNO"][:-1] == \
        [r for r in base["syscalls"] if r["action"] == "SCMP_ACT_ERRNO"]


@pytest.mark.parametrize("errno, ok", [(1, False), ("EACCES", False), ("ENOSYS", True), (38, True)])
def test_clone3_may_be_denied_only_with_enosys(policy, errno, ok):
    if ok:
        rendered = render_profile(policy, "26.1.5", ["clone3"], [], errno=errno)
        assert [r for r in rendered["syscalls"] if "clone3" in r["names"]] == [rendered["syscalls"][-1]]
        assert rendered["syscalls"][-1]["errnoRet"] == 38
    else:
        with pytest.raises(SeccompPolicyError, match=r"clone3 cannot be denied with E.*ENOSYS"):
            render_profile(policy, "26.1.5", ["clone3"], [], errno=errno)


def test_errno_is_checked_without_denied_syscalls(policy):
    with pytest.raises(SeccompPolicyError, match="seccomp_denied_errno"):
        render_profile(policy, "26.1.5", [], [], errno=0)


# --- operator changes --------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["20.10.24", "26.1.5", "29.4.2", "29.7.2"])
@pytest.mark.parametrize("denied", [
    ["chroot"],                      # only in a capability-gated rule
    ["ptrace"],                      # in the minKernel rule and the CAP_SYS_PTRACE rule
    ["mkdir", "personality"],        # unconditional, and five argument rules
    ["socket"],                      # unconditional on 20.10, argument rules later
    ["socketcall"],                  # unconditional, or an ENOSYS rule on 29.4.2
    ["chroot", "chroot"],            # duplicates collapse
])
def test_denied_name_leaves_every_rule_and_gets_eperm(policy, version, denied):
    rendered = render_profile(policy, version, denied, [])
    deny = rendered["syscalls"][-1]
    for name in denied:
        assert [r for r in rendered["syscalls"] if name in r["names"]] == [deny]
    assert deny["action"] == "SCMP_ACT_ERRNO" and deny["errnoRet"] == 1
    assert deny["names"] == sorted(set(denied), key=denied.index)
    assert all(r["names"] for r in rendered["syscalls"]), "an emptied rule must be dropped"


@pytest.mark.parametrize("version, reference", [
    ("20.10.24", "moby-default-v20.10.json"),
    ("26.1.5", "moby-default-v26.1.json"),
    ("28.5.2", "moby-default-v28.5.2.json"),
])
def test_deny_changes_nothing_else(policy, version, reference):
    want = as_engine_reads_it(load_reference(reference))
    want["syscalls"] = [r for r in want["syscalls"] if r["names"] != ["chroot"]]
    want["syscalls"].append({"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1})
    assert as_engine_reads_it(render_profile(policy, version, ["chroot"], [])) == want


@pytest.mark.parametrize("version", ["20.10.24", "26.1.5", "29.7.2"])
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
    assert render_profile(policy, "26.1.5", None, None) == render_profile(policy, "26.1.5", [], [])


# --- bad input ---------------------------------------------------------------------------------

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
    (["clone3"], [], "clone3 cannot be denied with EPERM"),
])
def test_bad_operator_lists_are_refused(policy, denied, allowed, message):
    with pytest.raises(SeccompPolicyError, match=message):
        render_profile(policy, "26.1.5", denied, allowed)


def _line(index, **changes):
    def mutate(p):
        p["engines"]["lines"][index].update(changes)
    return mutate


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p["rules"][0].__setitem__("flags", ["SECCOMP_FILTER_FLAG_LOG"]), "'flags' is not allowed"),
    (lambda p: p["rules"][0].__setitem__("action", "SCMP_ACT_MAYBE"), "is not a seccomp action"),
    (lambda p: p["rules"][0].__setitem__("engine", "newer than 23"), "bad engine constraint"),
    (lambda p: p["rules"][0].__setitem__("engine", ">=23.0 ||"), "bad engine constraint"),
    (lambda p: p["rules"][0].__setitem__("engine", ">=23.0.1.2"), "bad engine constraint"),
    (lambda p: p["rules"][0].__setitem__("engine", 23), "must be a string"),
    (lambda p: p["rules"][0].__setitem__("when", "always"), "unknown keys"),
    (lambda p: p["allow"][0].__setitem__("flags", []), "allow group has"),
    (lambda p: p.__setitem__("schema", 2), "schema must be 1"),
    (lambda p: p.__setitem__("defaultAction", "ALLOW"), "defaultAction"),
    (lambda p: p.__delitem__("engines"), "engines.lines must list"),
    (_line(1, first="20.10.21"), r"engines.lines\[1\]: lines must be in release order and must not overlap"),
    (_line(0, last="20.10.1"), r"engines.lines\[0\]: lines must be in release order"),
    (_line(0, first="20.10"), r"engines.lines\[0\].first: '20.10' must be a release written MAJOR.MINOR.PATCH"),
    (_line(0, extra=True), r"a line has exactly first, last and default"),
])
def test_malformed_policy_data_is_refused(policy, mutate, message):
    broken = json.loads(json.dumps(policy))
    mutate(broken)
    with pytest.raises(SeccompPolicyError, match=message):
        render_profile(broken, "26.1.5", source="default-policy.yml")


# --- helpers and filter wrappers ---------------------------------------------------------------

@pytest.mark.parametrize("constraint, version, result", [
    (None, (20, 10, 24), True),
    (">=23.0", (23, 0, 0), True),
    (">=23.0", (23, 0), True),                     # a missing patch is .0
    (">=23.0", (22, 6, 9), False),
    ("<23.0", (20, 10, 27), True),
    (">=23.0,<28.0", (28, 5, 2), False),
    (">=23.0,<28.0", (26, 1, 5), True),
    (">=23.0.7", (23, 0, 6), False),
    (">=23.0.7", (23, 0, 7), True),
    ("<25.0.3", (25, 0, 2), True),
    ("<25.0.3", (25, 0, 3), False),
    ("==29.4.2", (29, 4, 2), True),
    ("!=29.4.2", (29, 4, 2), False),
    ("!=29.4.2", (29, 4, 3), True),
    (">=23.0.10,<24.0 || >=25.0.3", (23, 0, 10), True),
    (">=23.0.10,<24.0 || >=25.0.3", (24, 0, 9), False),
    (">=23.0.10,<24.0 || >=25.0.3", (25, 0, 2), False),
    (">=23.0.10,<24.0 || >=25.0.3", (29, 7, 2), True),
    ("<20.10.26 || >=23.0,<23.0.7 || >=24.0,<24.0.3", (20, 10, 26), False),
    ("<20.10.26 || >=23.0,<23.0.7 || >=24.0,<24.0.3", (24, 0, 2), True),
])
def test_engine_matches(constraint, version, result):
    assert engine_matches(constraint, version) is result


def test_policy_data_is_grouped_and_names_every_reference_call(policy):
    groups = [g["group"] for g in policy["allow"]] + [r["group"] for r in policy["rules"]]
    assert len(groups) == len(set(groups)), "group names must be unique"
    assert "file I/O" in groups and "gated on CAP_SYS_ADMIN" in groups
    names = policy_names(policy)
    for reference in FIXTURE_TAGS:
        for rule in load_reference(reference)["syscalls"]:
            assert set(rule["names"]) <= names


def test_filter_names_the_host_in_errors(policy):
    with pytest.raises(AnsibleFilterError, match=r"^lab1: /etc/docker/p.json: chroot named in both"):
        seccomp_profile(policy, "26.1.5", ["chroot"], ["chroot"], host="lab1", dest="/etc/docker/p.json")
    with pytest.raises(AnsibleFilterError, match=r"^lab1: engine 30.0.0 is newer"):
        seccomp_profile(policy, "30.0.0", host="lab1")
    assert seccomp_profile(policy, "26.1.5")["defaultErrnoRet"] == 1
    assert seccomp_profile(policy, "26.1.5", ["chroot"], errno="EACCES")["syscalls"][-1]["errnoRet"] == 13


@pytest.mark.parametrize("text, result", [
    ("Docker version 20.10.24+dfsg1, build 5d6db84\n", "20.10.24"),
    ("Docker version 26.1.5+dfsg1, build 411e817", "26.1.5"),
    ("Docker version 28.5.2, build ecc6942", "28.5.2"),
    ("26.1.5", "26.1.5"),
    ("28.5.2+dfsg1-1", "28.5.2"),
    ("v29.0.1", "29.0.1"),
    ("v24.0", "24.0"),
    ("26.1", "26.1"),
])
def test_engine_version_filter_keeps_the_patch_level(text, result):
    assert seccomp_engine_version(text) == result
    assert parse_engine_version(text) == tuple(int(p) for p in result.split("."))


def test_engine_version_filter_error_names_host_and_fix():
    with pytest.raises(AnsibleFilterError, match=r"^lab1: .*set seccomp_engine_version"):
        seccomp_engine_version("bash: dockerd: command not found", host="lab1")


# --- the role's contract and the README table --------------------------------------------------

def _role_spec():
    with open(os.path.join(REPO_ROOT, "roles", "seccomp", "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def test_role_choices_and_defaults_are_the_renderers():
    from ansible_collections.containment.docker.plugins.module_utils import seccomp_policy
    spec = _role_spec()
    assert tuple(spec["seccomp_unknown_engine"]["choices"]) == seccomp_policy.UNKNOWN_ENGINE_CHOICES
    assert spec["seccomp_unknown_engine"]["default"] == "newest"
    assert denied_errno(spec["seccomp_denied_errno"]["default"]) == seccomp_policy.ERRNO_EPERM


def _readme_engine_rows():
    with open(os.path.join(REPO_ROOT, "README.md")) as handle:
        text = handle.read()
    section = text.split("\n## Supported engines\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0][:1].isdigit():
            rows.append((cells[0].split()[0], cells[1].split()[0], int(cells[2]), int(cells[3])))
    return rows


def test_readme_supported_engines_table_is_the_data(policy):
    rows = _readme_engine_rows()
    assert len(rows) == 10
    for first, tag, unconditional, unique in rows:
        rendered = render_profile(policy, first)
        line = classify_engine(policy, first)[2]
        assert line["default"] == tag, first
        assert len(rendered["syscalls"][0]["names"]) == unconditional, first
        assert len({n for rule in rendered["syscalls"] for n in rule["names"]}) == unique, first
