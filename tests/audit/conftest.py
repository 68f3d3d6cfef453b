"""Fixtures for the audit and undo tests: the scenario's hardened lab hosts, reached with `docker exec`.

`molecule test -s audit` runs them (verify step) after converge hardened both hosts. By hand, once
`molecule converge -s audit` ran:

    pytest tests/audit -v --hosts=containment-aud-bookworm,containment-aud-trixie

The tests run in file order and share the hosts: green audit, drift and repair, undo round trip.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))

from faultlab import Lab  # noqa: E402  (tests/faults is the shared lab driver)

from auditlab import Fleet  # noqa: E402

DEFAULT_HOSTS = ("containment-aud-bookworm", "containment-aud-forky", "containment-aud-trixie")


def lab_names(config) -> list[str]:
    hosts = config.getoption("hosts", default=None)
    if hosts:
        if isinstance(hosts, str):
            hosts = hosts.split(",")
        return sorted(h.strip().split("://", 1)[-1] for h in hosts if h.strip())
    inventory = config.getoption("ansible_inventory", default=None)
    if inventory:
        import subprocess

        listed = subprocess.run([str(Path(sys.executable).with_name("ansible-inventory")), "-i", inventory,
                                 "--list"], capture_output=True, text=True, check=True)
        return sorted(json.loads(listed.stdout).get("docker_hosts", {}).get("hosts", []))
    return list(DEFAULT_HOSTS)


@pytest.fixture(scope="session")
def fleet(request, tmp_path_factory) -> Fleet:
    workdir = tmp_path_factory.mktemp("audit")
    (workdir / "ansible-local").mkdir()
    names = lab_names(request.config)
    return Fleet({name: Lab(name, workdir / "inventory.yml", workdir) for name in names}, workdir)
