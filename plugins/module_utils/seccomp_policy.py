# -*- coding: utf-8 -*-
# Copyright: containment.docker maintainers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Pure helpers that turn the collection's seccomp policy data into a dockerd profile.

The policy data lives in ``files/seccomp/default-policy.yml`` (schema 1, documented in the file).
Nothing here touches a host: the functions take plain data and return plain data, so they are
unit tested with tables of inputs (tests/unit/test_seccomp_policy.py) and used by the filter
plugins ``containment.docker.seccomp_profile`` and ``containment.docker.seccomp_engine_version``.

Engine facts relied on (shared/reference/docker-facts.md):
- engines before 23.0 drop ``defaultErrnoRet`` and do not know ``builtin``/``unconfined``;
- runc 1.1.5 and 1.1.15 refuse any ``flags`` key in a rule at container start;
- runc refuses unknown actions and silently ignores syscall names libseccomp does not know.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    EngineVersionError,
    parse_engine_version as _parse_engine_version,
)

# Engines at or above this version render the 26.1 baseline; below it, the 20.10 baseline.
CURRENT_BASELINE_SINCE = (23, 0)

# Keywords dockerd 23.0+ understands as `seccomp-profile` values instead of a file name.
PROFILE_KEYWORDS = ("builtin", "unconfined")

ERRNO_EPERM = 1

SCHEMA_VERSION = 1

KNOWN_ACTIONS = frozenset((
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
))
KNOWN_OPS = frozenset((
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
))
RULE_KEYS = frozenset(("group", "comment", "engine", "action", "errnoRet", "args", "includes",
                       "excludes", "names"))
CONDITION_KEYS = frozenset(("caps", "arches", "minKernel"))

# Syscall names are lower-case identifiers: `_llseek`, `io_uring_setup`, `clock_gettime64`.
SYSCALL_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
_CONSTRAINT_RE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+)\.(\d+)\s*$")


class SeccompPolicyError(ValueError):
    """Bad policy data, engine version or operator input; the message says what to fix."""


def _kind(value):
    """Plain type name for messages (Ansible wraps YAML values in tagged subclasses)."""
    for kind in (bool, int, float, str, list, dict):
        if isinstance(value, kind):
            return kind.__name__
    return "null" if value is None else type(value).__name__


def _where(context):
    return "%s: " % context if context else ""


def parse_engine_version(value, context=None):
    """Return (major, minor) from '20.10', '26.1.5', '26.1.5+dfsg1' or a `dockerd --version` line.

    Delegates to module_utils/engine_version.py (the collection's one parser) and keeps this
    module's contract: a (major, minor) pair, and SeccompPolicyError for anything else, numbers
    included (YAML reads 20.10 as the float 20.1, so an unquoted version would silently pick the
    wrong engine).
    """
    try:
        version = _parse_engine_version(value, context)
    except EngineVersionError as exc:
        raise SeccompPolicyError("%s; set seccomp_engine_version to the engine's version" % exc)
    return version[0], version[1]


def baseline_name(version):
    """Name the baseline the policy data renders for this (major, minor)."""
    return "26.1" if tuple(version) >= CURRENT_BASELINE_SINCE else "20.10"


def engine_matches(constraint, version, context=None):
    """True when (major, minor) satisfies a constraint such as '>=23.0' or '>=23.0,<28.0'."""
    if constraint is None:
        return True
    if not isinstance(constraint, str) or not constraint.strip():
        raise SeccompPolicyError(
            "%sengine constraint must be a string like '>=23.0' or '<23.0', got %r"
            % (_where(context), constraint))
    version = tuple(version)
    for part in constraint.split(","):
        match = _CONSTRAINT_RE.match(part)
        if not match:
            raise SeccompPolicyError(
                "%sbad engine constraint %r: use comparisons such as '>=23.0' or '<23.0', "
                "separated by commas" % (_where(context), constraint))
        op, bound = match.group(1), (int(match.group(2)), int(match.group(3)))
        ok = {
            ">=": version >= bound, "<=": version <= bound, "==": version == bound,
            "!=": version != bound, ">": version > bound, "<": version < bound,
        }[op]
        if not ok:
            return False
    return True


def validate_syscall_names(names, varname):
    """Check an operator list of syscall names; return them de-duplicated, in order."""
    if names is None:
        return []
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)):
        raise SeccompPolicyError(
            "%s must be a list of syscall names, got %s %r; write it as a YAML list, "
            "e.g. %s: [chroot]" % (varname, _kind(names), names, varname))
    seen = []
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise SeccompPolicyError(
                "%s[%d] must be a syscall name (a string), got %s %r"
                % (varname, index, _kind(name), name))
        if not SYSCALL_NAME_RE.match(name):
            raise SeccompPolicyError(
                "%s[%d] %r is not a syscall name: use the kernel's lower-case name "
                "(letters, digits, underscores, e.g. 'chroot', 'io_uring_setup')"
                % (varname, index, name))
        if name not in seen:
            seen.append(name)
    return seen


def _names(entries, version, context):
    if not isinstance(entries, list) or not entries:
        raise SeccompPolicyError("%snames must be a non-empty list" % _where(context))
    out = []
    for entry in entries:
        constraint = None
        if isinstance(entry, dict):
            unknown = set(entry) - {"name", "engine", "comment"}
            if unknown or "name" not in entry:
                raise SeccompPolicyError(
                    "%sname entries are a string or {name, engine}; got %r" % (_where(context), entry))
            constraint, name = entry.get("engine"), entry["name"]
        else:
            name = entry
        if not isinstance(name, str) or not SYSCALL_NAME_RE.match(name):
            raise SeccompPolicyError("%s%r is not a syscall name" % (_where(context), name))
        if engine_matches(constraint, version, "%s%s" % (_where(context), name)) and name not in out:
            out.append(name)
    return out


def _conditions(value, context, key):
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - CONDITION_KEYS:
        raise SeccompPolicyError(
            "%s%s takes only %s; got %r" % (_where(context), key, sorted(CONDITION_KEYS), value))
    return dict(value)


def _rule(raw, version, context):
    """Render one conditional rule from the data, or None when it does not apply."""
    if not isinstance(raw, dict):
        raise SeccompPolicyError("%sa rule must be a mapping, got %r" % (_where(context), raw))
    if "flags" in raw:
        raise SeccompPolicyError(
            "%s'flags' is not allowed: runc 1.1.x refuses any flags key at container start; "
            "remove it from the policy data" % _where(context))
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise SeccompPolicyError("%sunknown keys %s (known: %s)"
                                 % (_where(context), sorted(unknown), sorted(RULE_KEYS)))
    if not engine_matches(raw.get("engine"), version, context):
        return None
    action = raw.get("action")
    if action not in KNOWN_ACTIONS:
        raise SeccompPolicyError("%saction %r is not a seccomp action (one of %s)"
                                 % (_where(context), action, sorted(KNOWN_ACTIONS)))
    names = _names(raw.get("names"), version, context)
    if not names:
        return None
    rule = {"names": names, "action": action}
    if "errnoRet" in raw:
        errno = raw["errnoRet"]
        if isinstance(errno, bool) or not isinstance(errno, int) or errno < 0:
            raise SeccompPolicyError("%serrnoRet must be a non-negative integer" % _where(context))
        if action != "SCMP_ACT_ERRNO":
            raise SeccompPolicyError("%serrnoRet only goes with SCMP_ACT_ERRNO" % _where(context))
        rule["errnoRet"] = errno
    args = raw.get("args") or []
    for arg in args:
        if not isinstance(arg, dict) or arg.get("op") not in KNOWN_OPS \
                or not isinstance(arg.get("index"), int) or not isinstance(arg.get("value"), int):
            raise SeccompPolicyError("%sbad argument condition %r (index, value, op)"
                                     % (_where(context), arg))
    if args:
        rule["args"] = [dict(a) for a in args]
    comment = raw.get("group")
    if comment:
        rule["comment"] = comment
    for key in ("includes", "excludes"):
        cond = _conditions(raw.get(key), context, key)
        if cond:
            rule[key] = cond
    return rule


def render_profile(policy, engine_version, denied=None, allowed=None, source=None):
    """Render the policy data into the profile dict dockerd reads.

    policy: the parsed YAML policy (schema 1).
    engine_version: '20.10', '26.1.5', a `dockerd --version` line or a (major, minor) tuple.
    denied: syscall names removed from every rule and denied with SCMP_ACT_ERRNO / errnoRet 1.
    allowed: syscall names added to the unconditional allow rule (and removed from any
    conditional rule, so no two rules give the same call different actions).
    source: where the policy came from, for error messages.
    """
    version = tuple(engine_version) if isinstance(engine_version, (tuple, list)) \
        else parse_engine_version(engine_version)
    denied = validate_syscall_names(denied, "seccomp_denied_syscalls")
    allowed = validate_syscall_names(allowed, "seccomp_allowed_syscalls")
    both = [n for n in denied if n in allowed]
    if both:
        raise SeccompPolicyError(
            "%s named in both seccomp_denied_syscalls and seccomp_allowed_syscalls; "
            "keep each name in one list only" % ", ".join(both))
    if "clone3" in denied:
        raise SeccompPolicyError(
            "seccomp_denied_syscalls: clone3 cannot be denied with EPERM: glibc 2.34+ falls back "
            "to clone() only on ENOSYS, so threads would stop working; the default policy already "
            "answers ENOSYS (38) to containers without CAP_SYS_ADMIN; remove clone3 from the list")

    src = source or "seccomp policy data"
    if not isinstance(policy, dict):
        raise SeccompPolicyError("%s: the policy must be a mapping, got %s" % (src, _kind(policy)))
    if policy.get("schema") != SCHEMA_VERSION:
        raise SeccompPolicyError("%s: schema must be %d, got %r"
                                 % (src, SCHEMA_VERSION, policy.get("schema")))
    default_action = policy.get("defaultAction")
    if default_action not in KNOWN_ACTIONS:
        raise SeccompPolicyError("%s: defaultAction %r is not a seccomp action" % (src, default_action))

    profile = {"defaultAction": default_action}
    errno_ret = policy.get("defaultErrnoRet")
    if isinstance(errno_ret, dict):
        if engine_matches(errno_ret.get("engine"), version, "%s: defaultErrnoRet" % src):
            profile["defaultErrnoRet"] = errno_ret["value"]
    elif errno_ret is not None:
        profile["defaultErrnoRet"] = errno_ret

    arch_map = []
    for index, arch in enumerate(policy.get("archMap") or []):
        ctx = "%s: archMap[%d]" % (src, index)
        if not isinstance(arch, dict) or not isinstance(arch.get("architecture"), str):
            raise SeccompPolicyError("%s: needs an architecture name" % ctx)
        if engine_matches(arch.get("engine"), version, ctx):
            sub = arch.get("subArchitectures")
            arch_map.append({"architecture": arch["architecture"],
                             "subArchitectures": list(sub) if sub is not None else None})
    if arch_map:
        profile["archMap"] = arch_map

    unconditional = []
    groups = []
    for index, group in enumerate(policy.get("allow") or []):
        label = group.get("group") if isinstance(group, dict) else None
        ctx = "%s: allow[%d] (%s)" % (src, index, label or "unnamed group")
        if not isinstance(group, dict) or set(group) - {"group", "comment", "engine", "names"}:
            raise SeccompPolicyError("%s: an allow group has group, comment, engine and names only"
                                     % ctx)
        if "flags" in group:
            raise SeccompPolicyError("%s: 'flags' is not allowed" % ctx)
        if engine_matches(group.get("engine"), version, ctx):
            groups.append(label)
            for name in _names(group.get("names"), version, ctx):
                if name not in unconditional:
                    unconditional.append(name)

    rules = []
    for index, raw in enumerate(policy.get("rules") or []):
        label = raw.get("group") if isinstance(raw, dict) else None
        rule = _rule(raw, version, "%s: rules[%d] (%s)" % (src, index, label or "unnamed rule"))
        if rule:
            rules.append(rule)

    # The operator's changes: a denied name leaves every rule; an allowed name leaves the
    # conditional rules and joins the unconditional list.
    unconditional = [n for n in unconditional if n not in denied]
    for name in allowed:
        if name not in unconditional:
            unconditional.append(name)
    kept = []
    for rule in rules:
        names = [n for n in rule["names"] if n not in denied and n not in allowed]
        if names:
            rule["names"] = names
            kept.append(rule)

    syscalls = []
    if unconditional:
        syscalls.append({
            "names": sorted(unconditional),
            "action": "SCMP_ACT_ALLOW",
            "comment": "allowed unconditionally: %s" % ", ".join(g for g in groups if g)
                       + ("; seccomp_allowed_syscalls" if allowed else ""),
        })
    syscalls.extend(kept)
    if denied:
        syscalls.append({
            "names": list(denied),
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": ERRNO_EPERM,
            "comment": "denied by the operator (seccomp_denied_syscalls): EPERM",
        })
    profile["syscalls"] = syscalls
    return profile


def policy_names(policy):
    """Every syscall name the policy data mentions, for any engine version."""
    found = set()
    for section in ("allow", "rules"):
        for group in policy.get(section) or []:
            for entry in group.get("names") or []:
                found.add(entry["name"] if isinstance(entry, dict) else entry)
    return found
