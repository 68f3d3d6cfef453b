# -*- coding: utf-8 -*-
"""The subid_ranges module end to end on temp files: main() run as Ansible runs it.

The module is executed in a subprocess with a JSON args file (how AnsibleModule reads its
arguments), so check mode, diff, backups, warnings and failures go through the real code path.
"""

import json
import os
import stat

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import run_module_file

DEF = 'dockremap:165536:65536\n'


def run_module(tmp_path, check=False, diff=False, **args):
    args.setdefault('name', 'dockremap')
    args.setdefault('subuid_path', str(tmp_path / 'subuid'))
    args.setdefault('subgid_path', str(tmp_path / 'subgid'))
    return run_module_file('subid_ranges', tmp_path, check=check, diff=diff, **args)


def read(path):
    with open(str(path), 'rb') as handle:
        return handle.read()


def test_fresh_host_check_mode_predicts_and_writes_nothing(tmp_path):
    out = run_module(tmp_path, check=True, diff=True, uid=None)
    assert out['changed'] is True
    assert not (tmp_path / 'subuid').exists() and not (tmp_path / 'subgid').exists()
    assert out['subuid_start'] == out['subgid_start'] == 165536
    assert [d['after'] for d in out['diff']] == [DEF, DEF]
    assert [d['before'] for d in out['diff']] == ['', '']
    assert out['created'] == [str(tmp_path / 'subuid'), str(tmp_path / 'subgid')]
    assert out['backup_files'] == {}


def test_f01_absent_files_created_root_0644_then_idempotent(tmp_path):
    out = run_module(tmp_path, diff=True)
    assert out['changed'] is True and 'failed' not in out
    for name in ('subuid', 'subgid'):
        path = tmp_path / name
        assert read(path) == DEF.encode()
        info = os.stat(str(path))
        assert stat.S_IMODE(info.st_mode) == 0o644
        if os.geteuid() == 0:
            assert (info.st_uid, info.st_gid) == (0, 0)
    again = run_module(tmp_path, diff=True)
    assert again['changed'] is False
    assert [d['before'] for d in again['diff']] == [d['after'] for d in again['diff']]


def test_real_run_matches_check_mode_and_keeps_foreign_bytes(tmp_path):
    foreign = b'# hand made\r\nalice:165536:65536\n\n\xe9l\xe8ve:300000:10'
    (tmp_path / 'subuid').write_bytes(foreign)
    (tmp_path / 'subgid').write_bytes(b'')
    os.chmod(str(tmp_path / 'subuid'), 0o600)
    predicted = run_module(tmp_path, check=True, diff=True)
    assert read(tmp_path / 'subuid') == foreign
    out = run_module(tmp_path, diff=True)
    for key in ('changed', 'subuid_ranges', 'subgid_ranges', 'relocated', 'conflicts', 'changes', 'diff'):
        assert out[key] == predicted[key], key
    assert out['relocated'] is True and out['subuid_start'] == 327680
    assert out['conflicts'] == [dict(file=str(tmp_path / 'subuid'), line=2, content='alice:165536:65536')]
    assert 'taken' in json.dumps(out.get('warnings', []))  # 2.19 returns structured warnings
    assert read(tmp_path / 'subuid') == foreign + b'\ndockremap:327680:65536\n'
    assert read(tmp_path / 'subgid') == b'dockremap:327680:65536\n'
    # an existing file keeps its mode; backups were made of both existing files
    assert stat.S_IMODE(os.stat(str(tmp_path / 'subuid')).st_mode) == 0o600
    assert set(out['backup_files']) == {str(tmp_path / 'subuid'), str(tmp_path / 'subgid')}
    assert read(out['backup_files'][str(tmp_path / 'subuid')]) == foreign
    again = run_module(tmp_path)
    assert again['changed'] is False and again['relocated'] is False


def test_backup_false_makes_no_copy(tmp_path):
    (tmp_path / 'subuid').write_text(DEF)
    (tmp_path / 'subgid').write_text('')
    out = run_module(tmp_path, backup=False)
    assert out['changed'] is True and out['backup_files'] == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ['subgid', 'subid_ranges-args.json', 'subuid']


def test_f04_completes_subgid_only(tmp_path):
    (tmp_path / 'subuid').write_text(DEF)
    out = run_module(tmp_path, diff=True)
    assert out['changes'] == ['%s: no range -> dockremap:165536:65536' % (tmp_path / 'subgid')]
    assert out['diff'][0]['before'] == out['diff'][0]['after'] == DEF
    assert read(tmp_path / 'subgid') == DEF.encode()


def test_f05_uid_line_with_explicit_uid(tmp_path):
    (tmp_path / 'subuid').write_text('4242:165536:65536\n')
    (tmp_path / 'subgid').write_text('4242:165536:65536\n')
    out = run_module(tmp_path, uid=4242)
    assert out['changed'] is False and out['uid'] == 4242


def test_uid_looked_up_from_passwd(tmp_path):
    (tmp_path / 'subuid').write_text('0:165536:65536\n')
    (tmp_path / 'subgid').write_text('0:165536:65536\n')
    out = run_module(tmp_path, name='root')
    assert out['uid'] == 0 and out['changed'] is False


def test_f06_pinned_fails_and_writes_nothing(tmp_path):
    (tmp_path / 'subuid').write_text('alice:165536:65536\n')
    out = run_module(tmp_path, pinned=True)
    assert out['failed'] is True
    assert "line 1: 'alice:165536:65536'" in out['msg'] and 'Fix:' in out['msg']
    assert not (tmp_path / 'subgid').exists()
    assert read(tmp_path / 'subuid') == b'alice:165536:65536\n'


def test_f07_two_ranges_check_then_real(tmp_path):
    ranges = [dict(start=300000, count=65536), dict(start=200000, count=65536)]
    text = b'dockremap:300000:65536\ndockremap:200000:65536\n'
    checked = run_module(tmp_path, check=True, ranges=ranges)
    assert checked['changed'] and checked['subuid_start'] == 300000
    out = run_module(tmp_path, ranges=ranges)
    assert read(tmp_path / 'subuid') == read(tmp_path / 'subgid') == text
    assert out['subuid_ranges'] == ranges
    assert run_module(tmp_path, ranges=ranges)['changed'] is False


@pytest.mark.parametrize('args, content, match', [
    (dict(count=0), None, 'count 0 is invalid'),
    (dict(start=-1), None, 'negative'),
    (dict(start=4294967295), None, 'runs past'),
    (dict(), 'dockremap:abc:10\n', "line 1: 'dockremap:abc:10'"),
])
def test_bad_input_fails_naming_host_and_writes_nothing(tmp_path, args, content, match):
    if content is not None:
        (tmp_path / 'subuid').write_text(content)
    out = run_module(tmp_path, **args)
    assert out['failed'] is True and match in out['msg']
    assert out['msg'].split(':')[0] == os.uname()[1]
    assert not (tmp_path / 'subgid').exists()
    if content is not None:
        assert read(tmp_path / 'subuid') == content.encode()


def test_fail_on_unparsable_foreign_line_writes_nothing(tmp_path):
    (tmp_path / 'subuid').write_text('bob:1000\n')
    out = run_module(tmp_path, fail_on_unparsable=True)
    assert out['failed'] is True and "line 1: 'bob:1000'" in out['msg']
    assert not (tmp_path / 'subgid').exists()
    out = run_module(tmp_path)
    assert out['changed'] is True and out['malformed_lines'][0]['dockerd_readable'] is False
    assert read(tmp_path / 'subuid') == b'bob:1000\n' + DEF.encode()
