#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: remap_account
short_description: Ensure dockerd's userns-remap account and its subordinate ID ranges, never changing an existing account
version_added: 1.1.0
description:
  - Plans the remap account and both range files (C(/etc/subuid), C(/etc/subgid)) first, from the
    passwd and group databases (C(getpwall), C(getgrall)), C(/etc/login.defs) and both files, in one
    round trip. When anything is wrong it fails before any change. Otherwise it creates what is
    missing, in this order - the group (C(groupadd --system)), the user (C(useradd --system
    --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --uid UID --gid GROUP NAME),
    shadow-utils), then the ranges, written atomically with a backup.
  - B(An existing user is never changed) - its shell, home, primary group, supplementary groups and
    UID stay exactly as they are (for example the C(dockremap) dockerd's own C(default) creates, with
    shell C(/bin/false) and a home under C(/home)). Only the ranges are added. An existing group is
    never changed either.
  - B(Login accounts are refused) - an existing user whose UID is at or above C(UID_MIN) (from
    O(login_defs_path); shadow-utils' default 1000 when unset) fails the task unless
    O(allow_login_account=true). UID 0 is always refused (dockerd does not remap root).
  - B(Primary group) - dockerd looks up both C(/etc/subuid) and C(/etc/subgid) by the B(user's) name or
    UID (moby C(LoadIdentityMapping)); the group half of C(userns-remap) is only checked to exist. An
    existing user whose primary group is not O(group) is therefore used as it is, with a warning; the
    group O(group) is created when absent, since dockerd refuses a C(userns-remap) group that does not
    exist.
  - B(New account's UID) - chosen by the module, top down in C(SYS_UID_MIN..SYS_UID_MAX) like
    shadow-utils (the group's GID when that is free), never a UID in use and never a UID that keys an
    orphaned line of C(/etc/subuid) or C(/etc/subgid) - dockerd would map that line as the new account's.
    Check mode therefore predicts the UID.
  - B(Range ownership) - a line belongs to the account its key names - the key is the account's name,
    or all digits and the account's UID. A numeric key that is another account's UID is that account's;
    a key that names no account is an orphan and foreign. A key that is the name of one account and
    the UID of another is ambiguous and fails the task naming both accounts and the line. Lines of
    other owners, orphans, comments and blank lines are kept byte for byte. The range rules
    (preferred and exact mode, relocation, F04 pairs) are those of M(containment.docker.subid_ranges).
author:
  - containment.docker contributors (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Predicts the account (created or as found, with the UID a new account gets), the ranges,
      warnings and diff; runs no command and writes nothing.
  diff_mode:
    support: full
    description: Returns before and after of both range files, and of the account's passwd and group
      lines when they are created.
  platform:
    support: full
    platforms: posix
    description: Linux with shadow-utils (C(groupadd), C(useradd)); tested on Debian bookworm and trixie.
extends_documentation_fragment:
  - containment.docker.subid
options:
  user:
    description:
      - Name of the remap user, the user half of dockerd's C(userns-remap) and the key of its lines in
        both range files. Not all digits (dockerd reads a numeric value as a UID).
    type: str
    default: dockremap
  group:
    description:
      - Name of the remap group, the group half of C(userns-remap). Created as a system group when
        absent; the primary group of a user this module creates. Not all digits.
    type: str
    default: dockremap
  allow_login_account:
    description:
      - Use an existing user whose UID is at or above C(UID_MIN) (a login account) as the remap account.
        The account is still left exactly as it is; only its ranges are added.
      - Off, such an account fails the task naming it, its UID and C(UID_MIN).
    type: bool
    default: false
  start:
    description: First subordinate ID of the range (an ID). A preference unless O(pinned=true); ignored
      when O(ranges) is given.
    type: int
    default: 165536
  count:
    description: Number of subordinate IDs in the range (IDs, at least 1; the last ID must stay below
      2^32-1). Ignored when O(ranges) is given.
    type: int
    default: 65536
  pinned:
    description: Require exactly O(start); an overlap with another owner's range fails the task naming
      both lines, and the account's lines are replaced by exactly O(start):O(count).
    type: bool
    default: false
  ranges:
    description:
      - Several ranges, written in the order given (the first is container root). Not empty means exact
        mode (as if pinned).
    type: list
    elements: dict
    default: []
    suboptions:
      start:
        description: First subordinate ID of this range (ID).
        type: int
        required: true
      count:
        description: Number of IDs in this range (at least 1).
        type: int
        required: true
  backup:
    description: Keep a timestamped copy of each existing range file before it is changed (RV(backup_files)).
    type: bool
    default: true
  login_defs_path:
    description: shadow-utils configuration read for C(UID_MIN), C(SYS_UID_MIN), C(SYS_UID_MAX) and the GID
      equivalents. Absent means shadow-utils' built-in defaults (C(UID_MIN) 1000, C(SYS_UID_MIN) 101,
      C(SYS_UID_MAX) C(UID_MIN)-1).
    type: path
    default: /etc/login.defs
  fail_on_unparsable:
    description: Fail, before any change, when another owner's line is not three colon-separated fields;
      dockerd refuses the whole file then ("Format not correct"). Off, only a warning.
    type: bool
    default: true
  state:
    description:
      - V(present) ensures the account and its ranges, and records in O(state_path) what this module
        created (the user, the group, range lines it added; never what existed before).
      - V(absent) takes back only what O(state_path) records - the range lines still exactly as recorded,
        the user and the group the module created (a group still primary group of another user stays) -
        then removes the record. Without a record it changes nothing. Run it only once dockerd no longer
        uses the account (the hardening role's C(hardening_state=absent) does so after the restart).
    type: str
    choices: [present, absent]
    default: present
  state_path:
    description: The record of what the module created (JSON, root only).
    type: path
    default: /var/lib/containment-docker/remap-account.json
notes:
  - "Fails, changing nothing, when: the user or group name is empty, all digits or not portable; the user
    exists with UID 0, or with a UID at or above C(UID_MIN) and O(allow_login_account=false); no free
    system UID/GID is left; a range file has a malformed or unusable line of the account, an ambiguous
    key, or (with O(fail_on_unparsable)) another owner's line dockerd cannot read; a pinned range overlaps
    another owner's; no free block is left; reading a file fails. Every message names the host, the
    account or file and line, and the fix."
  - Fails after a change only when C(groupadd), C(useradd) or a write fails; the message gives the
    command, its output and what was already done.
  - Never restarts dockerd; the collection's C(daemon) role does.
seealso:
  - module: containment.docker.subid_ranges
  - name: subuid(5)
    description: The /etc/subuid format, C(name_or_uid:start:count).
    link: https://man7.org/linux/man-pages/man5/subuid.5.html
  - name: login.defs(5)
    description: C(UID_MIN), C(SYS_UID_MIN), C(SYS_UID_MAX) and their defaults.
    link: https://man7.org/linux/man-pages/man5/login.defs.5.html
  - name: Isolate containers with a user namespace
    description: dockerd's userns-remap, account lookup and data root.
    link: https://docs.docker.com/engine/security/userns-remap/
'''

EXAMPLES = r'''
- name: Ensure the remap account dockremap and its ranges
  containment.docker.remap_account:
    user: dockremap
    group: dockremap
  register: remap

- name: Use an existing login account as it is (its shell and home stay)
  containment.docker.remap_account:
    user: builder
    group: builder
    allow_login_account: true

- name: Show the data root dockerd will use
  ansible.builtin.debug:
    msg: "/var/lib/docker/{{ remap.subuid_start }}.{{ remap.subgid_start }}"
'''

RETURN = r'''
account:
  description: The remap user after the run (check mode - as it would be).
  returned: success
  type: dict
  contains:
    name:
      description: User name.
      type: str
    uid:
      description: UID (for an account to be created, the UID the module gives it).
      type: int
    gid:
      description: Primary GID.
      type: int
    primary_group:
      description: Name of the primary group; null when the GID has no group entry.
      type: str
    shell:
      description: Login shell, as found or C(/usr/sbin/nologin) when created.
      type: str
    home:
      description: Home directory, as found or C(/nonexistent) (not created).
      type: str
    groups:
      description: Supplementary groups (names), as found.
      type: list
      elements: str
    created:
      description: True when the module created (or would create) the user.
      type: bool
    login:
      description: True when the UID is at or above C(UID_MIN).
      type: bool
  sample: {"name": "dockremap", "uid": 999, "gid": 999, "primary_group": "dockremap",
           "shell": "/usr/sbin/nologin", "home": "/nonexistent", "groups": [], "created": true, "login": false}
group_created:
  description: True when the group was (or would be) created.
  returned: success
  type: bool
  sample: true
subuid_start:
  description: Start of the account's first subuid range (host UID of container root).
  returned: success
  type: int
  sample: 165536
subgid_start:
  description: Start of the account's first subgid range.
  returned: success
  type: int
  sample: 165536
subuid_ranges:
  description: The account's subuid ranges after the run, in file order.
  returned: success
  type: list
  elements: dict
  sample: [{"start": 165536, "count": 65536}]
subgid_ranges:
  description: The account's subgid ranges after the run, in file order.
  returned: success
  type: list
  elements: dict
  sample: [{"start": 165536, "count": 65536}]
relocated:
  description: True when the preferred O(start) was taken and another free block was chosen.
  returned: success
  type: bool
  sample: false
conflicts:
  description: Other owners' lines that made the preferred block unavailable (file, line, content).
  returned: success
  type: list
  elements: dict
  sample: [{"file": "/etc/subuid", "line": 1, "content": "alice:165536:65536"}]
malformed_lines:
  description: Malformed lines of other owners, left untouched.
  returned: success
  type: list
  elements: dict
  sample: []
login_defs:
  description: The ID range settings used (from O(login_defs_path), defaults where absent).
  returned: success
  type: dict
  sample: {"UID_MIN": 1000, "SYS_UID_MIN": 100, "SYS_UID_MAX": 999}
changes:
  description: What changed or would change, in order.
  returned: success
  type: list
  elements: str
  sample: ["group dockremap: created (GID 999)", "/etc/subuid: no range -> dockremap:165536:65536"]
backup_files:
  description: Backups of the range files made before changing them, keyed by path.
  returned: success
  type: dict
  sample: {"/etc/subuid": "/etc/subuid.12345.2024-05-01@10:00:00~"}
removed:
  description: With O(state=absent) - what was (or would be) taken back, and what was kept and why.
  returned: state=absent
  type: list
  elements: str
record:
  description: What O(state_path) records after the run (null when nothing was created).
  returned: success
  type: dict
created_files:
  description: Range files the run created (did not exist before); empty in check mode.
  returned: success
  type: list
  elements: str
  sample: ["/etc/subgid"]
'''

import grp
import json
import os
import pwd
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.containment.docker.plugins.module_utils.accounts import (
    AccountError,
    Group,
    Passwd,
    created_record,
    parse_login_defs,
    passwd_line,
    plan_account,
    plan_removal,
)
from ansible_collections.containment.docker.plugins.module_utils.fileio import WriteError, write_atomic
from ansible_collections.containment.docker.plugins.module_utils.subid import (
    DEFAULT_COUNT,
    DEFAULT_START,
    SubidError,
    numeric_orphan_keys,
    plan as plan_ranges,
)

KEYS = ('subuid', 'subgid')


def read_text(module, host, path):
    """Contents as text (bytes kept via surrogateescape), None when absent; other errors fail."""
    try:
        with open(path, 'rb') as handle:
            return to_text(handle.read(), errors='surrogate_or_strict')
    except FileNotFoundError:
        return None
    except OSError as exc:
        module.fail_json(msg='%s: cannot read %s: %s. Nothing was changed.' % (host, path, to_native(exc)))


def read_databases(module, host):
    try:
        users = [Passwd(p.pw_name, p.pw_uid, p.pw_gid, p.pw_dir, p.pw_shell) for p in pwd.getpwall()]
        groups = [Group(g.gr_name, g.gr_gid, tuple(g.gr_mem)) for g in grp.getgrall()]
    except Exception as exc:  # NSS errors surface as anything; fail closed
        module.fail_json(msg='%s: cannot read the passwd/group databases: %s. Nothing was changed.'
                         % (host, to_native(exc)))
    return users, groups


def run(module, host, argv, done):
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg='%s: `%s` failed (exit %d): %s. Done before it: %s. Fix the cause and run again; '
                         'the run continues from what exists.'
                         % (host, ' '.join(argv), rc, (err or out).strip(), '; '.join(done) or 'nothing'),
                         changes=done)


def write_file(module, path, text, created, backup):
    """fileio.write_atomic; an existing file keeps its mode and owner, a new one is root:root 0644."""
    mode, owner, group = 0o644, 0, 0
    if not created:
        info = os.stat(path)
        mode, owner, group = info.st_mode & 0o7777, info.st_uid, info.st_gid
    return write_atomic(module, path, to_bytes(text, errors='surrogate_or_strict'), mode=mode,
                        owner=owner, group=group, backup=backup and not created)


def read_record(module, host, path):
    text = read_text(module, host, path)
    if text is None:
        return None
    try:
        record = json.loads(text)
    except ValueError as exc:
        module.fail_json(msg='%s: %s is not JSON (%s); it records what the collection created. Fix or remove it '
                             'by hand. Nothing was changed.' % (host, path, to_native(exc)))
    return record if isinstance(record, dict) else None


def write_record(module, host, path, record):
    try:
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        write_atomic(module, path, to_bytes(json.dumps(record, indent=2, sort_keys=True) + '\n'), mode=0o600)
    except (OSError, WriteError) as exc:
        module.fail_json(msg='%s: the account and ranges are in place, but the record %s could not be written: %s. '
                             'Run again.' % (host, path, to_native(exc)))


def remove(module, host):
    """state=absent: take back what the record says the collection created, then drop the record."""
    params = module.params
    record = read_record(module, host, params['state_path'])
    paths = dict(subuid=params['subuid_path'], subgid=params['subgid_path'])
    if record is None:
        module.exit_json(changed=False, removed=['nothing recorded in %s: the collection created nothing here '
                                                 '(or it was hardened before 1.2.0); nothing is removed'
                                                 % params['state_path']], record=None)
    users, groups = read_databases(module, host)
    texts = dict((key, read_text(module, host, paths[key])) for key in KEYS)
    removal = plan_removal(record, users, groups, texts, paths)
    done = []
    if not module.check_mode:
        for key in KEYS:
            entry = removal.files[key]
            if not entry['changed']:
                continue
            try:
                if entry['remove_file']:
                    os.unlink(entry['path'])
                elif not entry['after'].strip():
                    with open(entry['path'], 'w'):
                        pass
                else:
                    write_file(module, entry['path'], entry['after'], False, True)
            except (OSError, WriteError) as exc:
                module.fail_json(msg='%s: cannot write %s: %s. Done before it: %s.'
                                 % (host, entry['path'], to_native(exc), '; '.join(done) or 'nothing'))
            done.append(entry['path'])
        for argv in removal.commands:
            if argv[0] == 'groupdel':
                try:
                    grp.getgrnam(argv[-1])
                except KeyError:
                    continue  # userdel took the user's own group along (USERGROUPS_ENAB)
            run(module, host, argv, done)
            done.append(' '.join(argv))
        try:
            os.unlink(params['state_path'])
        except FileNotFoundError:
            pass
    output = dict(changed=True, removed=removal.changes + removal.kept, record=None)
    if module._diff:
        output['diff'] = [dict(before_header=entry['path'], after_header=entry['path'], before=entry['before'],
                               after=entry['after']) for entry in removal.files.values()] + [
            dict(before_header=params['state_path'], after_header=params['state_path'] + ' (absent)',
                 before=json.dumps(record, indent=2, sort_keys=True) + '\n', after='')]
    module.exit_json(**output)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            user=dict(type='str', default='dockremap'),
            group=dict(type='str', default='dockremap'),
            allow_login_account=dict(type='bool', default=False),
            start=dict(type='int', default=DEFAULT_START),
            count=dict(type='int', default=DEFAULT_COUNT),
            pinned=dict(type='bool', default=False),
            ranges=dict(type='list', elements='dict', default=[], options=dict(
                start=dict(type='int', required=True),
                count=dict(type='int', required=True),
            )),
            subuid_path=dict(type='path', default='/etc/subuid'),
            subgid_path=dict(type='path', default='/etc/subgid'),
            backup=dict(type='bool', default=True),
            login_defs_path=dict(type='path', default='/etc/login.defs'),
            fail_on_unparsable=dict(type='bool', default=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            state_path=dict(type='path', default='/var/lib/containment-docker/remap-account.json'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    host = socket.gethostname()
    name, group = params['user'], params['group']
    if params['state'] == 'absent':
        remove(module, host)

    # 1. Gather everything in one go.
    login_defs, defs_warnings = parse_login_defs(read_text(module, host, params['login_defs_path']),
                                                 params['login_defs_path'])
    users, groups = read_databases(module, host)
    paths = dict(subuid=params['subuid_path'], subgid=params['subgid_path'])
    texts = dict((key, read_text(module, host, paths[key])) for key in KEYS)
    accounts = {}
    for entry in users:
        accounts.setdefault(entry.name, entry.uid)

    # 2. Plan the account and both files; fail before any change.
    try:
        account_plan = plan_account(users, groups, name, group, login_defs,
                                    allow_login_account=params['allow_login_account'], host=host,
                                    avoid_uids=numeric_orphan_keys([texts['subuid'], texts['subgid']], accounts))
        account = account_plan.account
        ranges = plan_ranges(texts['subuid'], texts['subgid'], name, uid=account['uid'],
                             start=params['start'], count=params['count'], ranges=params['ranges'],
                             pinned=params['pinned'], host=host, subuid_path=paths['subuid'],
                             subgid_path=paths['subgid'], fail_on_unparsable=params['fail_on_unparsable'],
                             accounts=accounts)
    except (AccountError, SubidError) as exc:
        module.fail_json(msg=to_native(exc), changed=False)

    for warning in defs_warnings + account_plan.warnings + ranges.warnings:
        module.warn(warning)

    changes = []
    if account_plan.create_group:
        changes.append('group %s: created (GID %d)' % (group, account_plan.group_gid))
    if account_plan.create_user:
        changes.append('user %s: created (UID %d, system account, home %s not created, shell %s)'
                       % (name, account['uid'], account['home'], account['shell']))
    changes.extend(ranges.changes)

    files = ranges.files
    backups, created_files = {}, []
    # 3. Act: group, user, then the ranges.
    if not module.check_mode:
        done = []
        for argv in account_plan.commands:
            run(module, host, argv, done)
            done.append(' '.join(argv))
        if account_plan.create_user:
            try:
                real = pwd.getpwnam(name)
            except KeyError:
                real = None
            if real is None or real.pw_uid != account['uid']:
                module.fail_json(msg='%s: useradd ran but %s %s; the ranges were not written. Fix: check the '
                                     'account with `getent passwd %s` and run again.'
                                     % (host, name, 'is absent' if real is None else
                                        'has UID %d, not %d' % (real.pw_uid, account['uid']), name),
                                 changes=done)
        for key in KEYS:
            entry = files[key]
            if not entry['changed']:
                continue
            try:
                backup = write_file(module, entry['path'], entry['after'], entry['created'], params['backup'])
            except (OSError, WriteError) as exc:
                module.fail_json(msg='%s: cannot write %s: %s. Done before it: %s.'
                                 % (host, entry['path'], to_native(exc), '; '.join(done) or 'nothing'),
                                 backup_files=backups, created_files=created_files, changes=done)
            done.append(entry['path'])
            if backup:
                backups[entry['path']] = backup
            if entry['created']:
                created_files.append(entry['path'])

    record = read_record(module, host, params['state_path'])
    if not module.check_mode and (account_plan.changed or ranges.changed):
        new_record = created_record(record, name, group, account_plan.create_user, account_plan.create_group,
                                    dict((key, files[key]['before']) for key in KEYS),
                                    dict((key, files[key]['after']) for key in KEYS), created_files)
        if new_record is not None and new_record != record:
            write_record(module, host, params['state_path'], new_record)
            record = new_record

    output = dict(
        record=record,
        changed=account_plan.changed or ranges.changed,
        account=account,
        group_created=account_plan.create_group,
        subuid_ranges=files['subuid']['ranges'],
        subgid_ranges=files['subgid']['ranges'],
        subuid_start=files['subuid']['ranges'][0]['start'],
        subgid_start=files['subgid']['ranges'][0]['start'],
        relocated=ranges.relocated,
        conflicts=ranges.conflicts,
        malformed_lines=ranges.malformed,
        login_defs=login_defs,
        notes=account_plan.notes,
        changes=changes,
        backup_files=backups,
        created_files=created_files,
    )
    if module._diff:
        diff = []
        if account_plan.create_group:
            diff.append(dict(before_header='group: %s (absent)' % group, after_header='group: %s' % group,
                             before='', after='%s:x:%d:\n' % (group, account_plan.group_gid)))
        if account_plan.create_user:
            diff.append(dict(before_header='passwd: %s (absent)' % name, after_header='passwd: %s' % name,
                             before='', after=passwd_line(account)))
        for key in KEYS:
            diff.append(dict(before_header=files[key]['path'] + (' (absent)' if files[key]['created'] else ''),
                             after_header=files[key]['path'], before=files[key]['before'] or '',
                             after=files[key]['after']))
        output['diff'] = diff
    module.exit_json(**output)


if __name__ == '__main__':
    main()
