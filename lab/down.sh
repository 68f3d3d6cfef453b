#!/usr/bin/env bash
# Remove the demo lab: every container named containment-lab-<n> (or labelled
# containment.lab=containment-lab), its /var/lib/docker volume containment-lab-<n>-docker, and
# lab/inventory.yml. LAB_PREFIX and LAB_INVENTORY select another lab, as for lab/up.sh.
#
#   lab/down.sh            lab hosts and volumes
#   lab/down.sh --images   also the lab host images containment-lab:* (rebuilt by lab/images.sh)
#
# Nothing else is touched: not Molecule's instances, not other containers, not dockerd.
set -euo pipefail

cd "$(dirname "$0")/.."
PREFIX=${LAB_PREFIX:-containment-lab}
INVENTORY=${LAB_INVENTORY:-lab/inventory.yml}
say() { printf 'lab: %s\n' "$*"; }

mapfile -t hosts < <(
  { docker ps -a --filter "label=containment.lab=$PREFIX" --format '{{.Names}}'
    docker ps -a --format '{{.Names}}' | grep -E "^$PREFIX-[0-9]+\$" || true; } | sort -u)
for h in "${hosts[@]}"; do
  [ -n "$h" ] || continue
  say "removing container $h"
  docker rm -f "$h" >/dev/null
done

mapfile -t volumes < <(docker volume ls -q | grep -E "^$PREFIX-[0-9]+-docker\$" || true)
for v in "${volumes[@]}"; do
  [ -n "$v" ] || continue
  say "removing volume $v"
  docker volume rm "$v" >/dev/null
done

rm -f "$INVENTORY"

if [ "${1:-}" = --images ]; then
  mapfile -t images < <(docker image ls containment-lab --format '{{.Repository}}:{{.Tag}}')
  for i in "${images[@]}"; do
    [ -n "$i" ] || continue
    # An image another container still uses (a Molecule instance, say) is kept, with a note.
    if docker image rm "$i" >/dev/null 2>&1; then
      say "removed image $i"
    else
      say "kept image $i: still used by a container ($(docker ps -a --filter ancestor="$i" --format '{{.Names}}' | paste -sd' ' -))"
    fi
  done
fi
say "lab removed"
