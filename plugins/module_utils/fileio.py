# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The one atomic writer of this collection (daemon.json, /etc/subuid, /etc/subgid, the profile).

``write_atomic`` writes the new bytes to a temporary file in the target's directory, fsyncs it,
sets owner and mode on it, optionally runs a validator on it, keeps a timestamped backup of the
previous file (Ansible's ``backup_local`` naming, ``FILE.<pid>.<date>@<time>~``), renames it over
the target (atomic on one file system) and fsyncs the directory. It never writes a 0-byte file:
an empty file is not a valid state for anything this collection manages (dockerd 20.10 refuses an
empty daemon.json, and a blank subid file would drop every range).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile


class WriteError(Exception):
    """The file could not be written; the message names the file and the cause."""


def read_bytes(path):
    """The file's bytes, or None when it does not exist. Any other error is raised."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def owner_and_mode(st):
    """Mode (octal string such as "0644"), uid and gid of an ``os.stat`` result: what the writers
    here set on a file, and what a check of "would the writer change it" compares."""
    return dict(mode="%04o" % (st.st_mode & 0o7777), uid=st.st_uid, gid=st.st_gid)


def owner_and_mode_reasons(found, mode):
    """Why a writer that sets root:root and ``mode`` would fix a file whose ``owner_and_mode`` is
    ``found`` (a dict, possibly empty); [] when it would not."""
    found = found or {}
    reasons = []
    if found.get("mode") != mode:
        reasons.append("mode %s, not %s" % (found.get("mode", "unknown"), mode))
    if found.get("uid") != 0 or found.get("gid") != 0:
        reasons.append("owner %s:%s, not root:root" % (found.get("uid", "?"), found.get("gid", "?")))
    return reasons


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(module, path, data, mode=0o644, owner=0, group=0, backup=False, validate=None):
    """Replace ``path`` with ``data`` (bytes) atomically; return the backup path or ''.

    ``validate``: a callable taking the temporary file's path, raising to refuse the content; the
    target is then left as it was. ``owner``/``group`` are applied only when running as root.
    Raises WriteError (or what ``validate`` raises); the temporary file is always removed.
    """
    if not isinstance(data, bytes):
        raise WriteError("%s: internal: content must be bytes" % path)
    if not data.strip():
        raise WriteError("%s: refusing to write an empty file; nothing was written" % path)
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise WriteError("%s: directory %s does not exist" % (path, directory))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    backup_file = ""
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if os.geteuid() == 0:
            os.chown(tmp, owner, group)
        if validate is not None:
            validate(tmp)
        if backup and os.path.exists(path):
            backup_file = module.backup_local(path)
        os.rename(tmp, path)
        _fsync_dir(directory)
    except OSError as exc:
        raise WriteError("%s: cannot write: %s" % (path, exc))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return backup_file
