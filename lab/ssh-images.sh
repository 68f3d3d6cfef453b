#!/usr/bin/env bash
# Build the SSH variants of the lab host images: containment-lab:ssh-<platform>, the image of
# lab/images.sh for that platform plus openssh-server (recipe: lab/ssh-image/). Rebuilt only when
# the base image's recipe tag or a file in lab/ssh-image/ changes (both are hashed into the tag
# containment-lab:ssh-<platform>-<hash>); older builds of the variant are removed.
#
#   lab/ssh-images.sh [bookworm|trixie|forky ...]      default: all three
#
# Prints one line per platform: "<platform> <image:tag> cached|built".
# Needs: a running dockerd, root, and the Debian mirror reachable from a container (apt-get).
set -euo pipefail

cd "$(dirname "$0")/.."
RECIPE_DIR=$PWD/lab/ssh-image

build() {
  local platform=$1 base line tag old out
  # The base image (built by lab/images.sh when its recipe changed); its recipe tag names it.
  line=$(lab/images.sh "$platform" | awk -v p="$platform" '$1 == p')
  base=$(awk '{print $2}' <<<"$line")
  [ -n "$base" ] || { echo "lab/ssh-images.sh: lab/images.sh $platform printed no image" >&2; exit 1; }
  tag="containment-lab:ssh-$platform-$({ echo "$base"; (cd "$RECIPE_DIR" && sha256sum -- *); } \
    | sha256sum | cut -c1-12)"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "$platform $tag cached"
  else
    # The legacy builder: no buildx needed, and nothing pulled (BASE is a local image). Its
    # deprecation notice is dropped; the build's output is shown only when it fails.
    if ! out=$(DOCKER_BUILDKIT=0 docker build --quiet --build-arg "BASE=$base" --tag "$tag" "$RECIPE_DIR" 2>&1); then
      printf '%s\n' "$out" >&2
      echo "lab/ssh-images.sh: building $tag failed" >&2
      exit 1
    fi
    echo "$platform $tag built"
  fi
  docker tag "$tag" "containment-lab:ssh-$platform"
  for old in $(docker image ls containment-lab --format '{{.Repository}}:{{.Tag}}' \
      | grep -E "^containment-lab:ssh-$platform-[0-9a-f]{12}\$" | grep -vxF "$tag"); do
    docker image rm "$old" >/dev/null 2>&1 && echo "$platform $old removed (older recipe)" >&2
  done
  return 0
}

platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(bookworm trixie forky)
for p in "${platforms[@]}"; do
  case "$p" in
    bookworm|trixie|forky) build "$p" ;;
    *) echo "lab/ssh-images.sh: unknown platform '$p' (use bookworm, trixie or forky)" >&2; exit 2 ;;
  esac
done
