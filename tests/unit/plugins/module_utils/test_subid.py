# -*- coding: utf-8 -*-
"""Tables for the pure subid planner (plugins/module_utils/subid.py): field faults A and B."""


import pytest

from ansible_collections.containment.docker.plugins.module_utils.subid import (  # noqa: E402
    MAX_ID,
    SubidError,
    find_free_block,
    numeric_orphan_keys,
    parse_line,
    plan,
    render,
    parse_file,
    split_lines,
)

R = 'dockremap'
DEF = 'dockremap:165536:65536\n'


def run(subuid, subgid, **kwargs):
    kwargs.setdefault('host', 'h1')
    return plan(subuid, subgid, R, **kwargs)


def after(result):
    return result.files['subuid']['after'], result.files['subgid']['after']


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize('raw, kind, key, start, count', [
    ('alice:100000:65536\n', 'entry', 'alice', 100000, 65536),
    ('1000:100000:65536', 'entry', '1000', 100000, 65536),
    ('  bob:1:2  \n', 'entry', 'bob', 1, 2),
    ('\n', 'blank', None, None, None),
    ('   \n', 'blank', None, None, None),
    ('# a comment: with:colons\n', 'comment', None, None, None),
    ('dockremap:abc:10\n', 'malformed', 'dockremap', None, None),
    ('dockremap:10\n', 'malformed', 'dockremap', None, None),
    ('dockremap:1:2:3\n', 'malformed', 'dockremap', None, None),
    (':1:2\n', 'malformed', '', None, None),
    ('x:-1:2\n', 'malformed', 'x', None, None),
    ('x:1:+2\n', 'malformed', 'x', None, None),
])
def test_parse_line(raw, kind, key, start, count):
    line = parse_line(1, raw)
    assert (line.kind, line.key, line.start, line.count) == (kind, key, start, count)


@pytest.mark.parametrize('text', ['', 'a', 'a\n', 'a\n\n', '\n\nb', 'a\r\nb\n', 'a:1:2\n#x\n\n\tb:3:4'])
def test_split_lines_round_trips(text):
    assert ''.join(split_lines(text)) == text


# --- F01 / F03 / F04: halfway states ---------------------------------------------------------


@pytest.mark.parametrize('case, subuid, subgid, want_uid, want_gid, created', [
    ('F01 both absent', None, None, DEF, DEF, ['subuid', 'subgid']),
    ('F01 subgid absent', DEF, None, DEF, DEF, ['subgid']),
    ('F03 system account, empty files', '', '', DEF, DEF, []),
    ('F04 subuid only', DEF, '', DEF, DEF, []),
    ('F04 subgid only', '', DEF, DEF, DEF, []),
    ('F04 subuid only, not default start', 'dockremap:300000:65536\n', '',
     'dockremap:300000:65536\n', 'dockremap:300000:65536\n', []),
    ('F04 subgid has other users', DEF, 'alice:100000:65536\n', DEF, 'alice:100000:65536\n' + DEF, []),
])
def test_halfway_states_are_completed_as_a_pair(case, subuid, subgid, want_uid, want_gid, created):
    result = run(subuid, subgid)
    assert after(result) == (want_uid, want_gid), case
    assert [k for k in ('subuid', 'subgid') if result.files[k]['created']] == created
    assert result.files['subuid']['ranges'] == result.files['subgid']['ranges']
    assert result.changed
    # second run on the result: nothing to do
    again = run(want_uid, want_gid)
    assert not again.changed and after(again) == (want_uid, want_gid)


# --- F05: UID-keyed lines --------------------------------------------------------------------


@pytest.mark.parametrize('subuid, subgid, uid, want_uid, want_gid', [
    # the UID line is the account's range: no second range in subuid
    ('999:165536:65536\n', '', 999, '999:165536:65536\n', DEF),
    ('999:165536:65536\n', '999:165536:65536\n', 999, '999:165536:65536\n', '999:165536:65536\n'),
    # UID-keyed at a non-default start: kept, mirrored
    ('999:300000:65536\n', '', 999, '999:300000:65536\n', 'dockremap:300000:65536\n'),
    # without a known UID (account absent) the line is someone else's: relocation
    ('999:165536:65536\n', '', None, '999:165536:65536\ndockremap:262144:65536\n', 'dockremap:262144:65536\n'),
    # a UID line of ANOTHER uid is foreign
    ('1000:165536:65536\n', '', 999, '1000:165536:65536\ndockremap:262144:65536\n', 'dockremap:262144:65536\n'),
    # mixed keys for the account (engines disagree which they read): rewritten keyed by name
    ('999:165536:65536\ndockremap:165536:65536\n', DEF, 999, DEF, DEF),
])
def test_uid_keyed_lines_count_as_the_account(subuid, subgid, uid, want_uid, want_gid):
    result = run(subuid, subgid, uid=uid)
    assert after(result) == (want_uid, want_gid)
    assert not run(want_uid, want_gid, uid=uid).changed


def test_uid_keyed_line_matches_pinned_range():
    result = run('999:165536:65536\n', '999:165536:65536\n', uid=999, pinned=True)
    assert not result.changed


# --- F06: another owner holds the block ------------------------------------------------------


@pytest.mark.parametrize('subuid, subgid, block', [
    ('alice:165536:65536\n', '', 262144),
    ('', 'alice:165536:65536\n', 262144),
    ('alice:165536:1\n', '', 196608),
    ('alice:200000:10\n', '', 262144),
    ('alice:165536:65536\nbob:262144:65536\n', 'carol:327680:100\n', 393216),
    ('alice:0:4294967295\n', '', None),
])
def test_default_start_taken_picks_lowest_free_aligned_block(subuid, subgid, block):
    if block is None:
        with pytest.raises(SubidError, match='no free block'):
            run(subuid, subgid)
        return
    result = run(subuid, subgid)
    assert result.relocated
    assert result.files['subuid']['ranges'] == [dict(start=block, count=65536)]
    assert result.files['subgid']['ranges'] == [dict(start=block, count=65536)]
    assert result.conflicts and all(c['content'].startswith('alice:') for c in result.conflicts)
    assert any('taken' in w for w in result.warnings)
    # foreign lines untouched and second run reports no change
    assert result.files['subuid']['after'].startswith(subuid)
    again = run(*after(result))
    assert not again.changed and not again.relocated


@pytest.mark.parametrize('kwargs', [
    dict(pinned=True),
    dict(ranges=[dict(start=165536, count=65536)]),
    dict(ranges=[dict(start=400000, count=10), dict(start=200000, count=10)]),
])
def test_pinned_overlap_fails_naming_both_lines(kwargs):
    with pytest.raises(SubidError) as err:
        run('root:1:2\nalice:165536:65536\n', DEF, **kwargs)
    msg = str(err.value)
    assert msg.startswith('h1: ')
    assert "/etc/subuid line 2: 'alice:165536:65536'" in msg
    assert '(wanted)' in msg and 'Fix:' in msg and 'Nothing was written' in msg


def test_pinned_overlap_in_subgid_only_also_fails():
    with pytest.raises(SubidError, match=r"/etc/subgid line 1: 'alice:165536:65536'.*262144"):
        run('', 'alice:165536:65536\n', pinned=True)


def test_pinned_free_range_replaces_account_lines():
    result = run('dockremap:300000:65536\nalice:1:5\n', 'dockremap:300000:65536\n', pinned=True)
    assert after(result) == ('dockremap:165536:65536\nalice:1:5\n', DEF)
    assert any('data root' in w for w in result.warnings)
    assert not run(*after(result), pinned=True).changed


def test_unpinned_keeps_existing_range_at_other_start():
    text = 'dockremap:300000:65536\n'
    result = run(text, text)
    assert not result.changed
    assert result.files['subuid']['ranges'] == [dict(start=300000, count=65536)]


@pytest.mark.parametrize('subuid, why', [
    ('dockremap:165536:65536\nalice:165536:65536\n', 'overlaps a foreign range'),
    ('dockremap:165536:65536\ndockremap:165536:65536\n', 'overlaps itself'),
    ('dockremap:165536:1000\n', 'count differs'),
])
def test_unpinned_replaces_unusable_own_lines(subuid, why):
    result = run(subuid, subuid)
    assert result.changed, why
    ranges = result.files['subuid']['ranges']
    assert len(ranges) == 1 and ranges[0]['count'] == 65536
    assert result.files['subuid']['ranges'] == result.files['subgid']['ranges']
    assert not run(*after(result)).changed


def test_unpinned_count_change_reallocates_in_place():
    result = run(DEF, DEF, count=131072)
    assert after(result) == ('dockremap:165536:131072\n',) * 2


def test_subuid_range_not_mirrorable_moves_both():
    result = run(DEF, 'alice:165536:65536\n')
    assert after(result) == ('dockremap:262144:65536\n', 'alice:165536:65536\ndockremap:262144:65536\n')


# --- F07: several ranges ---------------------------------------------------------------------


TWO = [dict(start=300000, count=65536), dict(start=200000, count=65536)]
TWO_TEXT = 'dockremap:300000:65536\ndockremap:200000:65536\n'


@pytest.mark.parametrize('subuid, subgid, want_uid, want_gid', [
    ('', '', TWO_TEXT, TWO_TEXT),
    (None, None, TWO_TEXT, TWO_TEXT),
    (DEF, DEF, TWO_TEXT, TWO_TEXT),
    # wrong order is a change: the first range is container root and the data root suffix
    ('dockremap:200000:65536\ndockremap:300000:65536\n', TWO_TEXT, TWO_TEXT, TWO_TEXT),
    # account lines replaced in place, foreign lines around them kept
    ('a:1:1\ndockremap:9:9\nb:2:2\n', 'x:5:5', 'a:1:1\n' + TWO_TEXT + 'b:2:2\n', 'x:5:5\n' + TWO_TEXT),
])
def test_several_ranges_written_in_order(subuid, subgid, want_uid, want_gid):
    result = run(subuid, subgid, ranges=TWO)
    assert after(result) == (want_uid, want_gid)
    assert result.files['subuid']['ranges'] == TWO
    assert not run(want_uid, want_gid, ranges=TWO).changed


def test_several_ranges_kept_when_back_to_default_and_total_matches():
    two = [dict(start=300000, count=32768), dict(start=200000, count=32768)]
    text = 'dockremap:300000:32768\ndockremap:200000:32768\n'
    assert not run(text, text).changed
    assert run(text, text, ranges=two).files['subuid']['ranges'] == two


# --- foreign lines byte for byte -------------------------------------------------------------


FOREIGN = [
    '# managed by hand: do not edit\n\nalice:100000:65536\n   \nbob:231072:65536',
    'alice:100000:65536\r\n#comment\r\n',
    '\tcarol:1:2\t\n\n\n',
    'bob:1000\n# x\nweird:line:here\n',
    '\xe9l\xe8ve:500000:65536\n',
]


@pytest.mark.parametrize('text', FOREIGN)
def test_foreign_lines_kept_byte_for_byte(text):
    result = run(text, text)
    for key in ('subuid', 'subgid'):
        out = result.files[key]['after']
        assert out.startswith(text)
        tail = out[len(text):]
        assert tail.lstrip('\n').startswith('dockremap:')


def test_account_lines_replaced_in_place_between_foreign_lines():
    text = '# head\nalice:1:1\ndockremap:165536:10\n\nbob:2:2\n'
    result = run(text, text)
    assert result.files['subuid']['after'] == '# head\nalice:1:1\n' + DEF + '\nbob:2:2\n'


def test_render_adds_newline_only_when_appending():
    lines = parse_file('a:1:1')
    assert render(lines, [], R, [(5, 5)]) == 'a:1:1\ndockremap:5:5\n'


# --- malformed lines and bad input -----------------------------------------------------------


@pytest.mark.parametrize('subuid, subgid, uid, match', [
    ('dockremap:abc:10\n', '', None, r"h1: /etc/subuid line 1: 'dockremap:abc:10'.*not a decimal.*Fix:"),
    ('', 'ok:1:1\ndockremap:10\n', None, r"h1: /etc/subgid line 2: 'dockremap:10'.*3 colon.*Fix:"),
    ('999:1:x\n', '', 999, r"line 1: '999:1:x'"),
    ('dockremap:165536:0\n', '', None, r"line 1: 'dockremap:165536:0'.*unusable"),
    ('dockremap:4294967290:65536\n', '', None, r'unusable'),
])
def test_malformed_account_line_fails(subuid, subgid, uid, match):
    with pytest.raises(SubidError, match=match):
        run(subuid, subgid, uid=uid)


@pytest.mark.parametrize('bad', ['bob:1000\n', 'bob:x:1\n', ':1:1\n', 'bob:1:2:3\n'])
def test_malformed_foreign_line_is_left_and_reported(bad):
    text = bad + 'alice:100000:65536\n'
    result = run(text, '')
    assert result.files['subuid']['after'] == text + DEF
    assert result.malformed and result.malformed[0]['line'] == 1
    assert any('left untouched' in w for w in result.warnings)


@pytest.mark.parametrize('kwargs, match', [
    (dict(count=0), r'^h1: subordinate ID range: count 0 is invalid.*Fix:'),
    (dict(count=-5), r'count -5 is invalid'),
    (dict(start=-1), r'start -1 is negative.*Fix:'),
    (dict(start=MAX_ID - 65535 + 1), r'runs past the highest usable ID 4294967294'),
    (dict(ranges=[dict(start=1, count=0)]), r'ranges\[0\]: count 0'),
    (dict(ranges=[dict(start=100, count=50), dict(start=120, count=5)]), r'ranges\[1\].*overlaps ranges\[0\]'),
    (dict(ranges=[dict(start=100)]), r'needs start and count'),
])
def test_bad_input_fails_before_anything(kwargs, match):
    with pytest.raises(SubidError, match=match):
        run(DEF, DEF, **kwargs)


def test_highest_usable_range_is_accepted():
    result = run('', '', start=MAX_ID - 65535, pinned=True)
    assert result.files['subuid']['ranges'][0]['start'] == 4294901759


@pytest.mark.parametrize('start, count, occupied, expected', [
    (165536, 65536, [], 165536),
    (165536, 65536, [(165536, 231072)], 262144),
    (165536, 65536, [(0, 200000)], 262144),
    (100000, 1000, [(100000, 100500), (101000, 102000)], 102000),
    (0, 10, [(0, 10), (10, 20)], 20),
    (MAX_ID - 9, 10, [(MAX_ID - 9, MAX_ID + 1)], None),
])
def test_find_free_block(start, count, occupied, expected):
    assert find_free_block(start, count, occupied) == expected


@pytest.mark.parametrize('bad, readable', [
    ('bob:1000\n', False),
    ('bob:1:2:3\n', False),
    ('bob:x:1\n', True),
    (':1:1\n', True),
])
def test_foreign_line_dockerd_cannot_read_fails_only_when_asked(bad, readable):
    result = run(bad, '')
    assert result.malformed[0]['dockerd_readable'] is readable
    if readable:
        assert run(bad, '', fail_on_unparsable=True).changed
    else:
        with pytest.raises(SubidError, match=r"h1: /etc/subuid line 1: '%s'.*Format not correct.*Fix:"
                           % bad.strip()):
            run(bad, '', fail_on_unparsable=True)


def test_unpinned_keeps_different_usable_ranges_in_each_file():
    result = run(DEF, 'dockremap:300000:65536\n')
    assert not result.changed
    assert (result.files['subuid']['ranges'][0]['start'], result.files['subgid']['ranges'][0]['start']) == (165536, 300000)


# --- ownership: a line belongs to the account its key names (issue 5, outcome 3) -------------

ACCOUNTS = {'root': 0, 'dockremap': 999, 'alice': 1001, 'bob': 1002}
ALICE = 'alice:165536:65536\n'


@pytest.mark.parametrize('case, accounts, subuid, want_uid', [
    ('name key is the account\'s', ACCOUNTS, DEF, DEF),
    ('uid key of the account is its own (F05)', ACCOUNTS, '999:165536:65536\n', '999:165536:65536\n'),
    ('uid key of another account is that account\'s', ACCOUNTS, '1001:165536:65536\n',
     '1001:165536:65536\ndockremap:262144:65536\n'),
    ('orphan numeric key (no such UID) stays foreign', ACCOUNTS, '4242:165536:65536\n',
     '4242:165536:65536\ndockremap:262144:65536\n'),
    ('orphan name key stays foreign', ACCOUNTS, 'ghost:165536:65536\n',
     'ghost:165536:65536\ndockremap:262144:65536\n'),
    ('uid key of the account before it exists is not its own', {'alice': 1001}, '999:165536:65536\n',
     '999:165536:65536\ndockremap:262144:65536\n'),
    ('leading zeros are not the UID (dockerd compares strings)', ACCOUNTS, '0999:165536:65536\n',
     '0999:165536:65536\ndockremap:262144:65536\n'),
])
def test_ownership_by_key(case, accounts, subuid, want_uid):
    result = run(subuid, subuid, accounts=accounts)
    assert result.files['subuid']['after'] == want_uid, case
    assert result.files['subuid']['after'].startswith(subuid), case  # first line kept byte for byte


@pytest.mark.parametrize('accounts, name, subuid, named, numbered', [
    # an account literally named "1001" beside alice with UID 1001 (remap account not involved)
    (dict(ACCOUNTS, **{'1001': 1500}), R, '1001:300000:65536\n', '1001 (UID 1500)', 'alice (UID 1001)'),
    # the remap user's name is numeric and another account has that UID
    ({'alice': 1001}, '1001', '1001:165536:65536\n', '1001 (not created yet)', 'alice (UID 1001)'),
    ({'alice': 1001, '1001': 998}, '1001', '1001:165536:65536\n', '1001 (UID 998)', 'alice (UID 1001)'),
    # the remap account's UID is also another name's UID
    ({'dockremap': 999, 'dockalias': 999}, R, '999:165536:65536\n', 'no account',
     'dockalias (UID 999), dockremap (UID 999)'),
])
def test_ambiguous_key_fails_naming_both_accounts_and_the_line(accounts, name, subuid, named, numbered):
    with pytest.raises(SubidError) as err:
        plan(subuid, '', name, accounts=accounts, host='h1')
    msg = str(err.value)
    assert "/etc/subuid line 1: %r" % subuid.strip() in msg
    assert named in msg and numbered in msg and 'ambiguous' in msg and 'Nothing was written' in msg


def test_ambiguous_malformed_line_fails_too():
    with pytest.raises(SubidError, match='ambiguous'):
        plan('', '1001:x\n', R, accounts=dict(ACCOUNTS, **{'1001': 1500}), host='h1')


@pytest.mark.parametrize('name, accounts, subuid, want', [
    # numeric remap name, no account holds that UID: the line is the account's
    ('1001', {'1001': 998}, '1001:165536:65536\n', '1001:165536:65536\n'),
    ('1001', {}, '1001:165536:65536\n', '1001:165536:65536\n'),
    # an account named "1001" whose UID is 1001: same account either way, not ambiguous
    ('1001', {'1001': 1001}, '1001:165536:65536\n', '1001:165536:65536\n'),
])
def test_numeric_remap_name_without_a_clash_is_not_ambiguous(name, accounts, subuid, want):
    result = plan(subuid, subuid, name, accounts=accounts, host='h1')
    assert not result.changed and result.files['subuid']['after'] == want


@pytest.mark.parametrize('uid, accounts, fragment', [
    (1001, ACCOUNTS, 'passwd database gives dockremap UID 999'),       # not the account's UID
    (1001, {'alice': 1001}, 'is the UID of alice'),                    # another account's UID
])
def test_uid_option_cannot_take_another_accounts_lines(uid, accounts, fragment):
    with pytest.raises(SubidError, match=fragment):
        plan('1001:165536:65536\n', '', R, uid=uid, accounts=accounts, host='h1')


@pytest.mark.parametrize('pinned, ranges', [(True, None), (False, [dict(start=500000, count=65536)])])
def test_exact_mode_never_rewrites_another_accounts_uid_line(pinned, ranges):
    subuid = '1001:300000:10\n999:400000:65536\n'
    result = plan(subuid, subuid, R, accounts=ACCOUNTS, start=500000, pinned=pinned, ranges=ranges, host='h1')
    for key in ('subuid', 'subgid'):
        # alice's UID line kept byte for byte; the account's own UID line replaced, keyed by name
        assert result.files[key]['after'] == '1001:300000:10\ndockremap:500000:65536\n'
    with pytest.raises(SubidError, match='overlaps another owner'):
        plan('1001:300000:10\n', '', R, accounts=ACCOUNTS, start=300000, pinned=True, host='h1')


@pytest.mark.parametrize('texts, accounts, want', [
    (['4242:1:2\n', '998:1:2\nalice:5:5\n'], ACCOUNTS, {4242, 998}),
    (['999:1:2\n1001:x\n', None], ACCOUNTS, set()),       # UIDs of existing accounts
    (['# 777:1:2\n', '1001:1\n'], {'alice': 5}, {1001}),  # malformed lines count, comments do not
    (['0777:1:2\n'], {}, set()),                         # not a UID key (string compare)
])
def test_numeric_orphan_keys(texts, accounts, want):
    assert numeric_orphan_keys(texts, accounts) == want
