# -*- coding: utf-8 -*-
"""The seccomp profile check (issue 5 outcome 4; field faults F16, F18, F19, F23).

Every profile dockerd would be pointed at: the engine's own defaults (the test fixtures in
tests/unit/fixtures/seccomp/) and the collection's rendered profile for every engine line pass;
each kind of broken input fails naming the field and the fix. Syscall names are resolved with this
machine's real libseccomp (Debian 12: libseccomp.so.2, 2.5.4, which does not know the syscalls
moby's defaults allow from 28.2 on: mseal, listmount, lsm_*, ...; in an allow rule they are notes,
not problems).
"""

import copy
import ctypes.util
import json
import os
import re

import pytest
import yaml

from ansible_collections.containment.docker.tests.unit.helpers import POLICY_FILE, SECCOMP_FIXTURES
from ansible_collections.containment.docker.plugins.module_utils import libseccomp
from ansible_collections.containment.docker.plugins.module_utils.seccomp_check import (
    check_profile,
    check_profile_setting,
    check_profile_text,
    format_problems,
    seccomp_setting_problems,
)
from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import render_profile

PROFILE = "/etc/docker/seccomp/containment.json"


FIXTURES = SECCOMP_FIXTURES
REFERENCES = sorted(name for name in os.listdir(FIXTURES) if name.endswith(".json"))
# Allowed by moby's defaults from 28.2 on, unknown to libseccomp 2.5.4 (Debian 12).
NEWER_THAN_2_5_4 = {"getxattrat", "listmount", "listxattrat", "lsm_get_self_attr", "lsm_list_modules",
                    "lsm_set_self_attr", "mseal", "removexattrat", "riscv_hwprobe", "setxattrat",
                    "statmount", "uretprobe"}
# One release of every engine line the policy models.
ENGINE_LINES = [(20, 10, 24), (20, 10, 26), (23, 0, 0), (23, 0, 7), (23, 0, 10), (24, 0, 9), (25, 0, 0),
                (26, 1, 5), (28, 5, 2), (29, 4, 2), (29, 7, 2)]


def _policy():
    with open(POLICY_FILE) as handle:
        return yaml.safe_load(handle)


needs_libseccomp = pytest.mark.skipif(
    ctypes.util.find_library("seccomp") is None,
    reason="libseccomp2 is not installed (docker.io depends on it)")


@pytest.fixture(scope="module")
def resolver():
    found = libseccomp.resolver()
    if found is None:
        pytest.skip("libseccomp.so.2 cannot be loaded on this machine")
    return found


def fake_resolver(known):
    """A resolver that knows only the given names (for tables that must not depend on the host)."""
    return lambda names: ({n: 0 for n in names if n in known}, [n for n in names if n not in known])


def base_profile():
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [{"architecture": "SCMP_ARCH_X86_64",
                     "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
        "syscalls": [
            {"names": ["read", "write", "openat"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
             "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
            {"names": ["chroot"], "action": "SCMP_ACT_ALLOW",
             "includes": {"caps": ["CAP_SYS_CHROOT"], "minKernel": "4.8"}},
        ],
    }


# --- what must pass ---------------------------------------------------------------------------

def test_every_fixture_is_checked():
    assert len(REFERENCES) == 10


@pytest.mark.parametrize("name", REFERENCES)
def test_engine_default_profiles_pass(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        assert check_profile_text(handle.read(), name) == []


@pytest.mark.parametrize("name", REFERENCES)
def test_engine_defaults_pass_when_libseccomp_lacks_their_newest_allowed_names(name):
    """Names the host's libseccomp does not know, in allow rules: notes, never problems."""
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        data = handle.read()
    all_names = {n for rule in json.loads(data)["syscalls"] for n in rule["names"]}
    notes = []
    resolve = fake_resolver(all_names - NEWER_THAN_2_5_4)
    assert check_profile_text(data, name, resolve, notes=notes) == []
    noted = {re.search(r'"([a-z_0-9]+)" is a syscall', note).group(1) for note in notes}
    assert noted == all_names & NEWER_THAN_2_5_4
    assert all("this allow rule does not allow it" in note and "stricter" in note for note in notes)


@needs_libseccomp
@pytest.mark.parametrize("name", REFERENCES)
def test_engine_defaults_pass_with_this_hosts_libseccomp(name, resolver):
    path = os.path.join(FIXTURES, name)
    notes = []
    with open(path, "rb") as handle:
        assert check_profile_text(handle.read(), path, resolver, notes=notes) == []
    if name in ("moby-default-v28.5.2.json", "moby-default-master.json") and resolver.version.startswith("2.5."):
        assert any('"mseal"' in note for note in notes)


@needs_libseccomp
@pytest.mark.parametrize("version", ENGINE_LINES)
@pytest.mark.parametrize("denied", [[], ["chroot", "mount"]])
def test_the_collections_rendered_profile_passes(version, denied, resolver):
    profile = render_profile(_policy(), version, denied=denied)
    text = json.dumps(profile, indent=4)
    assert check_profile_text(text, PROFILE, resolver, version) == []


@needs_libseccomp
@pytest.mark.parametrize("version", [(20, 10, 24), (26, 1, 5), (29, 7, 2)])
@pytest.mark.parametrize("errno", [1, "EACCES", "ENOSYS", 4095])
def test_the_collections_profile_with_the_operators_errno_passes(version, errno, resolver):
    """F19: a rule's errnoRet is honoured by every engine, 20.10 included: no problem there."""
    profile = render_profile(_policy(), version, denied=["chroot"], errno=errno)
    assert check_profile(profile, PROFILE, resolver, version) == []


@pytest.mark.parametrize("action, problem", [
    ("SCMP_ACT_ALLOW", False),        # skipped: the call gets the default action, stricter at most
    ("SCMP_ACT_ERRNO", True),         # a deny that would silently not deny
    ("SCMP_ACT_KILL_PROCESS", True),
    ("SCMP_ACT_LOG", True),
    ("SCMP_ACT_TRACE", True),
])
def test_unknown_names_are_problems_except_in_allow_rules(action, problem):
    profile = base_profile()
    profile["syscalls"].append({"names": ["mseal", "read"], "action": action})
    notes = []
    problems = check_profile(profile, PROFILE, fake_resolver({"read", "write", "openat", "personality",
                                                             "clone3", "chroot"}), notes=notes)
    field = "%s: syscalls[4].names[0]: " % PROFILE
    if problem:
        assert [p for p in problems if p.startswith(field)] and notes == []
        assert '"mseal" is a syscall the host\'s libseccomp does not know: runc skips it silently' in problems[0]
    else:
        assert problems == []
        assert notes == [field + '"mseal" is a syscall the host\'s libseccomp does not know: runc skips it, so '
                         "this allow rule does not allow it and the call gets the default action (stricter, "
                         "as under the engine's own default on this host); upgrade libseccomp to allow it."]


def test_base_profile_of_these_tables_passes():
    assert check_profile(base_profile(), PROFILE, fake_resolver({"read", "write", "openat",
                                                                "personality", "clone3", "chroot"})) == []


# --- what must fail: the text -----------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("", r"the file is empty: dockerd starts, then every container start fails"),
    ("\n  \t\n", r"the file is whitespace only"),
    (b"", r"the file is empty"),
    # Python 3.13 (Debian 13's) names the trailing comma itself, column 35; 3.11 the brace after it.
    ("{\"defaultAction\": \"SCMP_ACT_ERRNO\",}", r"line 1 column 3[56]: not valid JSON"),
    ("defaultAction: SCMP_ACT_ERRNO\n", r"line 1 column 1: not valid JSON"),
    ("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n",
     r"line 2 column 1: a second JSON value after the profile"),
    ("{\"defaultAction\": \"SCMP_ACT_ERRNO\"} x", r"line 1 column 37: a second JSON value"),
    ("[]", r"\(top level\): must be a JSON object, got array"),
    ("\"SCMP_ACT_ERRNO\"", r"must be a JSON object, got string"),
    ("null", r"runs every container without any seccomp filter"),
    ("{}", r"defaultAction: missing and no syscalls listed: .* unconfined"),
    ("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"defaultAction\": \"SCMP_ACT_ALLOW\"}",
     r"line 1 column 1: key \"defaultAction\" appears twice"),
    ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": NaN}", r"NaN is not JSON"),
    (u"\ufeff{\"defaultAction\": \"SCMP_ACT_ERRNO\"}", r"byte-order mark"),
    (b"{\"defaultAction\": \"\xff\"}", r"byte 19 is not UTF-8"),
])
def test_text_that_the_engine_cannot_decode_fails(text, message):
    problems = check_profile_text(text, PROFILE)
    assert problems, text
    assert any(p.startswith(PROFILE + ": ") for p in problems)
    assert any(re.search(message, p) for p in problems), problems


# --- what must fail: the shape and field types ------------------------------------------------

def _set(path, value):
    """A mutation: set the value at a dotted/indexed path in the base profile."""
    def mutate(profile):
        target = profile
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return mutate


_DELETE = object()


@pytest.mark.parametrize("mutate, field, message", [
    (_set("syscalls.0.names", "read"), "syscalls[0].names", "must be an array, got string"),
    (_set("syscalls.0.names.1", 42), "syscalls[0].names[1]", "must be a syscall name (a string), got number 42"),
    (_set("syscalls.0.names.1", ""), "syscalls[0].names[1]", "is empty: runc refuses it"),
    (_set("syscalls.0.names.1", None), "syscalls[0].names[1]", "is empty"),
    (_set("syscalls.0.names.1", "Write"), "syscalls[0].names[1]", "is not a syscall name"),
    (_set("syscalls.0.name", "close"), "syscalls[0]", "has both name and names"),
    (_set("syscalls.0.names", []), "syscalls[0].names", "lists no syscall"),
    (_set("syscalls.0.action", "SCMP_ACT_MAYBE"), "syscalls[0].action", "is not a seccomp action"),
    (_set("syscalls.0.action", _DELETE), "syscalls[0].action", "is missing"),
    (_set("syscalls.0.action", 1), "syscalls[0].action", "must be a string, got number"),
    (_set("defaultAction", "ALLOW"), "defaultAction", "\"ALLOW\" is not a seccomp action"),
    (_set("defaultAction", "scmp_act_errno"), "defaultAction", "is not a seccomp action"),
    (_set("defaultAction", _DELETE), "defaultAction", "is missing"),
    (_set("syscalls.0.errnoRet", 1), "syscalls[0].errnoRet", "SCMP_ACT_ALLOW: runc ignores it"),
    (_set("defaultAction", "SCMP_ACT_KILL"), "defaultErrnoRet", "runc ignores it"),
    (_set("syscalls.2.errnoRet", -1), "syscalls[2].errnoRet", "must be a whole number"),
    (_set("syscalls.2.errnoRet", 1.5), "syscalls[2].errnoRet", "got number 1.5"),
    (_set("syscalls.2.errnoRet", "38"), "syscalls[2].errnoRet", "got string"),
    (_set("syscalls.2.errnoRet", True), "syscalls[2].errnoRet", "got boolean"),
    (_set("syscalls.2.errnoRet", 5000), "syscalls[2].errnoRet", "5000 is not an errno"),
    (_set("defaultErrnoRet", "EPERM"), "defaultErrnoRet", "got string"),
    (_set("syscalls.1.args.0.op", "SCMP_CMP_EQUAL"), "syscalls[1].args[0].op", "is not a comparison operator"),
    (_set("syscalls.1.args.0.op", _DELETE), "syscalls[1].args[0].op", "is missing"),
    (_set("syscalls.1.args.0.index", 6), "syscalls[1].args[0].index", "6 is out of range"),
    (_set("syscalls.1.args.0.index", -1), "syscalls[1].args[0].index", "from 0 to 5"),
    (_set("syscalls.1.args.0.value", -1), "syscalls[1].args[0].value", "from 0 to 2^64-1"),
    (_set("syscalls.1.args.0.value", 2 ** 64), "syscalls[1].args[0].value", "from 0 to 2^64-1"),
    (_set("syscalls.1.args.0.valueTwo", "0x1"), "syscalls[1].args[0].valueTwo", "got string"),
    (_set("syscalls.1.args.0", None), "syscalls[1].args[0]", "must be an object"),
    (_set("syscalls.1.args", {"index": 0}), "syscalls[1].args", "must be an array"),
    (_set("syscalls.1", None), "syscalls[1]", "must be an object"),
    (_set("syscalls", {}), "syscalls", "must be an array, got object"),
    (_set("archMap.0.architecture", _DELETE), "archMap[0].architecture", "is missing"),
    (_set("archMap.0.architecture", "SCMP_ARCH_AMD64"), "archMap[0].architecture",
     "is not an architecture runc knows"),
    (_set("archMap.0.architecture", "SCMP_ARCH_PARISC"), "archMap[0].architecture",
     "is not an architecture runc knows"),
    (_set("archMap.0.subArchitectures.1", "x32"), "archMap[0].subArchitectures[1]",
     "is not an architecture runc knows"),
    (_set("archMap.0.subArchitectures", "SCMP_ARCH_X86"), "archMap[0].subArchitectures",
     "must be an array"),
    (_set("archMap.0", "SCMP_ARCH_X86_64"), "archMap[0]", "must be an object"),
    (_set("architectures", ["SCMP_ARCH_X86_64"]), "architectures", "set together with archMap"),
    (_set("flags", ["SECCOMP_FILTER_FLAG_LOUD"]), "flags[0]", "is not a seccomp filter flag"),
    (_set("syscalls.2.excludes.arches.0", "SCMP_ARCH_S390"), "syscalls[2].excludes.arches[0]",
     "SCMP_ARCH_* names belong in archMap"),
    (_set("syscalls.2.excludes.caps.0", "sys_admin"), "syscalls[2].excludes.caps[0]",
     "is not a capability name"),
    (_set("syscalls.2.excludes.caps", "CAP_SYS_ADMIN"), "syscalls[2].excludes.caps", "must be an array"),
    (_set("syscalls.3.includes.minKernel", "4.8.1"), "syscalls[3].includes.minKernel",
     "is not a kernel version the engine reads"),
    (_set("syscalls.3.includes.minKernel", 4.8), "syscalls[3].includes.minKernel",
     "is not a kernel version"),
    (_set("syscalls.3.includes.minKernel", "0.0"), "syscalls[3].includes.minKernel", "not 0.0"),
    (_set("syscalls.3.includes.minKernel", "256.1"), "syscalls[3].includes.minKernel", "0 to 255"),
    (_set("syscalls.3.includes.kernel", "4.8"), "syscalls[3].includes.kernel", "not a field the engine reads"),
    (_set("syscalls.3.includes", ["CAP_SYS_CHROOT"]), "syscalls[3].includes", "must be an object"),
    (_set("syscalls.0.comment", 7), "syscalls[0].comment", "must be a string, got number"),
    (_set("syscalls.0.nmes", ["close"]), "syscalls[0].nmes", "not a field the engine reads"),
    (_set("syscalls.0.Action", "SCMP_ACT_ALLOW"), "syscalls[0].Action", "write it as 'action'"),
    (_set("syscalls.0.flags", ["SECCOMP_FILTER_FLAG_LOG"]), "syscalls[0].flags", "not a field the engine reads"),
    (_set("defaultErrno", 1), "defaultErrno", "not a field the engine reads"),
    (_set("listenerPath", 1), "listenerPath", "must be a string"),
])
def test_each_kind_of_broken_profile_fails_naming_field_and_fix(mutate, field, message):
    profile = base_profile()
    mutate(profile)
    problems = check_profile(profile, PROFILE)
    matching = [p for p in problems if p.startswith("%s: %s: " % (PROFILE, field)) and message in p]
    assert matching, problems
    assert all(p.endswith(".") and "; " in p for p in problems)  # what is wrong; the fix.


@pytest.mark.parametrize("names, unknown", [
    (["read", "write"], []),
    (["read", "chrot"], ["chrot"]),
    (["no_such_call", "read", "no_such_call"], ["no_such_call"]),
])
def test_names_unknown_to_the_resolver_fail_in_a_deny_rule(names, unknown):
    profile = base_profile()
    profile["syscalls"][0] = {"names": names, "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
    problems = check_profile(profile, PROFILE, fake_resolver({"read", "write", "openat", "personality",
                                                             "clone3", "chroot"}))
    assert len(problems) == sum(1 for n in names if n in unknown)
    for name in unknown:
        assert any('"%s" is a syscall' % name in p and "runc skips it silently" in p for p in problems)


@needs_libseccomp
def test_syscall_unknown_to_this_hosts_libseccomp_fails(resolver):
    """F18 with the real library: a typo runc would ignore in a deny is named with its field."""
    profile = base_profile()
    profile["syscalls"].append({"names": ["read", "chrot", "arm_fadvise64_64"],  # arm only: still known
                                "action": "SCMP_ACT_ERRNO", "errnoRet": 1})
    problems = check_profile(profile, PROFILE, resolver)
    assert len(problems) == 1, problems
    assert problems[0].startswith(PROFILE + ': syscalls[4].names[1]: "chrot" is a syscall libseccomp 2.')
    assert "upgrade libseccomp" in problems[0]


@pytest.mark.parametrize("version, key, value, fails", [
    ((20, 10), "defaultErrnoRet", 38, True),     # F19: 20.10 drops it, denied calls get EPERM
    ((20, 10), "defaultErrnoRet", 1, False),     # EPERM is runc's default anyway
    ((20, 10, 24), "flags", ["SECCOMP_FILTER_FLAG_LOG"], True),
    ((20, 10), "listenerPath", "/run/seccomp-agent.sock", True),
    ((23, 0), "defaultErrnoRet", 38, False),
    ((26, 1), "flags", ["SECCOMP_FILTER_FLAG_LOG"], False),
    (None, "defaultErrnoRet", 38, False),        # unknown engine: nothing version-specific
    ("20.10.24", "defaultErrnoRet", 38, True),    # a version string is read too
])
def test_keys_older_engines_drop(version, key, value, fails):
    profile = base_profile()
    profile[key] = value
    problems = check_profile(profile, PROFILE, engine_version=version)
    assert bool(problems) is fails, problems
    if fails:
        assert problems[0].startswith("%s: %s: the engine 20.10 drops it" % (PROFILE, key))


# --- the daemon.json setting ------------------------------------------------------------------

GOOD = json.dumps(base_profile())


def reader(files):
    """read(path) over a dict {path: text}; a value that is an exception is raised."""
    def read(path):
        value = files.get(path)
        if isinstance(value, Exception):
            raise value
        return value
    return read


@pytest.mark.parametrize("value, version, files, message", [
    ("builtin", (20, 10), {}, r"^seccomp-profile \"builtin\" is a keyword only engines 23.0 and later "
                              r"understand, and the engine here is 20.10: .*refuse to start; remove the key"),
    ("unconfined", (20, 10, 24), {}, r"the engine here is 20.10: .*--security-opt seccomp=unconfined"),
    ("builtin", None, {}, r"and the engine version is not known"),
    ("profile.json", (26, 1), {"profile.json": GOOD}, r"^seccomp-profile \"profile.json\" is a relative "
                                                      r"path: dockerd opens it relative to its own working"),
    ("./seccomp/p.json", (26, 1), {}, r"is a relative path.*use an absolute path"),
    ("Builtin", (26, 1), {}, r"is a relative path"),
    ("/etc/docker/missing.json", (26, 1), {}, r"^/etc/docker/missing.json: the file does not exist: "
                                              r"dockerd refuses to start.*create the profile first"),
    ("/etc/docker", (26, 1), {"/etc/docker": IsADirectoryError(21, "Is a directory")},
     r"^/etc/docker: cannot be read \(Is a directory\): dockerd refuses to start"),
    ("/etc/docker/empty.json", (26, 1), {"/etc/docker/empty.json": b""}, r"the file is empty"),
    ("/etc/docker/ws.json", (20, 10), {"/etc/docker/ws.json": b"\n"}, r"the file is whitespace only"),
    ("/etc/docker/two.json", (26, 1), {"/etc/docker/two.json": GOOD + GOOD}, r"a second JSON value"),
    ("/etc/docker/p.json", (26, 1), {"/etc/docker/p.json": GOOD.replace('"SCMP_ACT_ALLOW"', '"ALLOW"', 1)},
     r"^/etc/docker/p.json: syscalls\[0\].action: \"ALLOW\" is not a seccomp action"),
    ("", (26, 1), {}, r"seccomp-profile is empty: dockerd silently uses its built-in default"),
    (None, (26, 1), {}, r"must be a string .* got null"),
    (["/etc/docker/p.json"], (26, 1), {}, r"must be a string .* got array"),
])
def test_setting_that_dockerd_cannot_use_fails(value, version, files, message):
    problems = check_profile_setting(value, version, read=reader(files))
    assert problems
    assert any(re.search(message, p) for p in problems), problems


@pytest.mark.parametrize("value, version, files", [
    ("builtin", (23, 0), {}),
    ("builtin", (26, 1), {}),
    ("unconfined", (26, 1, 5), {}),
    ("builtin", "26.1.5+dfsg1", {}),
    ("/etc/docker/p.json", (26, 1), {"/etc/docker/p.json": GOOD}),
    ("/etc/docker/p.json", (20, 10), {"/etc/docker/p.json": GOOD.encode()}),
    ("/etc/docker/p.json", None, {"/etc/docker/p.json": GOOD}),
])
def test_setting_that_dockerd_can_use_passes(value, version, files):
    assert check_profile_setting(value, version, read=reader(files)) == []


def test_missing_file_may_be_allowed_in_check_mode():
    assert check_profile_setting("/etc/docker/later.json", (26, 1), read=reader({}), must_exist=False) == []
    assert check_profile_setting("later.json", (26, 1), read=reader({}), must_exist=False)


def test_setting_reads_the_real_file(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert check_profile_setting(str(good), (26, 1)) == []
    assert "not valid JSON" in check_profile_setting(str(bad), (26, 1))[0]
    assert "does not exist" in check_profile_setting(str(tmp_path / "none.json"), (26, 1))[0]


def test_setting_problems_name_host_and_source_f23():
    """F23: seccomp-profile put there by daemon_extra_settings, naming a file that does not exist."""
    source = "daemon.json key seccomp-profile set by daemon_extra_settings"
    problems = seccomp_setting_problems("/etc/docker/nope.json", (26, 1), "lab1", source,
                                        read=reader({}), resolve=None)
    assert problems == [
        "lab1: daemon.json key seccomp-profile set by daemon_extra_settings: /etc/docker/nope.json: the "
        "file does not exist: dockerd refuses to start ('opening seccomp profile (/etc/docker/nope.json) "
        "failed'); create the profile first, or set seccomp-profile to a file that exists."]


@needs_libseccomp
def test_setting_problems_use_this_hosts_libseccomp_by_default():
    profile = base_profile()
    profile["syscalls"][2]["names"].append("chrot")   # the ERRNO rule
    profile["syscalls"][0]["names"].append("alow_me")  # an ALLOW rule: a note
    notes = []
    problems = seccomp_setting_problems("/p.json", (26, 1), "lab1", "src",
                                        read=reader({"/p.json": json.dumps(profile)}), notes=notes)
    assert len(problems) == 1 and '"chrot"' in problems[0] and problems[0].startswith("lab1: src: /p.json: ")
    assert len(notes) == 1 and notes[0].startswith('lab1: src: /p.json: syscalls[0].names[3]: "alow_me"')
    assert seccomp_setting_problems("/p.json", (26, 1), "lab1", "src",
                                    read=reader({"/p.json": json.dumps(profile)})) == problems


@pytest.mark.parametrize("problems, expected", [
    ([], ""),
    (["/p.json: the file is empty; write it."],
     "lab1: daemon.json key seccomp-profile set by daemon_extra_settings: /p.json: the file is empty; "
     "write it. Nothing was changed."),
    (["/p.json: a: x; y.", "/p.json: b: x; y."],
     "lab1: daemon.json key seccomp-profile set by daemon_extra_settings: 2 problems: (1) /p.json: a: "
     "x; y. (2) /p.json: b: x; y. Nothing was changed."),
])
def test_format_problems(problems, expected):
    assert format_problems("lab1", "daemon.json key seccomp-profile set by daemon_extra_settings",
                           problems) == expected


def test_check_does_not_change_its_input():
    profile = base_profile()
    before = copy.deepcopy(profile)
    check_profile(profile, PROFILE, fake_resolver(set()))
    assert profile == before


# --- libseccomp loader ------------------------------------------------------------------------

def test_resolver_is_none_when_the_library_cannot_be_loaded():
    assert libseccomp.resolver("libnothere.so.9") is None
    assert libseccomp.resolver("libc.so.6") is None  # loads, but has no libseccomp symbols


@needs_libseccomp
def test_libseccomp_resolve_and_version():
    lib = libseccomp.load()
    assert libseccomp.version(lib).startswith("2.")
    numbers, unknown = libseccomp.resolve(lib, ["read", "chrot", "", "a\0b", 3])
    assert list(numbers) == ["read"] and unknown == ["chrot", "", "a\0b", 3]
