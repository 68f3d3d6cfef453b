"""Reach a lab host with `docker exec`, break it, run the site playbook on it, put it back.

Everything here talks to the live host: no result is assumed, every state is read back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

DAEMON_CONFIG = "/etc/docker/daemon.json"
SECCOMP_PROFILE = "/etc/docker/seccomp/containment.json"
SUBUID = "/etc/subuid"
SUBGID = "/etc/subgid"
# The account databases. restore() refuses any change to these and the subid files unless the case
# said it makes one (Lab.own_accounts); then it puts all of them back byte for byte.
ACCOUNT_FILES = ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", SUBUID, SUBGID)
# What converge configured (molecule/faults/molecule.yml group_vars); the generated inventory
# repeats it, so a plain run of the tests wants exactly the hardened state.
DENIED = ["chroot"]
REMAP_VALUE = "dockremap:dockremap"
DATA_ROOT = "/var/lib/docker/165536.165536"
# A drop-in the tests may add; restore() always removes it.
DROP_IN_DIR = "/etc/systemd/system/docker.service.d"
DROP_IN = f"{DROP_IN_DIR}/containment-faults.conf"
# A drop-in that makes containerd.service fail to start; restore() removes it and starts containerd.
CONTAINERD_DROP_IN_DIR = "/etc/systemd/system/containerd.service.d"
CONTAINERD_DROP_IN = f"{CONTAINERD_DROP_IN_DIR}/containment-faults.conf"
# Where the hardened files are kept (cp -p: with their mtimes, so putting them back does not make
# the role think a restart is owed).
BASELINE_DIR = "/var/lib/containment-test/faults-baseline"

# A docker CLI wrapper the tests may put earlier on PATH than /usr/bin/docker; restore() removes it.
DOCKER_WRAPPER = "/usr/local/bin/docker"
# Files the tests may add next to the profile (names start with this); restore() removes them.
SCRATCH_PREFIX = "/etc/docker/seccomp/containment-faults-"

# What a run must never end in: Ansible's or Python's own failure instead of the collection's message.
INTERNAL_ERRORS = ("object of type", "Traceback", "AnsibleUndefinedVariable", "has no attribute",
                   "template error", "MODULE FAILURE", "The error was:", "unexpected error")

PROBE_IMAGE = "containment-faults-probe:latest"
PROBE_APPLETS = ("sh", "true", "chroot", "renice")


class LabError(RuntimeError):
    """A command on the lab host failed where the test needs it to work (setup, not outcome)."""


@dataclasses.dataclass
class PlaybookRun:
    """One ansible-playbook run on one host, parsed from the JSON callback."""

    host: str
    argv: list[str]
    rc: int
    seconds: float
    output: dict
    stderr: str
    log: Path

    @property
    def stats(self) -> dict:
        return self.output.get("stats", {}).get(self.host, {})

    @property
    def changed(self) -> int:
        return int(self.stats.get("changed", -1))

    def results(self):
        """(task name, result) for this host, in the order they ran, handlers included."""
        for play in self.output.get("plays", []):
            for task in play.get("tasks", []):
                result = task.get("hosts", {}).get(self.host)
                if result is not None:
                    yield task["task"]["name"], result

    @property
    def tasks_run(self) -> list[str]:
        return [name for name, result in self.results() if not result.get("skipped")]

    @property
    def failure(self) -> tuple[str, str]:
        """(task, message) of the last failed task: the one that stopped the host."""
        failed = [(name, str(result.get("msg", ""))) for name, result in self.results() if result.get("failed")]
        return failed[-1] if failed else ("", "")

    @property
    def message(self) -> str:
        """The stopping failure's message with whitespace folded."""
        return " ".join(self.failure[1].split())

    def internal_errors(self) -> list[str]:
        """Internal error texts anywhere in this run's output (stdout and stderr), with context."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found = []
        for needle in INTERNAL_ERRORS:
            at = text.find(needle)
            if at >= 0:
                found.append(" ".join(text[max(0, at - 150):at + 200].split()))
        return found

    def describe(self) -> str:
        """For assertion messages: rc, recap, the failure, where the full log is."""
        task, msg = self.failure
        return f"rc={self.rc} stats={self.stats} failed task={task!r} msg={msg!r} log={self.log}"


class Lab:
    """One lab host (a systemd container running its own dockerd), reached with `docker exec`."""

    def __init__(self, name: str, inventory: Path, workdir: Path):
        self.name = name
        self.inventory = inventory
        self.workdir = workdir
        self.history: list[PlaybookRun] = []
        self.baseline: dict[str, bytes] = {}
        self.unit_files: str = ""
        # Set by a case that changes accounts or subid files on purpose (own_accounts).
        self.accounts_owned = False
        self.homes: list[str] = []

    # --- commands -------------------------------------------------------------------------------

    def sh(self, script: str, *, check: bool = True, stdin: bytes | None = None, timeout: int = 180):
        """Run a bash script on the host; return the CompletedProcess (text stdout/stderr)."""
        proc = subprocess.run(
            ["docker", "exec", "-i", self.name, "bash", "-c", script],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        out = proc.stdout.decode(errors="replace")
        err = proc.stderr.decode(errors="replace")
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        if check and proc.returncode != 0:
            raise LabError(f"{self.name}: `{script}` exited {proc.returncode}: {err.strip() or out.strip()}")
        return result

    def read(self, path: str) -> bytes | None:
        proc = subprocess.run(
            ["docker", "exec", self.name, "sh", "-c", 'test -f "$1" && cat "$1"', "sh", path],
            capture_output=True,
            check=False,
        )
        return proc.stdout if proc.returncode == 0 else None

    def write(self, path: str, data: bytes) -> None:
        self.sh(f'cat > "{path}"', stdin=data)

    def md5(self, path: str) -> str | None:
        data = self.read(path)
        return hashlib.md5(data).hexdigest() if data is not None else None  # noqa: S324 - a fingerprint

    def read_json(self, path: str):
        return json.loads(self.read(path) or b"null")

    # --- dockerd --------------------------------------------------------------------------------

    def main_pid(self) -> int:
        return int(self.sh("systemctl show --property=MainPID --value docker.service").stdout.strip() or 0)

    def active(self) -> bool:
        return self.sh("systemctl is-active docker.service", check=False).stdout.strip() == "active"

    def command_line(self) -> str:
        pid = self.main_pid()
        return self.sh(f"tr '\\0' ' ' < /proc/{pid}/cmdline", check=False).stdout.strip() if pid else ""

    def info(self) -> dict:
        proc = self.sh("docker info --format '{{json .}}'", check=False)
        try:
            return json.loads(proc.stdout) if proc.returncode == 0 else {}
        except json.JSONDecodeError:
            return {}

    def hardened(self) -> bool:
        """The engine runs remapped, with the collection's profile, on the remapped data root."""
        info = self.info()
        options = info.get("SecurityOptions") or []
        return (
            "name=userns" in options
            and f"name=seccomp,profile={SECCOMP_PROFILE}" in options
            and info.get("DockerRootDir") == DATA_ROOT
        )

    def unit_file_states(self) -> str:
        """`systemctl is-enabled` of the service and the socket, e.g. "enabled enabled"."""
        return " ".join(self.sh("systemctl is-enabled docker.service docker.socket", check=False).stdout.split())

    def result(self) -> str:
        """systemd's Result of the service (success, exit-code, start-limit-hit ...)."""
        return self.sh("systemctl show -p Result --value docker.service").stdout.strip()

    def getent(self, user: str) -> str | None:
        """The passwd line of a user and its groups (`id`), or None when there is no such user."""
        proc = self.sh(f"getent passwd '{user}' && id '{user}'", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def own_accounts(self, *homes: str) -> None:
        """This case changes accounts or subid files on purpose: restore() puts back the account
        databases and /etc/subuid, /etc/subgid byte for byte and removes the given home directories."""
        self.accounts_owned = True
        self.homes.extend(homes)

    def restart_docker(self) -> None:
        """Restart dockerd the way the role does (start limit cleared first) and wait for it."""
        self.sh(
            "systemctl reset-failed docker.service docker.socket; systemctl restart docker.service && "
            "for _ in $(seq 60); do docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && exit 0; "
            "sleep 1; done; exit 1"
        )

    # --- the probe container --------------------------------------------------------------------

    def ensure_probe_image(self) -> None:
        """A one-binary image from the host's static busybox (nothing is pulled), in the current data root."""
        links = " ".join(f'ln -s busybox "$d/bin/{applet}";' for applet in PROBE_APPLETS)
        self.sh(
            f"docker image inspect {PROBE_IMAGE} >/dev/null 2>&1 && exit 0; "
            'set -e; d=$(mktemp -d); mkdir "$d/bin"; cp /bin/busybox "$d/bin/busybox"; '
            f'{links} tar -C "$d" -c . | docker import - {PROBE_IMAGE} >/dev/null; rm -rf "$d"'
        )

    def probe(self, command: str, *, unconfined: bool = False):
        """Run a command in a throwaway probe container; return the CompletedProcess."""
        opts = "--security-opt seccomp=unconfined --userns=host " if unconfined else ""
        return self.sh(f"docker run --rm {opts}{PROBE_IMAGE} {command}", check=False)

    # --- the site playbook ----------------------------------------------------------------------

    def site(self, *args: str, extra_vars: dict | None = None) -> PlaybookRun:
        """Run the repository's site.yml against this host alone and parse what happened."""
        return self.play(REPO / "site.yml", *args, extra_vars=extra_vars)

    def play(self, playbook: Path, *args: str, extra_vars: dict | None = None) -> PlaybookRun:
        """Run a playbook (site.yml, or one a case wrote) against this host alone, as site() does."""
        log = self.workdir / f"{self.name}-run{len(self.history) + 1}.json"
        playbook_bin = Path(sys.executable).with_name("ansible-playbook")
        argv = [str(playbook_bin) if playbook_bin.exists() else "ansible-playbook",
                "-i", str(self.inventory), str(playbook), "--limit", self.name]
        if extra_vars is not None:
            argv += ["-e", json.dumps(extra_vars)]
        argv += list(args)
        started = time.monotonic()
        proc = subprocess.run(argv, cwd=REPO, env=playbook_env(self.workdir), capture_output=True,
                              text=True, timeout=600, check=False)
        seconds = time.monotonic() - started
        log.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
        start = proc.stdout.find("{")
        try:
            output = json.loads(proc.stdout[start:]) if start >= 0 else {}
        except json.JSONDecodeError:
            output = {}
        run = PlaybookRun(self.name, argv, proc.returncode, seconds, output, proc.stderr, log)
        self.history.append(run)
        return run

    # --- baseline and restore -------------------------------------------------------------------

    def record_baseline(self) -> None:
        """Remember the hardened host; refuse to start from anything else."""
        if not self.hardened():
            raise LabError(f"{self.name} is not hardened (run `molecule converge -s faults`): {self.info()}")
        for path in (DAEMON_CONFIG, SECCOMP_PROFILE, *ACCOUNT_FILES):
            data = self.read(path)
            if data is None:
                raise LabError(f"{self.name}: {path} is missing on the hardened host")
            self.baseline[path] = data
        self.unit_files = self.unit_file_states()
        self.sh(f"mkdir -p {BASELINE_DIR} && cp -p {DAEMON_CONFIG} {SECCOMP_PROFILE} {BASELINE_DIR}/")

    def restore(self) -> list[str]:
        """Put the hardened state back; return what had to be repaired (empty: nothing)."""
        repaired = []
        if self.sh(f"test -e {DOCKER_WRAPPER}", check=False).returncode == 0:
            self.sh(f"rm -f {DOCKER_WRAPPER}; hash -r")
            repaired.append("docker wrapper removed")
        scratch = self.sh(f"ls -d {SCRATCH_PREFIX}* 2>/dev/null", check=False).stdout.split()
        if scratch:
            self.sh("rm -f " + " ".join(scratch))
            repaired.append("scratch files removed")
        if self.sh(f"test -e {DROP_IN}", check=False).returncode == 0:
            self.sh(f"rm -f {DROP_IN}; rmdir --ignore-fail-on-non-empty {DROP_IN_DIR}; systemctl daemon-reload")
            repaired.append("drop-in removed")
        if self.sh(f"test -e {CONTAINERD_DROP_IN}", check=False).returncode == 0:
            self.sh(f"rm -f {CONTAINERD_DROP_IN}; rmdir --ignore-fail-on-non-empty {CONTAINERD_DROP_IN_DIR}; "
                    "systemctl daemon-reload; systemctl reset-failed containerd.service")
            repaired.append("containerd drop-in removed")
        if self.sh("systemctl is-active containerd.service", check=False).stdout.strip() != "active":
            # dockerd reconnects to a containerd that comes back; the restart below makes sure.
            self.sh("systemctl start containerd.service")
            repaired.append("containerd started")
        for path in (DAEMON_CONFIG, SECCOMP_PROFILE):
            if self.read(path) != self.baseline[path]:
                self.sh(f"cp -p {BASELINE_DIR}/{os.path.basename(path)} {path}")
                repaired.append(f"{path} restored")
        changed_accounts = [path for path in ACCOUNT_FILES if self.read(path) != self.baseline[path]]
        if changed_accounts and not self.accounts_owned:
            raise LabError(f"{self.name}: {', '.join(changed_accounts)} changed; this case never touches them")
        if self.accounts_owned:
            # The collection may have started dockerd on the changed ranges: restart after the files.
            for path in changed_accounts:
                self.write(path, self.baseline[path])
                repaired.append(f"{path} restored")
            if self.homes:
                self.sh("rm -rf " + " ".join(f"'{home}'" for home in self.homes))
            self.accounts_owned, self.homes = False, []
        if self.unit_file_states() != self.unit_files:
            self.sh("systemctl enable docker.service docker.socket")
            repaired.append("units enabled")
        if repaired or not self.active() or not self.hardened():
            self.restart_docker()
            repaired.append("dockerd restarted")
        if not self.hardened():
            raise LabError(f"{self.name}: still not hardened after restore: {self.info()}")
        if self.sh("systemctl is-active docker.socket", check=False).stdout.strip() != "active":
            self.sh("systemctl start docker.socket")
            repaired.append("docker.socket started")
        return repaired


def playbook_env(workdir: Path) -> dict[str, str]:
    """The environment of an operator's run from the checkout: the repository's ansible.cfg.

    Molecule's and the caller's ANSIBLE_* settings are dropped. The JSON callback makes the result
    machine-readable; facts are cached per session (the roles use none, gathering them each run
    would only cost time).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_"))}
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_GATHERING="smart",
        ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile",
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(workdir / "facts"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-local"),
    )
    return env


def write_inventory(path: Path, names: list[str]) -> None:
    """An operator's inventory for the lab hosts: group docker_hosts, docker connection."""
    inventory = {
        "docker_hosts": {
            "hosts": {name: {} for name in names},
            "vars": {
                "ansible_connection": "community.docker.docker",
                "ansible_python_interpreter": "/usr/bin/python3",
                "seccomp_denied_syscalls": DENIED,
            },
        }
    }
    path.write_text(json.dumps(inventory, indent=2) + "\n")
