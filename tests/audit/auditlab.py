"""Run the audit and site playbooks against all lab hosts at once, and read hosts back byte for byte."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from faultlab import REPO, Lab, playbook_env

DENIED = ["chroot"]
PROFILE = "/etc/docker/seccomp/containment.json"
DAEMON_CONFIG = "/etc/docker/daemon.json"
RECORD = "/var/lib/containment-docker/remap-account.json"
# Everything the audit must leave byte for byte (and with the same mtime).
WATCHED = (DAEMON_CONFIG, PROFILE, "/etc/subuid", "/etc/subgid", "/etc/passwd", "/etc/group", "/etc/shadow",
           "/etc/gshadow")
# What molecule/audit/prepare.yml left on the pre-remap data root.
PROBE_IMAGE = "containment-audit-probe:latest"
BEFORE_CONTAINER = "containment-audit-before"
DRIFT_CONTAINER = "containment-aud-unconfined"


@dataclasses.dataclass
class Run:
    argv: list[str]
    rc: int
    seconds: float
    stdout: str
    stderr: str
    output: dict

    def stats(self, host: str) -> dict:
        return self.output.get("stats", {}).get(host, {})

    def changed(self, host: str) -> int:
        return int(self.stats(host).get("changed", -1))

    def describe(self) -> str:
        return f"rc={self.rc} stats={self.output.get('stats')} stderr={self.stderr[-2000:]!r}"


class Fleet:
    """The lab hosts and an operator's inventory for them."""

    def __init__(self, labs: dict[str, Lab], workdir: Path):
        self.labs = labs
        self.workdir = workdir
        self.inventory = workdir / "inventory.yml"
        self.runs: list[Run] = []
        inventory = {"docker_hosts": {"hosts": {name: {} for name in labs}, "vars": {
            "ansible_connection": "community.docker.docker",
            "ansible_python_interpreter": "/usr/bin/python3",
            "seccomp_denied_syscalls": DENIED,
            "daemon_acknowledge_hidden_data": True,
            "containment_docker_serial": "100%",
        }}}
        self.inventory.write_text(json.dumps(inventory, indent=2) + "\n")

    def playbook(self, playbook: str, *args: str, json_output: bool = True) -> Run:
        binary = Path(sys.executable).with_name("ansible-playbook")
        argv = [str(binary) if binary.exists() else "ansible-playbook", "-i", str(self.inventory),
                str(REPO / playbook), *args]
        env = playbook_env(self.workdir)
        if not json_output:
            env.pop("ANSIBLE_STDOUT_CALLBACK")
        started = time.monotonic()
        proc = subprocess.run(argv, cwd=self.workdir, env=env, capture_output=True, text=True, timeout=900,
                              check=False)
        start = proc.stdout.find("{")
        try:
            output = json.loads(proc.stdout[start:]) if json_output and start >= 0 else {}
        except json.JSONDecodeError:
            output = {}
        run = Run(argv, proc.returncode, time.monotonic() - started, proc.stdout, proc.stderr, output)
        (self.workdir / f"run{len(self.runs) + 1}.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
        self.runs.append(run)
        return run

    def audit(self, name: str, *args: str) -> tuple[Run, dict, ET.Element]:
        """audit.yml over every host, reports under workdir/name; (run, JSON report, JUnit root)."""
        out = self.workdir / name
        run = self.playbook("audit.yml", "-e", f"audit_report_dir={out}", *args, json_output=False)
        report = json.loads((out / "audit.json").read_text()) if (out / "audit.json").exists() else {}
        junit = ET.parse(out / "audit-junit.xml").getroot() if (out / "audit-junit.xml").exists() else None
        return run, report, junit


def snapshot(lab: Lab) -> dict:
    """dockerd's PID and start, and every watched file's sha256 and mtime (absent: None)."""
    files = {}
    for path in WATCHED:
        data = lab.read(path)
        stat = lab.sh(f"stat -c %Y.%y {path}", check=False).stdout.strip()
        files[path] = (hashlib.sha256(data).hexdigest() if data is not None else None, stat)
    unit = lab.sh("systemctl show -p MainPID -p ExecMainStartTimestampMonotonic docker.service").stdout
    return dict(unit=unit, files=files)


def failed_checks(report: dict, host: str) -> list[str]:
    for entry in report.get("hosts", []):
        if entry["host"] == host:
            return entry["failed"]
    raise AssertionError(f"{host} not in the report: {[h['host'] for h in report.get('hosts', [])]}")


def ensure_probe_image(lab: Lab) -> None:
    """The probe image in the current data root (from the host's static busybox; nothing pulled)."""
    lab.sh(
        f"docker image inspect {PROBE_IMAGE} >/dev/null 2>&1 && exit 0; set -e; d=$(mktemp -d); mkdir \"$d/bin\"; "
        'cp /bin/busybox "$d/bin/busybox"; for a in sh sleep true; do ln -s busybox "$d/bin/$a"; done; '
        f'tar -C "$d" -c . | docker import - {PROBE_IMAGE} >/dev/null; rm -rf "$d"'
    )
