"""The containerd image store on hardened live hosts (issue 9; module_utils/image_store.py).

The operator turns `features.containerd-snapshotter` on in daemon.json of a host that runs
remapped on the graph-driver store. What each engine line does with that, on the real engine:

* 20.10 has no such feature: the key is ignored, the run restarts dockerd for the changed file and
  every image stays.
* 24.0 to 28.x (26.1.5 and 28.5.2 here) start on the containerd image store under remap, where
  BuildKit builds fail (moby issue 47377) and every image and container of the graph-driver store
  disappears from `docker images` / `docker ps -a`. The run stops before any write, naming the key,
  the issue and the switch; with daemon_allow_containerd_store_with_remap it still stops, counting
  what the switch hides; with daemon_acknowledge_hidden_data too it goes on, and the engine runs on
  the containerd store, hardened, with the images hidden (kept on disk) and the volumes still there.

Engines 29.0 and later refuse to start with the key and remap together; no lab engine runs 29, so
that row is proven by the unit tables (tests/unit/plugins/module_utils/test_image_store.py) against moby's source.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import test_faults as tf
from faultlab import DATA_ROOT, PROBE_IMAGE, Lab

FEATURE_KEY = "containerd-snapshotter"
CONTAINER = "containment-faults-graph-store"
VOLUME = "containment-faults-store-volume"
SNAPSHOTTER = "io.containerd.snapshotter.v1"
ALLOW = "daemon_allow_containerd_store_with_remap"
ACK = "daemon_acknowledge_hidden_data"


def store(lab: Lab) -> str:
    pairs = lab.info().get("DriverStatus") or []
    return "containerd" if any(p[:1] == ["driver-type"] and p[1].startswith(SNAPSHOTTER) for p in pairs) \
        else "graph-driver"


def listing(lab: Lab, command: str) -> list[str]:
    return lab.sh(command).stdout.split()


def engine_line(lab: Lab) -> tuple[int, int]:
    major, minor = lab.info()["ServerVersion"].split(".")[:2]
    return int(major), int(minor)


@tf.case
def containerd_store_turned_on(lab: Lab) -> SimpleNamespace:
    o = SimpleNamespace(line=engine_line(lab))
    lab.sh(f"docker rm -f {CONTAINER}; docker volume rm {VOLUME}", check=False)
    lab.ensure_probe_image()
    lab.sh(f"docker create --name {CONTAINER} {PROBE_IMAGE} true >/dev/null && docker volume create {VOLUME} >/dev/null")
    o.store_before = store(lab)
    o.images_before = listing(lab, "docker images -q")
    o.containers_before = listing(lab, "docker ps -aq")
    config = tf.hardened_config(lab)
    config["features"] = {FEATURE_KEY: True}
    tf.write_config(lab, config)
    o.written = lab.read(tf.DAEMON_CONFIG)
    o.before = tf.observe(lab)
    o.run = lab.site()
    o.after = tf.observe(lab)
    o.allowed_run = lab.site("-e", f"{ALLOW}=true")
    o.after_allowed = tf.observe(lab)
    o.ack_run = lab.site(extra_vars={ALLOW: True, ACK: True, "daemon_verify_container": True})
    o.after_ack = tf.observe(lab)
    o.store_after = store(lab)
    o.images_after = listing(lab, "docker images -q")
    o.containers_after = listing(lab, "docker ps -aq")
    o.volumes_after = listing(lab, "docker volume ls -q")
    o.graph_store_kept = lab.sh(
        f"grep -q {PROBE_IMAGE.split(':', maxsplit=1)[0]} {DATA_ROOT}/image/overlay2/repositories.json "
        f"&& ls {DATA_ROOT}/containers | grep -q .", check=False).returncode == 0
    o.rerun = lab.site(extra_vars={ALLOW: True, ACK: True})
    return o


def test_store_before_is_the_graph_driver(outcome):
    o = outcome(containerd_store_turned_on)
    assert o.store_before == "graph-driver"
    assert o.images_before and o.containers_before, "setup made no image or container"


def test_engine_without_the_feature_ignores_the_key(outcome):
    o = outcome(containerd_store_turned_on)
    if o.line >= (24, 0):
        return
    tf.run_succeeded(o.run)
    assert o.store_after == "graph-driver"
    assert o.images_before[0] in o.images_after
    tf.assert_engine_hardened(o.after_ack)


def test_key_with_remap_stops_before_any_write_naming_key_issue_and_switch(outcome):
    o = outcome(containerd_store_turned_on)
    if o.line < (24, 0):
        return
    tf.run_failed_with(o.run, "features.containerd-snapshotter=true and userns-remap", "moby issue 47377",
                       f"{ALLOW}=true", "from the graph-driver image store to the containerd image store",
                       f"{len(o.images_before)} image(s), {len(o.containers_before)} container(s) (volumes stay)",
                       ACK, task=tf.PREFLIGHT_CHECK)
    assert tf.unchanged(o.before, o.after) == [], o.run.describe()
    assert o.after.daemon == o.written


def test_allowed_still_stops_counting_what_the_switch_hides(outcome):
    o = outcome(containerd_store_turned_on)
    if o.line < (24, 0):
        return
    tf.run_failed_with(o.allowed_run, f"{len(o.images_before)} image(s)", ACK, task=tf.PREFLIGHT_CHECK)
    assert "BuildKit" not in o.allowed_run.message, o.allowed_run.describe()
    assert tf.unchanged(o.before, o.after_allowed) == [], o.allowed_run.describe()


def test_acknowledged_engine_runs_on_containerd_store_and_graph_images_disappear(outcome):
    o = outcome(containerd_store_turned_on)
    if o.line < (24, 0):
        return
    tf.run_succeeded(o.ack_run)
    assert o.store_after == "containerd"
    tf.assert_engine_hardened(o.after_ack)
    assert json.loads(o.after_ack.daemon)["features"] == {FEATURE_KEY: True}
    assert not set(o.images_before) & set(o.images_after), (o.images_before, o.images_after)
    assert not set(o.containers_before) & set(o.containers_after), (o.containers_before, o.containers_after)
    assert VOLUME in o.volumes_after
    assert o.graph_store_kept, "the graph-driver store's image or container is gone from disk"


def test_rerun_on_the_containerd_store_changes_nothing(outcome):
    o = outcome(containerd_store_turned_on)
    tf.run_succeeded(o.rerun)
    assert o.rerun.changed == 0, o.rerun.describe()
