#!/usr/bin/env python
"""Run a command and measure what it costs on the controller (standard library only, Linux /proc).

  lab/fleet-sample.py OUT.json -- ansible-playbook -i INVENTORY site.yml ...

The command's own output passes through; its exit status is this script's. Every INTERVAL seconds
(FLEET_SAMPLE_INTERVAL, default 0.5) the command's process tree is read from /proc (the command and
every descendant: ansible-playbook, its forks, the ssh or docker clients they run):

- cpu: user+system ticks of the live tree (children already reaped included, via cutime/cstime),
  as cores busy over each interval; the peak and the mean over the run;
- memory: the tree's PSS (proportional set size, /proc/PID/smaps_rollup: pages the forks share
  are counted once) and RSS (shared pages counted in every process, an upper bound); the peaks;
- processes: the peak number in the tree.

At the end also the kernel's own accounting of the reaped tree (wait4 rusage): user and system
CPU seconds, and the largest resident set of any single process. SSH ControlPersist masters detach
from the tree (they are daemons), so their small share is not counted.

OUT.json receives the figures; one summary line goes to stderr.
"""

import json
import os
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def read_stat(pid):
    """(ppid, ticks incl. reaped children, rss_kb) or None when the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is state (field 3); utime is field 14 -> index 11
    ppid = int(fields[1])
    ticks = sum(int(v) for v in fields[11:15])
    rss_kb = int(fields[21]) * PAGE_KB
    return ppid, ticks, rss_kb


def read_pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(root):
    """{pid: (ticks, rss_kb)} of root and its descendants."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st:
                stats[int(name)] = st
    children = {}
    for pid, (ppid, _ticks, _rss) in stats.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out[pid] = stats[pid][1:]
            todo.extend(children.get(pid, []))
    return out


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write(__doc__)
        return 2
    out_path, cmd = argv[1], argv[3:]
    interval = float(os.environ.get("FLEET_SAMPLE_INTERVAL", "0.5"))
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    peak_cores = peak_pss = peak_rss = peak_procs = 0.0
    last_ticks, last_t = 0, start
    status, usage = None, None
    while status is None:
        time.sleep(interval)
        now = time.monotonic()
        procs = tree(proc.pid)
        if procs:
            ticks = sum(t for t, _rss in procs.values())
            rss = sum(r for _ticks, r in procs.values())
            pss = sum(read_pss_kb(p) for p in procs)
            if ticks >= last_ticks and now > last_t:
                peak_cores = max(peak_cores, (ticks - last_ticks) / float(CLK_TCK) / (now - last_t))
            last_ticks, last_t = ticks, now
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            peak_procs = max(peak_procs, len(procs))
        pid, raw, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status = raw
    wall = time.monotonic() - start
    rc = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    figures = {
        "command": cmd,
        "rc": rc,
        "wall_s": round(wall, 2),
        "cpu_user_s": round(usage.ru_utime, 2),
        "cpu_system_s": round(usage.ru_stime, 2),
        "cpu_mean_cores": round(cpu / wall, 2) if wall else 0,
        "cpu_peak_cores": round(peak_cores, 2),
        "mem_peak_pss_mib": round(peak_pss / 1024.0, 1),
        "mem_peak_rss_sum_mib": round(peak_rss / 1024.0, 1),
        "mem_max_single_rss_mib": round(usage.ru_maxrss / 1024.0, 1),
        "procs_peak": int(peak_procs),
        "sample_interval_s": interval,
        "machine_cores": os.cpu_count(),
    }
    with open(out_path, "w") as handle:
        json.dump(figures, handle, indent=2)
        handle.write("\n")
    sys.stderr.write(
        "controller: wall %.1f s, CPU %.1f s user + %.1f s system (mean %.2f cores, peak %.2f of %d), "
        "memory peak %.0f MiB PSS (%.0f MiB RSS summed; largest process %.0f MiB), up to %d processes\n"
        % (wall, usage.ru_utime, usage.ru_stime, figures["cpu_mean_cores"], peak_cores, os.cpu_count(),
           figures["mem_peak_pss_mib"], figures["mem_peak_rss_sum_mib"], figures["mem_max_single_rss_mib"],
           peak_procs))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
