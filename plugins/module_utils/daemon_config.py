# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure helpers for /etc/docker/daemon.json: parse, merge, and find conflicts.

Nothing here touches the host; the daemon_json module wires these to AnsibleModule.

Engine facts relied on (moby daemon/config, checked on Debian's docker.io 20.10.24 and 26.1.5):

* dockerd reads daemon.json as one JSON object; a value given both as a command-line flag and in
  the file stops dockerd at start ("the following directives are specified both as a flag and in
  the configuration file").
* The file keys are the long flag names without the leading dashes, except for a few whose flag
  name is singular while the key is plural (``--host``/``-H`` is ``hosts``, ``--label`` is
  ``labels`` ...), listed in ``FLAG_TO_KEY`` below.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import shlex

from ansible_collections.containment.docker.plugins.module_utils.fileio import owner_and_mode_reasons
from ansible_collections.containment.docker.plugins.module_utils.engine_version import (
    try_parse_engine_version,
)

# Flags whose daemon.json key is not simply the long flag name (moby: cmd/dockerd/config.go,
# daemon/config/config.go "json" struct tags). Short flags are mapped to their long names first.
SHORT_FLAGS = {
    "-H": "host",
    "-G": "group",
    "-D": "debug",
    "-l": "log-level",
    "-b": "bridge",
    "-g": "graph",
    "-p": "pidfile",
    "-s": "storage-driver",
}
FLAG_TO_KEY = {
    "host": "hosts",
    "label": "labels",
    "dns": "dns",
    "dns-opt": "dns-opts",
    "dns-search": "dns-search",
    "insecure-registry": "insecure-registries",
    "registry-mirror": "registry-mirrors",
    "storage-opt": "storage-opts",
    "log-opt": "log-opts",
    "exec-opt": "exec-opts",
    "add-runtime": "runtimes",
    "authorization-plugin": "authorization-plugins",
    "allow-nondistributable-artifacts": "allow-nondistributable-artifacts",
    "default-ulimit": "default-ulimits",
    "node-generic-resource": "node-generic-resources",
    "feature": "features",
    "cluster-store-opt": "cluster-store-opts",
    "default-address-pool": "default-address-pools",
}


# Keys dockerd no longer accepts, from the engine version on which it refuses to start with them
# ("the following directives don't match any configuration option"), per moby's release notes:
# the v1 registry protocol went in 17.12; the deprecated graph and cluster-store options in 23.0.
# Engines 23.0+ also report these through `dockerd --validate`; 20.10 has no such flag, so this
# table is what catches them there before a restart (field fault F13).
REMOVED_KEYS = {
    "disable-legacy-registry": ((17, 12), "the v1 registry protocol was removed; delete the key"),
    "graph": ((23, 0), "use data-root instead"),
    "cluster-store": ((23, 0), "legacy overlay networking without swarm was removed; delete the key"),
    "cluster-store-opts": ((23, 0), "legacy overlay networking without swarm was removed; delete the key"),
    "cluster-advertise": ((23, 0), "legacy overlay networking without swarm was removed; delete the key"),
}


class DaemonConfigError(ValueError):
    """Raised for a daemon.json or a request that cannot be used; the message says how to fix it."""


def _reject_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DaemonConfigError(
                "key '%s' appears more than once in one object; dockerd would use only one of "
                "them. Keep a single '%s' entry." % (key, key)
            )
        seen[key] = value
    return seen


def parse_config(text, path="daemon.json"):
    """Parse daemon.json text into a dict.

    An empty or whitespace-only file counts as ``{}`` (dockerd accepts it).
    Raises DaemonConfigError naming the file, line and column for anything dockerd would refuse
    or that is ambiguous: invalid JSON (two objects, trailing commas ...), duplicate keys, or a
    top-level value that is not an object.
    """
    if text.strip() == "":
        return {}
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicates)
    except DaemonConfigError as exc:
        raise DaemonConfigError("%s: %s" % (path, exc))
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        where = " at line %s, column %s" % (line, col) if line else ""
        raise DaemonConfigError(
            "%s is not valid JSON%s: %s. Fix or move the file by hand (dockerd reads it as a "
            "single JSON object); nothing was changed."
            % (path, where, getattr(exc, "msg", str(exc)))
        )
    if not isinstance(data, dict):
        raise DaemonConfigError(
            "%s must hold one JSON object ({...}), found a %s. Fix the file by hand; nothing was "
            "changed." % (path, type(data).__name__)
        )
    return data


def merge_config(current, settings, remove=()):
    """Return a new dict: ``current`` with ``settings`` set and the keys in ``remove`` dropped.

    Top-level keys only: a value in ``settings`` replaces the whole value of that key (dockerd has
    no partial merge either). Keys not named are kept as they are, in their order; new keys are
    appended in the order given.
    """
    overlap = set(settings) & set(remove)
    if overlap:
        raise DaemonConfigError(
            "key(s) %s both set and removed; name each key in only one of settings/remove."
            % ", ".join(sorted(overlap))
        )
    merged = {}
    for key, value in current.items():
        if key in remove:
            continue
        merged[key] = settings[key] if key in settings else value
    for key, value in settings.items():
        if key not in merged:
            merged[key] = value
    return merged


def changed_keys(before, after):
    """The top-level keys whose value differs between two daemon.json objects (set, changed or
    removed), in ``after``'s order, then the removed ones."""
    keys = [k for k in after if k not in before or before[k] != after[k]]
    keys.extend(k for k in before if k not in after)
    return keys


def config_write_reasons(exists, stat, current, merged, mode="0644"):
    """Why module daemon_json would write or fix daemon.json; [] when it would change nothing.

    ``exists``: whether the file exists. ``stat``: its mode (octal string such as "0644"), uid and
    gid. ``current``/``merged``: the parsed file and the file as the run wants it. ``mode``: the mode
    daemon_json sets (its option ``mode``); the owner it sets is root:root. The same rules as the
    module: a missing file is written, a key whose value changes rewrites the file, and a file
    whose meaning stays is only fixed in owner and mode (its formatting is kept).
    """
    if not exists:
        return ["the file does not exist"]
    reasons = []
    keys = changed_keys(current, merged)
    if keys:
        reasons.append("key(s) %s change" % ", ".join(keys))
    return reasons + owner_and_mode_reasons(stat, mode)


def render_config(config):
    """Render the file as dockerd's documentation shows it: 2-space indent, trailing newline."""
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def flags_to_keys(command_line):
    """Return {daemon.json key: flag as written} for the dockerd flags on a command line.

    ``command_line`` is the unit's ExecStart (or any dockerd invocation) as one string. Only
    options (words starting with ``-``) count; ``$VARS`` that systemd would expand are ignored
    here, and the caller passes their expanded value separately when it knows it.
    """
    keys = {}
    try:
        words = shlex.split(command_line or "")
    except ValueError:
        words = (command_line or "").split()
    for word in words:
        if not word.startswith("-") or word in ("-", "--"):
            continue
        flag = word.split("=", 1)[0]
        if flag.startswith("--"):
            name = flag[2:]
        elif flag in SHORT_FLAGS:
            name = SHORT_FLAGS[flag]
        else:
            continue
        key = FLAG_TO_KEY.get(name, name)
        keys.setdefault(key, flag)
    return keys


def parse_engine_version(text):
    """Return (major, minor) from ``dockerd --version`` output or a bare version, else None.

    Kept for callers of this module; the one grammar is module_utils/engine_version.py."""
    version = try_parse_engine_version((text or "").strip())
    return version[:2] if version else None


def find_removed_keys(config, engine_version):
    """Return [(key, hint)] for keys of ``config`` that ``engine_version`` (major, minor) refuses.

    With an unknown engine version every key of the table counts as refused.
    """
    found = []
    for key in config:
        if key in REMOVED_KEYS:
            since, hint = REMOVED_KEYS[key]
            if engine_version is None or engine_version >= since:
                found.append((key, hint))
    return found


def find_flag_conflicts(config, command_line):
    """Return a sorted list of (key, flag) set both in ``config`` and on ``command_line``."""
    flags = flags_to_keys(command_line)
    return sorted((key, flags[key]) for key in config if key in flags)
