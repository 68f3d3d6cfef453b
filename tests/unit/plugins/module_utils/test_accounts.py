# -*- coding: utf-8 -*-
"""module_utils/accounts.py as tables: login.defs parsing and the remap account plan (issue 5,
outcome 3; field fault F21). Pure: passwd and group databases are passed in as data."""

import pytest

from ansible_collections.containment.docker.plugins.module_utils.accounts import (
    AccountError,
    Group,
    Passwd,
    parse_login_defs,
    passwd_line,
    plan_account,
)

DEFAULTS = dict(UID_MIN=1000, UID_MAX=60000, SYS_UID_MIN=101, SYS_UID_MAX=999,
                GID_MIN=1000, GID_MAX=60000, SYS_GID_MIN=101, SYS_GID_MAX=999)

BASE_USERS = [
    Passwd('root', 0, 0, '/root', '/bin/bash'),
    Passwd('daemon', 1, 1, '/usr/sbin', '/usr/sbin/nologin'),
    Passwd('systemd-network', 998, 998, '/', '/usr/sbin/nologin'),
    Passwd('alice', 1000, 1000, '/home/alice', '/bin/bash'),
    Passwd('nobody', 65534, 65534, '/nonexistent', '/usr/sbin/nologin'),
]
BASE_GROUPS = [
    Group('root', 0, ()),
    Group('daemon', 1, ()),
    Group('systemd-network', 998, ()),
    Group('docker', 997, ('alice',)),
    Group('alice', 1000, ()),
    Group('nogroup', 65534, ()),
]


# ---- login.defs -------------------------------------------------------------------------------

@pytest.mark.parametrize('text, want', [
    (None, {}),  # absent file: shadow-utils built-in defaults
    ('', {}),
    ('UID_MIN 2000\n', dict(UID_MIN=2000, SYS_UID_MAX=1999)),  # SYS_UID_MAX follows UID_MIN
    ('UID_MIN\t\t\t 1000\nGID_MIN\t\t\t 1000\n', {}),  # Debian's layout
    ('SYS_UID_MIN 100\nSYS_UID_MAX 499\nUID_MIN 500\n', dict(SYS_UID_MIN=100, SYS_UID_MAX=499, UID_MIN=500)),
    ('UID_MIN 1000\nUID_MIN 1500\n', dict(UID_MIN=1500, SYS_UID_MAX=1499)),  # last one wins
    ('UID_MIN "1200"\n', dict(UID_MIN=1200, SYS_UID_MAX=1199)),  # quotes are stripped
    ('UID_MIN 0x400\n', dict(UID_MIN=1024, SYS_UID_MAX=1023)),  # strtoul base 0: hex
    ('UID_MIN 02000\n', dict(UID_MIN=1024, SYS_UID_MAX=1023)),  # and octal
    ('# UID_MIN 5000\n  \nMAIL_DIR /var/mail\n', {}),  # comments and other keys ignored
    ('GID_MIN 3000\nSYS_GID_MIN 200\n', dict(GID_MIN=3000, SYS_GID_MAX=2999, SYS_GID_MIN=200)),
])
def test_login_defs_values(text, want):
    values, warnings = parse_login_defs(text)
    expected = dict(DEFAULTS)
    expected.update(want)
    assert values == expected
    assert warnings == []


@pytest.mark.parametrize('text', ['UID_MIN lots\n', 'UID_MIN\n', 'UID_MIN 10z\n'])
def test_login_defs_bad_value_falls_back_to_default_with_warning(text):
    values, warnings = parse_login_defs(text, '/etc/login.defs')
    assert values['UID_MIN'] == 1000
    assert len(warnings) == 1 and '/etc/login.defs line 1' in warnings[0] and 'UID_MIN' in warnings[0]


def test_login_defs_inverted_system_range_warns():
    values, warnings = parse_login_defs('SYS_UID_MIN 900\nSYS_UID_MAX 800\n')
    assert values['SYS_UID_MIN'] == 900 and values['SYS_UID_MAX'] == 800
    assert 'invalid configuration' in warnings[0]


# ---- account plans ----------------------------------------------------------------------------

def make(users=(), groups=(), user='dockremap', group='dockremap', allow=False, defs=None, avoid=()):
    return plan_account(BASE_USERS + list(users), BASE_GROUPS + list(groups), user, group,
                        defs or DEFAULTS, allow_login_account=allow, host='h1', avoid_uids=avoid)


def test_absent_user_and_group_are_created_as_system_account():
    result = make()
    assert result.create_group and result.create_user and result.changed
    assert result.commands == [
        ['groupadd', '--system', '--gid', '999', 'dockremap'],
        ['useradd', '--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell',
         '/usr/sbin/nologin', '--uid', '999', '--gid', 'dockremap', 'dockremap'],
    ]
    assert result.account == dict(name='dockremap', uid=999, gid=999, primary_group='dockremap',
                                  shell='/usr/sbin/nologin', home='/nonexistent', groups=[],
                                  created=True, login=False)
    assert passwd_line(result.account) == 'dockremap:x:999:999::/nonexistent:/usr/sbin/nologin\n'


@pytest.mark.parametrize('users, avoid, want_uid', [
    ([], (), 999),                                          # same number as the new group
    ([Passwd('svc', 999, 998, '/', '/bin/false')], (), 997),  # 999 taken by a user: top down, 998 too
    ([], (999,), 997),                                      # 999 keys an orphaned subid line: skipped
    ([], (999, 997), 996),
])
def test_new_account_uid_avoids_used_uids_and_orphaned_range_keys(users, avoid, want_uid):
    result = make(users=users, avoid=avoid)
    assert result.account['uid'] == want_uid
    assert '--uid' in result.commands[-1] and str(want_uid) in result.commands[-1]


def test_no_free_system_uid_fails_before_anything():
    defs = dict(DEFAULTS, SYS_UID_MIN=998, SYS_UID_MAX=998)
    with pytest.raises(AccountError, match='no free system UID between SYS_UID_MIN 998'):
        make(defs=defs)


def test_existing_group_is_used_as_is_and_only_the_user_is_created():
    result = make(groups=[Group('dockremap', 500, ('bob',))])
    assert not result.create_group and result.create_user
    assert result.commands == [['useradd', '--system', '--no-create-home', '--home-dir', '/nonexistent',
                                '--shell', '/usr/sbin/nologin', '--uid', '500', '--gid', 'dockremap',
                                'dockremap']]
    assert result.account['gid'] == 500


def test_f21_existing_system_account_with_false_shell_and_home_is_kept():
    user = Passwd('dockremap', 996, 996, '/home/dockremap', '/bin/false')
    result = make(users=[user], groups=[Group('dockremap', 996, ()), Group('adm', 4, ('dockremap',))])
    assert not result.changed and result.commands == []
    assert result.account == dict(name='dockremap', uid=996, gid=996, primary_group='dockremap',
                                  shell='/bin/false', home='/home/dockremap', groups=['adm'],
                                  created=False, login=False)
    assert result.warnings == []


def test_login_account_is_refused_naming_host_account_uid_and_fix():
    user = Passwd('dockremap', 1001, 1001, '/home/dockremap', '/bin/bash')
    with pytest.raises(AccountError) as err:
        make(users=[user], groups=[Group('dockremap', 1001, ())])
    msg = str(err.value)
    for part in ('h1', 'dockremap', 'UID 1001', 'UID_MIN 1000', 'userns_remap_user',
                 'userns_remap_allow_login_account=true', 'Nothing was changed'):
        assert part in msg, part


def test_login_account_allowed_is_used_exactly_as_it_is():
    user = Passwd('dockremap', 1001, 1001, '/home/dockremap', '/bin/bash')
    result = make(users=[user], groups=[Group('dockremap', 1001, ()), Group('sudo', 27, ('dockremap',))],
                  allow=True)
    assert not result.changed and result.commands == []
    assert result.account['shell'] == '/bin/bash' and result.account['home'] == '/home/dockremap'
    assert result.account['groups'] == ['sudo'] and result.account['login'] is True
    assert any('login account' in w for w in result.warnings)


def test_login_threshold_comes_from_login_defs():
    user = Passwd('dockremap', 1001, 1001, '/home/dockremap', '/bin/bash')
    defs = dict(DEFAULTS, UID_MIN=2000, SYS_UID_MAX=1999)
    result = make(users=[user], groups=[Group('dockremap', 1001, ())], defs=defs)
    assert result.account['login'] is False and not result.changed


def test_uid_0_is_always_refused():
    with pytest.raises(AccountError, match='UID 0'):
        make(user='root', group='root', allow=True)


def test_user_with_another_primary_group_is_kept_group_created_and_warned():
    user = Passwd('dockremap', 996, 1, '/nonexistent', '/usr/sbin/nologin')
    result = make(users=[user])
    assert result.create_group and not result.create_user
    assert result.commands == [['groupadd', '--system', '--gid', '999', 'dockremap']]
    assert result.account['gid'] == 1 and result.account['primary_group'] == 'daemon'
    assert any('primary group daemon' in w and 'left as it is' in w for w in result.warnings)


@pytest.mark.parametrize('user, group, fragment', [
    ('1001', 'dockremap', 'all digits'),
    ('dockremap', '1001', 'all digits'),
    ('', 'dockremap', 'empty'),
    ('-rf', 'dockremap', 'not a portable'),
    ('dock:remap', 'dockremap', 'not a portable'),
    ('dock remap', 'dockremap', 'not a portable'),
])
def test_names_dockerd_or_useradd_would_misread_are_refused(user, group, fragment):
    with pytest.raises(AccountError, match=fragment):
        make(user=user, group=group)
