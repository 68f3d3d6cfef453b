#!/usr/bin/env bash
# A fleet rollout over SSH from this controller: site.yml on FLEET_HOSTS fresh lab hosts (default
# 24, platforms bookworm, trixie and forky in turn), in site.yml's rolling batches (serial 25%:
# 4 batches of 6, max_fail_percentage 0), with the rollout_summary callback's per-batch lines and
# table. Three scripted runs, each measured on the controller (lab/fleet-sample.py: wall time,
# CPU, memory of the ansible-playbook process tree):
#
#   1. rollout   fresh hosts, seccomp_denied_syscalls [chroot]: every host changes and restarts
#                dockerd once
#   2. rerun     the same again: changed=0, no restart anywhere
#   3. failing   daemon.json broken by hand on the first host of batch 2 (a truncated file; its
#                dockerd keeps running on what it read at start), then a rollout that changes every
#                host (deny [chroot, personality]): batch 1 changes and restarts; batch 2 stops at
#                the broken host's preflight, before any write; batches 3 and 4 never start. The
#                script checks exactly that on the hosts (dockerd MainPID and start time, file
#                checksums before and after) and that the broken host's dockerd still answers.
#   4. recover   the broken file put back, the same rollout again: completes on every host
#                (batch 1 has nothing left to do)
#
#   flock /tmp/containment-lab.lock lab/fleet-run.sh          (as root, after `make setup`)
#   FLEET_HOSTS=12 FLEET_KEEP=1 lab/fleet-run.sh
#
# Options (environment): FLEET_HOSTS (default 24), FLEET_SERIAL (default: site.yml's 25%),
# FLEET_KEEP=1 (leave the hosts running; LAB_PREFIX=containment-fleet lab/down.sh removes them),
# FLEET_TIMEOUT (seconds per run, default 1800).
# Hosts: containment-fleet-<n> (lab/ssh-up.sh, lab/ssh-images.sh); logs, figures and the inventory
# under lab/.cache/fleet-<date>/. Exit status 1 when a run or a check did not go as described.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
HOSTS=${FLEET_HOSTS:-24}
KEEP=${FLEET_KEEP:-0}
TIMEOUT=${FLEET_TIMEOUT:-1800}
PREFIX=containment-fleet
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$ROOT/lab/.cache/fleet-$STAMP
INVENTORY=$OUT/inventory.yml
export PATH=$ROOT/.venv/bin:$PATH ANSIBLE_CONFIG=$ROOT/ansible.cfg
export ANSIBLE_CALLBACKS_ENABLED=containment.docker.rollout_summary
# Plain text: the logs are read back (recap lines) and `make` forces colour otherwise.
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1

say() { printf 'fleet: %s\n' "$*"; }
die() { printf 'fleet: ERROR: %s\n' "$*" >&2; exit 2; }
[[ $HOSTS =~ ^[1-9][0-9]*$ ]] || die "FLEET_HOSTS must be a positive integer"
[ -x .venv/bin/ansible-playbook ] || die "no .venv/bin/ansible-playbook: run 'make setup' first"
mkdir -p "$OUT"

platforms=(bookworm trixie forky)
layout="" names=()
for ((n = 1; n <= HOSTS; n++)); do
  layout+="$n:${platforms[$(((n - 1) % 3))]} "
  names+=("$PREFIX-$n")
done

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ "$KEEP" = 1 ]; then
    say "hosts kept (FLEET_KEEP=1): LAB_PREFIX=$PREFIX lab/down.sh removes them"
  else
    LAB_PREFIX=$PREFIX LAB_INVENTORY=$INVENTORY lab/down.sh >>"$OUT/lab.log" 2>&1 || true
  fi
}
trap cleanup EXIT

# "pid:starttime" of dockerd, and the checksums of daemon.json and the profile, per host.
snapshot() {
  local h
  for h in "${names[@]}"; do
    docker exec "$h" sh -c '
      pid=$(systemctl show -p MainPID --value docker); start=-
      [ "$pid" != 0 ] && start=$(sed "s/.*) //" /proc/$pid/stat | cut -d" " -f20)
      sum() { { sha256sum <"$1"; } 2>/dev/null | cut -c1-12; }
      echo "$1 $pid:$start $(sum /etc/docker/daemon.json)- $(sum /etc/docker/seccomp/containment.json)-"' sh "$h"
  done
}

FAILED=0
SUMMARY=()
# rollout NAME EXPECTED_RC(0|nonzero) EXTRA_VARS_JSON: one measured site.yml run.
rollout() {
  local name=$1 expect=$2 extra=$3 rc=0 before after restarted changed_hosts
  before=$(snapshot)
  say "run '$name': ansible-playbook -i $INVENTORY site.yml -e '$extra'${FLEET_SERIAL:+ -e containment_docker_serial=$FLEET_SERIAL}"
  set +e
  timeout "$TIMEOUT" python3 lab/fleet-sample.py "$OUT/$name.json" -- \
    ansible-playbook -i "$INVENTORY" site.yml -e "$extra" \
    ${FLEET_SERIAL:+-e "containment_docker_serial=$FLEET_SERIAL"} 2>"$OUT/$name.stderr" \
    | tee "$OUT/$name.log" \
    | grep --line-buffered -E "^(ROLLOUT|HOST +BATCH|$PREFIX-[0-9]+ +([0-9]+|-) |[0-9]+ host\(s\):)"
  rc=${PIPESTATUS[0]}
  set -e
  grep -E '^controller:' "$OUT/$name.stderr" | sed 's/^/fleet: /' || true
  after=$(snapshot)
  echo "$before" >"$OUT/$name.before"
  echo "$after" >"$OUT/$name.after"
  restarted=$(join <(sort "$OUT/$name.before") <(sort "$OUT/$name.after") | awk '$2 != $5' | wc -l)
  changed_hosts=$(grep -cE "^$PREFIX-[0-9]+ +: ok=[0-9]+ +changed=[1-9]" "$OUT/$name.log" || true)
  say "run '$name': rc=$rc, hosts changed $changed_hosts, dockerd restarted (MainPID/start time) on $restarted of $HOSTS"
  SUMMARY+=("$(python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
print("%-9s %7.1f s  rc=%-3s CPU %5.1f s, %4.2f cores mean, %4.2f peak  memory %5.0f MiB PSS peak  changed %2s  restarted %2s"
      % (sys.argv[2], f["wall_s"], sys.argv[3], f["cpu_user_s"] + f["cpu_system_s"], f["cpu_mean_cores"],
         f["cpu_peak_cores"], f["mem_peak_pss_mib"], sys.argv[4], sys.argv[5]))' \
    "$OUT/$name.json" "$name" "$rc" "$changed_hosts" "$restarted")")
  if { [ "$expect" = 0 ] && [ "$rc" != 0 ]; } || { [ "$expect" != 0 ] && [ "$rc" = 0 ]; }; then
    say "run '$name': UNEXPECTED exit status $rc (log $OUT/$name.log)"
    FAILED=1
  fi
  RESTARTED=$restarted
}

check() {   # check DESCRIPTION COMMAND...: one scripted expectation
  local what=$1
  shift
  if "$@"; then say "check: $what: yes"; else say "check: $what: NO"; FAILED=1; fi
}

command -v ssh >/dev/null || die "the ssh client is needed (apt-get install openssh-client)"
say "$HOSTS hosts ($layout), logs $OUT"
lab/ssh-images.sh bookworm trixie forky >>"$OUT/lab.log" 2>&1 || die "lab/ssh-images.sh failed (log $OUT/lab.log)"
t0=$(date +%s)
LAB_PREFIX=$PREFIX LAB_HOSTS="$layout" LAB_INVENTORY=$INVENTORY LAB_PARALLEL=6 lab/ssh-up.sh >>"$OUT/lab.log" 2>&1 \
  || { tail -n 20 "$OUT/lab.log" >&2; die "lab/ssh-up.sh failed"; }
say "lab up in $(($(date +%s) - t0)) s"

# 1 and 2
rollout rollout 0 '{"seccomp_denied_syscalls":["chroot"]}'
check "every host restarted once" [ "$RESTARTED" = "$HOSTS" ]
rollout rerun 0 '{"seccomp_denied_syscalls":["chroot"]}'
check "no host restarted on the re-run" [ "$RESTARTED" = 0 ]
check "changed=0 on every host" bash -c "! grep -qE '^$PREFIX-[0-9]+ +: ok=[0-9]+ +changed=[1-9]' '$OUT/rerun.log'"

# 3: batch size as site.yml computes it (serial 25% by default), the broken host first of batch 2.
serial=${FLEET_SERIAL:-25%}
if [[ $serial == *% ]]; then size=$((HOSTS * ${serial%\%} / 100)); else size=$serial; fi
((size >= 1)) || size=1
if ((HOSTS > size)); then
  broken=$PREFIX-$((size + 1))
  docker exec "$broken" sh -c 'cp -p /etc/docker/daemon.json /root/daemon.json.fleet-saved &&
    printf "{\n  \"log-level\": \"info\",\n" >/etc/docker/daemon.json'
  say "daemon.json truncated by hand on $broken (first host of batch 2; batch size $size)"
  broken_sum=$(docker exec "$broken" sha256sum /etc/docker/daemon.json | cut -c1-12)
  rollout failing nonzero '{"seccomp_denied_syscalls":["chroot","personality"]}'
  before=$OUT/failing.before after=$OUT/failing.after
  batch1=$(head -n "$size" <(printf '%s\n' "${names[@]}"))
  later=$(tail -n +$((size + 1)) <(printf '%s\n' "${names[@]}"))
  same() { [ "$(grep "^$1 " "$before")" = "$(grep "^$1 " "$after")" ]; }
  check "batch 1: every host restarted once, profile rewritten" bash -c "
    for h in ${batch1//$'\n'/ }; do
      b=\$(grep \"^\$h \" '$before'); a=\$(grep \"^\$h \" '$after')
      [ \"\$(cut -d' ' -f2 <<<\"\$b\")\" != \"\$(cut -d' ' -f2 <<<\"\$a\")\" ] || exit 1
      [ \"\$(cut -d' ' -f4 <<<\"\$b\")\" != \"\$(cut -d' ' -f4 <<<\"\$a\")\" ] || exit 1
    done"
  ok_later=1
  for h in $later; do same "$h" || { ok_later=0; say "  changed: $h"; }; done
  check "batch 2 and later: no restart, daemon.json and profile untouched" [ "$ok_later" = 1 ]
  check "$broken: dockerd still running and answering" \
    docker exec "$broken" sh -c 'systemctl is-active --quiet docker && docker info >/dev/null 2>&1'
  check "$broken: its daemon.json left as it was (not rewritten, not restored)" \
    [ "$(docker exec "$broken" sha256sum /etc/docker/daemon.json | cut -c1-12)" = "$broken_sum" ]
  check "the failure names the host and daemon.json" \
    bash -c "grep -A40 'fatal: \[$broken\]' '$OUT/failing.log' | grep -q daemon.json"
  check "rollout_summary printed the stop" grep -q '^ROLLOUT stopped after batch 2 of' "$OUT/failing.log"
  # 4
  docker exec "$broken" cp -p /root/daemon.json.fleet-saved /etc/docker/daemon.json
  say "daemon.json put back on $broken"
  rollout recover 0 '{"seccomp_denied_syscalls":["chroot","personality"]}'
  check "recover: every host not done in 'failing' restarted once, batch 1 none" \
    [ "$RESTARTED" = $((HOSTS - size)) ]
fi

echo
say "summary ($HOSTS hosts over SSH, forks $(ansible-config dump 2>/dev/null | sed -n 's/^DEFAULT_FORKS([^)]*) = //p'), controller $(nproc) cores; figures $OUT/*.json)"
for line in "${SUMMARY[@]}"; do say "  $line"; done
exit "$FAILED"
