#!/usr/bin/env bash
# Build the collection tarball and let `ansible-builder create` make an execution environment's
# build context from tests/ee/execution-environment.yml (no image is built, no engine is needed).
# The context lands in .cache/ee/context; the dependencies it took from the collection's
# meta/execution-environment.yml are printed.
set -euo pipefail

cd "$(dirname "$0")/../.."
BIN=${BIN:-$PWD/.venv/bin}
WORK=$PWD/.cache/ee
rm -rf "$WORK"
mkdir -p "$WORK/build"
"$BIN/ansible-galaxy" collection build --output-path "$WORK/build" >/dev/null
cp "$WORK"/build/containment-docker-*.tar.gz "$WORK/containment-docker.tar.gz"
cp tests/ee/execution-environment.yml "$WORK/"
"$BIN/ansible-builder" create --file "$WORK/execution-environment.yml" --context "$WORK/context"
(cd "$WORK/context" && find . -type f | sort)
# What an image build would install for the collection (introspection of the installed tarball).
(cd "$WORK" && env -u ANSIBLE_CONFIG "$BIN/ansible-galaxy" collection install containment-docker.tar.gz \
  -p "$WORK/collections" >/dev/null 2>&1)
"$BIN/ansible-builder" introspect "$WORK/collections"
