#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: subid_ranges
short_description: Manage an account's subordinate UID and GID ranges in /etc/subuid and /etc/subgid as a pair
version_added: 1.0.0
description:
  - Writes the subordinate ID ranges of one account (normally the C(userns-remap) account of dockerd)
    into C(/etc/subuid) and C(/etc/subgid). Both files are handled as one pair in one task, so a
    half-configured host (a range in one file, nothing in the other) is completed in one run.
  - File format (shadow-utils subuid(5), subgid(5)) is one range per line,
    C(name_or_uid:start:count); C(start) is the first subordinate ID and C(count) the number of IDs.
  - dockerd looks the remap account's ranges up by the B(user) name or numeric UID in B(both) files;
    the group is never the key in C(/etc/subgid). So this module keys the lines of both files by
    the user name, and counts a line keyed by the account's numeric UID as the account's own range.
  - dockerd maps all lines of the account back to back in file order (not sorted; checked on 20.10.24
    and 26.1.5); the first line's start is the host ID of container root and names the data root
    C(/var/lib/docker/<subuid start>.<subgid start>).
  - B(Ownership) - a line belongs to the account its key names. The whole passwd database is read
    (C(getpwall)); a key is the account's when it is the account's name, or all digits and the
    account's UID. A numeric key that is another account's UID is that account's line; a key that
    names no account (an orphan) is foreign. A key that is the name of one account and the UID of
    another (an account called C(1001) beside an account with UID 1001) is ambiguous and fails the
    task naming both accounts and the line, before anything is written.
  - Lines of other owners (and orphans), comments, blank lines and their order are left byte for
    byte. Only the account's own lines are replaced, and only when they must change. Writes are
    atomic (temp file, fsync, rename); an existing file keeps its mode and owner, a file that does
    not exist is created C(root:root) mode C(0644).
  - The module never relies on dockerd's C(default) keyword (which only adds ranges when it creates
    C(dockremap) itself, and whose automatic range can overlap other users' from engine 28.0) nor on
    C(usermod --add-subuids/--add-subgids), which some distributions lack. C(useradd --system)
    assigns no ranges, so a system account needs this module.
  - B(Exact mode) (O(pinned=true) or a non-empty O(ranges)) - the account's lines in each file become
    exactly the wanted ranges, in the order given, replacing whatever lines of the account were there.
    A wanted range that overlaps another owner's range in either file fails the task, naming both
    lines and the lowest free block.
  - B(Preferred mode) (default) - O(start) is a preference. The account's existing lines in a file are
    kept, whatever their start, when they are usable, that is all keyed the same way (all by name or
    all by UID), free of overlaps with each other and with other owners in that file, and their counts
    add up to O(count). A file without usable lines gets a copy of the other file's usable lines when
    they are free there too. Otherwise both files get one new block of O(count) IDs at O(start) or,
    when O(start) is taken in either file, at the lowest multiple of O(count) above it that is free in
    both files; the task then warns and returns RV(relocated=true) and RV(conflicts).
  - Existing lines of the account that cannot be read (for example C(dockremap:abc:10)) or whose
    range is unusable (count 0, last ID past 4294967294) fail the task; nothing is written.
  - Malformed lines of B(other) owners are left untouched and reported as warnings and in
    RV(malformed_lines). shadow-utils ignores them, so they own no IDs and cannot cause an overlap;
    they do not stop the task unless O(fail_on_unparsable=true) and dockerd cannot read them.
  - dockerd reads the lines keyed by the account's UID and, only when there are none, the lines keyed
    by its name (checked on 20.10.24 and 26.1.5 - a UID line wins even after a name line). When the
    account has lines of both kinds in one file, the name lines are dead weight that other tools
    (shadow-utils, rootless runtimes) still read, so the module rewrites that file's lines of the
    account, keyed by the name.
author:
  - containment.docker contributors (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Predicts the same result, warnings, diff and ranges without writing.
  diff_mode:
    support: full
    description: Returns before and after for both files, one diff entry per file.
  platform:
    support: full
    platforms: posix
    description: Linux with shadow-utils' C(/etc/subuid) and C(/etc/subgid); tested on Debian 12 and 13.
extends_documentation_fragment:
  - containment.docker.subid
options:
  name:
    description:
      - User name of the account that owns the ranges (the key written in both files).
      - The account need not exist yet (check mode on a fresh host); then only lines keyed by the name
        count as its own.
    type: str
    required: true
  uid:
    description:
      - Numeric UID of the account. Lines keyed by it in either file count as the account's range (no
        second range is added).
      - When omitted, looked up in the passwd database by O(name); nothing when the account does not
        exist.
      - Must agree with the passwd database - a UID that differs from the account's, or that belongs to
        another account, fails the task (it would take that account's lines over).
    type: int
  start:
    description:
      - First subordinate ID of the range (an ID, not a count).
      - A preference unless O(pinned=true). Ignored when O(ranges) is given.
    type: int
    default: 165536
  count:
    description:
      - Number of subordinate IDs in the range (IDs). At least 1; the last ID, O(start) + O(count) - 1,
        must not exceed 4294967294 (4294967295 = 2^32-1 is the invalid ID).
      - Ignored when O(ranges) is given.
    type: int
    default: 65536
  pinned:
    description:
      - Treat O(start) as required, not preferred. An overlap with another owner's range then fails
        the task instead of moving the range, and the account's lines are replaced by exactly
        O(start):O(count).
    type: bool
    default: false
  ranges:
    description:
      - Several ranges for the account, written in the order given; the first one is what dockerd maps
        container root to and names its data root after. Non-empty means exact mode (as if pinned).
      - Empty (the default) means one range from O(start) and O(count).
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
    description:
      - Keep a timestamped copy of each existing file before it is changed. The paths come back in
        RV(backup_files).
    type: bool
    default: true
  fail_on_unparsable:
    description:
      - Fail, before writing, when a line of another owner is not three colon-separated fields.
      - dockerd (20.10.24 and 26.1.5 checked) refuses the whole file then ("Cannot parse subuid/gid
        information - Format not correct") and does not start with userns-remap. Off, such a line is
        only a warning. The C(userns_remap) role turns it on.
      - Foreign lines with three fields but bad numbers (C(bob:x:1)) are always only a warning - dockerd
        never parses other owners' numbers.
    type: bool
    default: false
notes:
  - "Failures name the host, the file, the line number and content, and the fix: bad input (O(count)
    below 1, negative O(start), a range past 2^32-1, overlapping O(ranges)), a malformed line of the
    account, a pinned range that overlaps another owner's range, no free block left, an ambiguous key
    (name of one account, UID of another), a O(uid) that is not the account's."
  - Use M(containment.docker.remap_account) to create the account and its ranges in one task; this
    module only manages the ranges of an account that exists or is named.
  - A change of the account's first start moves dockerd's data root; images and containers under the
    old one are hidden, not deleted. The module warns when it happens.
  - The module never restarts dockerd; the collection's C(daemon) role does.
seealso:
  - name: subuid(5)
    description: The /etc/subuid format, C(name_or_uid:start:count).
    link: https://man7.org/linux/man-pages/man5/subuid.5.html
  - name: Isolate containers with a user namespace
    description: dockerd's userns-remap, account lookup and data root.
    link: https://docs.docker.com/engine/security/userns-remap/
'''

EXAMPLES = r'''
- name: Ensure dockremap has one range of 65536 IDs (165536 unless taken)
  containment.docker.subid_ranges:
    name: dockremap

- name: Require exactly 231072:65536, fail if another owner has any of it
  containment.docker.subid_ranges:
    name: dockremap
    start: 231072
    count: 65536
    pinned: true

- name: Two ranges, mapped back to back in this order
  containment.docker.subid_ranges:
    name: dockremap
    ranges:
      - start: 300000
        count: 65536
      - start: 500000
        count: 65536
  register: remap_ranges

- name: Show the data root suffix dockerd will use
  ansible.builtin.debug:
    msg: "/var/lib/docker/{{ remap_ranges.subuid_start }}.{{ remap_ranges.subgid_start }}"
'''

RETURN = r'''
name:
  description: The account the ranges belong to.
  returned: always
  type: str
  sample: dockremap
uid:
  description: UID of the account used to recognise UID-keyed lines; null when it does not exist.
  returned: always
  type: int
  sample: 999
subuid_ranges:
  description: The account's ranges in the subuid file after the run, in file order (IDs, counts).
  returned: success
  type: list
  elements: dict
  contains:
    start:
      description: First subordinate ID.
      type: int
    count:
      description: Number of IDs.
      type: int
  sample: [{"start": 165536, "count": 65536}]
subgid_ranges:
  description: The account's ranges in the subgid file after the run, in file order.
  returned: success
  type: list
  elements: dict
  sample: [{"start": 165536, "count": 65536}]
subuid_start:
  description: Start of the account's first subuid range (host UID of container root).
  returned: success
  type: int
  sample: 165536
subgid_start:
  description: Start of the account's first subgid range (host GID of container root).
  returned: success
  type: int
  sample: 165536
relocated:
  description: True when the preferred O(start) was taken and another free block was chosen.
  returned: success
  type: bool
  sample: false
conflicts:
  description: Other owners' lines that made the preferred block unavailable (only when relocated).
  returned: success
  type: list
  elements: dict
  contains:
    file:
      description: Path of the file.
      type: str
    line:
      description: Line number (1-based).
      type: int
    content:
      description: The line as found.
      type: str
  sample: [{"file": "/etc/subuid", "line": 1, "content": "alice:165536:65536"}]
malformed_lines:
  description: Malformed lines of other owners, left untouched.
  returned: success
  type: list
  elements: dict
  contains:
    file:
      description: Path of the file.
      type: str
    line:
      description: Line number (1-based).
      type: int
    content:
      description: The line as found.
      type: str
    reason:
      description: What is wrong with it.
      type: str
    dockerd_readable:
      description: False when dockerd refuses the file because of this line.
      type: bool
  sample: [{"file": "/etc/subuid", "line": 3, "content": "bob:1000", "dockerd_readable": false,
            "reason": "expected 3 colon-separated fields name_or_uid:start:count, found 2"}]
changes:
  description: What changed (or would change in check mode), one entry per file.
  returned: success
  type: list
  elements: str
  sample: ["/etc/subgid: no range -> dockremap:165536:65536"]
created:
  description: Files that did not exist and were (or would be) created root:root 0644.
  returned: success
  type: list
  elements: str
  sample: ["/etc/subuid", "/etc/subgid"]
backup_files:
  description: Backup copies made before changing existing files, keyed by the file's path.
  returned: when O(backup=true) and an existing file changed (not in check mode)
  type: dict
  sample: {"/etc/subuid": "/etc/subuid.12345.2024-05-01@10:00:00~"}
diff:
  description: Before and after of both files (with C(--diff)).
  returned: when diff mode is on
  type: list
  elements: dict
'''

import os
import pwd
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.containment.docker.plugins.module_utils.fileio import WriteError, write_atomic
from ansible_collections.containment.docker.plugins.module_utils.subid import (
    DEFAULT_COUNT,
    DEFAULT_START,
    SubidError,
    plan,
)


def read_file(module, path):
    """Contents as text (bytes kept via surrogateescape), None when absent."""
    try:
        with open(path, 'rb') as handle:
            return to_text(handle.read(), errors='surrogate_or_strict')
    except FileNotFoundError:
        return None
    except OSError as exc:
        module.fail_json(msg='%s: cannot read %s: %s' % (socket.gethostname(), path, to_native(exc)))


def passwd_accounts():
    """The whole passwd database as name -> UID (the first entry of a name wins, as getpwnam)."""
    accounts = {}
    for entry in pwd.getpwall():
        accounts.setdefault(entry.pw_name, entry.pw_uid)
    return accounts


def write_file(module, path, text, created, backup):
    """fileio.write_atomic; an existing file keeps its mode and owner, a new one is root:root 0644."""
    mode, owner, group = 0o644, 0, 0
    if not created:
        info = os.stat(path)
        mode, owner, group = info.st_mode & 0o7777, info.st_uid, info.st_gid
    return write_atomic(module, path, to_bytes(text, errors='surrogate_or_strict'), mode=mode,
                        owner=owner, group=group, backup=backup and not created)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            uid=dict(type='int'),
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
            fail_on_unparsable=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    host = socket.gethostname()
    accounts = passwd_accounts()
    uid = params['uid'] if params['uid'] is not None else accounts.get(params['name'])
    paths = dict(subuid=params['subuid_path'], subgid=params['subgid_path'])
    texts = dict((key, read_file(module, path)) for key, path in paths.items())

    try:
        result = plan(texts['subuid'], texts['subgid'], params['name'], uid=uid,
                      start=params['start'], count=params['count'], ranges=params['ranges'],
                      pinned=params['pinned'], host=host,
                      subuid_path=paths['subuid'], subgid_path=paths['subgid'],
                      fail_on_unparsable=params['fail_on_unparsable'], accounts=accounts)
    except SubidError as exc:
        module.fail_json(msg=to_native(exc), name=params['name'], uid=uid)

    for warning in result.warnings:
        module.warn(warning)

    files = result.files
    backups = {}
    if result.changed and not module.check_mode:
        for key in ('subuid', 'subgid'):
            entry = files[key]
            if not entry['changed']:
                continue
            try:
                backup = write_file(module, entry['path'], entry['after'], entry['created'], params['backup'])
            except (OSError, WriteError) as exc:
                module.fail_json(msg='%s: cannot write %s: %s' % (host, entry['path'], to_native(exc)),
                                 backup_files=backups)
            if backup:
                backups[entry['path']] = backup

    output = dict(
        changed=result.changed,
        name=params['name'],
        uid=uid,
        subuid_ranges=files['subuid']['ranges'],
        subgid_ranges=files['subgid']['ranges'],
        subuid_start=files['subuid']['ranges'][0]['start'],
        subgid_start=files['subgid']['ranges'][0]['start'],
        relocated=result.relocated,
        conflicts=result.conflicts,
        malformed_lines=result.malformed,
        changes=result.changes,
        created=[files[key]['path'] for key in ('subuid', 'subgid') if files[key]['created']],
        backup_files=backups,
    )
    if module._diff:
        output['diff'] = [
            dict(before_header=files[key]['path'] + (' (absent)' if files[key]['created'] else ''),
                 after_header=files[key]['path'],
                 before=files[key]['before'] or '',
                 after=files[key]['after'])
            for key in ('subuid', 'subgid')
        ]
    module.exit_json(**output)


if __name__ == '__main__':
    main()
