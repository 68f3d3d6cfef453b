# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Rolling-rollout progress for site.yml: one line per batch, a table per host at the end."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_summary
type: aggregate
short_description: One line per rolling batch and a table per host at the end of a rollout
version_added: 1.3.0
author: containment.docker contributors (!UNKNOWN)
description:
  - "Follows a play that runs in rolling batches (C(serial), as C(containment.docker.site) does) and
    prints, when a batch ends, one line an operator can follow on a long rollout -
    C(ROLLOUT batch 2 of 6: 4 host(s): 4 done, 0 failed, 4 restarted; 8 of 24 hosts done)."
  - When the rollout stops (a batch's failed hosts exceed C(max_fail_percentage), or every host of a
    batch failed), it says after which batch and how many hosts were never started.
  - At the end of the playbook, a table with one row per host - host, batch, engine (the
    C(Server.Version) the collection's modules reported), changed (tasks that changed),
    restarted (dockerd restarted by the run, from the restart module's steps), dockerd (its state
    as last reported - C(running), C(running on the restored configuration), C(down)) and result
    (C(ok), C(FAILED) with the task, C(UNREACHABLE), C(stopped) for a host of the failing batch that
    did not finish because the rollout stopped, C(not started)).
  - An aggregate callback - it prints next to the stdout callback (C(default) or any other), it
    does not replace it. It reads only task results; nothing reaches the hosts.
  - Hosts of a batch that has more failed hosts than C(max_fail_percentage) allows are reported as
    C(stopped) unless they failed themselves - the C(linear) strategy stops every host of that batch
    after the failing task. With the C(free) strategy a host may have finished before the stop; it
    is then still shown as C(stopped).
requirements:
  - Enable it in C(ansible.cfg) (C([defaults] callbacks_enabled = containment.docker.rollout_summary))
    or for one run with C(ANSIBLE_CALLBACKS_ENABLED=containment.docker.rollout_summary).
options: {}
notes:
  - Batches are counted as ansible-playbook forms them (C(serial) as a number, a percentage or a
    list of either, applied to the hosts the play matches); each batch starts the play again,
    which is when the previous batch's line is printed. A batch that stops the rollout is reported
    as soon as it stops; the last batch's line and the table are printed with the play recap.
  - C(engine) is empty for a host where no collection module reported it (it failed or was
    unreachable before).
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = containment.docker.rollout_summary

# one run:
# ANSIBLE_CALLBACKS_ENABLED=containment.docker.rollout_summary \
#   ansible-playbook -i inventory.yml containment.docker.site -e containment_docker_serial=6
#
# ROLLOUT batch 1 of 4: 6 host(s): 6 done, 0 failed, 6 restarted; 6 of 24 hosts done
# ROLLOUT batch 2 of 4: 6 host(s): 5 done, 1 failed, 5 restarted; 11 of 24 hosts done
# ROLLOUT stopped after batch 2 of 4: 1 failed host(s) in it exceed max_fail_percentage 0;
#   12 host(s) in 2 later batch(es) not started
#
# ROLLOUT SUMMARY
# HOST                 BATCH  ENGINE         CHANGED  RESTARTED  DOCKERD  RESULT
# containment-fleet-1  1      20.10.24+dfsg1 4        yes        running  ok
# ...
"""

from ansible.plugins.callback import CallbackBase

try:  # the same arithmetic ansible-playbook uses for `serial`
    from ansible.utils.helpers import pct_to_int
except ImportError:  # pragma: no cover - every supported ansible-core has it
    def pct_to_int(value, num_items, min_value=1):
        if isinstance(value, str) and value.endswith('%'):
            value_pct = int(value.replace('%', ''))
            return int((value_pct / 100.0) * num_items) or min_value
        return int(value)

RESTART_MODULES = ('containment.docker.dockerd_service', 'dockerd_service')
COLUMNS = ('HOST', 'BATCH', 'ENGINE', 'CHANGED', 'RESTARTED', 'DOCKERD', 'RESULT')


# --- pure functions (tests/unit/test_rollout_summary.py) -------------------------------------

def batch_sizes(total, serial):
    """Sizes of the batches ansible-playbook forms for `total` hosts and a post-validated `serial`
    (a list of ints or percentage strings; empty for no serial), as PlaybookExecutor does."""
    serial = list(serial or [])
    if not serial:
        serial = [-1]
    sizes, left, item = [], total, 0
    while left > 0:
        size = pct_to_int(serial[item], total)
        if size <= 0:
            sizes.append(left)
            break
        size = min(size, left)
        sizes.append(size)
        left -= size
        item = min(item + 1, len(serial) - 1)
    return sizes


def batch_line(number, count, hosts, done, failed, restarted, total_done, total):
    """The line printed when a batch ends."""
    return ('ROLLOUT batch %s of %s: %d host(s): %d done, %d failed, %d restarted; %d of %d hosts done'
            % (number, count if count else '?', hosts, done, failed, restarted, total_done, total))


def stop_line(number, count, failed, max_fail_percentage, not_started, later_batches):
    """The line printed when the rollout stopped before its last batch."""
    if max_fail_percentage is None:
        why = 'every host in it failed'
    else:
        why = '%d failed host(s) in it exceed max_fail_percentage %g' % (failed, max_fail_percentage)
    return ('ROLLOUT stopped after batch %s of %s: %s; %d host(s) in %d later batch(es) not started'
            % (number, count if count else '?', why, not_started, later_batches))


def stops_batch(failed, size, max_fail_percentage):
    """Whether a batch with `failed` of `size` hosts failed stops the rollout (linear strategy)."""
    if size <= 0 or failed <= 0:
        return False
    if failed >= size:
        return True
    if max_fail_percentage is None:
        return False
    return failed / float(size) > max_fail_percentage / 100.0


def table_lines(rows, columns=COLUMNS):
    """Rows (sequences of cells, as many as columns) as aligned text lines, header first; the
    last column is not padded."""
    cells = [[str(c) for c in columns]] + [['' if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = []
    for row in cells:
        padded = [row[i].ljust(widths[i]) for i in range(len(columns) - 1)] + [row[-1]]
        lines.append('  '.join(padded).rstrip())
    return lines


def host_row(name, record):
    """One table row for a host record (dict as kept by the callback)."""
    result = record.get('result') or 'ok'
    return (name, record.get('batch') or '-', record.get('engine') or '',
            record.get('changed', 0) if result != 'not started' else '-',
            'yes' if record.get('restarted') else 'no',
            record.get('dockerd') or '', result)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'containment.docker.rollout_summary'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._hosts = {}          # name -> record dict
        self._order = []          # host names as the play matches them
        self._play_key = None
        self._sizes = []
        self._batch = 0           # number of the running batch (1-based), 0 before the first
        self._batch_hosts = []
        self._max_fail = None
        self._stopped = None      # stop line, once the rollout stopped

    # -- play and batch tracking --

    def v2_playbook_on_play_start(self, play):
        try:
            inventory = play.get_variable_manager()._inventory
            all_hosts = [h.name for h in inventory.get_hosts(play.hosts, order=play.order, ignore_restrictions=True)]
            batch_hosts = [h.name for h in inventory.get_hosts(play.hosts, order=play.order)]
        except Exception:  # an inventory this callback cannot read: count only what it sees
            all_hosts, batch_hosts = [], []
        key = (play.get_name(), tuple(all_hosts))
        if key != self._play_key:
            self._close_batch()
            self._play_key = key
            self._order = all_hosts
            self._batch = 0
            self._stopped = None
            try:
                self._sizes = batch_sizes(len(all_hosts), play.serial)
            except Exception:
                self._sizes = []
            self._max_fail = getattr(play, 'max_fail_percentage', None)
            for name in all_hosts:
                self._hosts.setdefault(name, {'result': 'not started'})
        else:
            self._close_batch()
        self._batch += 1
        self._batch_hosts = batch_hosts
        for name in batch_hosts:
            record = self._hosts.setdefault(name, {})
            record.update(batch=self._batch, result='ok')
            record.setdefault('changed', 0)

    def _record(self, result):
        name = result._host.get_name()
        record = self._hosts.setdefault(name, {'batch': self._batch or None, 'result': 'ok', 'changed': 0})
        return record

    def _read(self, record, result):
        res = result._result if isinstance(result._result, dict) else {}
        if res.get('changed'):
            record['changed'] = record.get('changed', 0) + 1
        action = getattr(result._task, 'action', '') or ''
        # dockerd_service reports Server.Version as the engine says it (26.1.5+dfsg1), and runs
        # first and last; another module's version (dockerd_preflight: 26.1.5) fills a gap only.
        if res.get('engine_version') and (action in RESTART_MODULES or not record.get('engine')):
            record['engine'] = res['engine_version']
        if action in RESTART_MODULES:
            steps = res.get('steps') or []
            if any(s.get('step') == 'restart' and s.get('ok') for s in steps if isinstance(s, dict)):
                record['restarted'] = True
            if res.get('host_state'):
                record['dockerd'] = res['host_state']
            if res.get('rolled_back'):
                record['rolled_back'] = True

    def v2_runner_on_ok(self, result):
        self._read(self._record(result), result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        record = self._record(result)
        self._read(record, result)
        if ignore_errors:
            return
        task = result._task.get_name() if result._task else 'a task'
        record['result'] = 'FAILED: %s%s' % (task, ' (rolled back)' if record.get('rolled_back') else '')

    def v2_runner_on_unreachable(self, result):
        self._record(result)['result'] = 'UNREACHABLE'

    def _close_batch(self):
        if not self._batch or not self._batch_hosts:
            return
        records = [self._hosts.get(n, {}) for n in self._batch_hosts]
        failed = sum(1 for r in records if r.get('result', 'ok') != 'ok')
        stopped = stops_batch(failed, len(records), self._max_fail)
        if stopped:
            for r in records:
                if r.get('result', 'ok') == 'ok':
                    r['result'] = 'stopped (the rollout stopped in this batch)'
        done_total = sum(1 for r in self._hosts.values() if r.get('result') == 'ok')
        self._display.display(batch_line(
            self._batch, len(self._sizes), len(records), sum(1 for r in records if r.get('result') == 'ok'),
            failed, sum(1 for r in records if r.get('restarted')), done_total, len(self._order) or len(self._hosts)))
        if stopped and self._batch < len(self._sizes):
            not_started = sum(self._sizes[self._batch:])
            self._stopped = stop_line(self._batch, len(self._sizes), failed, self._max_fail, not_started,
                                      len(self._sizes) - self._batch)
            self._display.display(self._stopped)
        self._batch_hosts = []

    def v2_playbook_on_no_hosts_remaining(self):
        # The batch stopped (every host failed or was stopped): say so now, not after the recap.
        self._close_batch()

    def v2_playbook_on_stats(self, stats):
        self._close_batch()
        if not self._hosts:
            return
        for name, record in self._hosts.items():
            try:
                summary = stats.summarize(name)
            except Exception:
                continue
            if record.get('result') != 'not started':
                record['changed'] = summary.get('changed', record.get('changed', 0))
        names = list(self._order) + sorted(n for n in self._hosts if n not in self._order)
        rows = [host_row(n, self._hosts[n]) for n in names]
        self._display.display('')
        self._display.display('ROLLOUT SUMMARY')
        for line in table_lines(rows):
            self._display.display(line)
        counts = {}
        for row in rows:
            key = row[-1].split(':')[0].split(' (')[0]
            counts[key] = counts.get(key, 0) + 1
        self._display.display('%d host(s): %s' % (len(rows), ', '.join(
            '%d %s' % (counts[k], k) for k in ('ok', 'FAILED', 'UNREACHABLE', 'stopped', 'not started') if k in counts)))
