#!/usr/bin/env bash
# Build the lab host images from Debian's packages (no registry needed) and import them into the
# local Docker engine. An image is rebuilt only when its recipe changes: the recipe (this script's
# package list and mmdebstrap options) is hashed into the image tag.
#
#   lab/images.sh [bookworm|trixie|forky|dockerce ...]      default: all four
#
# bookworm and trixie are Debian 12 and 13 as released (docker.io 20.10.24 and 26.1.5). forky is
# Debian 13 with docker.io and docker-cli taken from Debian 14 "forky" (docker 28.5.2): forky's own
# systemd has no cgroup v1 support and exits at once on a cgroup v1 host, so the base stays trixie
# (APT::Default-Release) and only the engine comes from forky. forky's docker.io no longer pulls
# the shadow tools in, hence passwd; the mirror's forky Release file may be past its Valid-Until.
# dockerce is a thin layer over the forky image (lab/dockerce/Dockerfile, `docker build` from the
# forky recipe tag): Docker's own docker-ce layout over Debian's binaries, /usr/bin/dockerd started
# by docker-ce's docker.service and docker.socket (no EnvironmentFile), containerd.service apart.
# Its recipe is forky's plus the hash of every file in lab/dockerce/, so either change rebuilds it.
#
# Prints one line per platform: "<platform> <image:tag> cached|built".
# Needs: mmdebstrap, a running dockerd, root.
set -euo pipefail

MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES_COMMON="systemd,systemd-sysv,dbus,python3,docker.io,busybox-static,procps,iproute2,ca-certificates,sudo"

# The Debian suite the base system comes from.
base_suite() {
  case "$1" in forky|dockerce) echo trixie ;; *) echo "$1" ;; esac
}

# The directory of the dockerce layer (its Dockerfile and docker-ce's unit files).
DOCKERCE_DIR=$(cd "$(dirname "$0")" && pwd)/dockerce

recipe() {
  local platform=$1 packages=$PACKAGES_COMMON
  if [ "$platform" = dockerce ]; then
    recipe forky
    echo "layer=dockerce"
    (cd "$DOCKERCE_DIR" && sha256sum -- *) | sed 's/^/layer-file=/'
    return 0
  fi
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
  elif [ "$suite" = dockerce ]; then
    local base
    # The forky image first (built when its recipe changed); its line goes to stderr.
    base=$(build forky)
    echo "$base" >&2
    base=$(awk '$1 == "forky" {print $2}' <<<"$base")
    # The legacy builder: no buildx needed, and nothing pulled (BASE is a local image).
    DOCKER_BUILDKIT=0 docker build --quiet --build-arg "BASE=$base" --tag "$tag" "$DOCKERCE_DIR" >/dev/null
    echo "$suite $tag built"
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
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie forky dockerce)
for s in "${suites[@]}"; do
  case "$s" in
    bookworm|trixie|forky|dockerce) build "$s" ;;
    *) echo "lab/images.sh: unknown platform '$s' (use bookworm, trixie, forky or dockerce)" >&2; exit 2 ;;
  esac
done
