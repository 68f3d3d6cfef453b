# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The one parser for Docker engine versions in this collection.

Accepts what operators and dockerd write: ``"20.10"``, ``"26.1.5"``, ``"26.1.5+dfsg1"``,
``"28.5.2-1"`` (a package revision), ``"v29.0.1"`` and the whole ``dockerd --version`` line
(``Docker version 26.1.5+dfsg1, build 411e817``). Returns a tuple of ints: ``(major, minor)`` when
the text has no patch level, ``(major, minor, patch)`` when it has one, so that tuples compare the
way engine releases do (``(23, 0) < (23, 0, 5) < (23, 1)``).

A number is refused, not guessed: YAML reads an unquoted ``20.10`` as the float ``20.1``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_LINE_RE = re.compile(r"^\s*Docker version v?(\d+)\.(\d+)(?:\.(\d+))?\S*,?")
_BARE_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+~][0-9A-Za-z.+~-]*)?\s*$")


class EngineVersionError(ValueError):
    """A version that cannot be read; the message says what was expected."""


def parse_engine_version(value, context=None):
    """Return (major, minor) or (major, minor, patch) from a version string.

    Raises EngineVersionError for anything else, numbers included.
    """
    where = "%s: " % context if context else ""
    if isinstance(value, bool) or not isinstance(value, str):
        raise EngineVersionError(
            "%sengine version must be a string such as '20.10' or '26.1.5', got %s %r; quote it in "
            "YAML (\"20.10\")" % (where, "null" if value is None else type(value).__name__, value))
    match = _LINE_RE.match(value) or _BARE_RE.match(value)
    if not match:
        raise EngineVersionError(
            "%scannot read an engine version from %r: expected MAJOR.MINOR[.PATCH] such as '20.10' "
            "or '26.1.5', or the output of `dockerd --version` ('Docker version 26.1.5, build ...')"
            % (where, value))
    parts = [int(match.group(1)), int(match.group(2))]
    if match.group(3) is not None:
        parts.append(int(match.group(3)))
    return tuple(parts)


def try_parse_engine_version(value):
    """Like parse_engine_version, but None instead of an error."""
    try:
        return parse_engine_version(value)
    except EngineVersionError:
        return None


def format_engine_version(version):
    """'26.1.5' from (26, 1, 5); '20.10' from (20, 10)."""
    return ".".join("%d" % part for part in version)
