"""Fixtures for the integration tests, which check hardened Docker hosts through the live engine.

`molecule verify` runs them against the scenario's lab hosts (testinfra, ansible connection,
molecule's inventory). By hand, against a lab host that Molecule created and converged:

    pytest tests/integration --hosts=docker://containment-mol-bookworm

The scenario's prepare step records the files it seeded under SEED_DIR on each host; the tests
compare against that record, so "left unchanged" means byte for byte what was there before.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from expected import (
    DAEMON_CONFIG,
    PROBE_APPLETS,
    PROBE_CONTAINER,
    PROBE_IMAGE,
    SECCOMP_PROFILE,
    SEED_DIR,
)


# Counts of the syscall probe (test_syscall_probe.py): (host, engine, comparison, numbers compared,
# equal, differing), printed at the end of the run.
PROBE_SUMMARY: list[tuple[str, str, str, int, int, int]] = []


def pytest_terminal_summary(terminalreporter):
    if PROBE_SUMMARY:
        terminalreporter.section("syscall probe (host, engine, comparison: numbers, equal, differing)")
        for host, engine, comparison, compared, equal, differing in sorted(PROBE_SUMMARY):
            terminalreporter.write_line(
                f"{host:28} {engine:14} {comparison:44} {compared} numbers: {equal} equal, {differing} differing"
            )


@pytest.fixture(scope="session")
def probe_summary():
    return PROBE_SUMMARY


@dataclasses.dataclass(frozen=True)
class RunningProbe:
    """A probe container left running (`sleep`) on a host's engine."""

    name: str
    host_pid: int


def check_json(host, command: str, *args: str):
    """Run a command on the host and parse its standard output as JSON."""
    return json.loads(host.check_output(command, *args))


def read_json_file(host, path: str):
    """Parse a file on the host as JSON; fail the test with the path if it is missing or not JSON."""
    if not host.file(path).is_file:
        pytest.fail(f"{path} is missing on {host.backend.get_pytest_id()}")
    text = host.file(path).content_string
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        pytest.fail(f"{path} on {host.backend.get_pytest_id()} is not valid JSON: {exc}")


@pytest.fixture(scope="module")
def daemon_config(host):
    """The live /etc/docker/daemon.json, parsed."""
    return read_json_file(host, DAEMON_CONFIG)


@pytest.fixture(scope="module")
def seccomp_profile(host):
    """The daemon-wide seccomp profile, parsed."""
    return read_json_file(host, SECCOMP_PROFILE)


@pytest.fixture(scope="module")
def seed(host):
    """Return the record prepare left of what it seeded (file name -> content)."""
    record = {}
    for name in ("daemon.json", "subuid", "subgid"):
        path = f"{SEED_DIR}/{name}"
        seeded = host.file(path)
        if not seeded.exists:
            pytest.fail(f"{path} is missing: run the scenario's prepare step (molecule prepare)")
        record[name] = seeded.content_string
    return record


@pytest.fixture(scope="module")
def docker_info(host):
    """`docker info` as JSON (the engine must answer)."""
    return check_json(host, "docker info --format '{{json .}}'")


@pytest.fixture(scope="module")
def probe_image(host):
    """Import a one-binary busybox image into the host's engine; remove it afterwards.

    Nothing can be pulled: the image is the lab host's own static busybox. It is made here, after
    the hardening, because switching userns-remap on moves the engine to a new data root.
    """
    links = " ".join(f'ln -s busybox "$d/bin/{applet}";' for applet in PROBE_APPLETS)
    host.check_output(
        'set -e; d=$(mktemp -d); mkdir "$d/bin"; cp /bin/busybox "$d/bin/busybox"; '
        f'{links} tar -C "$d" -c . | docker import - {PROBE_IMAGE} >/dev/null; rm -rf "$d"'
    )
    yield PROBE_IMAGE
    host.run("docker image rm --force %s", PROBE_IMAGE)


@pytest.fixture(scope="module")
def running_probe(host, probe_image):
    """Start a probe container that sleeps; yield its name and host PID; remove it afterwards."""
    host.run("docker rm --force %s", PROBE_CONTAINER)
    host.check_output("docker run --detach --name %s %s sleep 3600", PROBE_CONTAINER, probe_image)
    pid = int(host.check_output("docker inspect --format '{{.State.Pid}}' %s", PROBE_CONTAINER))
    assert pid > 0, f"{PROBE_CONTAINER} is not running"
    yield RunningProbe(name=PROBE_CONTAINER, host_pid=pid)
    host.run("docker rm --force %s", PROBE_CONTAINER)
