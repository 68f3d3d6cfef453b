#!/usr/bin/env bash
# The benchmark runs the README quotes, one after the other: 1 host and 8 hosts, over the docker
# connection and over SSH (bench/run.sh each; every table printed as it comes). 1-host runs are
# on bookworm (docker.io 20.10), 8-host runs mixed (bookworm and trixie alternating).
#
#   bench/all.sh                 (`make bench`; as root after `make setup`)
#   REPS=5 bench/all.sh          more repetitions (default 3)
#   BENCH_SETS="8:ssh" bench/all.sh   only some of the runs: "<hosts>:<connection> ..."
#
# Exit status: 1 when any run failed (a playbook run failed); the targets' HOLDS/MISSED lines are
# figures, not a test. On a shared machine run it under the lab lock, e.g.
#   flock /tmp/containment-lab.lock bench/all.sh
set -euo pipefail

cd "$(dirname "$0")/.."
SETS=${BENCH_SETS:-"1:docker 1:ssh 8:docker 8:ssh"}
status=0
for set in $SETS; do
  hosts=${set%%:*} connection=${set#*:}
  platform=bookworm
  [ "$hosts" -gt 1 ] && platform=mixed
  echo "=== bench: HOSTS=$hosts CONNECTION=$connection PLATFORM=$platform REPS=${REPS:-3}"
  HOSTS=$hosts CONNECTION=$connection PLATFORM=$platform bench/run.sh || status=1
  echo
done
exit "$status"
