# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Which image store dockerd uses now and which it will use after the restart: the graph-driver
store (``overlay2`` and friends under the data root) or the containerd image store (containerd's
snapshotters, feature ``containerd-snapshotter``). Pure functions; tested as tables in
tests/unit/plugins/module_utils/test_image_store.py.

A switch from one store to the other hides every image and container of the store left behind
(they are kept, not deleted; switching back shows them again), exactly as a data-root switch
does. Volumes stay: they live under the data root whichever store is used.

Facts relied on, and where they come from (moby, Apache-2.0):

* ``docker info`` reports ``DriverStatus`` ``[["driver-type", "io.containerd.snapshotter.v1"]]``
  when the containerd image store is in use (daemon/containerd/service.go, LayerStoreStatus);
  a graph driver reports its own pairs (``Backing Filesystem``, ``Supports d_type``, ...).
  Seen on 28.5.2: ``Driver`` ``overlayfs``, the snapshotter's name, against ``overlay2``.
* The feature key ``containerd-snapshotter`` in daemon.json's ``features`` object exists from
  engine 24.0 (daemon/daemon.go, ``Features["containerd-snapshotter"]``). Engines before 24.0
  accept the key and ignore it.
* Engines 24.0 to 28.x use the containerd store only when the key is ``true``; with
  ``userns-remap`` too they start on it, in the containerd namespace ``moby-<uid>.<gid>``
  (daemon.RemapContainerdNamespaces), and BuildKit builds fail (moby issue 47377).
  Measured on the 28.5.2 lab engine: after the switch ``docker images`` and ``docker ps -a`` are
  empty and ``docker volume ls`` is not.
* Engine 29.0 and later (daemon/command/daemon_linux.go, setPlatformOptions, since moby commit
  e1722eb8d8): with ``userns-remap`` and the key ``true`` dockerd refuses to start
  ("containerd-snapshotter is explicitly enabled, but is not compatible with userns remapping");
  with ``userns-remap`` and no key it turns the store off with one log line
  ("userns remapping enabled, disabling containerd snapshotter").
* Without ``userns-remap``, 29.0 and later choose (daemon/image_store_choice.go): the key when
  set; else ``storage-driver`` ``overlay2``, ``vfs`` or ``btrfs`` means the graph-driver store and
  any other name a snapshotter; else the containerd store, unless the data root already holds a
  graph driver's data (then the store it had).
* From 28.0 dockerd also takes ``--feature NAME[=BOOL]`` on its command line (cmd/dockerd/config.go,
  internal/opts SetOpts: no ``=`` means true, else Go's strconv.ParseBool).
* With ``userns-remap`` on 29.0 and later, ``storage-driver`` must name a graph driver
  (``overlay2``, ``fuse-overlayfs``, ``btrfs``, ``zfs``, ``vfs``); a snapshotter name such as
  ``overlayfs`` makes dockerd refuse to start ("graphdriver is explicitly enabled but ... is not
  registered").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

CONTAINERD = "containerd"
GRAPH_DRIVER = "graph-driver"
FEATURE = "containerd-snapshotter"
FEATURE_SINCE = (24, 0)
REMAP_FORCES_OFF_SINCE = (29, 0)
FEATURE_FLAG_SINCE = (28, 0)
# Go's strconv.ParseBool.
GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
            "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
SNAPSHOTTER_DRIVER_TYPE = "io.containerd.snapshotter.v1"
# daemon/image_store_choice.go: these storage-driver names mean the graph-driver store on 29+.
GRAPH_DRIVER_NAMES_CHOSEN = ("overlay2", "vfs", "btrfs")
# Graph drivers registered on Linux in 29.x (daemon/graphdriver/register).
GRAPH_DRIVERS_29 = ("overlay2", "fuse-overlayfs", "btrfs", "zfs", "vfs")

STORE_WORDS = {CONTAINERD: "the containerd image store", GRAPH_DRIVER: "the graph-driver image store"}


def store_in_use(info):
    """The store the live engine uses, from ``docker info``: CONTAINERD, GRAPH_DRIVER, or None
    when there is no engine to ask (empty ``info``)."""
    if not info:
        return None
    for pair in info.get("DriverStatus") or []:
        if isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[0] == "driver-type" \
                and str(pair[1]).startswith(SNAPSHOTTER_DRIVER_TYPE):
            return CONTAINERD
    return GRAPH_DRIVER


def feature_value(config):
    """``features.containerd-snapshotter`` of a daemon.json dict: True, False, or None (unset).

    Raises ValueError with the fix when the value has a shape dockerd refuses (``features`` not an
    object, the value not a JSON boolean)."""
    features = (config or {}).get("features")
    if features is None:
        return None
    if not isinstance(features, dict):
        raise ValueError("'features' must be a JSON object such as {\"%s\": false} (got %s); dockerd "
                         "refuses to start with anything else" % (FEATURE, type(features).__name__))
    if FEATURE not in features:
        return None
    value = features[FEATURE]
    if not isinstance(value, bool):
        raise ValueError("'features.%s' must be true or false without quotes (got %r); dockerd "
                         "refuses to start with anything else" % (FEATURE, value))
    return value


def feature_from_command_line(command):
    """``--feature containerd-snapshotter[=BOOL]`` on a dockerd command line: True, False or None.

    The last occurrence wins, as in dockerd's flag parsing; a value Go does not read as a boolean
    (dockerd refuses to start) raises ValueError."""
    try:
        words = shlex.split(command or "")
    except ValueError:
        words = (command or "").split()
    value = None
    for index, word in enumerate(words):
        if word == "--feature" and index + 1 < len(words):
            setting = words[index + 1]
        elif word.startswith("--feature="):
            setting = word[len("--feature="):]
        else:
            continue
        name, sep, text = setting.partition("=")
        if name != FEATURE:
            continue
        if not sep:
            value = True
        elif text in GO_BOOLS:
            value = GO_BOOLS[text]
        else:
            raise ValueError("dockerd's command line sets --feature %s, which is neither true nor false; "
                             "dockerd refuses to start with it" % setting)
    return value


def plan(engine_version, config, info, command_lines=()):
    """Decide what the image store does at the next start of dockerd.

    ``engine_version``: tuple (major, minor, patch) or None. ``config``: the merged daemon.json
    dict dockerd will read. ``info``: ``docker info`` of the live engine, or {} when it is not
    running. ``command_lines``: [(source, command line)] of dockerd; a ``--feature`` flag there
    counts like the key (engines 28.0 and later).

    Returns dict(now, after, switch, problems, refused, reasons, buildkit_broken):
    ``now``/``after`` are CONTAINERD, GRAPH_DRIVER or None (unknown); ``switch`` is True when both
    are known and differ; ``refused`` holds sentences for a configuration dockerd refuses to start
    with; ``problems`` sentences for a bad key; ``reasons`` says why the store changes;
    ``buildkit_broken`` is True when the engine would run the containerd store under remap.
    """
    result = dict(now=store_in_use(info), after=None, switch=False, problems=[], refused=[],
                  reasons=[], buildkit_broken=False)
    config = config or {}
    version = tuple(engine_version or ())[:2]
    try:
        feature = feature_value(config)
        if feature is None and version >= FEATURE_FLAG_SINCE:
            for _source, command in command_lines:
                flag = feature_from_command_line(command)
                feature = flag if flag is not None else feature
    except ValueError as exc:
        result["problems"].append(str(exc))
        return result
    remap = bool(config.get("userns-remap"))
    driver = config.get("storage-driver") or ""
    now = result["now"]

    if not version:
        # Unknown engine: nothing is predicted, nothing is counted; the version probe reports it.
        return result
    if version < FEATURE_SINCE:
        result["after"] = GRAPH_DRIVER
    elif version < REMAP_FORCES_OFF_SINCE:
        result["after"] = CONTAINERD if feature else GRAPH_DRIVER
        if feature:
            result["reasons"].append("daemon.json sets features.%s=true" % FEATURE)
        elif now == CONTAINERD:
            result["reasons"].append("daemon.json %s" % ("sets features.%s=false" % FEATURE if feature is False
                                                         else "no longer sets features.%s=true" % FEATURE))
        result["buildkit_broken"] = bool(feature and remap)
    elif remap:
        if feature:
            result["refused"].append(
                "sets features.%s=true together with userns-remap, and dockerd %s refuses "
                "to start with both (\"containerd-snapshotter is explicitly enabled, but is not "
                "compatible with userns remapping\", moby issue 47377)" % (FEATURE, _dotted(engine_version)))
        elif driver and driver not in GRAPH_DRIVERS_29:
            result["refused"].append(
                "sets storage-driver=%s, a containerd snapshotter; under userns-remap "
                "dockerd %s uses the graph-driver store only and refuses to start (\"graphdriver is "
                "explicitly enabled but %s is not registered\")" % (driver, _dotted(engine_version), driver))
        result["after"] = GRAPH_DRIVER
        if now == CONTAINERD:
            result["reasons"].append("dockerd %s turns the containerd image store off under userns-remap "
                                     "(moby issue 47377)" % _dotted(engine_version))
    elif feature is not None:
        result["after"] = CONTAINERD if feature else GRAPH_DRIVER
        if now and now != result["after"]:
            result["reasons"].append("daemon.json sets features.%s=%s" % (FEATURE, "true" if feature else "false"))
    elif driver:
        result["after"] = GRAPH_DRIVER if driver in GRAPH_DRIVER_NAMES_CHOSEN else CONTAINERD
        if now and now != result["after"]:
            result["reasons"].append("daemon.json sets storage-driver=%s" % driver)
    else:
        # The engine's own choice: containerd, unless the data root holds a graph driver's data.
        # The live store is the best evidence of that; without an engine nothing is predicted.
        result["after"] = now
    result["switch"] = bool(now and result["after"] and now != result["after"])
    return result


def describe_switch(decision):
    """One clause for a message: 'it moves dockerd from X to Y (because ...)', or ''."""
    if not decision.get("switch"):
        return ""
    return "%s moves dockerd from %s to %s" % (
        " and ".join(decision["reasons"]) or "the next start", STORE_WORDS[decision["now"]],
        STORE_WORDS[decision["after"]])


def _dotted(version):
    return ".".join(str(p) for p in version) if version else "(version unknown)"
