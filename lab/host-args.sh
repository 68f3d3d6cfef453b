#!/usr/bin/env bash
# The `docker run` flags of a lab host, one per line: systemd as PID 1 with its own dockerd inside,
# without --privileged. The one list of them, read by lab/up.sh, lab/ssh-up.sh and Molecule's
# molecule/shared/create.yml; each adds the name, hostname, labels, its /var/lib/docker volume and
# the image.
#
#   lab/host-args.sh            print the flags
#   mapfile -t args < <(lab/host-args.sh)
#
# Checked on these machines (see /work/shared/reference/docker-facts.md, "Lab hosts"):
# - `--privileged` fails here ("unable to apply caps"): the kernel's bounding set lacks
#   CAP_SYS_RESOURCE. So every capability but SYS_RESOURCE, named one by one; BPF, PERFMON and
#   CHECKPOINT_RESTORE are unknown to the 20.10 engine that runs the lab hosts.
# - seccomp and AppArmor unconfined for the nested dockerd and runc; systempaths=unconfined leaves
#   /proc unmasked: with userns-remap on, the nested runc mounts a new procfs inside a user
#   namespace, which the kernel refuses while parts of /proc are overmounted.
# - the host's cgroup v1 hierarchy, read-write, in the host's cgroup namespace; tmpfs on /run.
# - /var/lib/containerd on a tmpfs: containerd's snapshots (the containerd image store) need an
#   upper directory that is not on overlayfs (the per-host volume for /var/lib/docker, which the
#   caller adds, is the same for the graph drivers).
set -euo pipefail

CAPS="AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER
FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN
NET_BIND_SERVICE NET_BROADCAST NET_RAW SETFCAP SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_BOOT
SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_TIME SYS_TTY_CONFIG WAKE_ALARM"

echo "--cap-drop=ALL"
for cap in $CAPS; do echo "--cap-add=$cap"; done
printf '%s\n' \
  --security-opt=seccomp=unconfined \
  --security-opt=apparmor=unconfined \
  --security-opt=systempaths=unconfined \
  --cgroupns=host \
  --volume=/sys/fs/cgroup:/sys/fs/cgroup:rw \
  --tmpfs=/run \
  --tmpfs=/run/lock \
  --tmpfs=/var/lib/containerd \
  --env=container=docker
