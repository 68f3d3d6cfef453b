"""Fixtures for the fault tests: hardened lab hosts, broken on purpose, one case at a time.

`molecule test -s faults` runs them (verify step) against the scenario's hosts after converge has
hardened them. By hand, once `molecule converge -s faults` ran:

    pytest tests/faults -v \
        --hosts=containment-flt-bookworm,containment-flt-trixie,containment-flt-forky,containment-flt-dockerce

Hosts come from `--hosts` (testinfra's option; `docker://` prefixes are dropped), else from the
group `docker_hosts` of `--ansible-inventory` (what molecule's testinfra verifier passes), else the
scenario's two instance names.

Every test is parametrized over the hosts (`lab`). A case (inject a fault, run site.yml, read the
host back, restore it) is a function of one host; `outcome(case)` runs it on every selected host
at once, in threads, the first time a test asks for it, and hands each test its own host's
observations. The two hosts are independent machines, so this only saves wall time: each case
takes the time of its slower host instead of the sum.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from faultlab import Lab, LabError, write_inventory

DEFAULT_HOSTS = ("containment-flt-bookworm", "containment-flt-trixie", "containment-flt-forky",
                 "containment-flt-dockerce")
RUNS: list[tuple[str, str, float, int, int]] = []


def _bin(name: str) -> str:
    """A tool from the Python environment running pytest, else from PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


def _names_from_inventory(inventory: str) -> list[str]:
    listed = subprocess.run(
        [_bin("ansible-inventory"), "-i", inventory, "--list"], capture_output=True, text=True, check=True
    )
    return sorted(json.loads(listed.stdout).get("docker_hosts", {}).get("hosts", []))


def lab_names(config) -> list[str]:
    hosts = config.getoption("hosts", default=None)
    if hosts:
        if isinstance(hosts, str):
            hosts = hosts.split(",")
        return [h.strip().split("://", 1)[-1] for h in hosts if h.strip()]
    inventory = config.getoption("ansible_inventory", default=None)
    if inventory:
        return _names_from_inventory(inventory)
    return list(DEFAULT_HOSTS)


def pytest_generate_tests(metafunc):
    if "lab_name" in metafunc.fixturenames:
        metafunc.parametrize("lab_name", lab_names(metafunc.config))


def pytest_terminal_summary(terminalreporter):
    if RUNS:
        terminalreporter.section("site.yml runs (host, case, seconds, rc, changed)")
        for host, case, seconds, rc, changed in RUNS:
            terminalreporter.write_line(f"{host:28} {case:34} {seconds:6.1f}s rc={rc} changed={changed}")


@pytest.fixture(scope="session")
def labs(request, tmp_path_factory) -> dict[str, Lab]:
    """Every host any selected test runs on, with its hardened baseline recorded."""
    names = sorted({item.callspec.params["lab_name"] for item in request.session.items
                    if hasattr(item, "callspec") and "lab_name" in item.callspec.params})
    workdir = tmp_path_factory.mktemp("faults")
    (workdir / "ansible-local").mkdir()
    inventory = workdir / "inventory.yml"
    write_inventory(inventory, names)
    hosts = {name: Lab(name, inventory, workdir) for name in names}
    with ThreadPoolExecutor(max_workers=len(hosts) or 1) as pool:
        list(pool.map(Lab.record_baseline, hosts.values()))
    return hosts


class CaseRunner:
    """Run each case once per host, all hosts at once; keep every host's outcome or error."""

    def __init__(self, labs: dict[str, Lab]):
        self.labs = labs
        self.futures: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.broken: dict[str, str] = {}

    def _run(self, case, lab: Lab):
        if lab.name in self.broken:
            raise LabError(f"{lab.name} could not be restored after an earlier case: {self.broken[lab.name]}")
        first = len(lab.history)
        try:
            outcome = case(lab)
        finally:
            for run in lab.history[first:]:
                RUNS.append((lab.name, case.__name__, run.seconds, run.rc, run.changed))
            try:
                repaired = lab.restore()
            except Exception as exc:
                self.broken[lab.name] = str(exc)
                raise
        outcome.repaired = repaired
        # Every site.yml run of the case, for test_no_internal_error.
        outcome.runs = lab.history[first:]
        return outcome

    def outcome(self, case, name: str):
        with self.lock:
            if case.__name__ not in self.futures:
                with ThreadPoolExecutor(max_workers=len(self.labs)) as pool:
                    self.futures[case.__name__] = {
                        host: pool.submit(self._run, case, lab) for host, lab in self.labs.items()
                    }
        return self.futures[case.__name__][name].result()


@pytest.fixture(scope="session")
def case_runner(labs) -> CaseRunner:
    return CaseRunner(labs)


@pytest.fixture
def lab(labs, lab_name) -> Lab:
    return labs[lab_name]


@pytest.fixture
def outcome(case_runner, lab_name):
    """outcome(case) -> this host's observations from running `case` (run once for all hosts)."""

    def get(case):
        return case_runner.outcome(case, lab_name)

    return get
