# -*- coding: utf-8 -*-
"""The probes fail closed: a command that errors is an error with its output, never "nothing
found". The command runner is a table (command -> exit code, output), so each probe can be made to
fail on its own; the live behaviour is proven in tests/faults on real engines."""

import json

import pytest

from ansible_collections.containment.docker.plugins.module_utils import dockerd_probe as p

UNIT = "\n".join([
    "Id=docker.service", "LoadState=loaded", "ActiveState=active", "SubState=running", "Result=success",
    "MainPID=0", "ExecStart={ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS ; ignore_errors=no }",
    "FragmentPath=/lib/systemd/system/docker.service", "DropInPaths=", "Environment=DOCKER_OPTS=--debug",
    "EnvironmentFiles=", "UnitFileState=enabled", "NRestarts=0",
])
SOCKET = "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n"
INFO = {"ServerVersion": "26.1.5", "SecurityOptions": ["name=seccomp,profile=builtin"], "DockerRootDir": "/var/lib/docker",
        "Images": 0, "Containers": 1}


class FakeModule(object):
    """Answers run_command from a table keyed by the command's words after the binary."""

    def __init__(self, table):
        self.table = table
        self.calls = []

    def get_bin_path(self, name, required=False):
        return "/usr/bin/" + name

    def run_command(self, argv):
        words = tuple(argv[1:])
        self.calls.append(words)
        for prefix, answer in self.table.items():
            if words[:len(prefix)] == prefix:
                return answer
        raise AssertionError("unexpected command %r" % (argv,))


def _table(**over):
    table = {
        ("show", "docker.service"): (0, UNIT, ""),
        ("show", "docker.socket"): (0, SOCKET, ""),
        ("version",): (0, "26.1.5\n", ""),
        ("info",): (0, json.dumps(INFO), ""),
        ("ps",): (0, "c0ffee\n", ""),
        ("inspect",): (0, json.dumps([{"Name": "/web", "HostConfig": {"Privileged": True}}]), ""),
        ("volume",): (0, "v1\nv2\n", ""),
    }
    for key, value in over.items():
        table[tuple(key.split("_"))] = value
    return table


def test_gather_reads_the_unit_the_engine_and_the_files(tmp_path):
    config = tmp_path / "daemon.json"
    config.write_text('{"debug": true}\n')
    facts = p.gather(FakeModule(_table()), "docker", str(config))
    assert facts["unit"]["command"] == "/usr/sbin/dockerd -H fd:// --debug"
    assert facts["unit"]["socket"]["active_state"] == "active"
    assert facts["engine"]["answers"] is True
    assert facts["engine"]["volumes"] == 2
    assert facts["engine"]["containers"][0]["Name"] == "/web"
    assert facts["engine_version"] == (26, 1, 5)
    assert facts["config"]["text"] == '{"debug": true}\n'


@pytest.mark.parametrize("failing, needle", [
    ({"ps": (1, "", "permission denied while trying to connect")}, "`/usr/bin/docker ps --quiet --no-trunc` failed (exit 1): permission denied"),
    ({"volume": (1, "", "Error response from daemon: boom")}, "volume ls --quiet` failed (exit 1): Error response from daemon: boom"),
    ({"info": (0, "not json", "")}, "printed no JSON"),
    ({"info": (0, json.dumps({"ServerErrors": ["Cannot connect"]}), "")}, "ServerVersion missing"),
    ({"inspect": (1, "", "Error: something else")}, "docker inspect c0ffee` failed (exit 1): Error: something else"),
    ({"info": (1, "", "Cannot connect to the Docker daemon")}, "is active but the engine does not answer `docker info`"),
    ({"show_docker.service": (1, "", "Failed to connect to bus")}, "failed (exit 1): Failed to connect to bus"),
    ({"show_docker.service": (0, UNIT.replace("LoadState=loaded", "LoadState=not-found"), "")}, "not a loaded systemd unit"),
])
def test_a_probe_that_errors_is_an_error(tmp_path, failing, needle):
    with pytest.raises(p.ProbeError) as err:
        p.gather(FakeModule(_table(**failing)), "docker", str(tmp_path / "daemon.json"))
    assert needle in str(err.value)


def test_a_container_gone_between_listing_and_inspect_repeats_the_listing(tmp_path):
    answers = iter([(1, "", "Error: No such object: c0ffee"), (0, "[]", "")])
    module = FakeModule(_table())
    original = module.run_command

    def run(argv):
        if argv[1] == "inspect":
            module.calls.append(tuple(argv[1:]))
            return next(answers)
        return original(argv)

    module.run_command = run
    facts = p.gather(module, "docker", str(tmp_path / "daemon.json"))
    assert facts["engine"]["containers"] == []
    assert [c[0] for c in module.calls].count("ps") == 2


def test_a_stopped_unit_reads_no_engine_but_still_the_version(tmp_path):
    table = _table(**{"show_docker.service": (0, UNIT.replace("ActiveState=active", "ActiveState=failed"), ""),
                      "--version": (0, "Docker version 20.10.24+dfsg1, build 297e128\n", "")})
    facts = p.gather(FakeModule(table), "docker", str(tmp_path / "daemon.json"))
    assert facts["engine"]["answers"] is False
    assert facts["engine_version"] == (20, 10, 24)


# docker-ce's unit (the dockerce lab host): no EnvironmentFile, no variable in ExecStart.
UNIT_DOCKERCE = "\n".join([
    "Id=docker.service", "LoadState=loaded", "ActiveState=active", "SubState=running", "Result=success",
    "MainPID=0",
    "ExecStart={ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// "
    "--containerd=/run/containerd/containerd.sock ; ignore_errors=no }",
    "FragmentPath=/usr/lib/systemd/system/docker.service", "DropInPaths=", "Environment=",
    "EnvironmentFiles=", "UnitFileState=enabled", "NRestarts=0",
])


def test_docker_ce_unit_reads_no_environment_file(tmp_path):
    """docker-ce ships /etc/default/docker but its unit never reads it: DOCKER_OPTS set there is no flag."""
    table = _table(**{"show_docker.service": (0, UNIT_DOCKERCE, "")})
    facts = p.gather(FakeModule(table), "docker", str(tmp_path / "daemon.json"))
    assert facts["unit"]["command"] == "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
    assert facts["unit"]["environment_files"] == []
    assert facts["unit"]["fragment"] == "/usr/lib/systemd/system/docker.service"
    assert "variables from" not in facts["unit"]["source"]
