#!/usr/bin/env bash
# Start lab hosts reached over SSH and write an inventory with ansible_connection: ssh.
#
#   lab/ssh-up.sh                       hosts from LAB_HOSTS (default "1:bookworm 2:trixie 3:forky")
#   LAB_HOSTS="1:bookworm 2:trixie 3:forky 4:bookworm" LAB_PREFIX=containment-fleet lab/ssh-up.sh
#
# Options (environment):
#   LAB_PREFIX      container names <prefix>-<n> (default containment-fleet)
#   LAB_HOSTS       "<n>:<platform> ...", platforms bookworm, trixie, forky
#   LAB_INVENTORY   inventory written (default lab/.cache/<prefix>-inventory.yml)
#   LAB_PARALLEL    hosts booted at once (default 6); the next batch starts once these answer
#   LAB_READY_WAIT  seconds a host may take to run dockerd and sshd (default 180)
#
# Each host is a container from containment-lab:ssh-<platform> (lab/ssh-images.sh: the lab image
# plus openssh-server), started with the same flags as lab/up.sh (systemd and a nested dockerd;
# see there), its /var/lib/docker the volume <name>-docker, labelled containment.lab=<prefix> so
# `LAB_PREFIX=<prefix> lab/down.sh` removes hosts and volumes. A host already running is replaced:
# a fleet or benchmark run wants fresh hosts.
#
# The lab's own key pair is lab/.cache/ssh/id_ed25519 (made once; lab/.cache/ is git-ignored); its
# public half is the hosts' /root/.ssh/authorized_keys (read-only bind mount). Each host makes its
# own host keys at first boot; they are collected into lab/.cache/ssh/known_hosts-<prefix> and the
# inventory checks them (ansible_ssh_host_key_checking: true), so a run talks only to these hosts.
#
# Each host's systemd, dockerd and sshd use about 8 inotify instances out of one budget shared by
# every container and the machine (fs.inotify.max_user_instances, 128 by default: about 15 lab
# hosts). The script stops before starting anything when the hosts would not fit and names the
# sysctl to raise (24 hosts: sysctl -w fs.inotify.max_user_instances=512 or more).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PREFIX=${LAB_PREFIX:-containment-fleet}
LAB_HOSTS=${LAB_HOSTS:-"1:bookworm 2:trixie 3:forky"}
INVENTORY=${LAB_INVENTORY:-lab/.cache/$PREFIX-inventory.yml}
PARALLEL=${LAB_PARALLEL:-6}
READY_WAIT=${LAB_READY_WAIT:-180}
KEYDIR=$ROOT/lab/.cache/ssh
KEY=$KEYDIR/id_ed25519
KNOWN=$KEYDIR/known_hosts-$PREFIX

# The `docker run` flags of a lab host: lab/host-args.sh (shared with lab/up.sh and Molecule).
say() { printf 'lab: %s\n' "$*"; }
die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $PARALLEL =~ ^[1-9][0-9]*$ ]] || die "LAB_PARALLEL must be a positive integer (got '$PARALLEL')"
mkdir -p "$KEYDIR" "$(dirname "$INVENTORY")"
chmod 0700 "$KEYDIR"
if [ ! -s "$KEY" ]; then
  ssh-keygen -q -t ed25519 -N '' -C "containment-lab@$(hostname)" -f "$KEY"
  say "key pair made: $KEY"
fi

start_host() {
  local name=$1 platform=$2 image="containment-lab:ssh-$2" args=()
  docker image inspect "$image" >/dev/null 2>&1 || die "image $image missing: run lab/ssh-images.sh $platform"
  if docker container inspect "$name" >/dev/null 2>&1; then
    docker rm -f "$name" >/dev/null
  fi
  docker volume rm "$name-docker" >/dev/null 2>&1 || true
  mapfile -t args < <(lab/host-args.sh)
  args+=(-v "$name-docker:/var/lib/docker"
    -v "$KEY.pub:/root/.ssh/authorized_keys:ro"
    --hostname "$name"
    --label "containment.lab=$PREFIX" --label "containment.lab.platform=$platform"
    --label "containment.lab.connection=ssh")
  docker run -d --name "$name" "${args[@]}" "$image" /sbin/init >/dev/null
}

# dockerd active and answering, sshd active, then a login with the lab key.
wait_ready() {
  local name=$1 waited=0 ip
  ip=$(docker container inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
  until [ "$(docker exec "$name" systemctl is-active docker ssh 2>/dev/null | sort -u)" = active ] \
      && docker exec "$name" docker info >/dev/null 2>&1 \
      && ssh -q -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
           -o ConnectTimeout=5 "root@$ip" true 2>/dev/null; do
    if [ "$waited" -ge "$READY_WAIT" ]; then
      docker exec "$name" systemctl status docker ssh --no-pager >&2 || true
      die "$name: dockerd or sshd not ready after ${READY_WAIT}s"
    fi
    sleep 2
    waited=$((waited + 2))
  done
  IP_OF[$name]=$ip
  say "$name: ssh root@$ip, docker $(docker exec "$name" docker version --format '{{.Server.Version}}')"
}

declare -A IP_OF=() PLATFORM_OF=()
names=()
for entry in $LAB_HOSTS; do
  n=${entry%%:*} platform=${entry#*:}
  case "$platform" in
    bookworm|trixie|forky) ;;
    *) die "LAB_HOSTS entry '$entry': use <n>:bookworm, <n>:trixie or <n>:forky" ;;
  esac
  names+=("$PREFIX-$n")
  PLATFORM_OF[$PREFIX-$n]=$platform
done
[ ${#names[@]} -gt 0 ] || die "LAB_HOSTS is empty"

# Every host's systemd (and dockerd, sshd) takes inotify instances from one per-user budget shared
# by all containers and the machine (fs.inotify.max_user_instances, 128 by default): past it, a
# host's systemd exits at boot. Check before starting rather than fail after the wait.
limit=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)
if [ "$limit" -gt 0 ]; then
  in_use=$({ find /proc/[0-9]*/fd -lname 'anon_inode:inotify' 2>/dev/null || true; } | wc -l)
  need=$((in_use + 8 * ${#names[@]}))
  [ "$need" -le "$limit" ] || die "${#names[@]} hosts need about $((8 * ${#names[@]})) inotify instances, $in_use are in use and \
fs.inotify.max_user_instances is $limit: raise it first, e.g. sysctl -w fs.inotify.max_user_instances=$(( (need / 256 + 1) * 256 ))"
fi

say "starting ${#names[@]} SSH host(s), $PARALLEL at a time"
for ((i = 0; i < ${#names[@]}; i += PARALLEL)); do
  batch=("${names[@]:i:PARALLEL}")
  for name in "${batch[@]}"; do start_host "$name" "${PLATFORM_OF[$name]}"; done
  for name in "${batch[@]}"; do wait_ready "$name"; done
done

# The hosts' own ed25519 host keys, by address, for host key checking.
: >"$KNOWN.tmp"
for name in "${names[@]}"; do
  printf '%s %s\n' "${IP_OF[$name]}" "$(docker exec "$name" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" \
    >>"$KNOWN.tmp"
done
mv "$KNOWN.tmp" "$KNOWN"

{
  echo "# Written by lab/ssh-up.sh; regenerated on every run. Not tracked by git."
  echo "---"
  echo "docker_hosts:"
  echo "  hosts:"
  for name in "${names[@]}"; do
    echo "    $name:"
    echo "      ansible_host: ${IP_OF[$name]}"
    echo "      lab_platform: ${PLATFORM_OF[$name]}"
  done
  echo "  vars:"
  echo "    ansible_connection: ssh"
  echo "    ansible_user: root"
  echo "    ansible_ssh_private_key_file: $KEY"
  echo "    ansible_ssh_host_key_checking: true"
  echo "    ansible_ssh_common_args: -o UserKnownHostsFile=$KNOWN -o IdentitiesOnly=yes"
  echo "    ansible_python_interpreter: /usr/bin/python3"
} >"$INVENTORY.tmp"
mv "$INVENTORY.tmp" "$INVENTORY"
say "inventory: $INVENTORY (${#names[@]} hosts, ansible_connection: ssh)"
