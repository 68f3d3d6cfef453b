# -*- coding: utf-8 -*-
"""Tables for the rollout_summary callback (plugins/callback/rollout_summary.py): batch
arithmetic, the per-batch and stop lines, the summary table, and a whole rollout fed as events."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from ansible_collections.containment.docker.tests.unit.helpers import COLLECTIONS_DIR, REPO_ROOT
from ansible_collections.containment.docker.plugins.callback.rollout_summary import (
    CallbackModule,
    batch_line,
    batch_sizes,
    host_row,
    stop_line,
    stops_batch,
    table_lines,
)

ROOT = REPO_ROOT


@pytest.mark.parametrize('total, serial, sizes', [
    (24, ['25%'], [6, 6, 6, 6]),          # site.yml's default
    (8, ['25%'], [2, 2, 2, 2]),
    (3, ['25%'], [1, 1, 1]),              # 25% of 3 is 0: at least one host
    (1, ['25%'], [1]),
    (24, [6], [6, 6, 6, 6]),
    (10, [4], [4, 4, 2]),                 # the last batch takes what is left
    (24, [1, 5, '50%'], [1, 5, 12, 6]),   # a list: the last item repeats
    (5, [], [5]),                         # no serial: one batch
    (5, [0], [5]),
    (0, ['25%'], []),
])
def test_batch_sizes(total, serial, sizes):
    assert batch_sizes(total, serial) == sizes


@pytest.mark.parametrize('args, line', [
    ((1, 4, 6, 6, 0, 6, 6, 24),
     'ROLLOUT batch 1 of 4: 6 host(s): 6 done, 0 failed, 6 restarted; 6 of 24 hosts done'),
    ((2, 4, 6, 5, 1, 5, 11, 24),
     'ROLLOUT batch 2 of 4: 6 host(s): 5 done, 0 failed, 5 restarted; 11 of 24 hosts done'.replace(
         '0 failed', '1 failed')),
    ((3, 3, 1, 1, 0, 0, 3, 3),             # a re-run: nothing restarted
     'ROLLOUT batch 3 of 3: 1 host(s): 1 done, 0 failed, 0 restarted; 3 of 3 hosts done'),
    ((1, 0, 2, 2, 0, 2, 2, 2),             # batch count unknown
     'ROLLOUT batch 1 of ?: 2 host(s): 2 done, 0 failed, 2 restarted; 2 of 2 hosts done'),
])
def test_batch_line(args, line):
    assert batch_line(*args) == line


@pytest.mark.parametrize('args, line', [
    ((2, 4, 1, 0, 12, 2),
     'ROLLOUT stopped after batch 2 of 4: 1 failed host(s) in it exceed max_fail_percentage 0; '
     '12 host(s) in 2 later batch(es) not started'),
    ((1, 3, 2, None, 4, 2),
     'ROLLOUT stopped after batch 1 of 3: every host in it failed; 4 host(s) in 2 later batch(es) not started'),
])
def test_stop_line(args, line):
    assert stop_line(*args) == line


@pytest.mark.parametrize('failed, size, max_fail, stops', [
    (0, 6, 0, False),
    (1, 6, 0, True),          # site.yml's default: any failure stops the rollout
    (1, 6, 20, False),        # 16.7% is not above 20%
    (2, 6, 20, True),         # 33% is
    (1, 5, 20, False),        # exactly 20% is not above it
    (1, 6, None, False),      # no max_fail_percentage: only a fully failed batch stops
    (6, 6, None, True),
    (0, 0, 0, False),
])
def test_stops_batch(failed, size, max_fail, stops):
    assert stops_batch(failed, size, max_fail) is stops


@pytest.mark.parametrize('rows, lines', [
    ([], ['HOST  BATCH  ENGINE  CHANGED  RESTARTED  DOCKERD  RESULT']),
    ([('containment-fleet-1', 1, '20.10.24+dfsg1', 4, 'yes', 'running', 'ok'),
      ('h2', 2, '', 0, 'no', '', 'FAILED: Check daemon.json')],
     ['HOST                 BATCH  ENGINE          CHANGED  RESTARTED  DOCKERD  RESULT',
      'containment-fleet-1  1      20.10.24+dfsg1  4        yes        running  ok',
      'h2                   2                      0        no                  FAILED: Check daemon.json']),
    ([('h', None, None, '-', 'no', None, 'not started')],
     ['HOST  BATCH  ENGINE  CHANGED  RESTARTED  DOCKERD  RESULT',
      'h                    -        no                  not started']),
])
def test_table_lines(rows, lines):
    assert table_lines(rows) == lines


@pytest.mark.parametrize('record, row', [
    ({'batch': 1, 'engine': '26.1.5+dfsg1', 'changed': 4, 'restarted': True, 'dockerd': 'running',
      'result': 'ok'}, ('h', 1, '26.1.5+dfsg1', 4, 'yes', 'running', 'ok')),
    ({'batch': 2, 'changed': 0, 'result': 'FAILED: x'}, ('h', 2, '', 0, 'no', '', 'FAILED: x')),
    ({'result': 'not started'}, ('h', '-', '', '-', 'no', '', 'not started')),
])
def test_host_row(record, row):
    assert host_row('h', record) == row


# --- a rollout fed as events: the lines an operator sees --------------------------------------

class FakeInventory(object):
    def __init__(self, hosts):
        self.hosts = hosts
        self.batch = hosts

    def get_hosts(self, pattern, order=None, ignore_restrictions=False):
        return [SimpleNamespace(name=n) for n in (self.hosts if ignore_restrictions else self.batch)]


class FakePlay(object):
    def __init__(self, inventory, serial, max_fail):
        self.hosts, self.order, self.serial, self.max_fail_percentage = ['docker_hosts'], 'inventory', serial, max_fail
        self._inventory = inventory

    def get_variable_manager(self):
        return SimpleNamespace(_inventory=self._inventory)

    def get_name(self):
        return 'Harden Docker hosts'


class FakeStats(object):
    def __init__(self, changed):
        self.changed = changed

    def summarize(self, host):
        return {'changed': self.changed.get(host, 0)}


def result(host, action='containment.docker.dockerd_preflight', task='Check daemon.json', **res):
    return SimpleNamespace(_host=SimpleNamespace(get_name=lambda: host), _result=res,
                           _task=SimpleNamespace(action=action, get_name=lambda: task))


def restart(host, ok=True):
    return result(host, action='containment.docker.dockerd_service', task='Restart dockerd',
                  steps=[{'step': 'restart', 'ok': ok}], host_state='running', engine_version='26.1.5',
                  changed=True)


def run_rollout(monkeypatch, hosts, serial, max_fail, batches_events, changed):
    cb = CallbackModule()
    lines = []
    monkeypatch.setattr(cb, '_display', SimpleNamespace(display=lambda msg, **kw: lines.append(msg)))
    inventory = FakeInventory(hosts)
    play = FakePlay(inventory, serial, max_fail)
    for batch, events in batches_events:
        inventory.batch = batch
        cb.v2_playbook_on_play_start(play)
        for kind, res in events:
            if kind == 'no_hosts_remaining':   # the strategy's "NO MORE HOSTS LEFT"
                cb.v2_playbook_on_no_hosts_remaining()
            else:
                getattr(cb, 'v2_runner_on_' + kind)(res)
    cb.v2_playbook_on_stats(FakeStats(changed))
    return lines


def test_rollout_with_a_failing_host_in_batch_two(monkeypatch):
    hosts = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']
    lines = run_rollout(monkeypatch, hosts, [2], 0, [
        (['h1', 'h2'], [('ok', result('h1', engine_version='20.10.24')), ('ok', restart('h1')),
                        ('ok', result('h2', engine_version='26.1.5')), ('ok', restart('h2'))]),
        (['h3', 'h4'], [('ok', result('h3', engine_version='20.10.24')),
                        ('failed', result('h4', engine_version='26.1.5', msg='daemon.json: not JSON')),
                        ('no_hosts_remaining', None)]),
    ], {'h1': 4, 'h2': 4, 'h3': 0, 'h4': 0})
    assert lines == [
        'ROLLOUT batch 1 of 3: 2 host(s): 2 done, 0 failed, 2 restarted; 2 of 6 hosts done',
        'ROLLOUT batch 2 of 3: 2 host(s): 0 done, 1 failed, 0 restarted; 2 of 6 hosts done',
        'ROLLOUT stopped after batch 2 of 3: 1 failed host(s) in it exceed max_fail_percentage 0; '
        '2 host(s) in 1 later batch(es) not started',
        '',
        'ROLLOUT SUMMARY',
        'HOST  BATCH  ENGINE    CHANGED  RESTARTED  DOCKERD  RESULT',
        'h1    1      26.1.5    4        yes        running  ok',
        'h2    1      26.1.5    4        yes        running  ok',
        'h3    2      20.10.24  0        no                  stopped (the rollout stopped in this batch)',
        'h4    2      26.1.5    0        no                  FAILED: Check daemon.json',
        'h5    -                -        no                  not started',
        'h6    -                -        no                  not started',
        '6 host(s): 2 ok, 1 FAILED, 1 stopped, 2 not started',
    ]


def test_rerun_restarts_nothing(monkeypatch):
    lines = run_rollout(monkeypatch, ['a', 'b'], ['50%'], 0, [
        (['a'], [('ok', result('a', engine_version='28.5.2'))]),
        (['b'], [('ok', result('b', engine_version='28.5.2'))]),
    ], {})
    assert lines[:2] == [
        'ROLLOUT batch 1 of 2: 1 host(s): 1 done, 0 failed, 0 restarted; 1 of 2 hosts done',
        'ROLLOUT batch 2 of 2: 1 host(s): 1 done, 0 failed, 0 restarted; 2 of 2 hosts done',
    ]
    assert lines[-1] == '2 host(s): 2 ok'


def test_ansible_doc_renders_the_callback(tmp_path):
    # `python -m ansible.cli.doc` is ansible-doc (ansible-test units has no ansible-doc script).
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_DIR,
               ANSIBLE_LOCAL_TEMP=str(tmp_path), ANSIBLE_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, '-m', 'ansible.cli.doc', '-t', 'callback', '--json',
                           'containment.docker.rollout_summary'],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path), check=False)
    assert proc.returncode == 0 and 'ERROR' not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)['containment.docker.rollout_summary']['doc']
    assert doc['type'] == 'aggregate' and doc['short_description']
