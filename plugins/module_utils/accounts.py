# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure parsing and planning for the userns-remap account (nothing here touches the host).

Callers pass /etc/login.defs as text and the passwd and group databases as data (lists of
``Passwd`` / ``Group``) and get back a plan: what to create (never what to change: an existing
account is left exactly as it is) and the argv of the shadow-utils commands that create it.

Facts this relies on, and where they come from:

* login.defs (shadow-utils ``lib/getdef.c``): one ``NAME value`` per line, ``#`` comments, a value
  may be in double quotes, the last definition of a name wins, numbers are read with
  ``strtoul(..., 0)`` (``0x`` hex, leading ``0`` octal) and a value that does not parse falls back
  to the built-in default. Built-in defaults (shadow-utils ``lib/find_new_uid.c`` /
  ``find_new_gid.c``, ``get_ranges()``): ``UID_MIN`` 1000, ``UID_MAX`` 60000, ``SYS_UID_MIN`` 101,
  ``SYS_UID_MAX`` ``UID_MIN - 1``; the same for GIDs.
* A login account is one whose UID is at or above ``UID_MIN`` (shadow-utils gives ``useradd``
  without ``--system`` UIDs from ``UID_MIN`` up; ``--system`` from ``SYS_UID_MAX`` down).
* dockerd (moby ``daemon/daemon_unix.go`` ``parseRemappedRoot``, ``daemon/internal/usergroup``
  ``LoadIdentityMapping``): the ``userns-remap`` value is ``user[:group]``; a part that is all
  digits is read as a UID / GID, not a name. Both /etc/subuid and /etc/subgid are searched by the
  *user's* name or UID; the group is only checked to exist. So the account's primary group does
  not decide which subordinate GIDs are used, and it need not be the remap group.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

Passwd = namedtuple('Passwd', 'name uid gid home shell')
Group = namedtuple('Group', 'name gid members')

# shadow-utils built-in defaults (lib/find_new_uid.c, lib/find_new_gid.c: get_ranges()).
LOGIN_DEFS_DEFAULTS = {
    'UID_MIN': 1000,
    'UID_MAX': 60000,
    'SYS_UID_MIN': 101,
    'GID_MIN': 1000,
    'GID_MAX': 60000,
    'SYS_GID_MIN': 101,
}
# SYS_UID_MAX / SYS_GID_MAX default to UID_MIN - 1 / GID_MIN - 1 (computed, see parse_login_defs).
LOGIN_DEFS_KEYS = ('UID_MIN', 'UID_MAX', 'SYS_UID_MIN', 'SYS_UID_MAX',
                   'GID_MIN', 'GID_MAX', 'SYS_GID_MIN', 'SYS_GID_MAX')

NOLOGIN_SHELL = '/usr/sbin/nologin'
NO_HOME = '/nonexistent'

_DIGITS = re.compile(r'^[0-9]+$')
# What this collection accepts as a remap user or group name: the portable POSIX set shadow-utils
# accepts everywhere (no leading '-', no ':' or white space), and not all digits (see below).
_NAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$')


class AccountError(Exception):
    """The account cannot be used or created as asked. The message names the host and the fix."""


def _c_ulong(text):
    """strtoul(text, &end, 0) accepting only a whole number: 0x.. hex, 0.. octal, else decimal."""
    text = text.strip()
    try:
        if text.lower().startswith('0x'):
            return int(text[2:], 16)
        if len(text) > 1 and text.startswith('0'):
            return int(text[1:], 8)
        if _DIGITS.match(text):
            return int(text, 10)
    except ValueError:
        pass
    return None


def parse_login_defs(text, path='/etc/login.defs'):
    """Return (values, warnings): the eight ID range settings as ints.

    ``text`` None (file absent) or without a setting gives shadow-utils' built-in default for it.
    A value that does not parse is a warning and the default is used, as shadow-utils does.
    """
    found = {}
    warnings = []
    for number, raw in enumerate((text or '').splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        parts = line.split(None, 1)
        name = parts[0]
        if name not in LOGIN_DEFS_KEYS:
            continue
        value = parts[1].strip() if len(parts) > 1 else ''
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        parsed = _c_ulong(value)
        if parsed is None:
            warnings.append('%s line %d: %s value %r is not a number; shadow-utils uses its default '
                            'instead, and so does this module.' % (path, number, name, value))
            found.pop(name, None)
            continue
        found[name] = parsed  # the last definition wins (getdef.c overwrites)
    values = dict(LOGIN_DEFS_DEFAULTS)
    values.update((k, v) for k, v in found.items() if k in LOGIN_DEFS_DEFAULTS)
    values['SYS_UID_MAX'] = found.get('SYS_UID_MAX', values['UID_MIN'] - 1)
    values['SYS_GID_MAX'] = found.get('SYS_GID_MAX', values['GID_MIN'] - 1)
    for kind in ('UID', 'GID'):
        if values['SYS_%s_MAX' % kind] < values['SYS_%s_MIN' % kind]:
            warnings.append('%s: SYS_%s_MIN (%d) is above SYS_%s_MAX (%d); shadow-utils calls this an '
                            'invalid configuration.' % (path, kind, values['SYS_%s_MIN' % kind], kind,
                                                        values['SYS_%s_MAX' % kind]))
    return values, warnings


def check_name(name, what, option, host):
    """Refuse a name dockerd or shadow-utils would read differently from what the operator meant."""
    if not isinstance(name, str) or not name:
        raise AccountError('%s: the remap %s name is empty. Fix: set %s, e.g. dockremap.' % (host, what, option))
    if _DIGITS.match(name):
        raise AccountError(
            '%s: the remap %s name %r is all digits. dockerd reads a numeric userns-remap %s as a %s '
            '(daemon/daemon_unix.go parseRemappedRoot), and a numeric key in /etc/subuid or /etc/subgid '
            'is read as a UID, so the name cannot be told apart from an ID. Nothing was changed. '
            'Fix: set %s to a name that starts with a letter, e.g. dockremap.'
            % (host, what, name, what, 'UID' if what == 'user' else 'GID', option))
    if len(name) > 32 or not _NAME.match(name):
        raise AccountError(
            '%s: the remap %s name %r is not a portable user/group name (letters, digits, "_", ".", '
            '"-", not starting with "-", at most 32 characters; useradd(8)). Nothing was changed. '
            'Fix: set %s to such a name, e.g. dockremap.' % (host, what, name, option))


def _free_id(low, high, used):
    """Highest ID in [low, high] not in ``used`` (shadow-utils hands system IDs out top down)."""
    candidate = high
    while candidate >= low:
        if candidate not in used:
            return candidate
        candidate -= 1
    return None


class AccountPlan(object):
    """What remap_account does about the account: create the group, the user, or nothing."""

    def __init__(self):
        self.create_group = False
        self.create_user = False
        self.group_gid = None
        self.account = {}       # name, uid, gid, primary_group, shell, home, groups, created, login
        self.commands = []      # argv lists, in order (groupadd, useradd)
        self.warnings = []
        self.notes = []         # what was found, for the task output

    @property
    def changed(self):
        return self.create_group or self.create_user


def plan_account(users, groups, user, group, login_defs, allow_login_account=False, host='host',
                 avoid_uids=()):
    """Plan the remap account from data; raise AccountError when it must not be used.

    users: list of Passwd (the whole passwd database); groups: list of Group.
    login_defs: values from parse_login_defs().
    avoid_uids: UIDs a new account must not get (numeric keys of lines in /etc/subuid or /etc/subgid
    that belong to no account: such a line would become the new account's range in dockerd's eyes).

    Never plans a change to an existing user or group: an existing user keeps its shell, home,
    primary group and supplementary groups, whatever they are.
    """
    check_name(user, 'user', 'userns_remap_user (module option user)', host)
    check_name(group, 'group', 'userns_remap_group (module option group)', host)
    result = AccountPlan()
    by_user = dict((entry.name, entry) for entry in reversed(users))  # first entry wins, as getpwnam
    by_group = dict((entry.name, entry) for entry in reversed(groups))
    by_gid = {}
    for entry in groups:
        by_gid.setdefault(entry.gid, entry)

    wanted_group = by_group.get(group)
    if wanted_group is None:
        used_gids = set(entry.gid for entry in groups)
        gid = _free_id(login_defs['SYS_GID_MIN'], login_defs['SYS_GID_MAX'], used_gids)
        if gid is None:
            raise AccountError(
                '%s: no free system GID between SYS_GID_MIN %d and SYS_GID_MAX %d for the new group %s. '
                'Nothing was changed. Fix: create the group by hand or widen the range in /etc/login.defs.'
                % (host, login_defs['SYS_GID_MIN'], login_defs['SYS_GID_MAX'], group))
        result.create_group = True
        result.group_gid = gid
        result.commands.append(['groupadd', '--system', '--gid', str(gid), group])
        result.notes.append('group %s: absent, created as a system group (GID %d)' % (group, gid))
    else:
        result.group_gid = wanted_group.gid
        result.notes.append('group %s: exists (GID %d), left as it is' % (group, wanted_group.gid))

    existing = by_user.get(user)
    if existing is None:
        used_uids = set(entry.uid for entry in users) | set(avoid_uids)
        uid = None
        gid = result.group_gid
        if (login_defs['SYS_UID_MIN'] <= gid <= login_defs['SYS_UID_MAX']) and gid not in used_uids:
            uid = gid  # same number for user and group when it is free, as adduser does
        if uid is None:
            uid = _free_id(login_defs['SYS_UID_MIN'], login_defs['SYS_UID_MAX'], used_uids)
        if uid is None:
            raise AccountError(
                '%s: no free system UID between SYS_UID_MIN %d and SYS_UID_MAX %d for the new account %s '
                '(UIDs in use by accounts or keying orphaned subid lines are skipped). Nothing was changed. '
                'Fix: create the account by hand or widen the range in /etc/login.defs.'
                % (host, login_defs['SYS_UID_MIN'], login_defs['SYS_UID_MAX'], user))
        result.create_user = True
        result.commands.append(['useradd', '--system', '--no-create-home', '--home-dir', NO_HOME,
                                '--shell', NOLOGIN_SHELL, '--uid', str(uid), '--gid', group, user])
        result.account = dict(name=user, uid=uid, gid=result.group_gid, primary_group=group,
                              shell=NOLOGIN_SHELL, home=NO_HOME, groups=[], created=True, login=False)
        result.notes.append('user %s: absent, created as a system account (UID %d, group %s, home %s not '
                            'created, shell %s)' % (user, uid, group, NO_HOME, NOLOGIN_SHELL))
        return result

    primary = by_gid.get(existing.gid)
    supplementary = sorted(set(entry.name for entry in groups if user in (entry.members or ())))
    login = existing.uid >= login_defs['UID_MIN']
    result.account = dict(name=user, uid=existing.uid, gid=existing.gid,
                          primary_group=primary.name if primary else None,
                          shell=existing.shell, home=existing.home, groups=supplementary,
                          created=False, login=login)
    if existing.uid == 0:
        raise AccountError(
            '%s: the remap user %s has UID 0. dockerd does not remap root to itself (user namespaces '
            'stay off), and root must never own the containers\' IDs. Nothing was changed. '
            'Fix: set userns_remap_user (module option user) to another account, e.g. dockremap.'
            % (host, user))
    if login and not allow_login_account:
        raise AccountError(
            '%s: the remap user %s already exists as a login account: UID %d is at or above UID_MIN %d '
            '(/etc/login.defs), shell %s, home %s. Used as the remap account, every container\'s root '
            'would run as subordinate IDs owned by this login. Nothing was changed, the account is left '
            'as it is. Fix: choose another account with userns_remap_user (module option user), or, if '
            'this account is meant for it, set userns_remap_allow_login_account=true (module option '
            'allow_login_account) - the account is then used exactly as it is.'
            % (host, user, existing.uid, login_defs['UID_MIN'], existing.shell, existing.home))
    result.notes.append('user %s: exists (UID %d, %s account, shell %s, home %s, primary group %s, groups %s), '
                        'left as it is' % (user, existing.uid, 'login' if login else 'system', existing.shell,
                                           existing.home, result.account['primary_group'] or existing.gid,
                                           ', '.join(supplementary) or 'none'))
    if login:
        result.warnings.append(
            '%s: the remap user %s is a login account (UID %d >= UID_MIN %d); used as asked '
            '(allow_login_account) and left as it is.' % (host, user, existing.uid, login_defs['UID_MIN']))
    if existing.gid != result.group_gid:
        result.warnings.append(
            '%s: the remap user %s has primary group %s (GID %d), not %s. The account is left as it is. '
            'dockerd reads both /etc/subuid and /etc/subgid by the user, so the ranges are the same either '
            'way; the group %s is only checked to exist (userns-remap "%s:%s").'
            % (host, user, result.account['primary_group'] or '(no group entry)', existing.gid, group,
               group, user, group))
    return result


def passwd_line(account):
    """The passwd(5) line an account has (or would have), for the diff."""
    return '%s:x:%d:%d::%s:%s\n' % (account['name'], account['uid'], account['gid'],
                                    account['home'], account['shell'])


# --- what the collection created, and taking it back (hardening_state: absent) -----------------

# Where remap_account records what it created (state=present) and reads it back (state=absent).
STATE_PATH = '/var/lib/containment-docker/remap-account.json'
RANGE_KEYS = ('subuid', 'subgid')


def _entry_lines(text):
    return [line.strip() for line in (text or '').splitlines() if line.strip() and not line.strip().startswith('#')]


def created_record(record, user, group, user_created, group_created, before, after, created_files=()):
    """The state record after a run of state=present, or None when there is nothing to record.

    record: the previous record (dict) or None. before/after: {'subuid': text, 'subgid': text}
    of the range files before and after the run. Lines the run added are recorded as created by
    the collection; an account or line that existed before is never recorded. What an earlier run
    recorded is kept (a later run finds the account existing, but the collection still created it).
    """
    old = record if isinstance(record, dict) and record.get('user') == user else {}
    new = dict(user=user, group=group,
               user_created=bool(old.get('user_created')) or bool(user_created),
               group_created=bool(old.get('group_created')) or bool(group_created),
               created_files=sorted(set(old.get('created_files') or []) | set(created_files or [])))
    for key in RANGE_KEYS:
        had = set(_entry_lines(before.get(key)))
        added = [line for line in _entry_lines(after.get(key)) if line not in had]
        kept = [line for line in old.get(key) or [] if line in _entry_lines(after.get(key))]
        new[key] = kept + [line for line in added if line not in kept]
    if not (new['user_created'] or new['group_created'] or new['subuid'] or new['subgid']):
        return None
    return new


class RemovalPlan(object):
    """What state=absent takes back: range lines, the user, the group (each only if created)."""

    def __init__(self):
        self.files = {}      # key -> dict(before, after, changed, remove_file)
        self.commands = []   # argv lists in order (userdel, groupdel)
        self.changes = []
        self.kept = []       # what is left, and why

    @property
    def changed(self):
        return bool(self.commands) or any(f['changed'] for f in self.files.values())


def plan_removal(record, users, groups, texts, paths):
    """Plan taking back what ``record`` says the collection created.

    users/groups: the passwd and group databases (Passwd, Group). texts/paths: {'subuid', 'subgid'}.
    A range line is removed only when it is still exactly as recorded; the user only when the
    record says the collection created it (useradd); the group likewise, and only when no other
    user has it as primary group.
    """
    result = RemovalPlan()
    record = record if isinstance(record, dict) else {}
    for key in RANGE_KEYS:
        text = texts.get(key)
        wanted = set(record.get(key) or [])
        lines = (text or '').splitlines(True)
        remaining = [line for line in lines if line.strip() not in wanted]
        after = ''.join(remaining)
        changed = text is not None and after != text
        remove_file = (changed and not after.strip() and paths[key] in (record.get('created_files') or []))
        result.files[key] = dict(path=paths[key], before=text or '', after=after, changed=changed,
                                 remove_file=remove_file)
        for line in lines:
            if line.strip() in wanted:
                result.changes.append('%s: removed %s' % (paths[key], line.strip()))
    user, group = record.get('user'), record.get('group')
    by_name = dict((u.name, u) for u in users)
    group_by_name = dict((g.name, g) for g in groups)
    if user and user in by_name:
        if record.get('user_created'):
            result.commands.append(['userdel', user])
            result.changes.append('user %s: removed (created by the collection)' % user)
        else:
            result.kept.append('user %s: kept (it existed before the collection)' % user)
    if group and group in group_by_name:
        gid = group_by_name[group].gid
        others = [u.name for u in users if u.gid == gid and not (u.name == user and record.get('user_created'))]
        if not record.get('group_created'):
            result.kept.append('group %s: kept (it existed before the collection)' % group)
        elif others:
            result.kept.append('group %s: kept (primary group of %s)' % (group, ', '.join(others)))
        else:
            result.commands.append(['groupdel', group])
            result.changes.append('group %s: removed (created by the collection)' % group)
    return result
