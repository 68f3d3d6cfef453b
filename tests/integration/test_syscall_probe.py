"""Proof against the engine itself: every syscall number, called in a container, under four profiles.

`lab/syscall-probe.c` calls each syscall number of the host's architecture (0 to 511, all six
arguments zero) in a forked child and prints how it ended (ok, E<errno>, exit, signal, blocked,
skip). One container run per profile, all numbers inside it:

- `builtin`: the engine's own default. `--security-opt seccomp=builtin` on 23.0+; on 20.10, which
  has no such keyword, moby's published default of that release (the unit tests' fixture for the
  engine's version, copied to the host: the JSON moby generates its built-in default from);
- `rendered`: the collection's profile for this engine with no operator changes (rendered on the
  controller by the collection's own `seccomp_profile` filter, from `files/seccomp/default-policy.yml`);
- `daemon`: no `--security-opt`: the daemon-wide profile the scenario converged (deny `chroot`,
  `seccomp_denied_errno` left at EPERM);
- `errno`: the collection's profile denying `chroot` and `personality` with ENOSYS (F19).

`rendered` must answer every number exactly as `builtin`; `daemon` and `errno` must differ from it
in exactly the denied syscalls, each answering the configured errno.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from expected import DENIED_SYSCALL

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "unit" / "fixtures" / "seccomp"
POLICY = REPO / "files" / "seccomp" / "default-policy.yml"
HOST_DIR = "/var/lib/containment-test/syscall-probe"
PROBE_IMAGE = "containment-syscall-probe:latest"
EPERM, ENOSYS = 1, 38
# The F19 run: denied with ENOSYS instead of the default EPERM. Both names are known to every lab
# host's libseccomp, and neither call answers EPERM or ENOSYS when allowed (chroot(NULL): EFAULT;
# personality(0): ok), so the errno seen can only come from the deny rule.
ERRNO_DENIED = ("chroot", "personality")


def _render(engine_version: str, denied=(), errno=EPERM) -> dict:
    """The collection's own rendering (the filter the seccomp role uses), on the controller."""
    collections = str(REPO / "collections")
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.containment.docker.plugins.filter.seccomp_profile import seccomp_profile

    policy = yaml.safe_load(POLICY.read_text())
    return seccomp_profile(policy, engine_version, list(denied), [], errno=errno)


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.lstrip("v").split("+")[0].split("-")[0].split("."))


def reference_fixture(engine_version: str) -> Path:
    """moby's published default for this engine release (tests/unit/fixtures/seccomp)."""
    wanted = _version_key(engine_version)
    with (FIXTURES / "engine-versions.tsv").open() as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            if _version_key(row["first_release"]) <= wanted <= _version_key(row["last_release"]):
                if row["profile_file"] == "-":
                    pytest.fail(f"no reference profile for engine {engine_version}")
                return FIXTURES / row["profile_file"]
    pytest.fail(f"engine {engine_version} is not in engine-versions.tsv")


def put_file(host, source: Path, dest: str, mode: str = "0644") -> None:
    """Copy a controller file onto the host (ansible backend: the copy module; docker: docker cp)."""
    if host.backend.NAME == "ansible":
        result = host.ansible("ansible.builtin.copy", f"src={source} dest={dest} mode={mode}", check=False)
        assert not result.get("failed"), result
    elif host.backend.NAME == "docker":
        subprocess.run(["docker", "cp", str(source), f"{host.backend.name}:{dest}"], check=True)
        host.check_output("chmod %s %s", mode, dest)
    else:
        pytest.skip(f"cannot copy files to a {host.backend.NAME} host")


def parse(output: str) -> dict[int, str]:
    """The probe's lines "<number> <outcome>" as a dict."""
    outcomes = {}
    for line in output.splitlines():
        if line and not line.startswith("#"):
            number, outcome = line.split()
            outcomes[int(number)] = outcome
    return outcomes


def differences(reference: dict[int, str], other: dict[int, str]) -> dict[int, tuple[str, str]]:
    return {nr: (reference[nr], other.get(nr)) for nr in reference
            if reference[nr] != "skip" and reference[nr] != other.get(nr)}


@pytest.fixture(scope="module")
def engine_version(host) -> str:
    return host.check_output("docker version --format '{{.Server.Version}}'")


@pytest.fixture(scope="module")
def syscall_numbers(host) -> dict[str, int]:
    """The host architecture's numbers of the syscalls the runs deny, from the host's libseccomp."""
    names = sorted({DENIED_SYSCALL, *ERRNO_DENIED})
    script = ("import ctypes, json, sys; lib = ctypes.CDLL('libseccomp.so.2'); "
              "print(json.dumps({n: lib.seccomp_syscall_resolve_name(n.encode()) for n in sys.argv[1:]}))")
    numbers = json.loads(host.check_output("python3 -c %s" + " %s" * len(names), script, *names))
    assert all(number >= 0 for number in numbers.values()), numbers
    return numbers


@pytest.fixture(scope="module")
def probe_runs(host, engine_version, tmp_path_factory) -> dict[str, dict[int, str]]:
    """Outcomes per number under each of the four profiles (one container run each)."""
    local = tmp_path_factory.mktemp("syscall-probe")
    binary = Path(subprocess.run([str(REPO / "lab" / "syscall-probe.sh")], capture_output=True, text=True,
                                 check=True).stdout.strip())
    host.check_output("mkdir -p %s", HOST_DIR)
    put_file(host, binary, f"{HOST_DIR}/syscall-probe", "0755")
    host.check_output(
        f'set -e; d=$(mktemp -d); cp {HOST_DIR}/syscall-probe "$d/syscall-probe"; '
        f'tar -C "$d" -c . | docker import --change \'CMD ["/syscall-probe"]\' - {PROBE_IMAGE} >/dev/null; '
        'rm -rf "$d"'
    )

    profiles = {
        "rendered": _render(engine_version),
        "errno": _render(engine_version, ERRNO_DENIED, ENOSYS),
    }
    for name, profile in profiles.items():
        (local / f"{name}.json").write_text(json.dumps(profile, indent=2) + "\n")
        put_file(host, local / f"{name}.json", f"{HOST_DIR}/{name}.json")
    if int(engine_version.split(".")[0]) >= 23:
        builtin = "builtin"
    else:
        put_file(host, reference_fixture(engine_version), f"{HOST_DIR}/builtin.json")
        builtin = f"{HOST_DIR}/builtin.json"

    options = {
        "builtin": f"--security-opt seccomp={builtin}",
        "rendered": f"--security-opt seccomp={HOST_DIR}/rendered.json",
        "daemon": "",
        "errno": f"--security-opt seccomp={HOST_DIR}/errno.json",
    }
    runs = {}
    for name, option in options.items():
        result = host.run(f"docker run --rm {option} {PROBE_IMAGE}")
        assert result.rc == 0, f"probe under {name} ({option or 'daemon-wide profile'}): {result.stderr}"
        runs[name] = parse(result.stdout)
    yield runs
    host.run("docker image rm --force %s", PROBE_IMAGE)
    host.run("rm -rf %s", HOST_DIR)


@pytest.fixture
def record(host, engine_version, probe_summary):
    """Add a comparison's counts to the summary printed at the end of the run."""

    def add(comparison, reference, other):
        compared = [nr for nr in reference if reference[nr] != "skip"]
        differing = len(differences(reference, other))
        probe_summary.append((host.backend.get_pytest_id(), engine_version, comparison, len(compared),
                              len(compared) - differing, differing))

    return add


def test_probe_sees_the_engine_default_deny(probe_runs):
    # The probe distinguishes allowed from denied: getpid (39 on x86_64, 172 on arm64...) runs,
    # and the engine's default denies some numbers with EPERM.
    builtin = probe_runs["builtin"]
    assert len(builtin) == 512
    assert sum(outcome == "ok" for outcome in builtin.values()) > 50
    assert sum(outcome == f"E{EPERM}" for outcome in builtin.values()) > 50


def test_rendered_default_answers_every_syscall_as_the_engine_builtin(record, probe_runs):
    record("rendered default vs builtin", probe_runs["builtin"], probe_runs["rendered"])
    assert differences(probe_runs["builtin"], probe_runs["rendered"]) == {}


def test_daemon_profile_differs_only_in_the_denied_syscall(record, probe_runs, syscall_numbers):
    record("daemon profile (deny chroot) vs builtin", probe_runs["builtin"],
           probe_runs["daemon"])
    number = syscall_numbers[DENIED_SYSCALL]
    assert probe_runs["builtin"][number] != f"E{EPERM}", "the denied syscall answers EPERM even when allowed"
    assert differences(probe_runs["builtin"], probe_runs["daemon"]) == {
        number: (probe_runs["builtin"][number], f"E{EPERM}")
    }


def test_denied_syscalls_answer_the_configured_errno(record, probe_runs, syscall_numbers):
    # F19: seccomp_denied_errno is the errno a container sees, on every engine (20.10 included).
    record("deny chroot,personality ENOSYS vs builtin", probe_runs["builtin"], probe_runs["errno"])
    numbers = [syscall_numbers[name] for name in ERRNO_DENIED]
    assert differences(probe_runs["builtin"], probe_runs["errno"]) == {
        nr: (probe_runs["builtin"][nr], f"E{ENOSYS}") for nr in numbers
    }
