# -*- coding: utf-8 -*-
"""The remap_account module end to end on temp files, run as Ansible runs it (subprocess, JSON args).

Creating an account needs root and the real passwd database, so these runs use accounts every
Debian host has (daemon: UID 1, system; nobody: UID 65534, at or above UID_MIN) and never create
one; creation is proven on the lab hosts. Check mode for an absent user is safe anywhere.
"""

import json
import os
import pwd
import stat

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file


def run_module(tmp_path, check=False, diff=False, login_defs='UID_MIN 1000\nGID_MIN 1000\n', **args):
    defs = tmp_path / 'login.defs'
    defs.write_text(login_defs)
    args.setdefault('user', 'daemon')
    args.setdefault('group', 'daemon')
    args.setdefault('subuid_path', str(tmp_path / 'subuid'))
    args.setdefault('subgid_path', str(tmp_path / 'subgid'))
    args.setdefault('login_defs_path', str(defs))
    args.setdefault('state_path', str(tmp_path / 'state' / 'remap-account.json'))
    return run_module_file('remap_account', tmp_path, check=check, diff=diff, **args)


def read(path):
    with open(str(path), 'rb') as handle:
        return handle.read()


def require(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pytest.skip('no %s account on this machine' % name)


def test_existing_system_account_kept_ranges_created_then_idempotent(tmp_path):
    before = require('daemon')
    out = run_module(tmp_path, diff=True)
    assert out['changed'] is True and 'failed' not in out, out
    assert out['account']['created'] is False and out['account']['login'] is False
    assert (out['account']['shell'], out['account']['home']) == (before.pw_shell, before.pw_dir)
    assert out['group_created'] is False
    assert read(tmp_path / 'subuid') == read(tmp_path / 'subgid') == b'daemon:165536:65536\n'
    assert out['created_files'] == [str(tmp_path / 'subuid'), str(tmp_path / 'subgid')]
    assert out['backup_files'] == {}
    assert stat.S_IMODE(os.stat(str(tmp_path / 'subuid')).st_mode) == 0o644
    assert pwd.getpwnam('daemon') == before
    again = run_module(tmp_path)
    assert again['changed'] is False and again['created_files'] == [] and again['backup_files'] == {}


def test_login_account_refused_files_untouched_then_allowed(tmp_path):
    require('nobody')
    (tmp_path / 'subuid').write_bytes(b'alice:100000:65536\n')
    out = run_module(tmp_path, user='nobody', group='nogroup')
    assert out.get('failed') is True
    for part in ('nobody', 'UID 65534', 'UID_MIN 1000', 'allow_login_account', 'Nothing was changed'):
        assert part in out['msg'], part
    assert read(tmp_path / 'subuid') == b'alice:100000:65536\n'
    assert not (tmp_path / 'subgid').exists()
    out = run_module(tmp_path, user='nobody', group='nogroup', allow_login_account=True)
    assert out['changed'] is True and out['account']['login'] is True
    assert read(tmp_path / 'subuid') == b'alice:100000:65536\nnobody:165536:65536\n'
    assert set(out['backup_files']) == {str(tmp_path / 'subuid')}
    assert out['created_files'] == [str(tmp_path / 'subgid')]


def test_uid_min_comes_from_login_defs_path(tmp_path):
    require('daemon')
    out = run_module(tmp_path, login_defs='UID_MIN 1\n')
    assert out.get('failed') is True and 'UID_MIN 1 ' in out['msg']
    assert not (tmp_path / 'subuid').exists()


def test_check_mode_absent_user_predicts_creation_and_changes_nothing(tmp_path):
    with pytest.raises(KeyError):
        pwd.getpwnam('ctnr-remap-test')
    out = run_module(tmp_path, check=True, diff=True, user='ctnr-remap-test', group='ctnr-remap-test')
    assert out['changed'] is True and 'failed' not in out, out
    assert out['account']['created'] is True and out['group_created'] is True
    assert out['account']['shell'] == '/usr/sbin/nologin' and out['account']['home'] == '/nonexistent'
    assert out['created_files'] == [] and out['backup_files'] == {}
    headers = [d['after_header'] for d in out['diff']]
    assert headers == ['group: ctnr-remap-test', 'passwd: ctnr-remap-test',
                       str(tmp_path / 'subuid'), str(tmp_path / 'subgid')]
    assert out['diff'][2]['after'] == 'ctnr-remap-test:165536:65536\n'
    assert not (tmp_path / 'subuid').exists() and not (tmp_path / 'subgid').exists()
    with pytest.raises(KeyError):
        pwd.getpwnam('ctnr-remap-test')


def test_uid_line_of_another_account_and_orphans_are_never_taken(tmp_path):
    require('daemon')
    foreign = b'0:165536:65536\n4242424:231072:65536\nghost:300000:10\n'
    (tmp_path / 'subuid').write_bytes(foreign)
    (tmp_path / 'subgid').write_bytes(foreign)
    os.chmod(str(tmp_path / 'subgid'), 0o600)
    out = run_module(tmp_path)
    assert out['changed'] is True and out['relocated'] is True
    for name in ('subuid', 'subgid'):
        assert read(tmp_path / name) == foreign + b'daemon:327680:65536\n'
    assert stat.S_IMODE(os.stat(str(tmp_path / 'subgid')).st_mode) == 0o600  # mode kept
    assert [c['content'] for c in out['conflicts']] == ['0:165536:65536'] * 2


def test_own_uid_line_counts_as_the_account(tmp_path):
    require('daemon')
    (tmp_path / 'subuid').write_bytes(b'1:165536:65536\n')
    out = run_module(tmp_path)
    assert read(tmp_path / 'subuid') == b'1:165536:65536\n'
    assert read(tmp_path / 'subgid') == b'1:165536:65536\n'.replace(b'1:', b'daemon:', 1)
    assert out['subuid_start'] == out['subgid_start'] == 165536


@pytest.mark.parametrize('args, fragment', [
    (dict(user='1001'), 'all digits'),
    (dict(user='root', group='root', allow_login_account=True), 'UID 0'),
    (dict(count=0), 'count 0 is invalid'),
])
def test_bad_input_fails_before_any_change(tmp_path, args, fragment):
    out = run_module(tmp_path, **args)
    assert out.get('failed') is True and fragment in out['msg'], out
    assert not (tmp_path / 'subuid').exists() and not (tmp_path / 'subgid').exists()


def test_unreadable_foreign_line_fails_by_default(tmp_path):
    require('daemon')
    (tmp_path / 'subuid').write_bytes(b'bob:1000\n')
    out = run_module(tmp_path)
    assert out.get('failed') is True and 'Format not correct' in out['msg']
    assert read(tmp_path / 'subuid') == b'bob:1000\n'
    assert 'warnings' not in out or json.dumps(out['warnings'])


def test_record_names_only_what_the_run_added_and_absent_takes_back_only_that(tmp_path):
    """The record keeps the lines this run added (never other owners' lines, never an existing
    account); state=absent removes exactly those, keeps the rest byte for byte, drops the record."""
    require('daemon')
    (tmp_path / 'subuid').write_text('alice:100000:65536\n')
    (tmp_path / 'subgid').write_text('alice:100000:65536\n')
    out = run_module(tmp_path)
    record = json.loads((tmp_path / 'state' / 'remap-account.json').read_text())
    assert out['record'] == record
    assert record['user_created'] is False and record['group_created'] is False
    assert record['subuid'] == record['subgid'] == ['daemon:165536:65536']
    again = run_module(tmp_path)
    assert again['changed'] is False and again['record'] == record
    check = run_module(tmp_path, check=True, diff=True, state='absent')
    assert check['changed'] is True and (tmp_path / 'state' / 'remap-account.json').exists()
    assert read(tmp_path / 'subuid') == b'alice:100000:65536\ndaemon:165536:65536\n'
    gone = run_module(tmp_path, state='absent')
    assert gone['changed'] is True
    assert 'user daemon: kept (it existed before the collection)' in gone['removed']
    assert read(tmp_path / 'subuid') == read(tmp_path / 'subgid') == b'alice:100000:65536\n'
    assert not (tmp_path / 'state' / 'remap-account.json').exists()
    assert pwd.getpwnam('daemon')
    nothing = run_module(tmp_path, state='absent')
    assert nothing['changed'] is False and 'nothing recorded' in nothing['removed'][0]
