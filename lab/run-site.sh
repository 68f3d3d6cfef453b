#!/usr/bin/env bash
# Run site.yml against the lab hosts with the demo variables, time it, and show its recap.
#
#   lab/run-site.sh                     run, print the recap and the wall time
#   lab/run-site.sh --expect-no-change  the same, then fail unless every host has changed=0
#
# SITE_ARGS: extra ansible-playbook arguments, split on spaces (make demo SITE_ARGS='-v').
# The full output goes to lab/.cache/site-<UTC time>.log; each run appends a line to
# lab/.cache/timings.log.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
[ -f site.yml ] || { echo "lab: ERROR: site.yml not found in $PWD" >&2; exit 1; }
[ -f lab/inventory.yml ] || { echo "lab: ERROR: lab/inventory.yml missing: run lab/up.sh" >&2; exit 1; }

mkdir -p lab/.cache
log="lab/.cache/site-$(date -u +%Y%m%dT%H%M%SZ).log"
start=$(date +%s.%N)
set +e
# shellcheck disable=SC2086  # SITE_ARGS is a list of words
ansible-playbook -i lab/inventory.yml site.yml -e @lab/demo-vars.yml ${SITE_ARGS:-} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

# The recap lines of every play (serial batches print one each), without colour codes.
recap=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | sed -n '/^PLAY RECAP/,/^$/p' | grep -E 'ok=[0-9]+' || true)
changed=$(grep -oE 'changed=[0-9]+' <<<"$recap" | awk -F= '{ n += $2 } END { print n + 0 }')
echo "$(date -u +%FT%TZ) wall=${wall}s rc=$rc changed_total=$changed log=$log" >>lab/.cache/timings.log

echo
echo "==== site.yml on the lab hosts ===="
echo "$recap"
echo "site.yml wall time: ${wall} s (exit $rc, changes in total: $changed; log: $log)"
[ "$rc" -eq 0 ] || { echo "lab: ERROR: site.yml failed (exit $rc)" >&2; exit "$rc"; }

if [ "${1:-}" = --expect-no-change ]; then
  if [ -z "$recap" ] || grep -qvE 'changed=0 ' <<<"$recap"; then
    echo "lab: ERROR: site.yml is not idempotent: a host reported changes (see the recap above)" >&2
    exit 1
  fi
  echo "site.yml idempotent: changed=0 on every host"
fi
