# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure helpers that turn the collection's seccomp policy data into a dockerd profile.

The policy data lives in ``files/seccomp/default-policy.yml`` (schema 1, documented in the file).
Nothing here touches a host: the functions take plain data and return plain data, so they are
unit tested with tables of inputs (tests/unit/plugins/filter/test_seccomp_policy.py) and used by the filter
plugins ``containment.docker.seccomp_plan`` (the seccomp role's preflight: :func:`plan`),
``containment.docker.seccomp_profile`` and ``containment.docker.seccomp_engine_version``.

Engine versions (the semantics the role and the filters document):

- Versions compare to the patch level: ``(major, minor, patch)``. A constraint bound written
  ``MAJOR.MINOR`` means ``MAJOR.MINOR.0``.
- An engine version given without a patch level (``"26.1"``) is read as ``MAJOR.MINOR.0`` only when
  every release of that minor line the data models gets the same default and the line starts at
  ``.0``; otherwise it is refused, naming the patch levels where the default changes
  (``"23.0"``: 23.0.7 and 23.0.10), because guessing would render another engine's policy.
- The data's ``engines.lines`` say which releases are modelled. Older releases (before the first
  line) and releases between lines (20.10.22) are refused; releases after the newest line are
  "newer": :func:`engine_support` decides what to do (render the newest known default, use the
  engine's ``builtin`` profile, or fail), always with a warning naming the newest known version.

Engine facts relied on (shared/reference/docker-facts.md):
- engines before 23.0 drop ``defaultErrnoRet`` and do not know ``builtin``/``unconfined``; a
  rule's ``errnoRet`` works on them (20.10's own default answers clone3 with errnoRet 38);
- runc 1.1.5 and 1.1.15 refuse any ``flags`` key in a rule at container start;
- runc refuses unknown actions and silently ignores syscall names libseccomp does not know.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.containment.docker.plugins.module_utils.fileio import owner_and_mode_reasons
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    EngineVersionError,
    format_engine_version,
    parse_engine_version as _parse_engine_version,
)

# Keywords dockerd 23.0+ understands as `seccomp-profile` values instead of a file name.
PROFILE_KEYWORDS = ("builtin", "unconfined")
# First engine that understands the keywords (and honours defaultErrnoRet).
KEYWORDS_SINCE = (23, 0, 0)

# What the role does on an engine newer than the newest the data models (seccomp_unknown_engine).
UNKNOWN_ENGINE_CHOICES = ("newest", "builtin", "fail")

ERRNO_EPERM = 1
ERRNO_ENOSYS = 38
MAX_ERRNO = 4095
# Linux errno names accepted for seccomp_denied_errno, with the asm-generic numbers (x86, arm,
# arm64, ppc64le, s390x, riscv64; moby's own default uses these, e.g. ENOSYS 38). MIPS, SPARC,
# Alpha and PA-RISC number some of them differently: give the number there.
ERRNO_NAMES = {
    "EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EIO": 5, "ENXIO": 6, "E2BIG": 7,
    "ENOEXEC": 8, "EBADF": 9, "ECHILD": 10, "EAGAIN": 11, "ENOMEM": 12, "EACCES": 13,
    "EFAULT": 14, "EBUSY": 16, "EEXIST": 17, "EXDEV": 18, "ENODEV": 19, "ENOTDIR": 20,
    "EISDIR": 21, "EINVAL": 22, "ENFILE": 23, "EMFILE": 24, "ENOTTY": 25, "EFBIG": 27,
    "ENOSPC": 28, "ESPIPE": 29, "EROFS": 30, "EMLINK": 31, "EPIPE": 32, "ERANGE": 34,
    "ENOSYS": 38, "EPROTONOSUPPORT": 93, "EOPNOTSUPP": 95, "ENOTSUP": 95, "EAFNOSUPPORT": 97,
}

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
LINE_KEYS = frozenset(("first", "last", "default"))

# Syscall names are lower-case identifiers: `_llseek`, `io_uring_setup`, `clock_gettime64`.
SYSCALL_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
_CONSTRAINT_RE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+)\.(\d+)(?:\.(\d+))?\s*$")
_RELEASE_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


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


def _full(version):
    """(major, minor, patch) from a 2- or 3-tuple: a missing patch is 0."""
    version = tuple(int(part) for part in version)
    return version if len(version) == 3 else version + (0,)


def _show(version):
    return format_engine_version(version)


def parse_engine_version(value, context=None):
    """Return (major, minor) or (major, minor, patch) from '20.10', '26.1.5', '26.1.5+dfsg1' or a
    `dockerd --version` line, keeping the patch level when the text has one.

    Delegates to module_utils/engine_version.py (the collection's one parser) and raises
    SeccompPolicyError for anything else, numbers included (YAML reads 20.10 as the float 20.1,
    so an unquoted version would silently pick the wrong engine).
    """
    if isinstance(value, bool) or not isinstance(value, str):
        # Named here with the plain type (Ansible hands filters tagged subclasses of float, int...).
        raise SeccompPolicyError(
            "%sengine version must be a string such as '20.10' or '26.1.5', got %s %r; quote it in "
            "YAML (\"20.10\"); set seccomp_engine_version to the engine's version"
            % (_where(context), _kind(value), value))
    try:
        return _parse_engine_version(value, context)
    except EngineVersionError as exc:
        raise SeccompPolicyError("%s; set seccomp_engine_version to the engine's version" % exc)


def _version_arg(engine_version):
    if isinstance(engine_version, (tuple, list)):
        if len(engine_version) not in (2, 3) or not all(
                isinstance(part, int) and not isinstance(part, bool) for part in engine_version):
            raise SeccompPolicyError("engine version must be (major, minor[, patch]), got %r"
                                     % (engine_version,))
        return tuple(engine_version)
    return parse_engine_version(engine_version)


def _parse_constraint(constraint, context=None):
    """[[(op, (major, minor, patch)), ...], ...]: alternatives ('||') of conjunctions (',')."""
    if not isinstance(constraint, str) or not constraint.strip():
        raise SeccompPolicyError(
            "%sengine constraint must be a string like '>=23.0' or '<23.0.7', got %r"
            % (_where(context), constraint))
    alternatives = []
    for alternative in constraint.split("||"):
        terms = []
        for part in alternative.split(","):
            match = _CONSTRAINT_RE.match(part)
            if not match:
                raise SeccompPolicyError(
                    "%sbad engine constraint %r: use comparisons such as '>=23.0' or '<23.0.7', "
                    "separated by commas (all must hold) or '||' (one must hold)"
                    % (_where(context), constraint))
            terms.append((match.group(1), (int(match.group(2)), int(match.group(3)),
                                           int(match.group(4) or 0))))
        alternatives.append(terms)
    return alternatives


_OPS = {
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
}


def engine_matches(constraint, version, context=None):
    """True when the version satisfies a constraint such as '>=23.0.7,<24.0 || >=24.0.3'.

    version: (major, minor[, patch]); a missing patch counts as 0, like a bound written
    MAJOR.MINOR. None as constraint matches every version.
    """
    if constraint is None:
        return True
    version = _full(version)
    return any(all(_OPS[op](version, bound) for op, bound in terms)
               for terms in _parse_constraint(constraint, context))


def _release(value, context):
    if not isinstance(value, str) or not _RELEASE_RE.match(value):
        raise SeccompPolicyError("%s%r must be a release written MAJOR.MINOR.PATCH, quoted"
                                 % (_where(context), value))
    return tuple(int(part) for part in value.split("."))


def engine_lines(policy, source=None):
    """The modelled releases: [{'first': (M, m, p), 'last': (M, m, p), 'default': str}, ...].

    Checked: each line has first <= last, lines are in order and do not overlap.
    """
    src = source or "seccomp policy data"
    engines = policy.get("engines") if isinstance(policy, dict) else None
    raw = engines.get("lines") if isinstance(engines, dict) else None
    if not isinstance(raw, list) or not raw:
        raise SeccompPolicyError("%s: engines.lines must list the modelled engine releases" % src)
    lines = []
    for index, line in enumerate(raw):
        ctx = "%s: engines.lines[%d]" % (src, index)
        if not isinstance(line, dict) or set(line) != LINE_KEYS:
            raise SeccompPolicyError("%s: a line has exactly first, last and default; got %r" % (ctx, line))
        first, last = _release(line["first"], ctx + ".first"), _release(line["last"], ctx + ".last")
        if first > last or (lines and first <= lines[-1]["last"]):
            raise SeccompPolicyError("%s: lines must be in release order and must not overlap" % ctx)
        lines.append({"first": first, "last": last, "default": str(line["default"])})
    return lines


def newest_known(policy):
    """The newest release the policy data models, as (major, minor, patch)."""
    return engine_lines(policy)[-1]["last"]


def _line_for(lines, version):
    for line in lines:
        if line["first"] <= version <= line["last"]:
            return line
    return None


def _gaps(lines):
    """Releases inside a minor line that no line covers, e.g. ['20.10.22']."""
    gaps = []
    for before, after in zip(lines, lines[1:]):
        if before["last"][:2] == after["first"][:2]:
            gaps.extend(_show(before["last"][:2] + (patch,))
                        for patch in range(before["last"][2] + 1, after["first"][2]))
    return gaps


def _unmodelled_message(lines, shown):
    gaps = _gaps(lines)
    return ("engine %s is not a release the collection's seccomp policy models (%s to %s%s): "
            "its built-in default is not known here, so a rendered profile could allow what that "
            "engine denies or deny what it allows. Upgrade the engine, or set "
            "seccomp_engine_version to a modelled release whose default you accept (e.g. \"%s\")"
            % (shown, _show(lines[0]["first"]), _show(lines[-1]["last"]),
               ", except %s" % ", ".join(gaps) if gaps else "", _show(lines[0]["first"])))


def classify_engine(policy, engine_version, source=None):
    """Where the engine version stands: (status, version, line).

    status: 'known' (version is (M, m, p), line the modelled line), 'newer' (after the newest
    modelled release; line None). Raises SeccompPolicyError for a release the data does not model
    (older, or between lines) and for a MAJOR.MINOR whose minor line the data splits.
    """
    lines = engine_lines(policy, source)
    version = _version_arg(engine_version)
    if len(version) == 2:
        major, minor = version
        low, high = (major, minor, 0), (major, minor, 10 ** 9)
        inside = [line for line in lines if line["first"] <= high and line["last"] >= low]
        if len(inside) > 1 or (inside and inside[0]["first"] > low):
            points = [_show(line["first"]) for line in inside if line["first"] > low]
            raise SeccompPolicyError(
                "engine version %d.%d has no patch level, and the engine's built-in default is not "
                "the same for every %d.%d release (it changes at %s): write the exact version, "
                "e.g. \"%s\" (what `dockerd --version` prints), in seccomp_engine_version"
                % (major, minor, major, minor, ", ".join(points), _show(inside[-1]["first"])))
    version = _full(version)
    if version > lines[-1]["last"]:
        return "newer", version, None
    line = _line_for(lines, version)
    if line is None:
        raise SeccompPolicyError(_unmodelled_message(lines, _show(version)))
    return "known", version, line


def engine_support(policy, engine_version, unknown_engine="newest", denied=None, allowed=None,
                   source=None):
    """Decide how the profile is made for this engine (the role's seccomp_unknown_engine).

    Returns a dict:
      engine: the engine version as MAJOR.MINOR.PATCH;
      status: 'known' or 'newer';
      profile: 'file' (render render_for) or 'builtin' (the engine's own profile, no file);
      render_for: the modelled release to render ('' with builtin);
      default: the moby release tag whose default the profile equals ('' with builtin);
      newest_known: the newest modelled release;
      warning: '' for a known engine, else one sentence naming the newest known version.
    Raises SeccompPolicyError for an unmodelled older release, an ambiguous MAJOR.MINOR,
    unknown_engine 'fail' on a newer engine, 'builtin' with operator changes, a bad choice.
    """
    if unknown_engine not in UNKNOWN_ENGINE_CHOICES:
        raise SeccompPolicyError("seccomp_unknown_engine must be one of %s, got %r"
                                 % (", ".join(UNKNOWN_ENGINE_CHOICES), unknown_engine))
    status, version, line = classify_engine(policy, engine_version, source)
    lines = engine_lines(policy, source)
    newest = lines[-1]
    result = {"engine": _show(version), "status": status, "newest_known": _show(newest["last"]),
              "profile": "file", "render_for": _show(version),
              "default": line["default"] if line else "", "warning": ""}
    if status == "known":
        return result
    head = ("engine %s is newer than the newest release the collection's seccomp policy models (%s)"
            % (_show(version), _show(newest["last"])))
    if unknown_engine == "fail":
        raise SeccompPolicyError(
            "%s, and seccomp_unknown_engine is 'fail': update the collection, or set "
            "seccomp_unknown_engine to 'newest' (render %s's default, which may deny syscalls this "
            "engine allows) or 'builtin' (the engine's own default, without operator changes)"
            % (head, _show(newest["last"])))
    if unknown_engine == "builtin":
        changes = [n for n in ("seccomp_denied_syscalls", "seccomp_allowed_syscalls")
                   if (denied if n == "seccomp_denied_syscalls" else allowed)]
        if changes:
            raise SeccompPolicyError(
                "%s; seccomp_unknown_engine 'builtin' uses the engine's own profile, which cannot "
                "carry %s: empty %s, or set seccomp_unknown_engine to 'newest' to render %s's "
                "default with your changes" % (head, " / ".join(changes), " and ".join(changes),
                                               _show(newest["last"])))
        if version < KEYWORDS_SINCE:
            raise SeccompPolicyError("%s; 'builtin' needs engine 23.0 or later" % head)
        result.update(profile="builtin", render_for="", default="", warning=(
            "%s: seccomp-profile is set to 'builtin' (seccomp_unknown_engine), so containers get "
            "the engine's own default; no profile file is written" % head))
        return result
    result.update(render_for=_show(newest["last"]), default=newest["default"], warning=(
        "%s: rendering moby %s's default (seccomp_unknown_engine 'newest'); syscalls this engine's "
        "own default allows beyond it are denied until the collection models it. Update the "
        "collection, or set seccomp_unknown_engine to 'builtin' or 'fail'"
        % (head, newest["default"])))
    return result


def denied_errno(value, varname="seccomp_denied_errno"):
    """The errno the operator's denied syscalls fail with: 1..4095, a number or a Linux name."""
    number = None
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            number = int(text)
        elif text.upper() in ERRNO_NAMES:
            number = ERRNO_NAMES[text.upper()]
        else:
            raise SeccompPolicyError(
                "%s %r is not an errno: give a number from 1 to %d or a name such as EPERM (1), "
                "EACCES (13), ENOSYS (38) (known names: %s)"
                % (varname, value, MAX_ERRNO, ", ".join(sorted(ERRNO_NAMES))))
    if number is None:
        raise SeccompPolicyError("%s must be an errno (a number from 1 to %d, or a name such as "
                                 "EPERM), got %s %r" % (varname, MAX_ERRNO, _kind(value), value))
    if not 1 <= number <= MAX_ERRNO:
        raise SeccompPolicyError(
            "%s %d is out of range: use 1 to %d (%s)" % (
                varname, number, MAX_ERRNO,
                "0 would make every denied call return success without running"
                if number == 0 else "the kernel's errno range"))
    return number


def errno_label(number):
    """'EPERM' for 1, 'ENOSYS' for 38, 'errno 200' for a number without a name here."""
    for name, value in sorted(ERRNO_NAMES.items()):
        if value == number and name != "ENOTSUP":
            return name
    return "errno %d" % number


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


def render_profile(policy, engine_version, denied=None, allowed=None, source=None,
                   errno=ERRNO_EPERM):
    """Render the policy data into the profile dict dockerd reads.

    policy: the parsed YAML policy (schema 1).
    engine_version: a modelled engine release: '26.1.5', a `dockerd --version` line, a
    (major, minor, patch) tuple, or MAJOR.MINOR where the whole minor line has one default
    ('26.1'). Versions the data does not model are refused (see classify_engine); for a newer
    engine, engine_support says which release to render.
    denied: syscall names removed from every rule and denied with SCMP_ACT_ERRNO / errnoRet errno.
    allowed: syscall names added to the unconditional allow rule (and removed from any
    conditional rule, so no two rules give the same call different actions).
    source: where the policy came from, for error messages.
    errno: the errno of the operator's denied syscalls (seccomp_denied_errno): a number 1..4095 or
    a Linux errno name; default 1 (EPERM). Rendered as the deny rule's errnoRet, which every
    modelled engine honours (only defaultErrnoRet is dropped before 23.0).
    """
    src = source or "seccomp policy data"
    if not isinstance(policy, dict):
        raise SeccompPolicyError("%s: the policy must be a mapping, got %s" % (src, _kind(policy)))
    if policy.get("schema") != SCHEMA_VERSION:
        raise SeccompPolicyError("%s: schema must be %d, got %r"
                                 % (src, SCHEMA_VERSION, policy.get("schema")))
    status, version, _line = classify_engine(policy, engine_version, src)
    if status != "known":
        raise SeccompPolicyError(
            "engine %s is newer than the newest release %s models (%s): render for %s explicitly, "
            "or let the seccomp role decide (seccomp_unknown_engine)"
            % (_show(version), src, _show(newest_known(policy)), _show(newest_known(policy))))
    errno = denied_errno(errno)
    denied = validate_syscall_names(denied, "seccomp_denied_syscalls")
    allowed = validate_syscall_names(allowed, "seccomp_allowed_syscalls")
    both = [n for n in denied if n in allowed]
    if both:
        raise SeccompPolicyError(
            "%s named in both seccomp_denied_syscalls and seccomp_allowed_syscalls; "
            "keep each name in one list only" % ", ".join(both))
    if "clone3" in denied and errno != ERRNO_ENOSYS:
        raise SeccompPolicyError(
            "seccomp_denied_syscalls: clone3 cannot be denied with %s: glibc 2.34+ falls back "
            "to clone() only on ENOSYS, so threads would stop working; the default policy already "
            "answers ENOSYS (38) to containers without CAP_SYS_ADMIN; remove clone3 from the list "
            "(or set seccomp_denied_errno to ENOSYS)" % errno_label(errno))

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
        if engine_matches(group.get("engine"), version, ctx):
            names = _names(group.get("names"), version, ctx)
            if names:
                groups.append(label)
            for name in names:
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
            "errnoRet": errno,
            "comment": "denied by the operator (seccomp_denied_syscalls): %s" % errno_label(errno),
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


# --- the seccomp role's decisions, in one place ------------------------------------------------

# The role's default profile path, quoted in the fixes of error messages.
DEFAULT_PROFILE_PATH = "/etc/docker/seccomp/containment.json"
_PATH_FIX = ("set it to an absolute file path such as %s (no '..' component, no trailing '/'), or "
             "to 'builtin' / 'unconfined' on engines 23.0 and later" % DEFAULT_PROFILE_PATH)


def _sentence(text):
    text = text.strip()
    return text if text.endswith(".") else text + "."


def _path_problem(path):
    """The problem with seccomp_profile_path, or None. Keywords pass here (the engine decides)."""
    if not isinstance(path, str):
        return ("seccomp_profile_path must be a string, got %s %r: %s"
                % (_kind(path), path, _PATH_FIX))
    if path in PROFILE_KEYWORDS:
        return None
    if not path:
        why = "is empty"
    elif not path.startswith("/"):
        why = "is relative (dockerd would open it against its own working directory)"
    elif path.endswith("/"):
        why = "ends with '/' (a directory, not a file)"
    elif ".." in path.split("/"):
        why = "has a '..' component"
    else:
        return None
    return "seccomp_profile_path %r %s: %s" % (path, why, _PATH_FIX)


def _list_problems(denied, allowed):
    """(denied, allowed) de-duplicated, and the problems with them (each a sentence)."""
    problems, lists = [], {}
    for varname, value in (("seccomp_denied_syscalls", denied), ("seccomp_allowed_syscalls", allowed)):
        lists[varname] = []
        if value is None:
            problems.append("%s must be a list of syscall names, got null None; write it as a YAML "
                            "list, e.g. %s: [chroot], or [] for none" % (varname, varname))
            continue
        try:
            lists[varname] = validate_syscall_names(value, varname)
        except SeccompPolicyError as exc:
            problems.append(str(exc))
    denied, allowed = lists["seccomp_denied_syscalls"], lists["seccomp_allowed_syscalls"]
    both = [name for name in denied if name in allowed]
    if both:
        problems.append("%s named in both seccomp_denied_syscalls and seccomp_allowed_syscalls; "
                        "keep each name in one list only" % ", ".join(both))
    return denied, allowed, problems


def _unknown_name_problems(denied, allowed, host_syscalls):
    """The operator's names the host's libseccomp does not know, one sentence per variable.

    ``host_syscalls``: what module seccomp_syscalls returned (keys unknown, libseccomp_version);
    None or anything else when the host was not asked. runc skips a name libseccomp cannot resolve
    without a word, so a misspelt deny would deny nothing (field fault F18).
    """
    if not isinstance(host_syscalls, dict) or not isinstance(host_syscalls.get("unknown"), list):
        return []
    unknown = set(name for name in host_syscalls["unknown"] if isinstance(name, str))
    where = "libseccomp %s on this host" % host_syscalls.get("libseccomp_version") \
        if host_syscalls.get("libseccomp_version") else "the host's libseccomp"
    problems = []
    for varname, names, verb in (("seccomp_denied_syscalls", denied, "deny"),
                                 ("seccomp_allowed_syscalls", allowed, "allow")):
        missing = [name for name in names if name in unknown]
        if missing:
            problems.append(
                "%s: %s %s not a syscall %s knows; runc would skip %s without a word, so the profile "
                "would not %s %s as asked: correct the name (see man 2 syscalls) or remove it"
                % (varname, ", ".join(repr(name) for name in missing), "is" if len(missing) == 1 else "are",
                   where, "it" if len(missing) == 1 else "them", verb,
                   "it" if len(missing) == 1 else "them"))
    return problems


PROFILE_FILE_MODE = "0644"


def profile_bytes(profile):
    """The bytes module seccomp_profile_file writes for ``profile``: what Ansible's
    to_nice_json(indent=2) renders (keys sorted, two-space indent, non-ASCII kept), plus a newline.
    """
    text = json.dumps(profile, sort_keys=True, indent=2, separators=(",", ": "), ensure_ascii=False) + "\n"
    return text.encode("utf-8")


def profile_write_reasons(profile, host_file, mode=PROFILE_FILE_MODE):
    """Why module seccomp_profile_file would write or fix the profile file; [] when it would not.

    ``profile``: the rendered profile (dict). ``host_file``: what module seccomp_syscalls reported
    of the file on the host (option profile_path): exists, sha256 (of its bytes), mode (octal
    string), uid, gid, and check (the problems module_utils/seccomp_check.check_profile finds in the
    file with the host's libseccomp, as seccomp_profile_file checks a profile before it writes;
    None when libseccomp could not be loaded or the file is not JSON). None or {} when the host
    was not asked. The rules are the module's: bytes that differ are written, the same bytes only
    get owner root:root and ``mode``. The write is skipped only when the module would have passed
    its check of those same bytes and changed nothing.
    """
    if not host_file or not isinstance(host_file, dict):
        return ["the file on the host was not read"]
    if not host_file.get("exists"):
        return ["the file does not exist"]
    reasons = []
    if host_file.get("sha256") != hashlib.sha256(profile_bytes(profile)).hexdigest():
        reasons.append("its content differs")
    elif host_file.get("check") is None:
        reasons.append("its syscall names were not checked with the host's libseccomp")
    elif host_file.get("check"):
        reasons.append("the profile check found: %s" % "; ".join(host_file["check"]))
    return reasons + owner_and_mode_reasons(host_file, mode)


def _failed(result, host, profile_path, problems):
    """result with error set: 'HOST: seccomp profile PATH: problem(s) Nothing was changed.'"""
    problems = [_sentence(problem) for problem in problems]
    body = problems[0] if len(problems) == 1 else "%d problems: %s" % (
        len(problems), " ".join("(%d) %s" % (index, p) for index, p in enumerate(problems, 1)))
    where = "seccomp profile %s" % (profile_path if isinstance(profile_path, str) and profile_path
                                    else "(seccomp_profile_path)")
    result["error"] = "%s%s: %s Nothing was changed." % ("%s: " % host if host else "", where, body)
    result.update(render_for="", effective_path="", profile=None, write=[])
    return result


def plan(policy, engine_version="", dockerd_version="", profile_path=DEFAULT_PROFILE_PATH,
         denied=(), allowed=(), errno=ERRNO_EPERM, unknown_engine="newest", host=None,
         source=None, host_file=None, host_syscalls=None):
    """Everything the seccomp role decides for one host, from its variables and what the host said.

    policy: the parsed policy data (files/seccomp/default-policy.yml).
    engine_version: seccomp_engine_version as the operator gave it; None or '' means "use
    dockerd_version" (what `dockerd --version` printed on the host).
    profile_path, denied, allowed, errno, unknown_engine: the role's seccomp_profile_path,
    seccomp_denied_syscalls, seccomp_allowed_syscalls, seccomp_denied_errno and
    seccomp_unknown_engine, of any type (they come from YAML, -e or the inventory).
    host: the inventory host name that starts the error and each warning.
    source: where the policy came from (a file name), for errors about the policy data.
    host_file: what module seccomp_syscalls reported of the profile file on the host (its option
    profile_path), for ``write``; None when it was not read.
    host_syscalls: what module seccomp_syscalls returned for the operator's names (unknown,
    libseccomp_version), run with fail_on_unknown=false so that a name the host's libseccomp does
    not know is reported here, in one message with every other problem; None when not asked.

    Returns a dict, and never raises for operator input (only for a bug here):
      error: '' when the role may go on; else one message naming the host, the profile, each
        variable and value at fault and the fix, ending 'Nothing was changed.';
      warnings: sentences for the operator (an engine newer than the policy data models), each
        starting with the host;
      engine: the engine version as MAJOR.MINOR.PATCH ('' when it could not be read);
      render_for: the modelled release the profile is rendered for ('' when no file is written);
      effective_path: what daemon.json's seccomp-profile gets: the file path, or the keyword
        'builtin' / 'unconfined' ('' on error);
      profile: the rendered profile (dict, to be written as JSON), or None when no file is written;
      write: why the profile file must be written or fixed (``profile_write_reasons``); [] when
        the host already holds exactly this profile, checked, root:root 0644, or no file is written.
    """
    result = {"error": "", "warnings": [], "engine": "", "render_for": "", "effective_path": "",
              "profile": None, "write": []}
    # 1. The operator's variables on their own.
    problems = []
    if unknown_engine not in UNKNOWN_ENGINE_CHOICES:
        problems.append("seccomp_unknown_engine must be one of %s, got %s %r"
                        % (", ".join(UNKNOWN_ENGINE_CHOICES), _kind(unknown_engine), unknown_engine))
    path_problem = _path_problem(profile_path)
    if path_problem:
        problems.append(path_problem)
    keyword = profile_path if not path_problem and profile_path in PROFILE_KEYWORDS else None
    denied, allowed, list_problems = _list_problems(denied, allowed)
    problems.extend(list_problems)
    problems.extend(_unknown_name_problems(denied, allowed, host_syscalls))
    if keyword:
        changes = [(varname, names) for varname, names in (("seccomp_denied_syscalls", denied),
                                                           ("seccomp_allowed_syscalls", allowed))
                   if names]
        if changes:
            problems.append(
                "seccomp_profile_path %r uses the engine's own profile, which cannot carry %s: "
                "empty %s, or set seccomp_profile_path to a file path such as %s"
                % (keyword, " and ".join("%s %r" % (varname, names) for varname, names in changes),
                   " and ".join(varname for varname, _names in changes), DEFAULT_PROFILE_PATH))
    try:
        errno = denied_errno(errno)
    except SeccompPolicyError as exc:
        problems.append(str(exc))
    if engine_version is None or (isinstance(engine_version, str) and engine_version == ""):
        text, origin = dockerd_version, "`dockerd --version` on the host"
    else:
        text, origin = engine_version, "seccomp_engine_version"
    version = None
    try:
        version = parse_engine_version(text, origin)
    except SeccompPolicyError as exc:
        problems.append(str(exc))
    if version is not None and len(version) == 3:
        result["engine"] = _show(version)
    if problems:
        return _failed(result, host, profile_path, problems)

    # 2. What the engine makes of them.
    origin = "%s %r" % (origin, text)
    if keyword:
        result["engine"] = _show(_full(version))
        if _full(version) < KEYWORDS_SINCE:
            return _failed(result, host, profile_path, [
                "seccomp_profile_path %r is a keyword that only engines %s and later understand; "
                "engine %s (%s) would read it as a file name and dockerd would not start: set "
                "seccomp_profile_path to an absolute file path such as %s"
                % (keyword, _show(KEYWORDS_SINCE[:2]), result["engine"], origin,
                   DEFAULT_PROFILE_PATH)])
        result["effective_path"] = keyword
        return result
    try:
        support = engine_support(policy, version, unknown_engine, denied, allowed, source)
    except SeccompPolicyError as exc:
        return _failed(result, host, profile_path, ["%s: %s" % (origin, exc)])
    result["engine"] = support["engine"]
    if support["warning"]:
        result["warnings"].append("%s%s" % ("%s: " % host if host else "", support["warning"]))
    if support["profile"] != "file":
        result["effective_path"] = support["profile"]
        return result

    # 3. The rendering.
    try:
        profile = render_profile(policy, support["render_for"], denied, allowed, source, errno)
    except SeccompPolicyError as exc:
        return _failed(result, host, profile_path, [str(exc)])
    result.update(render_for=support["render_for"], effective_path=profile_path, profile=profile,
                  write=profile_write_reasons(profile, host_file))
    return result


# --- what a profile allows, and how two profiles differ (review command, audit) ----------------

ALLOW_ACTIONS = ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG")


def syscall_states(profile):
    """{name: 'allow' | 'conditional' | 'deny'} for every syscall a profile names.

    'allow': an allow rule without args, includes or excludes names it; 'conditional': only allow
    rules with a condition (args, caps, arches, minKernel) name it; 'deny': only rules with another
    action name it. A name no rule names gets the profile's defaultAction, which is left out.
    """
    states = {}
    rank = {"deny": 0, "conditional": 1, "allow": 2}
    for rule in (profile or {}).get("syscalls") or []:
        if not isinstance(rule, dict):
            continue
        names = list(rule.get("names") or []) + ([rule["name"]] if rule.get("name") else [])
        if rule.get("action") in ALLOW_ACTIONS:
            conditional = bool(rule.get("args") or rule.get("includes") or rule.get("excludes"))
            state = "conditional" if conditional else "allow"
        else:
            state = "deny"
        for name in names:
            if name not in states or rank[state] > rank[states[name]]:
                states[name] = state
    return states


def profile_diff(base, other):
    """How ``other`` differs from ``base`` (two profile dicts), as syscall names.

    added: allowed (at all) by other, not by base; removed: allowed (at all) by base, not by
    other; conditional: allowed by both, but unconditionally by one and only under a condition by
    the other ('name: allow -> conditional'). identical: the two are equal as JSON data.
    """
    before, after = syscall_states(base), syscall_states(other)

    def allowed(states, name):
        return states.get(name) in ("allow", "conditional")

    names = sorted(set(before) | set(after))
    added = [n for n in names if allowed(after, n) and not allowed(before, n)]
    removed = [n for n in names if allowed(before, n) and not allowed(after, n)]
    conditional = ["%s: %s -> %s" % (n, before[n], after[n]) for n in names
                   if allowed(before, n) and allowed(after, n) and before[n] != after[n]]
    result = dict(added=added, removed=removed, conditional=conditional, identical=base == other)
    if (base or {}).get("defaultAction") != (other or {}).get("defaultAction"):
        result["default_action"] = "%s -> %s" % ((base or {}).get("defaultAction"),
                                                 (other or {}).get("defaultAction"))
    return result


def describe_diff(diff):
    """One line for people: 'added: a, b; removed: c; conditional: d: allow -> conditional'."""
    parts = []
    for key in ("added", "removed", "conditional"):
        if diff.get(key):
            parts.append("%s: %s" % (key, ", ".join(diff[key])))
    if diff.get("default_action"):
        parts.append("defaultAction: %s" % diff["default_action"])
    if not parts:
        parts.append("same syscalls" if not diff.get("identical") else "identical")
        if not diff.get("identical"):
            parts[-1] += " (rules differ in their conditions or errno)"
    return "; ".join(parts)


def review(policy, engine_version="", dockerd_version="", profile_path=DEFAULT_PROFILE_PATH,
           denied=(), allowed=(), errno=ERRNO_EPERM, unknown_engine="newest", host=None,
           source=None, deployed=None):
    """The profile the seccomp role would deploy with these variables, and its differences.

    Runs ``plan`` (same arguments, same error text) and adds: ``default``: the engine-exact
    default of the release the profile is rendered for; ``vs_default``: profile_diff(default,
    profile) ({added, removed, conditional, identical}); ``summary``: one line for people. With
    ``deployed`` (a profile dict read from a host, or the text of one): ``deployed_matches`` (bool),
    ``deployed_vs_rendered`` and ``deployed_vs_default`` (profile_diff of it against the rendered
    profile and the default). Never raises for operator input; errors go to ``error``.
    """
    result = plan(policy, engine_version, dockerd_version, profile_path, denied, allowed, errno,
                  unknown_engine, host, source)
    result.update(default=None, vs_default=None, summary="")
    if result["error"]:
        result["summary"] = result["error"]
    elif result["profile"] is None:
        result["summary"] = "no profile file: daemon.json gets seccomp-profile %r (engine %s)" % (
            result["effective_path"], result["engine"])
    else:
        default = render_profile(policy, result["render_for"], source=source)
        result["default"] = default
        result["vs_default"] = profile_diff(default, result["profile"])
        result["summary"] = "engine %s (default of %s) -> %s: %s" % (
            result["engine"], result["render_for"], result["effective_path"],
            describe_diff(result["vs_default"]))
    if deployed is not None:
        if isinstance(deployed, str):
            try:
                deployed = json.loads(deployed)
            except ValueError:
                deployed = {"unreadable": deployed[:80]}
        result["deployed_matches"] = result["profile"] is not None and deployed == result["profile"]
        result["deployed_vs_rendered"] = (profile_diff(result["profile"], deployed)
                                          if result["profile"] is not None else None)
        result["deployed_vs_default"] = (profile_diff(result["default"], deployed)
                                         if result["default"] is not None else None)
    return result
