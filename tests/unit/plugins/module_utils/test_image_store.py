# -*- coding: utf-8 -*-
"""Tables for the image store decision (plugins/module_utils/image_store.py): which store dockerd
uses now and after the next start, per engine line, for every combination of the feature key,
storage-driver and userns-remap. The rules are moby's (see the module's docstring); the
28.5.2 row of a switch under remap was measured on the lab engine."""

import pytest

from ansible_collections.containment.docker.plugins.module_utils import image_store as s
from ansible_collections.containment.docker.plugins.module_utils import dockerd_host as h

GRAPH_INFO = {"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
              "DockerRootDir": "/var/lib/docker", "Images": 3, "Containers": 2, "ContainersRunning": 0,
              "SecurityOptions": ["name=seccomp,profile=builtin"]}
C8D_INFO = dict(GRAPH_INFO, Driver="overlayfs", DriverStatus=[["driver-type", "io.containerd.snapshotter.v1"]])
REMAP = {"userns-remap": "dockremap:dockremap"}
ON = {"features": {"containerd-snapshotter": True}}
OFF = {"features": {"containerd-snapshotter": False}}
G, C = s.GRAPH_DRIVER, s.CONTAINERD


@pytest.mark.parametrize("info, expected", [
    (GRAPH_INFO, G),
    (C8D_INFO, C),
    ({"DriverStatus": None, "Driver": "vfs"}, G),       # 20.10 prints null for some drivers
    ({"DriverStatus": [["driver-type", "io.containerd.snapshotter.v1.overlayfs"]]}, C),
    ({}, None),                                          # no engine to ask
    (None, None),
])
def test_store_in_use(info, expected):
    assert s.store_in_use(info) == expected


@pytest.mark.parametrize("config, expected", [
    ({}, None),
    ({"features": {}}, None),
    ({"features": {"buildkit": True}}, None),
    (ON, True),
    (OFF, False),
])
def test_feature_value(config, expected):
    assert s.feature_value(config) is expected


@pytest.mark.parametrize("config, needle", [
    ({"features": ["containerd-snapshotter"]}, "must be a JSON object"),
    ({"features": {"containerd-snapshotter": "true"}}, "true or false without quotes"),
    ({"features": {"containerd-snapshotter": 1}}, "true or false without quotes"),
])
def test_feature_value_refuses_shapes_dockerd_refuses(config, needle):
    with pytest.raises(ValueError, match=needle):
        s.feature_value(config)


# version, merged config, live info -> (after, switch, refused?, buildkit_broken)
@pytest.mark.parametrize("version, config, info, after, switch, refused, broken", [
    # before 24.0 the key does not exist: always the graph-driver store
    ((20, 10, 24), dict(REMAP, **ON), GRAPH_INFO, G, False, False, False),
    ((23, 0, 6), ON, GRAPH_INFO, G, False, False, False),
    # 24.0 to 28.x: the key decides; with remap it starts, and BuildKit is broken
    ((24, 0, 0), ON, GRAPH_INFO, C, True, False, False),
    ((26, 1, 5), dict(REMAP, **ON), GRAPH_INFO, C, True, False, True),
    ((28, 5, 2), dict(REMAP, **ON), GRAPH_INFO, C, True, False, True),
    ((28, 5, 2), dict(REMAP, **ON), C8D_INFO, C, False, False, True),     # already on it
    ((28, 5, 2), REMAP, GRAPH_INFO, G, False, False, False),
    ((28, 5, 2), OFF, C8D_INFO, G, True, False, False),                   # turned off: back to graph
    ((28, 5, 2), {}, C8D_INFO, G, True, False, False),                    # key removed
    # 29.0 and later with remap: the key true is refused, otherwise the store is forced off
    ((29, 0, 0), dict(REMAP, **ON), GRAPH_INFO, G, False, True, False),
    ((29, 7, 2), dict(REMAP, **ON), C8D_INFO, G, True, True, False),
    ((29, 0, 0), REMAP, C8D_INFO, G, True, False, False),                 # fresh 29 install turned to remap
    ((29, 0, 0), dict(REMAP, **OFF), C8D_INFO, G, True, False, False),
    ((29, 0, 0), REMAP, GRAPH_INFO, G, False, False, False),              # already remapped
    ((29, 0, 0), dict(REMAP, **{"storage-driver": "overlayfs"}), C8D_INFO, G, True, True, False),
    ((29, 0, 0), dict(REMAP, **{"storage-driver": "overlay2"}), GRAPH_INFO, G, False, False, False),
    ((29, 0, 0), dict(REMAP, **{"storage-driver": "zfs"}), GRAPH_INFO, G, False, False, False),
    # 29.0 and later without remap: key, then storage-driver, then what the host has
    ((29, 1, 0), ON, GRAPH_INFO, C, True, False, False),
    ((29, 1, 0), OFF, C8D_INFO, G, True, False, False),
    ((29, 1, 0), {"storage-driver": "overlay2"}, C8D_INFO, G, True, False, False),
    ((29, 1, 0), {"storage-driver": "overlayfs"}, GRAPH_INFO, C, True, False, False),
    ((29, 1, 0), {}, GRAPH_INFO, G, False, False, False),                 # graph driver's data kept
    ((29, 1, 0), {}, C8D_INFO, C, False, False, False),
    # no engine running: nothing known now, so no switch is counted
    ((28, 5, 2), dict(REMAP, **ON), {}, C, False, False, True),
    ((29, 1, 0), {}, {}, None, False, False, False),
    # unknown engine version: nothing predicted
    (None, ON, GRAPH_INFO, None, False, False, False),
])
def test_plan(version, config, info, after, switch, refused, broken):
    decision = s.plan(version, config, info)
    assert decision["after"] == after
    assert decision["switch"] is switch
    assert bool(decision["refused"]) is refused
    assert decision["buildkit_broken"] is broken
    assert decision["problems"] == []
    if switch:
        assert decision["reasons"], "a switch always says why"


def test_plan_reports_a_bad_feature_value_as_a_problem():
    decision = s.plan((28, 5, 2), {"features": {"containerd-snapshotter": "yes"}}, GRAPH_INFO)
    assert decision["problems"] and not decision["switch"]


# --- the preflight, with the image store in it ----------------------------------------------------

def _facts(text, info, version):
    return {"unit": {"command": "/usr/sbin/dockerd -H fd://", "source": "docker.service"},
            "process": {"pid": 63, "argv": ["/usr/sbin/dockerd", "-H", "fd://"], "started": 100.0},
            "engine": {"answers": bool(info), "info": info, "containers": [], "volumes": 4},
            "engine_version": version, "config": {"text": text}, "stale_files": []}


def _wanted(**over):
    wanted = {"config_path": "/etc/docker/daemon.json", "remove": [], "acknowledge_hidden_data": False,
              "allow_host_namespace_containers": False, "allow_containerd_store_with_remap": False,
              "expected_data_root_suffix": "", "userns_remap": "dockremap:dockremap", "seccomp_profile": "",
              "settings": {"userns-remap": "dockremap:dockremap"}}
    wanted.update(over)
    return wanted


REMAPPED_GRAPH = dict(GRAPH_INFO, DockerRootDir="/var/lib/docker/165536.165536",
                      SecurityOptions=["name=seccomp,profile=builtin", "name=userns"])
FEATURE_ON = '{"userns-remap": "dockremap:dockremap", "features": {"containerd-snapshotter": true}}'


@pytest.mark.parametrize("text, info, version, wanted, needles, absent", [
    # 28.5 remapped host, the operator turns the feature on: BuildKit check first
    (FEATURE_ON, REMAPPED_GRAPH, (28, 5, 2), _wanted(),
     ["features.containerd-snapshotter=true and userns-remap", "moby issue 47377",
      "daemon_allow_containerd_store_with_remap=true", "3 image(s), 2 container(s) (volumes stay)",
      "graph-driver image store to the containerd image store", "daemon_acknowledge_hidden_data=true"], []),
    # allowed: only the hidden images and containers are left to acknowledge
    (FEATURE_ON, REMAPPED_GRAPH, (28, 5, 2), _wanted(allow_containerd_store_with_remap=True),
     ["3 image(s), 2 container(s) (volumes stay) in the graph-driver image store"], ["BuildKit"]),
    (FEATURE_ON, REMAPPED_GRAPH, (28, 5, 2),
     _wanted(allow_containerd_store_with_remap=True, acknowledge_hidden_data=True), [], []),
    # 29: refused whatever the options say, naming the key and the fix
    (FEATURE_ON, REMAPPED_GRAPH, (29, 0, 0),
     _wanted(allow_containerd_store_with_remap=True, acknowledge_hidden_data=True),
     ["web1: /etc/docker/daemon.json sets features.containerd-snapshotter=true together with userns-remap",
      "dockerd would not come back", "daemon_remove_settings: [features]"], []),
    # a fresh 29 host on the containerd store: turning remap on hides for two reasons at once
    ("{}", dict(C8D_INFO, SecurityOptions=[]), (29, 0, 0), _wanted(),
     ["turning on userns-remap gives dockerd a new data root; and dockerd 29.0.0 turns the containerd image "
      "store off under userns-remap", "3 image(s), 2 container(s) and 4 volume(s)"], []),
    # a string where dockerd wants a boolean
    ('{"features": {"containerd-snapshotter": "true"}}', REMAPPED_GRAPH, (28, 5, 2), _wanted(),
     ["web1: /etc/docker/daemon.json: 'features.containerd-snapshotter' must be true or false"], []),
    # 20.10 ignores the key: nothing to say about it
    (FEATURE_ON, dict(REMAPPED_GRAPH, Images=0, Containers=0), (20, 10, 24), _wanted(), [], []),
])
def test_preflight_image_store(text, info, version, wanted, needles, absent):
    decision = h.preflight(_facts(text, info, version), wanted, "web1")
    joined = " ".join(decision["problems"])
    if not needles:
        assert decision["problems"] == []
    for needle in needles:
        assert needle in joined
    for needle in absent:
        assert needle not in joined


def test_preflight_returns_the_store_decision():
    decision = h.preflight(_facts(FEATURE_ON, REMAPPED_GRAPH, (28, 5, 2)),
                           _wanted(allow_containerd_store_with_remap=True, acknowledge_hidden_data=True), "web1")
    assert decision["image_store"] == {"now": G, "after": C, "switch": True}


@pytest.mark.parametrize("command, expected", [
    ("/usr/bin/dockerd -H fd://", None),
    ("dockerd --feature containerd-snapshotter", True),
    ("dockerd --feature=containerd-snapshotter=false", False),
    ("dockerd --feature containerd-snapshotter=1 --feature containerd-snapshotter=F", False),
    ("dockerd --feature buildkit=true", None),
])
def test_feature_from_command_line(command, expected):
    assert s.feature_from_command_line(command) is expected


def test_feature_from_command_line_refuses_what_go_refuses():
    with pytest.raises(ValueError, match="neither true nor false"):
        s.feature_from_command_line("dockerd --feature containerd-snapshotter=yes")


@pytest.mark.parametrize("version, expected_after", [
    ((28, 5, 2), C),     # the flag counts from 28.0
    ((27, 5, 1), G),     # 27.x has no --feature flag (dockerd would refuse the flag itself)
])
def test_plan_reads_the_feature_flag(version, expected_after):
    decision = s.plan(version, {}, GRAPH_INFO, [("docker.service", "dockerd --feature containerd-snapshotter")])
    assert decision["after"] == expected_after


# --- a data root moved by daemon.json -------------------------------------------------------------

@pytest.mark.parametrize("info, config, commands, needle", [
    (GRAPH_INFO, {"data-root": "/srv/docker"}, [], "sets data-root to /srv/docker (the engine runs on /var/lib/docker)"),
    (GRAPH_INFO, {"data-root": "/var/lib/docker/"}, [], ""),
    (REMAPPED_GRAPH, REMAP, [], ""),                                   # remapped: the base root counts
    (dict(GRAPH_INFO, DockerRootDir="/srv/docker"), {}, [], "no longer sets data-root"),
    (dict(GRAPH_INFO, DockerRootDir="/srv/docker"), {}, [("unit", "dockerd --data-root /srv/docker")], ""),
    (dict(GRAPH_INFO, DockerRootDir="/srv/docker"), {}, [("unit", "dockerd -g /srv/docker")], ""),
    (GRAPH_INFO, {"graph": "/srv/old"}, [], "sets graph to /srv/old"),
    ({}, {"data-root": "/srv/docker"}, [], ""),                        # no engine: nothing known
])
def test_data_root_switch(info, config, commands, needle):
    found = h.data_root_switch(info, config, commands)
    assert (needle in found) if needle else found == ""


def test_preflight_counts_what_a_moved_data_root_hides():
    text = '{"userns-remap": "dockremap:dockremap", "data-root": "/srv/docker"}'
    decision = h.preflight(_facts(text, REMAPPED_GRAPH, (26, 1, 5)), _wanted(), "web1")
    joined = " ".join(decision["problems"])
    assert "daemon.json sets data-root to /srv/docker (the engine runs on /var/lib/docker)" in joined
    assert "3 image(s), 2 container(s) and 4 volume(s)" in joined
    assert h.preflight(_facts(text, REMAPPED_GRAPH, (26, 1, 5)), _wanted(acknowledge_hidden_data=True),
                       "web1")["problems"] == []


def test_data_root_switch_resolves_symlinks_as_dockerd_does():
    # /var/lib/docker -> /srv/docker on the host: dockerd reports /srv/docker; no switch.
    links = {"/var/lib/docker": "/srv/docker"}
    info = dict(GRAPH_INFO, DockerRootDir="/srv/docker")
    assert h.data_root_switch(info, {}, [], resolve=lambda p: links.get(p, p)) == ""
    assert "no longer sets data-root" in h.data_root_switch(info, {}, [])
