#!/usr/bin/env bash
# Build the lab host images from Debian's packages (no registry needed) and import them into the
# local Docker engine. An image is rebuilt only when its recipe changes: the recipe (this script's
# package list and mmdebstrap options) is hashed into the image tag.
#
#   lab/images.sh [bookworm|trixie ...]      default: both
#
# Prints one line per platform: "<platform> <image:tag> cached|built".
# Needs: mmdebstrap, a running dockerd, root.
set -euo pipefail

MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES_COMMON="systemd,systemd-sysv,dbus,python3,docker.io,busybox-static,procps,iproute2,ca-certificates,sudo"

recipe() {
  local suite=$1 extra=""
  # Debian 13 ships the docker CLI in its own package.
  [ "$suite" = trixie ] && extra=",docker-cli"
  printf '%s\n' "suite=$suite" "mirror=$MIRROR" "packages=$PACKAGES_COMMON$extra" "variant=apt" \
    "hook=machine-id-empty" "cmd=/sbin/init" "version=1"
}

build() {
  local suite=$1 tag tmp
  tag="containment-lab:${suite}-$(recipe "$suite" | sha256sum | cut -c1-12)"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "$suite $tag cached"
  else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    # shellcheck disable=SC2016  # $1 is expanded by mmdebstrap, not here
    mmdebstrap --quiet --variant=apt \
      --include="$(recipe "$suite" | sed -n 's/^packages=//p')" \
      --customize-hook='rm -f "$1/etc/machine-id"; : > "$1/etc/machine-id"' \
      "$suite" "$tmp/rootfs.tar" "$MIRROR" >&2
    docker import --change 'CMD ["/sbin/init"]' --change 'ENV container=docker' \
      "$tmp/rootfs.tar" "$tag" >/dev/null
    echo "$suite $tag built"
  fi
  # A stable name for the current build, used by the lab and the Molecule scenario.
  docker tag "$tag" "containment-lab:${suite}"
  prune "$suite" "$tag"
}

# Drop builds of older recipes (about 0.5 GB each). One that a container still uses is kept.
prune() {
  local suite=$1 current=$2 old
  for old in $(docker image ls containment-lab --format '{{.Repository}}:{{.Tag}}' \
      | grep -E "^containment-lab:${suite}-[0-9a-f]{12}\$" | grep -vxF "$current"); do
    if docker image rm "$old" >/dev/null 2>&1; then
      echo "$suite $old removed (older recipe)" >&2
    fi
  done
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
for s in "${suites[@]}"; do
  case "$s" in
    bookworm|trixie) build "$s" ;;
    *) echo "lab/images.sh: unknown platform '$s' (use bookworm or trixie)" >&2; exit 2 ;;
  esac
done
