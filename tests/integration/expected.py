"""What a host hardened by the scenario must show: paths, the remap account and range, the probe."""

DAEMON_CONFIG = "/etc/docker/daemon.json"
SECCOMP_PROFILE = "/etc/docker/seccomp/containment.json"
SEED_DIR = "/var/lib/containment-test/seed"

REMAP_USER = "dockremap"
REMAP_GROUP = "dockremap"
SUBID_START = 165536
SUBID_COUNT = 65536

# The syscall the scenario denies (seccomp_denied_syscalls in molecule/default/molecule.yml).
DENIED_SYSCALL = "chroot"

PROBE_IMAGE = "containment-probe:latest"
PROBE_CONTAINER = "containment-probe-sleep"
# Busybox applets linked into the probe image.
PROBE_APPLETS = ("sh", "sleep", "chroot", "true", "id", "cat")
