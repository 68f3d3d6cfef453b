# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The host's libseccomp, loaded with ctypes, to tell which syscall names it knows.

runc loads a profile through libseccomp and silently skips a name libseccomp cannot resolve
(runc libcontainer/seccomp/seccomp_linux.go, matchCall: "unknown seccomp syscall %q ignored"), so
a misspelt name in a deny rule denies nothing. These helpers resolve names the same way.

A name counts as known when ``seccomp_syscall_resolve_name`` returns a syscall number, or a
negative pseudo-syscall number for a name that exists only on other architectures; only
``__NR_SCMP_ERROR`` (-1) means unknown.

``resolver(library)`` returns None when the library cannot be loaded (some engines ship a runc
linked statically with libseccomp and the host has no shared library). The caller decides what
that means: the ``seccomp_syscalls`` module warns (or fails with ``required=true``); the profile
check (``seccomp_check``) then checks everything except the names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes

DEFAULT_LIBRARY = "libseccomp.so.2"
NR_SCMP_ERROR = -1


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]


def load(library=DEFAULT_LIBRARY):
    """Load the shared library; raises OSError when it cannot be loaded."""
    lib = ctypes.CDLL(library)
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_version.restype = ctypes.POINTER(_Version)
    return lib


def resolve(lib, names):
    """Return ({name: number}, [unknown names]) in the order given.

    A name that is not text, is empty or holds a NUL byte cannot be a syscall: unknown.
    """
    numbers, unknown = {}, []
    for name in names:
        if not isinstance(name, str) or not name or "\0" in name:
            unknown.append(name)
            continue
        number = lib.seccomp_syscall_resolve_name(name.encode("ascii", "replace"))
        if number == NR_SCMP_ERROR:
            unknown.append(name)
        else:
            numbers[name] = number
    return numbers, unknown


def version(lib):
    """The loaded library's version as 'MAJOR.MINOR.MICRO', e.g. '2.5.4'."""
    found = lib.seccomp_version().contents
    return "%d.%d.%d" % (found.major, found.minor, found.micro)


class Resolver(object):
    """A callable ``resolver(names) -> (known, unknown)`` bound to one loaded library."""

    def __init__(self, lib, library):
        self.lib = lib
        self.library = library
        self.version = version(lib)

    def __call__(self, names):
        return resolve(self.lib, names)

    def __repr__(self):
        return "Resolver(%r, version=%r)" % (self.library, self.version)


def resolver(library=DEFAULT_LIBRARY):
    """A Resolver for the library, or None when it cannot be loaded (the caller decides)."""
    try:
        return Resolver(load(library), library)
    except (OSError, AttributeError):
        # AttributeError: a library of that name without the libseccomp symbols.
        return None
