#!/usr/bin/env bash
# Start the demo lab hosts and write lab/inventory.yml. A host that is already running is left as
# it is (its hardening survives), a stopped one is started again.
#
#   lab/up.sh          hosts from LAB_HOSTS (default "1:bookworm 2:trixie 3:forky")
#
# LAB_PREFIX (default containment-lab) names the hosts and LAB_INVENTORY (default
# lab/inventory.yml) is the inventory written; tests/compat uses its own of both.
# Each host is a container named containment-lab-<n> from image containment-lab:<platform>
# (lab/images.sh), running systemd and its own dockerd; its /var/lib/docker is the volume
# containment-lab-<n>-docker (overlay2 cannot sit on overlay). The other `docker run` flags, the
# ones that work on these machines without --privileged, are lab/host-args.sh's (the one list,
# shared with lab/ssh-up.sh and Molecule's create.yml; it says why each is needed).
set -euo pipefail

cd "$(dirname "$0")/.."
LAB_HOSTS=${LAB_HOSTS:-"1:bookworm 2:trixie 3:forky"}
INVENTORY=${LAB_INVENTORY:-lab/inventory.yml}
PREFIX=${LAB_PREFIX:-containment-lab}
READY_WAIT=${LAB_READY_WAIT:-120}

say() { printf 'lab: %s\n' "$*"; }
die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }

state() {
  local s
  s=$(docker container inspect -f '{{.State.Status}}' "$1" 2>/dev/null) || s=absent
  echo "${s:-absent}"
}

start_host() {
  local name=$1 platform=$2 image="containment-lab:$2" args=()
  docker image inspect "$image" >/dev/null 2>&1 || die "image $image missing: run lab/images.sh $platform"
  # A host left from another layout (LAB_HOSTS changed, or the default did) runs another engine:
  # replace it, with its /var/lib/docker volume, rather than report the wrong engine.
  if [ "$(state "$name")" != absent ] \
      && [ "$(docker container inspect -f '{{index .Config.Labels "containment.lab.platform"}}' "$name")" != "$platform" ]; then
    say "$name: runs another platform than $platform; replacing it"
    docker rm -f "$name" >/dev/null
    docker volume rm "$name-docker" >/dev/null 2>&1 || true
  fi
  case "$(state "$name")" in
    running)
      say "$name: running (left as it is)"
      return ;;
    absent) ;;
    *)
      say "$name: starting the stopped container"
      docker start "$name" >/dev/null
      return ;;
  esac
  mapfile -t args < <(lab/host-args.sh)
  args+=(-v "$name-docker:/var/lib/docker"
    --hostname "$name"
    --label "containment.lab=$PREFIX" --label "containment.lab.platform=$platform")
  say "$name: creating from $image"
  docker run -d --name "$name" "${args[@]}" "$image" /sbin/init >/dev/null
}

wait_ready() {
  local name=$1 waited=0
  until [ "$(docker exec "$name" systemctl is-active docker 2>/dev/null)" = active ] \
      && docker exec "$name" docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$READY_WAIT" ]; then
      docker exec "$name" systemctl status docker --no-pager >&2 || true
      die "$name: docker.service not active after ${READY_WAIT}s"
    fi
    sleep 2
    waited=$((waited + 2))
  done
  say "$name: docker active ($(docker exec "$name" docker version --format '{{.Server.Version}}'))"
}

names=()
for entry in $LAB_HOSTS; do
  n=${entry%%:*} platform=${entry#*:}
  case "$platform" in
    bookworm|trixie|forky|dockerce) ;;
    *) die "LAB_HOSTS entry '$entry': use <n>:bookworm, <n>:trixie, <n>:forky or <n>:dockerce" ;;
  esac
  start_host "$PREFIX-$n" "$platform"
  names+=("$PREFIX-$n")
done
for name in "${names[@]}"; do wait_ready "$name"; done

{
  echo "# Written by lab/up.sh; regenerated on every 'make demo'. Not tracked by git."
  echo "---"
  echo "docker_hosts:"
  echo "  hosts:"
  for name in "${names[@]}"; do echo "    $name:"; done
  echo "  vars:"
  echo "    ansible_connection: community.docker.docker"
  echo "    ansible_python_interpreter: /usr/bin/python3"
} >"$INVENTORY.tmp"
mv "$INVENTORY.tmp" "$INVENTORY"
say "inventory: $INVENTORY (${names[*]})"
