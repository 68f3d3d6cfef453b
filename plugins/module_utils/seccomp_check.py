# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Check a seccomp profile dockerd would be pointed at, before daemon.json or a restart uses it.

Pure functions: they take the ``seccomp-profile`` value, the file's text (through a ``read``
callable) and optionally a syscall-name resolver, and return a list of problems (empty = usable).
Each problem is one sentence naming the file, the field (``syscalls[12].names[3]``), what is
wrong, what the engine would do with it, and the fix.

How dockerd uses the setting (moby source, checked at v20.10.24, v23.0.0 and master):

- ``daemon/daemon_unix.go`` ``setupSeccompProfile`` runs once at dockerd start: ``""`` (and, from
  23.0, ``builtin``) means the built-in default, ``unconfined`` (23.0+) means none, anything else
  is a file name read with ``os.ReadFile``. A file that cannot be read stops dockerd from starting
  ("opening seccomp profile (...) failed"); a relative name is opened against dockerd's working
  directory (``/`` under systemd), not against daemon.json. On 20.10 the keywords are file names.
- The bytes read at start are kept and only parsed when a container starts
  (``daemon/seccomp_linux.go`` ``WithSeccomp`` -> ``LoadProfile``). So a profile that is not
  valid JSON, or that the engine or runc refuses, lets dockerd start and then fails every
  container start; an edit to the file takes effect only at the next dockerd start (there is no
  seccomp in ``daemon/reload.go``).
- ``profiles/seccomp/seccomp.go`` and ``seccomp_linux.go`` (``vendor/github.com/moby/profiles/
  seccomp/`` from 28.4): the JSON is decoded with Go's ``encoding/json`` into typed structs (a wrong
  type, a negative or fractional number for an unsigned field, a malformed ``minKernel`` is a
  decode error); unknown keys are ignored; with neither ``defaultAction`` nor ``syscalls`` the
  profile means "no seccomp at all"; ``setupSeccomp`` refuses ``architectures`` together with
  ``archMap`` and a rule with both ``name`` and ``names``; ``includes``/``excludes`` match
  ``arches`` against Go's native names (``amd64``, ``arm64``...), ``caps`` against the bounding
  set (``CAP_...``), ``minKernel`` as ``"<kernel>.<major>"``. Engines before 23.0 have no
  ``defaultErrnoRet``, ``flags``, ``listenerPath`` (they drop them silently).
- runc ``libcontainer/specconv/spec_linux.go`` ``SetupSeccomp`` and ``libcontainer/seccomp/
  config.go``: actions, operators, architectures and flags outside its tables are errors at
  container start; ``libcontainer/seccomp/seccomp_linux.go``: ``errnoRet`` is used only with
  ``SCMP_ACT_ERRNO`` and ``SCMP_ACT_TRACE`` (ignored otherwise), an empty name is an error, a name
  libseccomp does not resolve is skipped silently; libseccomp-golang ``MakeCondition`` allows
  argument indexes 0 to 5.
- OCI runtime-spec ``specs-go/config.go`` ``LinuxSeccomp``: the SCMP_ACT_*, SCMP_CMP_* and
  SCMP_ARCH_* names, ``index`` uint, ``value``/``valueTwo`` uint64.

Stricter than the engine, on purpose (a profile is security policy; silent means weaker): keys
the engine ignores, a rule with no names, an ``errnoRet`` that would be ignored, unknown
``caps``/``arches`` in conditions, and names the host's libseccomp does not know are problems too,
except in a rule whose action is ``SCMP_ACT_ALLOW``: runc skips such a name, so the call gets the
profile's default action instead of being allowed; the effect is at most stricter, exactly as
with the engine's own built-in default on that host (moby's defaults from 28.2 on allow mseal,
listmount, lsm_* ..., which Debian 12's libseccomp 2.5.4 does not know). Those are returned as
notes (pass a list as ``notes``), not problems. The operator's own syscall names are checked
strictly by the ``seccomp_syscalls`` module before a profile is rendered (F18).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import json.decoder
import json.scanner
import posixpath
import re

from ansible_collections.containment.docker.plugins.module_utils.libseccomp import (
    resolver as _host_resolver,
)
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    try_parse_engine_version,
)

PROFILE_KEYWORDS = ("builtin", "unconfined")
KEYWORDS_SINCE = (23, 0)

ACTIONS = (
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
)
ERRNO_ACTIONS = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")
OPERATORS = (
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
)
# runc's table (libcontainer/seccomp/config.go): the runtime-spec's PARISC, M68K and SH names are
# refused by runc.
ARCHES = (
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
    "SCMP_ARCH_LOONGARCH64",
)
# The native names includes/excludes `arches` are compared with (moby goToNative / nativeToSeccomp;
# moby's own default also names x32).
NATIVE_ARCHES = (
    "x86", "amd64", "x32", "arm", "arm64", "loong64", "loongarch64", "mips", "mipsle", "mipsel",
    "mips64", "mips64n32", "mipsel64", "mips3l64n32", "mipsel64n32", "ppc", "ppc64", "ppc64le",
    "riscv64", "s390", "s390x",
)
FLAGS = (
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
)
TOP_KEYS = ("defaultAction", "defaultErrnoRet", "architectures", "archMap", "flags",
            "listenerPath", "listenerMetadata", "syscalls")
SINCE_23_KEYS = ("defaultErrnoRet", "flags", "listenerPath", "listenerMetadata")
RULE_KEYS = ("names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes")
ARG_KEYS = ("index", "value", "valueTwo", "op")
ARCH_KEYS = ("architecture", "subArchitectures")
FILTER_KEYS = ("caps", "arches", "minKernel")

MAX_ERRNO = 4095
MAX_ARG_INDEX = 5
UINT64_MAX = 2 ** 64 - 1
EPERM = 1

SYSCALL_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
CAP_RE = re.compile(r"^CAP_[A-Z0-9_]+$")
MIN_KERNEL_RE = re.compile(r"^(\d+)\.(\d+)$")

# What happens, said once.
DECODE = "the engine cannot decode the profile and every container start fails"
RUNC = "runc refuses the profile and every container start fails"
IGNORED = "the engine ignores it"


def _kind(value):
    """The JSON type name of a parsed value (bool before int: bool is an int in Python)."""
    for kind, name in ((bool, "boolean"), (int, "number"), (float, "number"), (str, "string"),
                       (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _show(value):
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else _kind(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_uint(value, top=UINT64_MAX):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top


class _Checker(object):
    def __init__(self, path, engine_version):
        self.prefix = "%s: " % path if path else ""
        self.version = _version(engine_version)
        self.problems = []
        self.notes = []
        self.names = []  # (field, name, the rule's action) for the resolver

    def add(self, field, what, fix):
        self.problems.append("%s%s: %s; %s." % (self.prefix, field, what, fix))

    def keys(self, obj, field, known):
        for key in obj:
            if key in known:
                continue
            similar = [k for k in known if k.lower() == key.lower()]
            if similar:
                self.add("%s.%s" % (field, key) if field else key,
                         "not the engine's spelling of %r" % similar[0],
                         "write it as %r" % similar[0])
            else:
                self.add("%s.%s" % (field, key) if field else key,
                         "not a field the engine reads (%s, so whatever it was meant to do does not "
                         "happen)" % IGNORED,
                         "remove it or correct its name (known here: %s)" % ", ".join(known))

    def string(self, value, field, allow_null=True):
        """True when value decodes as a Go string."""
        if isinstance(value, str) or (allow_null and value is None):
            return True
        self.add(field, "must be a string, got %s %s: %s" % (_kind(value), _show(value), DECODE),
                 "quote it or correct it")
        return False

    def array(self, value, field):
        """True when value decodes as a Go slice (null is an empty one)."""
        if value is None or isinstance(value, list):
            return True
        self.add(field, "must be an array, got %s %s: %s" % (_kind(value), _show(value), DECODE),
                 "write it as a JSON array [...]")
        return False

    def errno_ret(self, value, field, action, action_field):
        if not _is_uint(value, top=UINT64_MAX):
            self.add(field, "must be a whole number from 0 to %d (an errno), got %s %s: %s"
                     % (MAX_ERRNO, _kind(value), _show(value), DECODE),
                     "write the errno as a plain number, e.g. 1 (EPERM) or 38 (ENOSYS)")
        elif value > MAX_ERRNO:
            self.add(field, "%d is not an errno (1 to %d)" % (value, MAX_ERRNO),
                     "use the errno the call should fail with, e.g. 1 (EPERM)")
        if action in ACTIONS and action not in ERRNO_ACTIONS:
            self.add(field, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE use it, and %s is %s: runc "
                     "ignores it" % (action_field, action),
                     "remove it, or set %s to SCMP_ACT_ERRNO" % action_field)

    def action(self, value, field):
        if value is None or value == "":
            self.add(field, "is missing: %s" % RUNC, "set it to one of %s" % ", ".join(ACTIONS))
        elif self.string(value, field) and value not in ACTIONS:
            self.add(field, "%s is not a seccomp action: %s" % (_show(value), RUNC),
                     "use one of %s" % ", ".join(ACTIONS))

    def arch(self, value, field):
        if self.string(value, field, allow_null=False) and value not in ARCHES:
            self.add(field, "%s is not an architecture runc knows: %s on hosts of that "
                     "architecture" % (_show(value), RUNC), "use one of %s" % ", ".join(ARCHES))

    def check(self, data):
        if data is None:
            self.add("(top level)", "null: the engine reads that as no profile and runs every "
                     "container without any seccomp filter",
                     "write a profile object with defaultAction and syscalls")
            return
        if not isinstance(data, dict):
            self.add("(top level)", "must be a JSON object, got %s: %s" % (_kind(data), DECODE),
                     "write one object {\"defaultAction\": ..., \"syscalls\": [...]}")
            return
        self.keys(data, "", TOP_KEYS)
        if data.get("defaultAction") in (None, "") and not data.get("syscalls"):
            self.add("defaultAction", "missing and no syscalls listed: the engine treats the profile "
                     "as no seccomp at all and runs every container unconfined",
                     "set defaultAction (SCMP_ACT_ERRNO for a deny-by-default profile) and syscalls")
        else:
            self.action(data.get("defaultAction"), "defaultAction")
        if "defaultErrnoRet" in data and data["defaultErrnoRet"] is not None:
            self.errno_ret(data["defaultErrnoRet"], "defaultErrnoRet", data.get("defaultAction"),
                           "defaultAction")
        self.old_engine(data)
        for key in ("listenerPath", "listenerMetadata"):
            if key in data:
                self.string(data[key], key)
        if "flags" in data and self.array(data["flags"], "flags"):
            for index, flag in enumerate(data["flags"] or []):
                field = "flags[%d]" % index
                if self.string(flag, field, allow_null=False) and flag not in FLAGS:
                    self.add(field, "%s is not a seccomp filter flag runc knows: %s"
                             % (_show(flag), RUNC), "use one of %s" % ", ".join(FLAGS))
        architectures = data.get("architectures")
        if "architectures" in data and self.array(architectures, "architectures"):
            for index, arch in enumerate(architectures or []):
                self.arch(arch, "architectures[%d]" % index)
        arch_map = data.get("archMap")
        if "archMap" in data and self.array(arch_map, "archMap"):
            self.arch_map(arch_map or [])
        if isinstance(architectures, list) and architectures and isinstance(arch_map, list) and arch_map:
            self.add("architectures", "set together with archMap: the engine refuses the profile "
                     "('use either architectures or archMap') and every container start fails",
                     "keep archMap and remove architectures")
        syscalls = data.get("syscalls")
        if "syscalls" in data and self.array(syscalls, "syscalls"):
            for index, rule in enumerate(syscalls or []):
                self.rule(rule, "syscalls[%d]" % index)

    def old_engine(self, data):
        if self.version is None or self.version >= KEYWORDS_SINCE:
            return
        engine = "engine %d.%d" % self.version
        for key in SINCE_23_KEYS:
            if key not in data or data[key] in (None, "", []):
                continue
            if key == "defaultErrnoRet" and data[key] == EPERM:
                continue  # runc's default errno for SCMP_ACT_ERRNO is EPERM anyway
            self.add(key, "the %s drops it (engines before 23.0 do not read %s)%s"
                     % (engine, key, ": denied calls fail with EPERM instead"
                        if key == "defaultErrnoRet" else ""),
                     "remove it, or upgrade the engine to 23.0 or later")

    def arch_map(self, arch_map):
        for index, entry in enumerate(arch_map):
            field = "archMap[%d]" % index
            if not isinstance(entry, dict):
                self.add(field, "must be an object {\"architecture\": ..., \"subArchitectures\": [...]}, "
                         "got %s: %s" % (_kind(entry), DECODE if entry is not None else IGNORED),
                         "write it as an object")
                continue
            self.keys(entry, field, ARCH_KEYS)
            if entry.get("architecture") in (None, ""):
                self.add(field + ".architecture", "is missing: the entry matches no host, so the "
                         "profile applies to no architecture from this entry",
                         "name the architecture, e.g. SCMP_ARCH_X86_64")
            else:
                self.arch(entry["architecture"], field + ".architecture")
            subs = entry.get("subArchitectures")
            if self.array(subs, field + ".subArchitectures"):
                for sub_index, sub in enumerate(subs or []):
                    self.arch(sub, "%s.subArchitectures[%d]" % (field, sub_index))

    def rule(self, rule, field):
        if not isinstance(rule, dict):
            self.add(field, "must be an object {\"names\": [...], \"action\": ...}, got %s: %s"
                     % (_kind(rule), DECODE), "write each rule as an object")
            return
        self.keys(rule, field, RULE_KEYS)
        name, names = rule.get("name"), rule.get("names")
        name_ok = self.string(name, field + ".name")
        names_ok = self.array(names, field + ".names")
        if name_ok and names_ok and name and names:
            self.add(field, "has both name and names: the engine refuses the profile ('use either "
                     "name or names') and every container start fails",
                     "move %s into names and remove name" % _show(name))
        elif name_ok and names_ok and not name and not names:
            self.add(field + ".names", "lists no syscall: the rule does nothing",
                     "list the syscalls it is for, or remove the rule")
        action = rule.get("action")
        if name_ok and name:
            self.syscall_name(name, field + ".name", action)
        if names_ok:
            for index, entry in enumerate(names or []):
                self.syscall_name(entry, "%s.names[%d]" % (field, index), action)
        self.action(action, field + ".action")
        if "errnoRet" in rule and rule["errnoRet"] is not None:
            self.errno_ret(rule["errnoRet"], field + ".errnoRet", action, field + ".action")
        if "comment" in rule:
            self.string(rule["comment"], field + ".comment")
        args = rule.get("args")
        if self.array(args, field + ".args"):
            for index, arg in enumerate(args or []):
                self.arg(arg, "%s.args[%d]" % (field, index))
        for key in ("includes", "excludes"):
            if key in rule:
                self.condition(rule[key], "%s.%s" % (field, key))

    def syscall_name(self, name, field, action=None):
        if name is None or name == "":
            self.add(field, "is empty: runc refuses it ('empty string is not a valid syscall') and "
                     "every container start fails", "remove it or name the syscall")
        elif not isinstance(name, str):
            self.add(field, "must be a syscall name (a string), got %s %s: %s"
                     % (_kind(name), _show(name), DECODE), "write the syscall's name, e.g. \"chroot\"")
        elif not SYSCALL_NAME_RE.match(name):
            self.add(field, "%s is not a syscall name: runc skips names libseccomp does not know, "
                     "so the rule would not apply to it" % _show(name),
                     "use the kernel's lower-case name (letters, digits, underscores, e.g. "
                     "\"chroot\"; see man 2 syscalls)")
        else:
            self.names.append((field, name, action))

    def arg(self, arg, field):
        if not isinstance(arg, dict):
            self.add(field, "must be an object {\"index\": ..., \"value\": ..., \"op\": ...}, got %s: %s"
                     % (_kind(arg), RUNC if arg is None else DECODE), "write it as an object")
            return
        self.keys(arg, field, ARG_KEYS)
        index = arg.get("index", 0)
        if not _is_uint(index) and index is not None:
            self.add(field + ".index", "must be a whole number from 0 to %d, got %s %s: %s"
                     % (MAX_ARG_INDEX, _kind(index), _show(index), DECODE),
                     "give the argument's position, 0 for the first")
        elif index is not None and index > MAX_ARG_INDEX:
            self.add(field + ".index", "%d is out of range: syscalls have 6 arguments (0 to %d), "
                     "so %s" % (index, MAX_ARG_INDEX, RUNC),
                     "give the argument's position, 0 for the first")
        for key in ("value", "valueTwo"):
            value = arg.get(key)
            if value is not None and not _is_uint(value):
                self.add("%s.%s" % (field, key), "must be a whole number from 0 to 2^64-1, got %s %s: %s"
                         % (_kind(value), _show(value), DECODE),
                         "write it as a plain non-negative number (no quotes, no fraction)")
        op = arg.get("op")
        if op in (None, ""):
            self.add(field + ".op", "is missing: %s" % RUNC, "set it to one of %s" % ", ".join(OPERATORS))
        elif self.string(op, field + ".op") and op not in OPERATORS:
            self.add(field + ".op", "%s is not a comparison operator: %s" % (_show(op), RUNC),
                     "use one of %s" % ", ".join(OPERATORS))

    def condition(self, cond, field):
        if cond is None:
            return
        if not isinstance(cond, dict):
            self.add(field, "must be an object with caps, arches or minKernel, got %s: %s"
                     % (_kind(cond), DECODE), "write it as an object")
            return
        self.keys(cond, field, FILTER_KEYS)
        caps = cond.get("caps")
        if self.array(caps, field + ".caps"):
            for index, cap in enumerate(caps or []):
                sub = "%s.caps[%d]" % (field, index)
                if self.string(cap, sub, allow_null=False) and not CAP_RE.match(cap):
                    self.add(sub, "%s is not a capability name: it never matches, so the condition "
                             "is silently wrong" % _show(cap),
                             "write it as the engine does, e.g. \"CAP_SYS_ADMIN\"")
        arches = cond.get("arches")
        if self.array(arches, field + ".arches"):
            for index, arch in enumerate(arches or []):
                sub = "%s.arches[%d]" % (field, index)
                if self.string(arch, sub, allow_null=False) and arch not in NATIVE_ARCHES:
                    self.add(sub, "%s is not an architecture name the engine matches here: it "
                             "never matches, so the condition is silently wrong" % _show(arch),
                             "use the engine's native name (%s); SCMP_ARCH_* names belong in archMap"
                             % ", ".join(NATIVE_ARCHES))
        if "minKernel" in cond:
            self.min_kernel(cond["minKernel"], field + ".minKernel")

    def min_kernel(self, value, field):
        if value is None or value == "":
            return
        match = MIN_KERNEL_RE.match(value) if isinstance(value, str) else None
        if not match or int(match.group(1)) > 255 or int(match.group(2)) > 255 \
                or (int(match.group(1)), int(match.group(2))) == (0, 0):
            self.add(field, "%s is not a kernel version the engine reads (\"<kernel>.<major>\", e.g. "
                     "\"4.8\", each 0 to 255, not 0.0): %s" % (_show(value), DECODE),
                     "write it as \"4.8\"")

    def resolve(self, resolve):
        if resolve is None or not self.names:
            return
        unique = []
        for _field, name, _action in self.names:
            if name not in unique:
                unique.append(name)
        unknown = set(resolve(unique)[1])
        where = "libseccomp %s on this host" % getattr(resolve, "version", "") \
            if getattr(resolve, "version", "") else "the host's libseccomp"
        for field, name, action in self.names:
            if name not in unknown:
                continue
            if action == "SCMP_ACT_ALLOW":
                self.notes.append(
                    "%s%s: %s is a syscall %s does not know: runc skips it, so this allow rule does "
                    "not allow it and the call gets the default action (stricter, as under the "
                    "engine's own default on this host); upgrade libseccomp to allow it."
                    % (self.prefix, field, _show(name), where))
            else:
                self.add(field, "%s is a syscall %s does not know: runc skips it silently, so the rule "
                         "does not %s it as written" % (
                             _show(name), where,
                             "deny" if action in ("SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                                  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                                  "SCMP_ACT_TRAP") else "apply to"),
                         "correct the name (see man 2 syscalls), remove it, or upgrade libseccomp")


def _version(engine_version):
    if engine_version is None:
        return None
    if isinstance(engine_version, str):
        engine_version = try_parse_engine_version(engine_version)
        if engine_version is None:
            return None
    return tuple(engine_version)[:2]


def check_profile(data, path=None, resolve=None, engine_version=None, notes=None):
    """Problems in a parsed profile (empty list = the engine would use it as written).

    data: the parsed JSON. path: the file, prefixed to every problem. resolve: optional callable
    ``resolve(names) -> (known, unknown)`` (see module_utils/libseccomp.py); when given, names it
    does not know are problems, except in SCMP_ACT_ALLOW rules (stricter at most), which become
    notes. engine_version: (major, minor[, patch]) of the engine that reads the profile, or None;
    before 23.0, keys that engine drops are problems. notes: a list the notes are appended to
    (sentences like the problems, for warnings); None drops them.
    """
    checker = _Checker(path, engine_version)
    checker.check(data)
    checker.resolve(resolve)
    if notes is not None:
        notes.extend(checker.notes)
    return checker.problems


class _DuplicateKeyDecoder(json.JSONDecoder):
    """Go's encoding/json takes the last of two equal keys silently; record them instead."""

    def __init__(self):
        json.JSONDecoder.__init__(self, parse_constant=self._constant)
        self.duplicates = []  # (position of the object's "{", key)
        self.parse_object = self._object
        self.scan_once = json.scanner.py_make_scanner(self)

    @staticmethod
    def _constant(name):
        raise ValueError("%s is not JSON (the engine refuses NaN and Infinity)" % name)

    def _object(self, s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None,
                *args):
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo, *args)
        seen = set()
        for key, _value in pairs:
            if key in seen:
                self.duplicates.append((s_and_end[1] - 1, key))
            seen.add(key)
        return dict(pairs), end


def _line_column(text, pos):
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def check_profile_text(text, path=None, resolve=None, engine_version=None, notes=None):
    """Parse the file's text (str or bytes) as dockerd will, then check_profile it.

    Not JSON, two values, a byte-order mark, duplicate keys, an empty or whitespace-only file are
    problems with line and column where there is one.
    """
    prefix = "%s: " % path if path else ""
    fails = ("dockerd starts, then every container start fails ('Decoding seccomp profile "
             "failed')")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return ["%sbyte %d is not UTF-8: %s; save the profile as UTF-8 JSON."
                    % (prefix, exc.start, fails)]
    if not text.strip():
        return ["%sthe file is %s: %s; write the profile into it, or point seccomp-profile at "
                "another file." % (prefix, "empty" if not text else "whitespace only", fails)]
    if text.startswith("\ufeff"):
        return ["%sline 1 column 1: the file starts with a byte-order mark, which the engine does "
                "not accept: %s; save it as UTF-8 without BOM." % (prefix, fails)]
    decoder = _DuplicateKeyDecoder()
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            what = "a second JSON value after the profile (two objects, or text after the closing brace)"
        else:
            what = "not valid JSON (%s)" % exc.msg
        return ["%sline %d column %d: %s: %s; correct the file (python3 -m json.tool %s shows "
                "where)." % (prefix, exc.lineno, exc.colno, what, fails, path or "FILE")]
    except ValueError as exc:
        return ["%snot valid JSON (%s): %s; correct the file." % (prefix, exc, fails)]
    problems = []
    for pos, key in decoder.duplicates:
        line, column = _line_column(text, pos)
        problems.append("%sline %d column %d: key %s appears twice in this object: the engine "
                        "keeps only the last one silently; keep one." % (prefix, line, column,
                                                                         json.dumps(key)))
    return problems + check_profile(data, path, resolve, engine_version, notes)


def read_file(path):
    """The file's bytes, or None when it does not exist; other errors raise (IOError/OSError)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def check_profile_setting(value, engine_version, read=read_file, resolve=None, must_exist=True,
                          notes=None):
    """Problems with a daemon.json ``seccomp-profile`` value (empty list = dockerd can use it).

    value: the setting as it would be written. engine_version: (major, minor[, patch]) of the
    engine on the host (engine_version.parse_engine_version), or None when it is not known; then
    the keywords are refused (20.10 would read them as file names and not start), so the caller
    must find out the version to use them. read: ``read(path)`` returns the file's text or bytes,
    None when it does not exist, raises IOError/OSError otherwise. resolve: see check_profile.
    must_exist: False when a missing file is not (yet) a problem, e.g. in check mode before the
    run writes it. notes: see check_profile.
    """
    version = _version(engine_version)
    if not isinstance(value, str):
        return ["seccomp-profile must be a string (an absolute path, or builtin/unconfined on engines "
                "23.0 and later), got %s %s; dockerd refuses the daemon.json; set it to the absolute "
                "path of the profile, or remove the key for the engine's default."
                % (_kind(value), _show(value))]
    if value == "":
        return ["seccomp-profile is empty: dockerd silently uses its built-in default profile; remove "
                "the key for that, or set the absolute path of the profile."]
    if value in PROFILE_KEYWORDS:
        if version is not None and version >= KEYWORDS_SINCE:
            return []
        engine = "the engine version is not known" if version is None \
            else "the engine here is %d.%d" % version
        return ["seccomp-profile %s is a keyword only engines 23.0 and later understand, and %s: "
                "engines before 23.0 read it as a file name relative to dockerd's working directory "
                "and refuse to start; %s." % (
                    json.dumps(value), engine,
                    "remove the key (the built-in default applies when it is absent)"
                    if value == "builtin" else
                    "remove the key and run containers that need it with --security-opt "
                    "seccomp=unconfined, or upgrade the engine")]
    if not posixpath.isabs(value):
        return ["seccomp-profile %s is a relative path: dockerd opens it relative to its own working "
                "directory (/ under systemd), not to daemon.json; use an absolute path such as "
                "/etc/docker/seccomp/profile.json." % json.dumps(value)]
    try:
        text = read(value)
    except (IOError, OSError) as exc:
        return ["%s: cannot be read (%s): dockerd refuses to start ('opening seccomp profile (%s) "
                "failed'); make it a readable file or point seccomp-profile at one."
                % (value, getattr(exc, "strerror", None) or exc, value)]
    if text is None:
        if not must_exist:
            return []
        return ["%s: the file does not exist: dockerd refuses to start ('opening seccomp profile (%s) "
                "failed'); create the profile first, or set seccomp-profile to a file that exists."
                % (value, value)]
    return check_profile_text(text, value, resolve, version, notes)


def format_problems(host, source, problems):
    """One failure message: 'HOST: SOURCE: problem [problem ...] Nothing was changed.'

    source says where the setting came from, e.g. "daemon.json key seccomp-profile set by
    daemon_extra_settings". Problems already name the file, the field and the fix.
    """
    if not problems:
        return ""
    if len(problems) == 1:
        body = problems[0]
    else:
        body = "%d problems: %s" % (len(problems), " ".join(
            "(%d) %s" % (index, problem) for index, problem in enumerate(problems, 1)))
    return "%s: %s: %s Nothing was changed." % (host, source, body)


_HOST_LIBSECCOMP = object()


def seccomp_setting_problems(value, engine_version, host, source, must_exist=True, read=read_file,
                             resolve=_HOST_LIBSECCOMP, notes=None):
    """check_profile_setting, each problem as 'HOST: SOURCE: problem' (callers add 'Nothing was ...').

    By default syscall names are resolved with this host's libseccomp.so.2 (modules run on the
    host); when it cannot be loaded (a runc linked statically, no shared library) the names are
    not checked and everything else still is. Pass resolve=None to skip the names explicitly.
    notes: a list that receives the notes (see check_profile), each as 'HOST: SOURCE: note', for
    the caller to show as warnings.
    """
    if resolve is _HOST_LIBSECCOMP:
        wants_names = isinstance(value, str) and posixpath.isabs(value)
        resolve = _host_resolver() if wants_names else None
    found = []
    problems = ["%s: %s: %s" % (host, source, problem) for problem in
                check_profile_setting(value, engine_version, read=read, resolve=resolve,
                                      must_exist=must_exist, notes=found)]
    if notes is not None:
        notes.extend("%s: %s: %s" % (host, source, note) for note in found)
    return problems
