# -*- coding: utf-8 -*-
"""The seccomp role's decisions: module_utils/seccomp_policy.plan and the filter seccomp_plan.

The plan never raises for operator input: every bad value comes back as one message naming the
host, the profile, the variable, the value and the fix. Good input renders exactly what the role
rendered before the plan existed (the lab hosts' files, byte for byte).
"""

import hashlib
import os

import pytest
import yaml

from ansible.plugins.filter.core import to_nice_json

from ansible_collections.containment.docker.tests.unit.helpers import POLICY_FILE, REPO_ROOT
from ansible_collections.containment.docker.plugins.filter import seccomp_plan as plan_filter
from ansible_collections.containment.docker.plugins.filter.seccomp_profile import seccomp_profile
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import (
    DEFAULT_PROFILE_PATH,
    PROFILE_KEYWORDS,
    UNKNOWN_ENGINE_CHOICES,
    engine_support,
    plan,
    profile_bytes,
    render_profile,
)


# What `dockerd --version` prints on the lab hosts (containment-lead-1, containment-lead-2).
DOCKERD_20 = "Docker version 20.10.24+dfsg1, build 5d6db84"
DOCKERD_26 = "Docker version 26.1.5+dfsg1, build 411e817"
PATH = DEFAULT_PROFILE_PATH
# Text that means an exception escaped into the operator's message.
INTERNAL = ("Traceback", "Task failed", "Finalization", "Error while resolving", "The filter plugin",
            "object of type", "_AnsibleTagged", "<class", "Exception")


@pytest.fixture(scope="module")
def policy():
    with open(POLICY_FILE) as handle:
        return yaml.safe_load(handle)


def run(policy, **changes):
    """plan() with the role's defaults, host lab1 and the 26.1.5 lab engine, changed as given."""
    args = dict(engine_version="", dockerd_version=DOCKERD_26, profile_path=PATH, denied=[],
                allowed=[], errno=1, unknown_engine="newest", host="lab1",
                source="default-policy.yml")
    args.update(changes)
    return plan(policy, **args)


def as_file(profile):
    """The bytes roles/seccomp/tasks/profile.yml writes: to_nice_json(indent=2) and a newline."""
    return (to_nice_json(profile, indent=2) + "\n").encode("utf-8")


def assert_refused(result, *parts):
    """One clean message: host, profile, then each of parts, then 'Nothing was changed.'"""
    error = result["error"]
    assert error.startswith("lab1: seccomp profile "), error
    assert error.endswith(" Nothing was changed."), error
    for part in parts:
        assert part in error, "%r not in %r" % (part, error)
    for text in INTERNAL:
        assert text not in error, error
    assert (result["profile"], result["effective_path"], result["render_for"]) == (None, "", "")


# --- every input error names the host, the variable, the value and the fix ---------------------

ERRORS = [
    # (changes, variable, value as quoted, fix)
    ({"errno": "EBOGUS"}, "seccomp_denied_errno", "'EBOGUS'", "give a number from 1 to 4095 or a name such as EPERM"),
    ({"errno": 0}, "seccomp_denied_errno", " 0 ", "use 1 to 4095"),
    ({"errno": 4096}, "seccomp_denied_errno", "4096", "use 1 to 4095"),
    ({"errno": True}, "seccomp_denied_errno", "bool True", "a number from 1 to 4095, or a name such as EPERM"),
    ({"errno": None}, "seccomp_denied_errno", "null None", "a number from 1 to 4095"),
    ({"errno": [1]}, "seccomp_denied_errno", "list [1]", "a number from 1 to 4095"),
    ({"engine_version": "20.10.5"}, "seccomp_engine_version", "'20.10.5'",
     "set seccomp_engine_version to a modelled release"),
    ({"engine_version": "20.10.17"}, "seccomp_engine_version", "'20.10.17'", "Upgrade the engine"),
    ({"engine_version": "20.10.22"}, "seccomp_engine_version", "'20.10.22'", "except 20.10.22"),
    ({"engine_version": "19.03.15"}, "seccomp_engine_version", "'19.03.15'", "Upgrade the engine"),
    ({"engine_version": 20.1}, "seccomp_engine_version", "float 20.1", 'quote it in YAML ("20.10")'),
    ({"engine_version": 26}, "seccomp_engine_version", "int 26", "quote it in YAML"),
    ({"engine_version": True}, "seccomp_engine_version", "bool True", "quote it in YAML"),
    ({"engine_version": ["26.1.5"]}, "seccomp_engine_version", "list ['26.1.5']", "quote it in YAML"),
    ({"engine_version": "latest"}, "seccomp_engine_version", "'latest'",
     "set seccomp_engine_version to the engine's version"),
    ({"engine_version": " "}, "seccomp_engine_version", "' '", "set seccomp_engine_version"),
    ({"engine_version": "20.10"}, "seccomp_engine_version", "'20.10'", 'write the exact version, e.g. "20.10.26"'),
    ({"engine_version": "23.0"}, "seccomp_engine_version", "'23.0'", "changes at 23.0.7, 23.0.10"),
    ({"dockerd_version": "bash: dockerd: command not found"}, "`dockerd --version` on the host",
     "'bash: dockerd: command not found'", "set seccomp_engine_version to the engine's version"),
    ({"dockerd_version": ""}, "`dockerd --version` on the host", "from ''", "set seccomp_engine_version"),
    ({"profile_path": "relative.json"}, "seccomp_profile_path", "'relative.json' is relative",
     "set it to an absolute file path such as /etc/docker/seccomp/containment.json"),
    ({"profile_path": "/etc/docker/seccomp/"}, "seccomp_profile_path", "'/etc/docker/seccomp/' ends with '/'",
     "absolute file path"),
    ({"profile_path": "/etc/docker/../x.json"}, "seccomp_profile_path", "'/etc/docker/../x.json' has a '..'",
     "absolute file path"),
    ({"profile_path": ""}, "seccomp_profile_path", "'' is empty", "absolute file path"),
    ({"profile_path": "Builtin"}, "seccomp_profile_path", "'Builtin' is relative", "'builtin' / 'unconfined'"),
    ({"profile_path": 5}, "seccomp_profile_path", "int 5", "absolute file path"),
    ({"profile_path": None}, "seccomp_profile_path", "null None", "absolute file path"),
    ({"profile_path": "builtin", "dockerd_version": DOCKERD_20}, "seccomp_profile_path", "'builtin' is a keyword",
     "set seccomp_profile_path to an absolute file path"),
    ({"profile_path": "unconfined", "engine_version": "20.10.24"}, "seccomp_profile_path",
     "'unconfined' is a keyword", "engine 20.10.24 (seccomp_engine_version '20.10.24') would read it as a file name"),
    ({"profile_path": "builtin", "denied": ["chroot"]}, "seccomp_denied_syscalls", "['chroot']",
     "empty seccomp_denied_syscalls, or set seccomp_profile_path to a file path"),
    ({"profile_path": "unconfined", "allowed": ["acct"]}, "seccomp_allowed_syscalls", "['acct']",
     "empty seccomp_allowed_syscalls"),
    ({"denied": "chroot"}, "seccomp_denied_syscalls", "str 'chroot'", "write it as a YAML list"),
    ({"denied": None}, "seccomp_denied_syscalls", "null None", "or [] for none"),
    ({"allowed": {"chroot": True}}, "seccomp_allowed_syscalls", "dict {'chroot': True}", "write it as a YAML list"),
    ({"allowed": 7}, "seccomp_allowed_syscalls", "int 7", "write it as a YAML list"),
    ({"denied": [42]}, "seccomp_denied_syscalls[0]", "int 42", "must be a syscall name (a string)"),
    ({"allowed": ["read", None]}, "seccomp_allowed_syscalls[1]", "null None", "must be a syscall name"),
    ({"denied": ["Chroot"]}, "seccomp_denied_syscalls[0]", "'Chroot'", "use the kernel's lower-case name"),
    ({"denied": ["chroot"], "allowed": ["chroot"]}, "seccomp_denied_syscalls and seccomp_allowed_syscalls",
     "chroot named in both", "keep each name in one list only"),
    ({"denied": ["clone3"]}, "seccomp_denied_syscalls", "clone3 cannot be denied with EPERM",
     "remove clone3 from the list (or set seccomp_denied_errno to ENOSYS)"),
    ({"unknown_engine": "sometimes"}, "seccomp_unknown_engine", "'sometimes'", "must be one of newest, builtin, fail"),
    ({"unknown_engine": None}, "seccomp_unknown_engine", "null None", "must be one of newest, builtin, fail"),
    ({"engine_version": "30.0.1", "unknown_engine": "fail"}, "seccomp_unknown_engine is 'fail'", "'30.0.1'",
     "update the collection, or set seccomp_unknown_engine to 'newest'"),
    ({"engine_version": "30.0.1", "unknown_engine": "builtin", "denied": ["chroot"]},
     "seccomp_unknown_engine 'builtin'", "'30.0.1'", "empty seccomp_denied_syscalls, or set seccomp_unknown_engine"),
]


@pytest.mark.parametrize("changes, variable, value, fix", ERRORS,
                         ids=["%s=%r" % next(iter(c[0].items())) for c in ERRORS])
def test_bad_input_is_one_clean_message(policy, changes, variable, value, fix):
    result = run(policy, **changes)
    assert_refused(result, variable, value, fix)
    assert result["warnings"] == []


def test_the_message_names_the_profile_path(policy):
    result = run(policy, profile_path="/srv/seccomp/mine.json", errno="EBOGUS")
    assert result["error"].startswith("lab1: seccomp profile /srv/seccomp/mine.json: seccomp_denied_errno ")
    result = run(policy, profile_path=5)
    assert result["error"].startswith("lab1: seccomp profile (seccomp_profile_path): ")
    assert run(policy, errno="EBOGUS", host=None)["error"].startswith("seccomp profile %s: " % PATH)


def test_problems_with_the_variables_come_together_numbered(policy):
    result = run(policy, profile_path="relative.json", denied="chroot", allowed=[42], errno=0,
                 unknown_engine="maybe", engine_version=20.1)
    assert_refused(result, "6 problems: (1) seccomp_unknown_engine", "(2) seccomp_profile_path 'relative.json'",
                   "(3) seccomp_denied_syscalls must be a list", "(4) seccomp_allowed_syscalls[0]",
                   "(5) seccomp_denied_errno 0", "(6) seccomp_engine_version: engine version must be a string")


WEIRD = [None, True, 0, -1, 3.5, "", " ", "..", "/", "builtin", "EPERM", "26.1.5", [], [None], [[]], ["chroot"],
         {}, {"a": 1}, ("chroot",), b"chroot", object()]


@pytest.mark.parametrize("argument", ["engine_version", "dockerd_version", "profile_path", "denied",
                                      "allowed", "errno", "unknown_engine", "host_file"])
# ids by position: repr(object()) holds an address, which differs between pytest-xdist workers
# (ansible-test units runs them), and workers must collect the same ids.
@pytest.mark.parametrize("value", WEIRD, ids=["%d-%s" % (i, type(v).__name__) for i, v in enumerate(WEIRD)])
def test_never_raises_for_operator_input(policy, argument, value):
    result = run(policy, **{argument: value})
    assert set(result) == {"error", "warnings", "engine", "render_for", "effective_path", "profile", "write"}
    assert isinstance(result["error"], str) and isinstance(result["warnings"], list)
    if result["error"]:
        assert_refused(result)
    else:
        assert result["effective_path"] in (PATH,) + PROFILE_KEYWORDS


# --- engines: modelled, older, newer, with each seccomp_unknown_engine -------------------------

@pytest.mark.parametrize("choice", UNKNOWN_ENGINE_CHOICES)
@pytest.mark.parametrize("version", ["20.10.18", "20.10.24", "26.1.5", "29.7.2", DOCKERD_20, DOCKERD_26])
def test_a_modelled_engine_renders_its_own_default_whatever_the_choice(policy, version, choice):
    result = run(policy, engine_version=version, unknown_engine=choice, denied=["chroot"])
    engine = engine_support(policy, version)["engine"]
    assert result == {"error": "", "warnings": [], "engine": engine, "render_for": engine,
                      "effective_path": PATH,
                      "profile": render_profile(policy, engine, ["chroot"], []),
                      "write": ["the file on the host was not read"]}


@pytest.mark.parametrize("choice", UNKNOWN_ENGINE_CHOICES)
@pytest.mark.parametrize("version, shown", [
    ("20.10.17", "20.10.17"), ("20.10.22", "20.10.22"), ("20.10.0", "20.10.0"), ("19.03.15", "19.3.15"),
    ("Docker version 18.09.1, build 4c52b90", "18.9.1"),
])
def test_an_older_engine_fails_whatever_the_choice(policy, version, shown, choice):
    result = run(policy, dockerd_version=version, unknown_engine=choice)
    assert_refused(result, "`dockerd --version` on the host %r: engine %s is not a release" % (version, shown),
                   "(20.10.18 to 29.7.2, except 20.10.22)",
                   "Upgrade the engine, or set seccomp_engine_version to a modelled release")


@pytest.mark.parametrize("version, engine", [("29.7.3", "29.7.3"), ("30.0.1", "30.0.1"),
                                             ("Docker version 31.2.0, build 1", "31.2.0"), ("30.1", "30.1.0")])
@pytest.mark.parametrize("denied", [[], ["chroot"]])
def test_a_newer_engine_follows_seccomp_unknown_engine(policy, version, engine, denied):
    newest = run(policy, engine_version=version, unknown_engine="newest", denied=denied)
    assert newest["error"] == "" and newest["engine"] == engine
    assert (newest["render_for"], newest["effective_path"]) == ("29.7.2", PATH)
    assert newest["profile"] == render_profile(policy, "29.7.2", denied, [])
    assert len(newest["warnings"]) == 1
    assert newest["warnings"][0].startswith("lab1: engine %s is newer than the newest release" % engine)
    assert "(29.7.2)" in newest["warnings"][0] and "seccomp_unknown_engine 'newest'" in newest["warnings"][0]

    builtin = run(policy, engine_version=version, unknown_engine="builtin", denied=denied)
    if denied:
        assert_refused(builtin, "seccomp_unknown_engine 'builtin'", "cannot carry seccomp_denied_syscalls")
    else:
        assert builtin["error"] == "" and builtin["engine"] == engine
        assert (builtin["render_for"], builtin["effective_path"], builtin["profile"]) == ("", "builtin", None)
        assert len(builtin["warnings"]) == 1 and "seccomp-profile is set to 'builtin'" in builtin["warnings"][0]
        assert builtin["warnings"][0].startswith("lab1: engine %s is newer" % engine)

    fail = run(policy, engine_version=version, unknown_engine="fail", denied=denied)
    assert_refused(fail, "engine %s is newer than the newest release" % engine, "(29.7.2)",
                   "seccomp_unknown_engine is 'fail'")


# --- profile keywords on 20.10 and 26.1 --------------------------------------------------------

@pytest.mark.parametrize("keyword", PROFILE_KEYWORDS)
@pytest.mark.parametrize("dockerd, engine, ok", [
    (DOCKERD_20, "20.10.24", False),
    ("Docker version 20.10.5, build 55c4c88", "20.10.5", False),   # unmodelled, still a clear no
    ("Docker version 22.06.0, build 1", "22.6.0", False),
    ("Docker version 23.0.0, build 1", "23.0.0", True),
    (DOCKERD_26, "26.1.5", True),
    ("Docker version 30.0.1, build 1", "30.0.1", True),            # newer: no file, so no warning
])
def test_keywords_need_engine_23(policy, keyword, dockerd, engine, ok):
    result = run(policy, profile_path=keyword, dockerd_version=dockerd)
    assert result["engine"] == engine
    if ok:
        assert result == {"error": "", "warnings": [], "engine": engine, "render_for": "",
                          "effective_path": keyword, "profile": None, "write": []}
    else:
        assert_refused(result, "seccomp_profile_path %r is a keyword that only engines 23.0 and later" % keyword,
                       "engine %s (`dockerd --version` on the host %r)" % (engine, dockerd),
                       "dockerd would not start", "set seccomp_profile_path to an absolute file path")


def test_keywords_take_a_major_minor_version(policy):
    assert run(policy, profile_path="builtin", engine_version="23.0")["effective_path"] == "builtin"
    assert_refused(run(policy, profile_path="builtin", engine_version="20.10"), "is a keyword that only")


def test_a_keyword_refuses_syscall_lists_on_26_1_and_says_both(policy):
    result = run(policy, profile_path="builtin", denied=["chroot"], allowed=["acct"])
    assert_refused(result, "cannot carry seccomp_denied_syscalls ['chroot'] and seccomp_allowed_syscalls ['acct']",
                   "empty seccomp_denied_syscalls and seccomp_allowed_syscalls")
    result = run(policy, profile_path="builtin", denied=["chroot"], dockerd_version=DOCKERD_20)
    assert_refused(result, "cannot carry")   # the lists first: they are wrong on any engine


# --- good renders: what the role wrote before the plan, byte for byte --------------------------

# sha256 of /etc/docker/seccomp/containment.json as the role wrote it on the lab hosts with
# lab/demo-vars.yml (seccomp_denied_syscalls: [chroot]), before the preflight became one plan.
LAB_FILES = [
    (DOCKERD_20, "20.10.24", "6b7fa5ad582d16ad6b077c0395393d3267b3ce530b1c940cd6cf363e75fcf397"),
    (DOCKERD_26, "26.1.5", "42d5047055c4b1ca8dbb6e7dfbe26313e4f06bd33edefa2e8dc38cb114ed0920"),
]


@pytest.mark.parametrize("dockerd, engine, sha256", LAB_FILES)
def test_lab_profiles_are_byte_identical(policy, dockerd, engine, sha256):
    result = run(policy, dockerd_version=dockerd, denied=["chroot"])
    assert (result["error"], result["warnings"], result["engine"], result["render_for"]) == ("", [], engine, engine)
    assert hashlib.sha256(as_file(result["profile"])).hexdigest() == sha256


@pytest.mark.parametrize("dockerd", [DOCKERD_20, DOCKERD_26])
@pytest.mark.parametrize("denied, allowed, errno", [
    ([], [], 1),
    (["chroot"], [], 1),
    (["chroot", "mkdir", "chroot"], ["reboot"], "EACCES"),
    (["ptrace"], ["clone3"], 13),
    (["clone3"], [], "ENOSYS"),
    ([], ["acct"], "38"),
])
def test_renders_what_the_old_filters_rendered(policy, dockerd, denied, allowed, errno):
    """The role before the plan: engine version, then engine support, then seccomp_profile."""
    decision = engine_support(policy, dockerd, "newest", denied, allowed)
    before = seccomp_profile(policy, decision["render_for"], denied, allowed, errno=errno,
                             source="default-policy.yml", host="lab1", dest=PATH)
    result = run(policy, dockerd_version=dockerd, denied=denied, allowed=allowed, errno=errno)
    assert result["error"] == ""
    assert as_file(result["profile"]) == as_file(before)


def test_the_role_defaults_plan_cleanly(policy):
    with open(os.path.join(REPO_ROOT, "roles", "seccomp", "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    result = plan(policy, defaults["seccomp_engine_version"], DOCKERD_26, defaults["seccomp_profile_path"],
                  defaults["seccomp_denied_syscalls"], defaults["seccomp_allowed_syscalls"],
                  defaults["seccomp_denied_errno"], defaults["seccomp_unknown_engine"], "lab1")
    assert (result["error"], result["effective_path"]) == ("", DEFAULT_PROFILE_PATH)
    assert result["profile"] == render_profile(policy, "26.1.5")


def test_the_given_version_wins_over_dockerd(policy):
    assert run(policy, engine_version="20.10.24", dockerd_version=DOCKERD_26)["engine"] == "20.10.24"
    assert run(policy, engine_version=None, dockerd_version=DOCKERD_20)["engine"] == "20.10.24"


def test_planning_does_not_change_its_inputs(policy):
    import json
    before = json.dumps(policy, sort_keys=True)
    denied, allowed = ["chroot", "chroot"], ["reboot"]
    run(policy, denied=denied, allowed=allowed, engine_version="30.0.1")
    assert json.dumps(policy, sort_keys=True) == before
    assert (denied, allowed) == (["chroot", "chroot"], ["reboot"])


# --- the filter --------------------------------------------------------------------------------

@pytest.fixture
def shown(monkeypatch):
    warnings = []
    monkeypatch.setattr(plan_filter.Display, "warning", lambda self, msg, *a, **k: warnings.append(msg))
    return warnings


def test_filter_shows_the_warnings_and_returns_the_plan(policy, shown):
    result = plan_filter.seccomp_plan(policy, engine_version="Docker version 30.0.1, build abc",
                                      profile_path=PATH, denied=["chroot"], host="lab3")
    assert shown == result["warnings"] and len(shown) == 1
    assert shown[0].startswith("lab3: engine 30.0.1 is newer than the newest release") and "29.7.2" in shown[0]
    plan_filter.seccomp_plan(policy, engine_version="30.0.1", host="lab3", warn=False)
    plan_filter.seccomp_plan(policy, engine_version="28.5.2", host="lab3")
    assert len(shown) == 1, "warn=false and a modelled engine show nothing"


def test_filter_returns_errors_instead_of_raising(policy, shown):
    result = plan_filter.seccomp_plan(policy, engine_version="20.10.24", errno="EBOGUS", host="lab1")
    assert_refused(result, "seccomp_denied_errno 'EBOGUS' is not an errno")
    assert shown == []


def test_filter_defaults_are_the_documented_ones(policy):
    doc = yaml.safe_load(plan_filter.DOCUMENTATION)["options"]
    assert doc["profile_path"]["default"] == DEFAULT_PROFILE_PATH
    assert doc["unknown_engine"]["default"] == "newest"
    assert tuple(doc["unknown_engine"]["choices"]) == UNKNOWN_ENGINE_CHOICES
    assert (doc["denied"]["default"], doc["allowed"]["default"], doc["errno"]["default"]) == ([], [], 1)
    result = plan_filter.seccomp_plan(policy, engine_version="26.1.5")
    assert result["profile"] == render_profile(policy, "26.1.5") and result["effective_path"] == PATH


# --- the role's preflight is the plan ----------------------------------------------------------

def test_preflight_is_one_probe_one_plan_one_fail():
    with open(os.path.join(REPO_ROOT, "roles", "seccomp", "tasks", "preflight.yml")) as handle:
        tasks = yaml.safe_load(handle)
    modules = [next(key for key in task if key.startswith(("ansible.", "containment."))) for task in tasks]
    assert modules == ["containment.docker.seccomp_syscalls", "ansible.builtin.set_fact",
                       "ansible.builtin.fail", "ansible.builtin.set_fact"]
    assert "containment.docker.seccomp_plan(" in tasks[1]["ansible.builtin.set_fact"]["__seccomp_plan"]
    assert tasks[2]["ansible.builtin.fail"] == {"msg": "{{ __seccomp_plan.error }}"}
    assert tasks[2]["when"] == "__seccomp_plan.error | length > 0"
    assert set(tasks[3]["ansible.builtin.set_fact"]) == {"seccomp_effective_profile_path", "__seccomp_profile"}


@pytest.mark.parametrize("host_file, write", [
    (None, ["the file on the host was not read"]),
    ({"exists": False}, ["the file does not exist"]),
    ({"exists": True, "sha256": "same", "mode": "0644", "uid": 0, "gid": 0, "check": []}, []),
    ({"exists": True, "sha256": "0" * 64, "mode": "0644", "uid": 0, "gid": 0, "check": []}, ["its content differs"]),
    ({"exists": True, "sha256": "same", "mode": "0644", "uid": 0, "gid": 0, "check": None},
     ["its syscall names were not checked with the host's libseccomp"]),
    ({"exists": True, "sha256": "same", "mode": "0640", "uid": 0, "gid": 5, "check": []},
     ["mode 0640, not 0644", "owner 0:5, not root:root"]),
    ({"exists": True, "sha256": "same", "mode": "0644", "uid": 0, "gid": 0, "check": ["chroot: unknown"]},
     ["the profile check found: chroot: unknown"]),
])
def test_the_plan_says_whether_the_host_file_needs_a_write(policy, host_file, write):
    """A re-run sends the profile only when the host's file is not already exactly this one."""
    if host_file and host_file.get("sha256") == "same":
        rendered = run(policy, engine_version="26.1.5", denied=["chroot"])["profile"]
        host_file = dict(host_file, sha256=hashlib.sha256(profile_bytes(rendered)).hexdigest())
    result = run(policy, engine_version="26.1.5", denied=["chroot"], host_file=host_file)
    assert result["error"] == "" and result["write"] == write
    # a keyword writes no file, whatever the host holds
    assert run(policy, profile_path="builtin", engine_version="26.1.5", host_file=host_file)["write"] == []


def test_unknown_names_are_reported_with_every_other_input_problem(policy):
    """One run shows every input problem: the names the host's libseccomp does not know (module
    seccomp_syscalls with fail_on_unknown=false) next to the problems of the other variables."""
    host = {"unknown": ["chrot", "ptracee"], "libseccomp_version": "2.5.4", "checked": True}
    result = run(policy, denied=["chrot", "mount"], allowed=["ptracee"], errno="EBOGUS", host_syscalls=host)
    assert_refused(result, "3 problems:",
                   "seccomp_denied_errno 'EBOGUS' is not an errno",
                   "seccomp_denied_syscalls: 'chrot' is not a syscall libseccomp 2.5.4 on this host knows",
                   "would not deny it as asked",
                   "seccomp_allowed_syscalls: 'ptracee' is not a syscall libseccomp 2.5.4 on this host knows",
                   "correct the name (see man 2 syscalls)")
    assert "mount" not in result["error"]


@pytest.mark.parametrize("host", [None, {}, {"unknown": []}, {"unknown": "chrot"}, "x", {"unknown": [None, 3]}])
def test_known_or_unreported_names_are_no_problem(policy, host):
    assert run(policy, denied=["chroot"], host_syscalls=host)["error"] == ""
