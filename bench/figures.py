#!/usr/bin/env python
"""Figures for bench/run.sh (standard library only).

  figures.py count RUN.json          one TSV line per host from an ansible.posix.json log:
                                     host, remote_tasks, all_tasks, remote_execs, changed, failed
                                     (failed tasks are printed to stderr)
  figures.py table RESULTS.tsv       the summary table of a results file written by run.sh, and
                                     whether the targets of issue 6 hold (see targets())

Counting rule for tasks per host: every task result recorded for the host (Gathering Facts and
handlers included) that is not skipped. `all_tasks` counts them all; `remote_tasks` leaves out the
actions that run on the controller only (set_fact, assert, fail, debug, meta, include_*, import_*,
validate_argument_spec, ...) and tasks delegated to localhost, so it counts the tasks that reach the
host. A loop counts once; `remote_execs` counts its non-skipped items (one module run each).
"""

import json
import statistics
import sys
from collections import defaultdict

CONTROLLER_ONLY = {
    "add_host", "assert", "debug", "fail", "group_by", "import_playbook", "import_role",
    "import_tasks", "include", "include_role", "include_tasks", "include_vars", "meta", "pause",
    "set_fact", "set_stats", "validate_argument_spec",
}
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


def short_action(action):
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        if action.startswith(prefix):
            return action[len(prefix):]
    return action


def on_controller(result):
    if short_action(result.get("action", "")) in CONTROLLER_ONLY:
        return True
    delegated = result.get("_ansible_delegated_vars") or {}
    target = delegated.get("ansible_delegated_host") or delegated.get("ansible_host")
    return target in LOCAL_NAMES


def count(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    # Anything printed before the document (a stray warning on stdout) is skipped.
    data = json.loads(text[text.index("{"):]) if "{" in text else {}
    stats = data.get("stats", {})
    figures = defaultdict(lambda: [0, 0, 0])
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                if result.get("failed") or result.get("unreachable"):
                    msg = result.get("msg") or result.get("stderr") or ""
                    sys.stderr.write("  FAILED %s: %s: %s\n" % (
                        host, task["task"]["name"], " ".join(str(msg).split())[:400]))
                if result.get("skipped"):
                    continue
                fig = figures[host]
                fig[1] += 1
                if on_controller(result):
                    continue
                fig[0] += 1
                items = result.get("results")
                if isinstance(items, list) and items:
                    fig[2] += sum(1 for item in items if not item.get("skipped"))
                else:
                    fig[2] += 1
    for host in sorted(set(figures) | set(stats)):
        remote, every, execs = figures[host]
        st = stats.get(host, {})
        failed = st.get("failures", 0) + st.get("unreachable", 0)
        print("\t".join(str(v) for v in (host, remote, every, execs, st.get("changed", 0), failed)))


def spread(values, fmt):
    """median (min-max), or the single value when all are equal"""
    if not values:
        return "-"
    med, lo, hi = statistics.median(values), min(values), max(values)
    if lo == hi:
        return fmt % med
    return (fmt + " (" + fmt + "-" + fmt + ")") % (med, lo, hi)


def table(path):
    runs = defaultdict(dict)      # (kind, phase) -> {(rep): wall}
    per_host = defaultdict(lambda: defaultdict(list))
    failed_runs = []
    restarts_seen = defaultdict(list)   # (kind, phase) -> [(changed, restarts)] per host and run
    meta = {}
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            key = (row["kind"], row["phase"])
            runs[key][row["rep"]] = float(row["wall_s"])
            if row["rc"] != "0":
                failed_runs.append("%s %s rep %s (rc %s)" % (row["kind"], row["phase"], row["rep"], row["rc"]))
            for col in ("remote_tasks", "all_tasks", "remote_execs", "changed", "restarts"):
                per_host[key][col].append(int(row[col]))
            restarts_seen[key].append((int(row["changed"]), int(row["restarts"])))
            meta = row
    order = [("naive", "first"), ("naive", "rerun"), ("site", "first"), ("site", "rerun")]
    print()
    print("containment.docker benchmark: %s host(s), platform %s, %s repetition(s), %s" % (
        meta.get("hosts", "?"), meta.get("platform", "?"),
        len({r for k in runs for r in runs[k]}), meta.get("connection", "?")))
    print()
    fmt = "%-12s %-24s %-14s %-10s %-10s %-12s"
    print(fmt % ("run", "wall s: median (min-max)", "tasks/host", "execs/host", "changed", "restarts/host"))
    for key in order:
        if key not in runs:
            continue
        walls = list(runs[key].values())
        h = per_host[key]
        print(fmt % ("%s %s" % key, spread(walls, "%.1f"), spread(h["remote_tasks"], "%d"),
                     spread(h["remote_execs"], "%d"), spread(h["changed"], "%d"),
                     spread(h["restarts"], "%d")))
    print()
    ratios = {}
    for phase in ("first", "rerun"):
        naive, site = runs.get(("naive", phase)), runs.get(("site", phase))
        if not naive or not site:
            continue
        ratio = statistics.median(site.values()) / statistics.median(naive.values())
        ratios[phase] = ratio
        paired = [site[r] / naive[r] for r in site if r in naive]
        print("site/naive %-6s %.2fx  (median of medians; per repetition %s)" % (
            phase, ratio, " ".join("%.2f" % p for p in paired)))
    print()
    for line in targets(int(meta.get("hosts", "1") or 1), ratios, restarts_seen):
        print(line)
    print()
    print("tasks/host: task results per host, not skipped, that reach the host (controller-only")
    print("actions left out; facts and handlers included; a loop once). execs/host counts loop items.")
    print("restarts/host: dockerd starts logged by systemd during the run (MainPID/start time cross-check).")
    if failed_runs:
        print()
        print("FAILED RUNS: " + "; ".join(failed_runs))


def targets(hosts, ratios, restarts_seen):
    """Lines 'target ... HOLDS|MISSED' for issue 6's targets, from this run's figures.

    ratios: phase -> site/naive ratio of medians; restarts_seen: (kind, phase) -> [(changed, restarts)].
    First run at most 1.5x on one host, 1.2x on more; re-run at most 1.0x; site's first run restarts
    dockerd exactly once on each host it changed, and its re-run restarts none.
    """
    lines = []
    first_limit = 1.5 if hosts == 1 else 1.2
    for phase, limit in (("first", first_limit), ("rerun", 1.0)):
        if phase in ratios:
            lines.append("target %-44s %.2fx  %s" % (
                "%s: site/naive <= %.1fx (%d host%s)" % (phase, limit, hosts, "" if hosts == 1 else "s"),
                ratios[phase], "HOLDS" if ratios[phase] <= limit + 1e-9 else "MISSED"))
    first = restarts_seen.get(("site", "first"), [])
    if first:
        bad = [(c, r) for c, r in first if (c > 0 and r != 1) or (c == 0 and r != 0)]
        lines.append("target %-44s %s" % ("first: one restart per changed host, site", "HOLDS" if not bad else
                                          "MISSED (changed/restarts: %s)" % ", ".join("%d/%d" % b for b in bad)))
    rerun = restarts_seen.get(("site", "rerun"), [])
    if rerun:
        extra = sum(r for _changed, r in rerun)
        lines.append("target %-44s %s" % ("rerun: no restart, site", "HOLDS" if extra == 0 else
                                          "MISSED (%d restart(s))" % extra))
    return lines


def main(argv):
    if len(argv) != 3 or argv[1] not in ("count", "table"):
        sys.stderr.write(__doc__)
        return 2
    {"count": count, "table": table}[argv[1]](argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
