# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure parsing and planning for /etc/subuid and /etc/subgid (shadow-utils subuid(5), subgid(5)).

Nothing in here touches the file system: callers pass the file contents in and get the new
contents out, so every rule can be tested with tables of strings.

File format (subuid(5)): one range per line, ``name_or_uid:start:count``. dockerd looks the
remap account up by its *user* name or UID in both files (never by the group in /etc/subgid) and
maps every line of the account back to back in file order; the first line's start becomes the
suffix of its data root (``/var/lib/docker/<subuid start>.<subgid start>``).

Rules implemented here (see the subid_ranges module documentation for the operator's view):

* Lines that belong to someone else ("foreign" lines), comments, blank lines and their order are
  copied byte for byte. The account's own lines are only rewritten when they must change.
* A line belongs to the account its key names (class Owners): the key is the account's name, or
  the key is all digits and is the account's UID. The whole passwd database is passed in as data,
  so a numeric key that is another account's UID is that account's line, never the remap
  account's; a key naming no account (an orphan) is foreign. A key that is the name of one account
  and the UID of another (an account called "1001" beside an account with UID 1001, or a numeric
  remap user name) is ambiguous and fails the plan naming both accounts and the line: both would
  read it. Foreign and orphaned lines are never edited, moved or removed.
* Exact mode (``pinned`` or explicit ``ranges``): the account's lines in each file become exactly
  the wanted ranges, in the order given. An overlap with another owner's range is an error.
* Preferred mode (default): the account's existing lines in a file are kept when they are usable
  (same key form, no overlap with each other or with other owners in that file, counts adding up
  to ``count``); otherwise one block of ``count`` IDs is allocated at ``start`` or, when that is
  taken in either file, at the lowest multiple of ``count`` above it that is free in both files.
  A file that lacks usable lines gets a copy of the other file's lines when they are free there
  (F04), so both files normally hold the same ranges.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# 2**32 - 1 is (uid_t)-1, the "no ID" value; the highest ID a range may contain is one below it.
INVALID_ID = 2 ** 32 - 1
MAX_ID = INVALID_ID - 1

DEFAULT_START = 165536
DEFAULT_COUNT = 65536

_DIGITS = re.compile(r'^[0-9]+$')


class SubidError(Exception):
    """Input or file content that prevents a correct answer. The message names the fix."""


class Line(object):
    """One physical line of a subid file, kept verbatim in ``raw`` (newline included)."""

    __slots__ = ('number', 'raw', 'kind', 'key', 'start', 'count', 'reason')

    def __init__(self, number, raw, kind, key=None, start=None, count=None, reason=None):
        self.number = number
        self.raw = raw
        self.kind = kind  # 'blank', 'comment', 'entry' or 'malformed'
        self.key = key
        self.start = start
        self.count = count
        self.reason = reason

    @property
    def text(self):
        return self.raw.rstrip('\r\n')

    @property
    def end(self):
        """First ID after the range (exclusive end)."""
        return self.start + self.count

    def __repr__(self):
        return 'Line(%d, %r, %s)' % (self.number, self.raw, self.kind)


def split_lines(text):
    """Split on '\\n' only, keeping the newline; ''.join(result) == text always."""
    if not text:
        return []
    parts = text.split('\n')
    lines = [part + '\n' for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def parse_line(number, raw):
    """Classify one line. Never raises: malformed lines carry a ``reason``."""
    text = raw.strip()
    if not text:
        return Line(number, raw, 'blank')
    if text.startswith('#'):
        return Line(number, raw, 'comment')
    fields = text.split(':')
    key = fields[0]
    if len(fields) != 3:
        return Line(number, raw, 'malformed', key=key,
                    reason='expected 3 colon-separated fields name_or_uid:start:count, found %d' % len(fields))
    if not key:
        return Line(number, raw, 'malformed', key=key, reason='the owner (first field) is empty')
    start, count = fields[1], fields[2]
    if not _DIGITS.match(start):
        return Line(number, raw, 'malformed', key=key, reason='start %r is not a decimal number' % start)
    if not _DIGITS.match(count):
        return Line(number, raw, 'malformed', key=key, reason='count %r is not a decimal number' % count)
    return Line(number, raw, 'entry', key=key, start=int(start), count=int(count))


def parse_file(text):
    """Parse file contents (None for an absent file) into a list of Line."""
    return [parse_line(i + 1, raw) for i, raw in enumerate(split_lines(text or ''))]


def format_range(name, rng):
    return '%s:%d:%d' % (name, rng[0], rng[1])


def _where(path, line):
    return '%s line %d: %r' % (path, line.number, line.text)


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end


def check_range(start, count, what, host):
    """Validate one wanted range (IDs): count >= 1, start >= 0, last ID <= MAX_ID."""
    prefix = '%s: ' % host if host else ''
    if isinstance(start, bool) or not isinstance(start, int) or isinstance(count, bool) or not isinstance(count, int):
        raise SubidError('%s%s: start and count must be integers (IDs), got start=%r count=%r. '
                         'Fix: give whole numbers, e.g. start 165536, count 65536.' % (prefix, what, start, count))
    if count < 1:
        raise SubidError('%s%s: count %d is invalid, a range needs at least 1 ID. Fix: set the count '
                         '(role variable userns_remap_subid_count, module option count) to a positive '
                         'number such as 65536.' % (prefix, what, count))
    if start < 0:
        raise SubidError('%s%s: start %d is negative. Fix: set the start (role variable '
                         'userns_remap_subid_start, module option start) to 0 or more, e.g. 165536.'
                         % (prefix, what, start))
    if start + count - 1 > MAX_ID:
        raise SubidError('%s%s: range %d..%d runs past the highest usable ID %d (2^32-1 = %d is the '
                         'invalid ID). Fix: lower the start to at most %d or the count.'
                         % (prefix, what, start, start + count - 1, MAX_ID, INVALID_ID,
                            max(MAX_ID - count + 1, 0)))


def wanted_ranges(start, count, ranges, host=''):
    """Return (list of (start, count), exact) from the options; raise SubidError on bad input.

    ``ranges`` non-empty: those ranges, in the order given (exact). Otherwise one range
    (start, count) - exact only when the caller pins it.
    """
    if ranges:
        result = []
        for index, item in enumerate(ranges):
            if not isinstance(item, dict) or 'start' not in item or 'count' not in item:
                raise SubidError('%sranges[%d] = %r: each range needs start and count. Fix: write it as '
                                 '{start: 165536, count: 65536}.' % ('%s: ' % host if host else '', index, item))
            check_range(item['start'], item['count'], 'ranges[%d]' % index, host)
            result.append((item['start'], item['count']))
        for i, a in enumerate(result):
            for j in range(i):
                b = result[j]
                if _overlaps(a[0], a[0] + a[1], b[0], b[0] + b[1]):
                    raise SubidError('%sranges[%d] (%d:%d) overlaps ranges[%d] (%d:%d). Fix: give ranges '
                                     'that do not share IDs.' % ('%s: ' % host if host else '',
                                                                 i, a[0], a[1], j, b[0], b[1]))
        return result, True
    check_range(start, count, 'subordinate ID range', host)
    return [(start, count)], False


class Owners(object):
    """Who a line's key names: the passwd database as data (name -> UID), plus the remap account.

    ``accounts``: every account of the host, name -> UID (the whole passwd database). ``name`` /
    ``uid``: the account the ranges are for; ``uid`` None when it does not exist yet (then only
    lines keyed by its name are its own). Without ``accounts`` only the account itself is known and
    every other key is an orphan (foreign).
    """

    def __init__(self, name, uid=None, accounts=None, host=''):
        host = host or 'host'
        by_name = dict(accounts or {})
        if name in by_name:
            if uid is not None and by_name[name] != uid:
                raise SubidError(
                    '%s: UID %d was given for %s, but the passwd database gives %s UID %d. Lines keyed by '
                    'UID %d are not this account\'s. Nothing was written. Fix: leave the uid option out '
                    '(it is looked up) or give %d.' % (host, uid, name, name, by_name[name], uid, by_name[name]))
            uid = by_name[name]
        elif uid is not None:
            holders = sorted(n for n, u in by_name.items() if u == uid)
            if holders:
                raise SubidError(
                    '%s: UID %d was given for %s, which does not exist, but UID %d is the UID of %s. Lines '
                    'keyed by %d belong to that account and are never taken over. Nothing was written. '
                    'Fix: give the UID %s has (or will have), or leave the uid option out.'
                    % (host, uid, name, uid, ', '.join(holders), uid, name))
        by_name[name] = uid
        self.name = name
        self.uid = uid
        self.by_name = by_name
        self.by_uid = {}
        for account, account_uid in by_name.items():
            if account_uid is not None:
                self.by_uid.setdefault(account_uid, []).append(account)
        for names in self.by_uid.values():
            names.sort()

    def candidates(self, key):
        """Accounts the key can name: the account called ``key``, then the accounts with UID ``key``."""
        found = []
        if key in self.by_name:
            found.append(key)
        # A UID key is compared as a string, as dockerd (moby LoadIdentityMapping) and shadow-utils
        # (find_range) do: "0999" is not UID 999's key.
        if key is not None and _DIGITS.match(key) and key == str(int(key)):
            for account in self.by_uid.get(int(key), []):
                if account not in found:
                    found.append(account)
        return found

    def describe(self, account):
        uid = self.by_name.get(account)
        if account == self.name and uid is None:
            return '%s (not created yet)' % account
        return '%s (UID %s)' % (account, uid)

    def is_own(self, line, path, host):
        """True when the line is the account's; False for another owner's line or an orphan.

        Raises SubidError when the key is the name of one account and the UID of another: which
        account the line belongs to cannot be decided (dockerd and shadow-utils match a key against
        the name and against the UID, so both accounts would read it).
        """
        found = self.candidates(line.key)
        if len(found) > 1:
            named = [a for a in found if a == line.key]
            by_id = [a for a in found if a != line.key]
            raise SubidError(
                '%s: %s: the key %r is ambiguous: it is the name of %s and the UID of %s, so both accounts '
                'would read this range (dockerd and shadow-utils match a key against the name and the '
                'UID). Nothing was written and no account was changed. Fix: rewrite the key of that line '
                'by hand to the name of the account it is meant for, or rename the account whose name is '
                'a number.' % (host or 'host', _where(path, line), line.key,
                               ', '.join(self.describe(a) for a in named) or 'no account',
                               ', '.join(self.describe(a) for a in by_id)))
        return found == [self.name]


def numeric_orphan_keys(texts, accounts):
    """UIDs that key a line in one of ``texts`` but belong to no account in ``accounts``.

    A new account must not get such a UID: the orphaned line would become its range for dockerd.
    """
    uids = set(accounts.values())
    result = set()
    for text in texts:
        for line in parse_file(text):
            if line.kind in ('entry', 'malformed') and line.key and _DIGITS.match(line.key) \
                    and line.key == str(int(line.key)):
                if int(line.key) not in uids and line.key not in accounts:
                    result.add(int(line.key))
    return result


def _split_owner(lines, owners, path, host):
    """Return (own entry lines, foreign entry lines, foreign malformed lines).

    A malformed line keyed by the account stops the run: it cannot be read, so whether the account
    already has a range there is unknown. An ambiguous key stops the run (Owners.is_own).
    """
    name = owners.name
    own, foreign, malformed = [], [], []
    for line in lines:
        if line.kind == 'malformed':
            if line.key and owners.is_own(line, path, host):
                raise SubidError(
                    '%s: %s: the line of %s is malformed (%s). Nothing was written. Fix: correct or '
                    'remove that line by hand; the format is name_or_uid:start:count with decimal '
                    'start and count, e.g. %s:165536:65536 (subuid(5)).'
                    % (host or 'host', _where(path, line), name, line.reason, name))
            malformed.append(line)
        elif line.kind == 'entry':
            if owners.is_own(line, path, host):
                if line.count < 1 or line.start + line.count - 1 > MAX_ID:
                    raise SubidError(
                        '%s: %s: the range of %s is unusable (count must be at least 1 and the last ID '
                        'at most %d). Nothing was written. Fix: correct or remove that line by hand.'
                        % (host or 'host', _where(path, line), name, MAX_ID))
                own.append(line)
            else:
                foreign.append(line)
    return own, foreign, malformed


def _clashes(rng, foreign):
    """Foreign entry lines whose range overlaps rng = (start, count)."""
    return [f for f in foreign if f.count > 0 and _overlaps(rng[0], rng[0] + rng[1], f.start, f.end)]


def find_free_block(start, count, occupied):
    """Lowest block of ``count`` IDs that overlaps nothing in ``occupied`` (list of (start, end)).

    Tried first: ``start`` itself; then multiples of ``count`` above it. None when no block fits
    below 2^32-1.
    """
    candidate = start
    while candidate + count - 1 <= MAX_ID:
        ends = [end for (s, end) in occupied if _overlaps(candidate, candidate + count, s, end)]
        if not ends:
            return candidate
        following = max(*ends, candidate + 1)
        candidate = -(-following // count) * count
    return None


def _usable(own, foreign, count):
    """Existing account lines a preferred-mode run keeps as they are (see module docs)."""
    if not own:
        return False
    keys = set(line.key for line in own)
    if len(keys) != 1:
        return False
    for i, line in enumerate(own):
        if _clashes((line.start, line.count), foreign):
            return False
        for other in own[:i]:
            if _overlaps(line.start, line.end, other.start, other.end):
                return False
    return sum(line.count for line in own) == count


def _ranges_of(lines):
    return [(line.start, line.count) for line in lines]


def render(lines, own, name, new_ranges):
    """File text with the account's lines replaced by new_ranges (keyed by name).

    The new lines go where the account's first line was, or at the end. Every other line is copied
    verbatim; a last line without newline gets one only when something is appended after it.
    """
    new_lines = ['%s\n' % format_range(name, rng) for rng in new_ranges]
    own_numbers = set(line.number for line in own)
    out = []
    inserted = False
    for line in lines:
        if line.number in own_numbers:
            if not inserted:
                out.extend(new_lines)
                inserted = True
            continue
        out.append(line.raw)
    if not inserted:
        if out and not out[-1].endswith('\n'):
            out[-1] += '\n'
        out.extend(new_lines)
    return ''.join(out)


class Plan(object):
    """What the module will do: new texts of both files, ranges, warnings and reasons."""

    def __init__(self):
        self.files = {}          # 'subuid'/'subgid' -> dict(before=, after=, ranges=, changed=)
        self.relocated = False
        self.conflicts = []      # dicts: file, line, content (lines that forced a relocation)
        self.malformed = []      # dicts: file, line, content, reason (foreign, left untouched)
        self.warnings = []
        self.changes = []        # human-readable list of what changes

    @property
    def changed(self):
        return any(f['changed'] for f in self.files.values())


def dockerd_readable(line):
    """dockerd (20.10 and 26.1 checked) refuses a whole file when any non-blank, non-comment
    line is not three colon-separated fields; other lines' numbers it never parses."""
    return line.kind != 'malformed' or len(line.text.strip().split(':')) == 3


def plan(subuid_text, subgid_text, name, uid=None, start=DEFAULT_START, count=DEFAULT_COUNT,
         ranges=None, pinned=False, host='', subuid_path='/etc/subuid', subgid_path='/etc/subgid',
         fail_on_unparsable=False, accounts=None):
    """Compute the new contents of both files. Raises SubidError; never touches the disk.

    subuid_text / subgid_text: current contents, None when the file is absent.
    uid: the account's numeric UID when it exists (lines keyed by it count as the account's).
    accounts: the whole passwd database, name -> UID, so a key can be matched against every
    account's name and UID (see Owners); None means only the account itself is known.
    fail_on_unparsable: raise for a foreign line dockerd cannot read instead of warning.
    """
    if not name or ':' in name or name.strip() != name or '\n' in name:
        raise SubidError('%s: account name %r cannot key a subid line. Fix: give a plain user name.'
                         % (host or 'host', name))
    wanted, exact = wanted_ranges(start, count, ranges or [], host or 'host')
    owners = Owners(name, uid, accounts, host)
    exact = exact or bool(pinned)

    result = Plan()
    names = ('subuid', 'subgid')
    paths = {'subuid': subuid_path, 'subgid': subgid_path}
    texts = {'subuid': subuid_text, 'subgid': subgid_text}
    parsed, own, foreign = {}, {}, {}
    for key in names:
        parsed[key] = parse_file(texts[key])
        own[key], foreign[key], malformed = _split_owner(parsed[key], owners, paths[key], host)
        for line in malformed:
            readable = dockerd_readable(line)
            if fail_on_unparsable and not readable:
                raise SubidError(
                    '%s: %s: another owner\'s line is malformed (%s). dockerd refuses the whole file ("Cannot '
                    'parse subuid/gid information: Format not correct") and would not start with '
                    'userns-remap. Nothing was written. Fix: correct the line to name_or_uid:start:count '
                    '(subuid(5)) or remove it.' % (host or 'host', _where(paths[key], line), line.reason))
            result.malformed.append(dict(file=paths[key], line=line.number, content=line.text,
                                         reason=line.reason, dockerd_readable=readable))
            hint = ''
            if not readable:
                hint = (' dockerd refuses a file with such a line ("Format not correct") and will not start '
                        'with userns-remap until it is fixed.')
            result.warnings.append('%s: left untouched: not the account\'s line and malformed (%s); it owns '
                                   'no IDs for shadow-utils, so it is ignored for overlaps.%s'
                                   % (_where(paths[key], line), line.reason, hint))

    all_foreign = foreign['subuid'] + foreign['subgid']
    target = {}
    if exact:
        problems = []
        for rng in wanted:
            for key in names:
                for other in _clashes(rng, foreign[key]):
                    problems.append('%s (wanted) overlaps %s' % (format_range(name, rng), _where(paths[key], other)))
        if problems:
            occupied = [(f.start, f.end) for f in all_foreign if f.count > 0]
            free = find_free_block(wanted[0][0], wanted[0][1], occupied)
            suggestion = (', such as %d, the lowest free block of %d IDs at or above %d'
                          % (free, wanted[0][1], wanted[0][0]) if free is not None else '')
            raise SubidError(
                '%s: the pinned subordinate ID range of %s overlaps another owner\'s range: %s. Two owners '
                'sharing IDs can reach each other\'s files. Nothing was written. Fix: pin a free start with '
                'userns_remap_subid_start (module option start)%s; or unpin it '
                '(userns_remap_subid_start_pinned: false, no userns_remap_subid_ranges) to let the role '
                'choose; or move the other owner\'s range.' % (host or 'host', name, '; '.join(problems), suggestion))
        for key in names:
            keys = set(line.key for line in own[key])
            if _ranges_of(own[key]) == wanted and len(keys) == 1:
                target[key] = None  # keep as is
            else:
                target[key] = list(wanted)
    else:
        ok = dict((key, _usable(own[key], foreign[key], count)) for key in names)
        for key, other in (('subuid', 'subgid'), ('subgid', 'subuid')):
            if ok[key]:
                target[key] = None
            elif ok[other] and not any(_clashes(r, foreign[key]) for r in _ranges_of(own[other])):
                target[key] = _ranges_of(own[other])  # F04: complete the pair with the same ranges
            else:
                target[key] = 'allocate'
        if 'allocate' in target.values():
            occupied = [(f.start, f.end) for f in all_foreign if f.count > 0]
            block = find_free_block(wanted[0][0], wanted[0][1], occupied)
            if block is None:
                raise SubidError('%s: no free block of %d IDs at or above %d in %s and %s. Nothing was '
                                 'written. Fix: choose another start or count, or free IDs.'
                                 % (host or 'host', count, start, subuid_path, subgid_path))
            if block != wanted[0][0]:
                where = []
                for key in names:
                    for other in _clashes(wanted[0], foreign[key]):
                        where.append(_where(paths[key], other))
                        result.conflicts.append(dict(file=paths[key], line=other.number, content=other.text))
                result.relocated = True
                result.warnings.append(
                    'The default block %s is taken (%s); using the free block %s instead. Pin the start '
                    '(userns_remap_subid_start_pinned: true, module option pinned) to fail instead.'
                    % (format_range(name, wanted[0]), '; '.join(where), format_range(name, (block, count))))
            # A fresh block goes to both files so they stay a pair (the other file's lines, if
            # usable, could not be mirrored or there were none).
            for key in names:
                target[key] = [(block, count)]

    for key in names:
        before = texts[key]
        if target[key] is None:
            after = before if before is not None else ''
            final = _ranges_of(own[key])
        else:
            after = render(parsed[key], own[key], name, target[key])
            final = list(target[key])
        changed = before is None or after != before
        result.files[key] = dict(path=paths[key], before=before, after=after, changed=changed,
                                 ranges=[dict(start=s, count=c) for (s, c) in final],
                                 created=before is None)
        if changed:
            old = [format_range(line.key, (line.start, line.count)) for line in own[key]]
            new = [format_range(name, r) for r in final]
            result.changes.append('%s: %s -> %s' % (paths[key], ', '.join(old) or 'no range',
                                                    ', '.join(new)))
            if own[key] and final and (own[key][0].start != final[0][0]):
                result.warnings.append(
                    '%s: the first range of %s moves from %d to %d, so dockerd will use a new data root; '
                    'images and containers under the old one are hidden, not deleted.'
                    % (paths[key], name, own[key][0].start, final[0][0]))
    return result
