#!/usr/bin/env bash
# Build the lab host images from Debian's packages (no registry needed) and import them into the
# local Docker engine. An image is rebuilt only when its recipe changes: the recipe (this script's
# package list and mmdebstrap options) is hashed into the image tag.
#
#   lab/images.sh [bookworm|trixie|forky ...]      default: all three
#
# bookworm and trixie are Debian 12 and 13 as released (docker.io 20.10.24 and 26.1.5). forky is
# Debian 13 with docker.io and docker-cli taken from Debian 14 "forky" (docker 28.5.2): forky's own
# systemd has no cgroup v1 support and exits at once on a cgroup v1 host, so the base stays trixie
# (APT::Default-Release) and only the engine comes from forky. forky's docker.io no longer pulls
# the shadow tools in, hence passwd; the mirror's forky Release file may be past its Valid-Until.
#
# Prints one line per platform: "<platform> <image:tag> cached|built".
# Needs: mmdebstrap, a running dockerd, root.
set -euo pipefail

MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES_COMMON="systemd,systemd-sysv,dbus,python3,docker.io,busybox-static,procps,iproute2,ca-certificates,sudo"

# The Debian suite the base system comes from.
base_suite() {
  case "$1" in forky) echo trixie ;; *) echo "$1" ;; esac
}

recipe() {
  local platform=$1 packages=$PACKAGES_COMMON
  case "$platform" in
    # Debian 13 ships the docker CLI in its own package.
    trixie) packages="$packages,docker-cli" ;;
    forky) packages="${packages/docker.io/docker.io/forky},docker-cli/forky,passwd" ;;
  esac
  printf '%s\n' "suite=$(base_suite "$platform")" "mirror=$MIRROR" "packages=$packages" "variant=apt" \
    "hook=machine-id-empty" "cmd=/sbin/init" "version=1"
  if [ "$platform" = forky ]; then
    printf '%s\n' "extra-suite=forky" 'aptopt=APT::Default-Release "trixie"' \
      'aptopt=Acquire::Check-Valid-Until "false"'
  fi
}

# mmdebstrap's arguments after the options: suite, target, mirror lines.
sources() {
  local platform=$1 suite
  suite=$(base_suite "$platform")
  echo "deb $MIRROR $suite main"
  [ "$platform" = forky ] && echo "deb $MIRROR forky main"
  return 0
}

build() {
  local suite=$1 tag tmp aptopts=() src=()
  tag="containment-lab:${suite}-$(recipe "$suite" | sha256sum | cut -c1-12)"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "$suite $tag cached"
  else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    mapfile -t aptopts < <(recipe "$suite" | sed -n 's/^aptopt=/--aptopt=/p')
    mapfile -t src < <(sources "$suite")
    # shellcheck disable=SC2016  # $1 is expanded by mmdebstrap, not here
    mmdebstrap --quiet --variant=apt "${aptopts[@]}" \
      --include="$(recipe "$suite" | sed -n 's/^packages=//p')" \
      --customize-hook='rm -f "$1/etc/machine-id"; : > "$1/etc/machine-id"' \
      "$(base_suite "$suite")" "$tmp/rootfs.tar" "${src[@]}" >&2
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
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie forky)
for s in "${suites[@]}"; do
  case "$s" in
    bookworm|trixie|forky) build "$s" ;;
    *) echo "lab/images.sh: unknown platform '$s' (use bookworm, trixie or forky)" >&2; exit 2 ;;
  esac
done
