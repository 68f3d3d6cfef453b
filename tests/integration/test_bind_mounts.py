"""What remapping does to bind mounts of host directories (README, "Bind mounts under remap").

Container root is host UID 165536, so files of host root are "other" to it: a 0644 file is
readable but not writable, a 0600 file is unreadable, and a root-owned directory takes no new
files. The same container with --userns=host (root is host root) reads and writes them, so the
difference is the remapping and nothing else. The collection changes no permission outside its
own paths; this test leaves the host as it found it.
"""

from __future__ import annotations

import pytest

from expected import PROBE_IMAGE, SUBID_START

BIND_DIR = "/tmp/containment-bind-probe"


@pytest.fixture(scope="module")
def bind_dir(host, probe_image):
    host.check_output(
        f"rm -rf {BIND_DIR} && mkdir -m 0755 {BIND_DIR} && echo public > {BIND_DIR}/public "
        f"&& chmod 0644 {BIND_DIR}/public && echo secret > {BIND_DIR}/secret && chmod 0600 {BIND_DIR}/secret "
        f"&& echo mine > {BIND_DIR}/mine && chmod 0600 {BIND_DIR}/mine && chown {SUBID_START}:{SUBID_START} {BIND_DIR}/mine"
    )
    yield BIND_DIR
    host.run(f"rm -rf {BIND_DIR}")


def in_container(host, command: str, *, userns_host: bool = False):
    opts = "--userns=host " if userns_host else ""
    return host.run(f"docker run --rm {opts}-v {BIND_DIR}:/m {PROBE_IMAGE} sh -c '{command}'")


@pytest.mark.parametrize("command, remapped_ok", [
    ("cat /m/public", True),
    ("cat /m/secret", False),
    ("echo x > /m/new", False),
    ("echo x >> /m/public", False),
    ("cat /m/mine && echo x >> /m/mine", True),     # given to the remapped root: its own
])
def test_bind_mount_access_under_remap(host, bind_dir, command, remapped_ok):
    remapped = in_container(host, command)
    assert (remapped.rc == 0) is remapped_ok, (command, remapped.rc, remapped.stderr)
    if not remapped_ok:
        assert "Permission denied" in remapped.stderr, remapped.stderr


@pytest.mark.parametrize("command", ["cat /m/secret", "echo x > /m/new"])
def test_bind_mount_access_as_host_root_with_userns_host(host, bind_dir, command):
    result = in_container(host, command, userns_host=True)
    assert result.rc == 0, (command, result.stderr)


def test_host_files_unchanged(host, bind_dir):
    in_container(host, "cat /m/secret")
    assert host.check_output(f"stat -c '%u:%g %a' {BIND_DIR}/secret") == "0:0 600"
