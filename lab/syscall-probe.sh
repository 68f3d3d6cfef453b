#!/usr/bin/env bash
# Build the syscall probe (lab/syscall-probe.c) once, statically, on this machine, and print the
# path of the binary: lab/.cache/syscall-probe-<hash of the source and flags>. A binary already
# built from the same source is reused. The probe image the integration tests make in each lab host
# holds only this file, so the lab images need no compiler.
#
#   lab/syscall-probe.sh        prints e.g. /work/main/lab/.cache/syscall-probe-0123456789ab
#
# Needs: gcc and libc6-dev (static libc), installed by lab/setup.sh packages.
set -euo pipefail

cd "$(dirname "$0")"
CC=${CC:-gcc}
CFLAGS="-static -O2 -Wall -Wextra -Werror"
hash=$({ cat syscall-probe.c; echo "$CFLAGS"; uname -m; } | sha256sum | cut -c1-12)
out="$PWD/.cache/syscall-probe-$hash"
if [ ! -x "$out" ]; then
  command -v "$CC" >/dev/null || { echo "lab/syscall-probe.sh: $CC missing (lab/setup.sh packages)" >&2; exit 1; }
  mkdir -p .cache
  # shellcheck disable=SC2086  # CFLAGS is a list of flags
  "$CC" $CFLAGS -o "$out.tmp" syscall-probe.c
  mv "$out.tmp" "$out"
  # Older builds of other sources go.
  find .cache -maxdepth 1 -name 'syscall-probe-*' ! -name "syscall-probe-$hash" -delete
fi
echo "$out"
