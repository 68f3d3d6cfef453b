# -*- coding: utf-8 -*-
# Copyright: containment.docker contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The audit's checks, as pure functions over what a Docker host shows.

``docker_audit`` (module) gathers the host with ``dockerd_probe.gather`` and a few extra reads
(the remap account, both range files, dockerd's journal since it started, the seccomp profile
dockerd uses) and calls ``host_checks``. The controller adds the profile-content check
(``profile_check``, from ``seccomp_policy.review``) and turns the hosts into the fleet report,
JUnit XML and the summary table (``fleet_report``, ``junit_xml``, ``summary_table``). Tested as
tables in tests/unit/plugins/module_utils/test_audit.py.

Every check is ``dict(id, title, cis, status, why)``; status is ``pass``, ``fail`` or ``n/a``
and ``why`` is one sentence an operator can act on.

CIS Docker Benchmark numbers are those of v1.6.0 (section 3: files, section 5: container runtime):
3.17 daemon.json owned by root:root; 3.18 daemon.json mode 644 or more restrictive; 5.5
privileged containers; 5.10 host network namespace; 5.16 host process namespace; 5.17 host IPC
namespace; 5.22 the default seccomp profile not disabled; 5.31 host user namespace not shared.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.containment.docker.plugins.module_utils.dockerd_host import (
    container_escapes,
    remap_active,
    security_options,
)
from ansible_collections.containment.docker.plugins.module_utils.subid import parse_file

PASS, FAIL, NA = "pass", "fail", "n/a"

# (id, title, CIS v1.6.0 number, what `docker inspect` shows, what the operator does about it)
CONTAINER_CHECKS = (
    ("privileged_containers", "No running container is privileged", "5.5", "privileged", "--privileged"),
    ("host_network_containers", "No running container shares the host's network namespace", "5.10",
     "host_network", "--network=host"),
    ("host_pid_containers", "No running container shares the host's process namespace", "5.16",
     "host_pid", "--pid=host"),
    ("host_ipc_containers", "No running container shares the host's IPC namespace", "5.17",
     "host_ipc", "--ipc=host"),
    ("seccomp_unconfined_containers", "No running container runs without seccomp", "5.22",
     "seccomp_unconfined", "--security-opt seccomp=unconfined"),
    ("host_userns_containers", "No running container shares the host's user namespace", "5.31",
     "host_userns", "--userns=host"),
)

# containerd image store: DriverStatus carries this pair (docker info) when it is on.
CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1"
# The engine release that first offers the containerd image store (as an experimental feature).
CONTAINERD_STORE_SINCE = (24, 0)

# dockerd's log line when it starts remapped (moby daemon/daemon_unix.go, setupRemappedRoot).
JOURNAL_REMAP_RE = re.compile(r"ranges will be mapped to subuid/subgid ranges of: ([^\s\"]+)")


def check(check_id, title, status, why, cis=""):
    return dict(id=check_id, title=title, cis=cis, status=status, why=why)


def _version_text(version):
    return ".".join(str(p) for p in version) if version else "unknown"


def remap_user_of(value):
    """The user half of a userns-remap value ('dockremap:dockremap' -> 'dockremap')."""
    return (value or "").split(":", 1)[0]


def own_ranges(text, name, uid):
    """[(start, count)] of the lines a subid file keys by the account's name or UID, in file order."""
    keys = {name, str(uid)} if uid is not None else {name}
    return [(line.start, line.count) for line in parse_file(text) if line.kind == "entry" and line.key in keys]


def check_engine(facts):
    engine = facts.get("engine") or {}
    unit = facts.get("unit") or {}
    if engine.get("answers"):
        return check("engine_running", "dockerd runs and answers", PASS,
                     "%s is %s, pid %s, engine %s" % (unit.get("name", "docker.service"), unit.get("active_state"),
                                                      (facts.get("process") or {}).get("pid"),
                                                      _version_text(facts.get("engine_version"))))
    return check("engine_running", "dockerd runs and answers", FAIL,
                 "%s is %s; nothing the engine enforces can be checked. Start it (systemctl start %s)"
                 % (unit.get("name", "docker.service"), unit.get("active_state") or "not active",
                    unit.get("name", "docker.service")))


def check_userns_remap(info, wanted, answers=True):
    title = "userns-remap is active in docker info"
    if not wanted:
        return check("userns_remap", title, NA, "not wanted (hardening_userns_remap_enabled is false)")
    if not answers:
        return check("userns_remap", title, FAIL, "the engine does not answer")
    if remap_active(info):
        return check("userns_remap", title, PASS, "SecurityOptions has name=userns")
    return check("userns_remap", title, FAIL,
                 "SecurityOptions has no name=userns (%s): containers run as root on the host; run the "
                 "hardening playbook" % (", ".join(security_options(info)) or "none"))


def check_remap_account(name, uid, subuid_text, subgid_text, wanted, configured=""):
    """The account exists and both files give it ranges; daemon.json names it."""
    title = "The remap account and its ranges in /etc/subuid and /etc/subgid"
    if not wanted:
        return check("remap_account", title, NA, "not wanted (hardening_userns_remap_enabled is false)")
    problems = []
    if uid is None:
        problems.append("user %s does not exist" % name)
    if configured and remap_user_of(configured) != name:
        problems.append("daemon.json userns-remap is %r, not user %s" % (configured, name))
    if not configured:
        problems.append("daemon.json has no userns-remap")
    uids, gids = own_ranges(subuid_text, name, uid), own_ranges(subgid_text, name, uid)
    if not uids:
        problems.append("/etc/subuid has no range for %s" % name)
    if not gids:
        problems.append("/etc/subgid has no range for %s" % name)
    if problems:
        return check("remap_account", title, FAIL, "; ".join(problems))
    return check("remap_account", title, PASS, "%s (uid %s): subuid %s, subgid %s" % (
        name, uid, ", ".join("%d:%d" % r for r in uids), ", ".join("%d:%d" % r for r in gids)))


def check_data_root(info, wanted, subuid_text, subgid_text, name, uid, answers=True):
    """Remapped, dockerd's data root is named after the first range of each file."""
    title = "The data root is the remapped one"
    if not wanted:
        return check("data_root", title, NA, "not wanted (hardening_userns_remap_enabled is false)")
    root = (info or {}).get("DockerRootDir") or ""
    if not answers:
        return check("data_root", title, FAIL, "the engine does not answer")
    uids, gids = own_ranges(subuid_text, name, uid), own_ranges(subgid_text, name, uid)
    if not uids or not gids:
        return check("data_root", title, FAIL, "%s (no ranges of %s to compare with)" % (root or "unknown", name))
    suffix = "%d.%d" % (uids[0][0], gids[0][0])
    if root.endswith("/" + suffix):
        return check("data_root", title, PASS, root)
    return check("data_root", title, FAIL, "%s does not end in /%s (the first ranges of %s)" % (root, suffix, name))


def check_journal(journal_text, name, wanted, read=True):
    """dockerd's own log since it started names the same remap account."""
    title = "dockerd's journal names the remap account"
    if not wanted:
        return check("remap_journal", title, NA, "not wanted (hardening_userns_remap_enabled is false)")
    if not read:
        return check("remap_journal", title, NA, "journalctl is not available on this host")
    found = JOURNAL_REMAP_RE.findall(journal_text or "")
    if not found:
        return check("remap_journal", title, NA,
                     "the journal since dockerd started has no remap line (rotated, or logged at another level)")
    if found[-1] == name:
        return check("remap_journal", title, PASS, "dockerd logged: ranges of %s" % name)
    return check("remap_journal", title, FAIL, "dockerd logged ranges of %s, expected %s" % (found[-1], name))


def profile_in_use(info):
    """The seccomp profile from SecurityOptions: a path, 'builtin', 'default', or '' (no seccomp)."""
    for option in security_options(info):
        match = re.match(r"^name=seccomp,profile=(.*)$", option)
        if match:
            return match.group(1)
    return ""


def check_seccomp_in_use(info, wanted_path, configured, profile, answers=True):
    """dockerd uses the collection's profile: SecurityOptions, daemon.json and the file agree."""
    title = "dockerd uses the collection's seccomp profile"
    if not wanted_path:
        return check("seccomp_profile", title, NA, "not wanted (hardening_seccomp_enabled is false)")
    if not answers:
        return check("seccomp_profile", title, FAIL, "the engine does not answer")
    used = profile_in_use(info)
    problems = []
    if used != wanted_path:
        problems.append("the engine uses %s, not %s" % (used or "no seccomp profile", wanted_path))
    if configured != wanted_path:
        problems.append("daemon.json seccomp-profile is %s" % (repr(configured) if configured else "absent"))
    if wanted_path.startswith("/") and not (profile or {}).get("exists"):
        problems.append("%s does not exist" % wanted_path)
    if problems:
        return check("seccomp_profile", title, FAIL, "; ".join(problems))
    return check("seccomp_profile", title, PASS, "%s sha256 %s" % (wanted_path, (profile or {}).get("sha256", "")))


def check_daemon_json_owner(stat):
    title = "daemon.json is owned by root:root"
    if not stat:
        return check("daemon_json_owner", title, NA, "daemon.json does not exist", "3.17")
    if stat.get("uid") == 0 and stat.get("gid") == 0:
        return check("daemon_json_owner", title, PASS, "uid 0, gid 0", "3.17")
    return check("daemon_json_owner", title, FAIL, "uid %s, gid %s; chown root:root it" % (stat.get("uid"), stat.get("gid")),
                 "3.17")


def check_daemon_json_mode(stat):
    title = "daemon.json mode is 0644 or more restrictive"
    if not stat:
        return check("daemon_json_mode", title, NA, "daemon.json does not exist", "3.18")
    mode = int(str(stat.get("mode", "0")), 8)
    if mode & 0o7133:
        return check("daemon_json_mode", title, FAIL, "mode %04o; chmod 0644 it" % mode, "3.18")
    return check("daemon_json_mode", title, PASS, "mode %04o" % mode, "3.18")


def check_restart_owed(stale_files, answers=True):
    title = "No restart owed (no file dockerd reads at start is newer than dockerd)"
    if not answers:
        return check("restart_owed", title, NA, "dockerd is not running")
    if stale_files:
        return check("restart_owed", title, FAIL, "newer than the running dockerd: %s; dockerd has not read "
                     "them (run the hardening playbook, which restarts it safely)" % ", ".join(stale_files))
    return check("restart_owed", title, PASS, "dockerd started after its files last changed")


def containerd_store(info):
    """(on, text): whether docker info shows the containerd image store, and what it shows."""
    status = dict((pair[0], pair[1]) for pair in ((info or {}).get("DriverStatus") or [])
                  if isinstance(pair, (list, tuple)) and len(pair) == 2)
    on = status.get("driver-type") == CONTAINERD_SNAPSHOTTER
    return on, "Driver %s%s" % ((info or {}).get("Driver") or "unknown",
                                ", driver-type %s" % status["driver-type"] if "driver-type" in status else "")


def check_containerd_store(info, engine_version, answers=True):
    title = "containerd image store state"
    if not answers:
        return check("containerd_image_store", title, NA, "the engine does not answer")
    if engine_version and tuple(engine_version[:2]) < CONTAINERD_STORE_SINCE:
        return check("containerd_image_store", title, NA,
                     "engine %s has no containerd image store (since 24.0)" % _version_text(engine_version))
    on, text = containerd_store(info)
    return check("containerd_image_store", title, PASS, "%s: %s" % ("on" if on else "off (graph driver)", text))


def check_containers(containers, answers=True):
    """One check per CIS item: which running containers use it."""
    checks = []
    escapes = [((item.get("Name") or item.get("Id", "?")[:12]).lstrip("/"), container_escapes(item))
               for item in containers or []]
    for check_id, title, cis, kind, flag in CONTAINER_CHECKS:
        if not answers:
            checks.append(check(check_id, title, NA, "dockerd is not running", cis))
            continue
        using = [name for name, kinds in escapes if kind in kinds]
        if using:
            checks.append(check(check_id, title, FAIL, "%s: %s" % (flag, ", ".join(sorted(using))), cis))
        else:
            checks.append(check(check_id, title, PASS, "none of %d running" % len(escapes), cis))
    return checks


def host_checks(facts, extra, wanted):
    """Every host-side check, in report order.

    facts: what dockerd_probe.gather returned. extra: dict(account_uid, subuid, subgid, journal,
    journal_read, profile=dict(path, exists, sha256), configured=dict of daemon.json).
    wanted: dict(userns_remap=bool, remap_user, seccomp_profile=path or '').
    """
    engine = facts.get("engine") or {}
    info = engine.get("info") or {}
    answers = bool(engine.get("answers"))
    configured = extra.get("configured") or {}
    remap = bool(wanted.get("userns_remap"))
    name = wanted.get("remap_user") or "dockremap"
    uid = extra.get("account_uid")
    checks = [
        check_engine(facts),
        check_userns_remap(info, remap, answers),
        check_data_root(info, remap, extra.get("subuid"), extra.get("subgid"), name, uid, answers),
        check_remap_account(name, uid, extra.get("subuid"), extra.get("subgid"), remap,
                            configured.get("userns-remap") or ""),
        check_journal(extra.get("journal"), name, remap, extra.get("journal_read", True)),
        check_seccomp_in_use(info, wanted.get("seccomp_profile") or "", configured.get("seccomp-profile") or "",
                             extra.get("profile"), answers),
    ]
    checks.extend(check_containers(engine.get("containers"), answers))
    stat = (facts.get("config") or {}).get("stat") or {}
    checks.append(check_daemon_json_owner(stat))
    checks.append(check_daemon_json_mode(stat))
    checks.append(check_restart_owed(facts.get("stale_files") or [], answers))
    checks.append(check_containerd_store(info, facts.get("engine_version"), answers))
    return checks


def profile_check(review, wanted_path, deployed_present):
    """The profile dockerd reads against what the seccomp variables render for this engine.

    review: seccomp_policy.review(..., deployed=<the file's content>) as the filter returns it.
    """
    title = "The profile's content is what the seccomp variables render"
    if not wanted_path:
        return check("seccomp_profile_content", title, NA, "not wanted (hardening_seccomp_enabled is false)")
    if (review or {}).get("error"):
        return check("seccomp_profile_content", title, FAIL, review["error"])
    if review.get("profile") is None:
        return check("seccomp_profile_content", title, NA, "no profile file (%s)" % review.get("effective_path"))
    if not deployed_present:
        return check("seccomp_profile_content", title, FAIL, "%s could not be read as JSON" % wanted_path)
    from ansible_collections.containment.docker.plugins.module_utils.seccomp_policy import describe_diff
    versus_default = describe_diff(review.get("deployed_vs_default") or {})
    if review.get("deployed_matches"):
        return check("seccomp_profile_content", title, PASS, "as rendered for engine %s; vs the engine's default: %s"
                     % (review.get("render_for"), versus_default))
    return check("seccomp_profile_content", title, FAIL,
                 "differs from what the variables render for engine %s (edited by hand, or other variables): "
                 "vs rendered: %s; vs the engine's default: %s"
                 % (review.get("render_for"), describe_diff(review.get("deployed_vs_rendered") or {}),
                    versus_default))


def host_report(result, review, host, wanted_path=""):
    """One host's report from the module's result and the controller's profile review."""
    checks = list((result or {}).get("checks") or [])
    profile = (result or {}).get("seccomp") or {}
    if checks:
        at = next((i + 1 for i, c in enumerate(checks) if c["id"] == "seccomp_profile"), len(checks))
        checks.insert(at, profile_check(review, wanted_path, profile.get("content") is not None))
    if (result or {}).get("failed") or not checks:
        checks = [check("audit_probe", "The audit could read the host", FAIL,
                        (result or {}).get("msg") or "no result (unreachable, or the play stopped before the audit)")]
    failed = [c["id"] for c in checks if c["status"] == FAIL]
    return dict(host=host, drift=bool(failed), failed=failed, checks=checks,
                engine_version=(result or {}).get("engine_version", ""),
                dockerd_pid=((result or {}).get("process") or {}).get("pid"),
                seccomp=dict(path=profile.get("path", ""), sha256=profile.get("sha256", ""),
                             vs_default=(review or {}).get("deployed_vs_default")))


def fleet_report(reports, generated=""):
    """The fleet: hosts in name order, totals, and the drifting hosts."""
    hosts = sorted(reports, key=lambda r: r["host"])
    counts = {PASS: 0, FAIL: 0, NA: 0}
    for report in hosts:
        for item in report["checks"]:
            counts[item["status"]] = counts.get(item["status"], 0) + 1
    return dict(generated=generated, drift=any(r["drift"] for r in hosts),
                drifting_hosts=[r["host"] for r in hosts if r["drift"]], totals=counts, hosts=hosts)


def junit_xml(fleet):
    """JUnit XML: one testsuite per host, one testcase per check; fail is a failure, n/a skipped."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    total = sum(len(r["checks"]) for r in fleet["hosts"])
    lines.append('<testsuites name="containment.docker audit" tests="%d" failures="%d" skipped="%d">'
                 % (total, fleet["totals"].get(FAIL, 0), fleet["totals"].get(NA, 0)))
    for report in fleet["hosts"]:
        checks = report["checks"]
        lines.append('  <testsuite name=%s tests="%d" failures="%d" skipped="%d" errors="0">' % (
            quoteattr(report["host"]), len(checks), sum(c["status"] == FAIL for c in checks),
            sum(c["status"] == NA for c in checks)))
        for item in checks:
            name = "%s%s: %s" % (item["id"], " (CIS %s)" % item["cis"] if item.get("cis") else "", item["title"])
            lines.append('    <testcase classname=%s name=%s>' % (quoteattr("audit." + report["host"]), quoteattr(name)))
            if item["status"] == FAIL:
                lines.append('      <failure message=%s>%s</failure>' % (quoteattr(item["why"]), escape(item["why"])))
            elif item["status"] == NA:
                lines.append('      <skipped message=%s/>' % quoteattr(item["why"]))
            else:
                lines.append('      <system-out>%s</system-out>' % escape(item["why"]))
            lines.append('    </testcase>')
        lines.append('  </testsuite>')
    lines.append('</testsuites>')
    return "\n".join(lines) + "\n"


def summary_table(fleet, width=100):
    """The human summary: one line per host and check, failures first within a host."""
    order = {FAIL: 0, NA: 1, PASS: 2}
    rows = [("HOST", "CHECK", "STATUS", "WHY")]
    for report in fleet["hosts"]:
        for item in sorted(report["checks"], key=lambda c: order.get(c["status"], 3)):
            why = item["why"] if len(item["why"]) <= width else item["why"][:width - 3] + "..."
            label = item["id"] + (" (CIS %s)" % item["cis"] if item.get("cis") else "")
            rows.append((report["host"], label, item["status"].upper(), why))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["%s  %s  %s  %s" % (r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2]), r[3])
             for r in rows]
    totals = fleet["totals"]
    lines.append("%d host(s): %d pass, %d fail, %d n/a; %s" % (
        len(fleet["hosts"]), totals.get(PASS, 0), totals.get(FAIL, 0), totals.get(NA, 0),
        "DRIFT on " + ", ".join(fleet["drifting_hosts"]) if fleet["drift"] else "no drift"))
    return lines
