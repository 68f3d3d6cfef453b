#!/usr/bin/env bash
# Benchmark: site.yml against a naive six-task playbook with the same end state (bench/naive.yml),
# on fresh lab hosts over the community.docker.docker connection or SSH. Prints figures; not a test.
#
#   bench/run.sh                                   (after `make setup`, as root, from the checkout)
#   REPS=5 HOSTS=8 PLATFORM=mixed CONNECTION=ssh bench/run.sh
#   bench/all.sh                                   the four runs the README quotes (1 and 8 hosts,
#                                                  docker and ssh)
#
# Options (environment):
#   REPS       repetitions (default 3)
#   HOSTS      lab hosts per run (default 1)
#   PLATFORM   bookworm (docker.io 20.10, default) | trixie (26.1) | mixed (odd hosts bookworm,
#              even hosts trixie)
#   CONNECTION docker (community.docker.docker, default) | ssh (lab hosts with openssh-server from
#              lab/ssh-images.sh, started by lab/ssh-up.sh: the lab's own key, host keys checked;
#              each ansible-playbook run gets its own ControlPersist socket directory, so every run
#              pays for its SSH connections once, as a nightly run would)
#   BENCH_KEEP=1      leave the last lab hosts running at the end (default: removed)
#   BENCH_TIMEOUT     seconds one ansible-playbook run may take (default 1800)
#
# Each repetition runs two blocks, each on freshly created lab hosts: naive (first run, re-run) and
# site (first run, re-run); the block order alternates between repetitions (naive first on odd
# ones). The commands, with the repository's ansible.cfg (ANSIBLE_CONFIG) and the stdout callback
# ansible.posix.json:
#   ansible-playbook -i bench/.cache/inventory.yml bench/naive.yml
#   ansible-playbook -i bench/.cache/inventory.yml site.yml -e '{"seccomp_denied_syscalls":["chroot"]}'
# site.yml runs with its defaults, rolling batches included (serial 25%: 8 hosts go in 4 batches of
# 2); both playbooks with the repository's ansible.cfg (pipelining on, forks 25, ControlPersist).
# Lab hosts are containment-bench-<n> (lab/up.sh or lab/ssh-up.sh, and lab/down.sh, with
# LAB_PREFIX=containment-bench and LAB_INVENTORY=bench/.cache/inventory.yml): the demo's, the
# fleet's and Molecule's hosts are not touched.
#
# Measured per run: wall seconds of ansible-playbook; per host the tasks that reach the host (see
# bench/figures.py for the counting rule), `changed` from the recap, and dockerd restarts (starts
# of docker.service that systemd logged during the run, cross-checked with MainPID and its start
# time in /proc/PID/stat before and after). After each block the end state of the first host of
# each platform is recorded (account, ranges, profile checksum, daemon.json, `docker info`) and the
# naive and site end states are compared at the end.
#
# The seccomp profile naive.yml copies is rendered on the controller before the runs
# (bench/render-profile.yml: the collection's filter containment.docker.seccomp_profile for the
# `dockerd --version` of each lab image, denying chroot) into bench/.cache/seccomp-<platform>.json.
#
# Output: progress lines, then the table (medians, min-max, ratio site/naive for first run and
# re-run). Raw figures, one line per run and host: bench/.cache/results-<date>.tsv; playbook logs
# (JSON) and end states: bench/.cache/logs/<date>/. Exit status 1 when a playbook run failed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
REPS=${REPS:-3}
HOSTS=${HOSTS:-1}
PLATFORM=${PLATFORM:-bookworm}
CONNECTION=${CONNECTION:-docker}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}

CACHE=$ROOT/bench/.cache
STAMP=$(date +%Y%m%d-%H%M%S)
LOGS=$CACHE/logs/$STAMP
RESULTS=$CACHE/results-$STAMP.tsv
INVENTORY=$CACHE/inventory.yml
PREFIX=containment-bench
SITE_EXTRA='{"seccomp_denied_syscalls":["chroot"]}'

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 2; }

[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer (got '$REPS')"
[[ $HOSTS =~ ^[1-9][0-9]*$ ]] || die "HOSTS must be a positive integer (got '$HOSTS')"
case "$PLATFORM" in bookworm|trixie|mixed) ;; *) die "PLATFORM must be bookworm, trixie or mixed (got '$PLATFORM')" ;; esac
case "$CONNECTION" in docker|ssh) ;; *) die "CONNECTION must be docker or ssh (got '$CONNECTION')" ;; esac
[ -x "$ROOT/.venv/bin/ansible-playbook" ] || die "no .venv/bin/ansible-playbook: run 'make setup' first"
docker info >/dev/null 2>&1 || die "no running Docker engine: run 'make setup' first"

export PATH=$ROOT/.venv/bin:$PATH
export ANSIBLE_CONFIG=$ROOT/ansible.cfg
PYTHON=$ROOT/.venv/bin/python3

# Host n -> platform.
declare -A PLATFORM_OF=()
names=() layout=""
for ((n = 1; n <= HOSTS; n++)); do
  p=$PLATFORM
  if [ "$PLATFORM" = mixed ]; then
    if ((n % 2)); then p=bookworm; else p=trixie; fi
  fi
  PLATFORM_OF[$PREFIX-$n]=$p
  names+=("$PREFIX-$n")
  layout+="$n:$p "
done
mapfile -t platforms < <(printf '%s\n' "${PLATFORM_OF[@]}" | sort -u)
[ "$PLATFORM" = mixed ] && [ "$HOSTS" -lt 2 ] && say "note: PLATFORM=mixed with HOSTS=1 runs bookworm only"

mkdir -p "$LOGS"

lab() {   # lab/up.sh (lab/ssh-up.sh) or lab/down.sh on the benchmark's own lab; output to the lab log
  local script=$1
  [ "$CONNECTION" = ssh ] && [ "$1" = up ] && script=ssh-up
  LAB_PREFIX=$PREFIX LAB_HOSTS="$layout" LAB_INVENTORY=$INVENTORY "lab/$script.sh" >>"$LOGS/lab.log" 2>&1 \
    || { tail -n 20 "$LOGS/lab.log" >&2; die "lab/$script.sh failed (log: $LOGS/lab.log)"; }
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ "$BENCH_KEEP" = 1 ]; then
    say "lab hosts kept (BENCH_KEEP=1): LAB_PREFIX=$PREFIX LAB_INVENTORY=$INVENTORY lab/down.sh removes them"
  else
    LAB_PREFIX=$PREFIX LAB_INVENTORY=$INVENTORY lab/down.sh >>"$LOGS/lab.log" 2>&1 || true
  fi
}
trap cleanup EXIT

fresh_lab() {   # remove any benchmark hosts, create fresh ones, wait until systemd has booted
  local h
  lab down
  lab up
  for h in "${names[@]}"; do
    docker exec "$h" timeout 90 systemctl is-system-running --wait >/dev/null 2>&1 || true
  done
}

# "MainPID starttime journal-cursor" of dockerd on a host.
snapshot() {
  docker exec "$1" sh -c '
    pid=$(systemctl show -p MainPID --value docker)
    start=-
    [ "$pid" != 0 ] && start=$(sed "s/.*) //" "/proc/$pid/stat" | cut -d" " -f20)
    cursor=$(journalctl -q -n 0 --show-cursor 2>/dev/null | sed -n "s/^-- cursor: //p")
    echo "$pid $start ${cursor:--}"'
}

# Starts of docker.service systemd logged after a journal cursor (systemd's "unit started" message).
starts_after() {
  docker exec "$1" sh -c '
    [ "$1" = - ] && { echo 0; exit; }
    journalctl -q --after-cursor "$1" -u docker.service -o export 2>/dev/null \
      | grep -c "^MESSAGE_ID=39f53479d3a045ac8e11786248231fbf\$" || true' sh "$2"
}

# The end state a playbook leaves on a host (compared between naive and site at the end).
end_state() {
  docker exec "$1" sh -c '
    getent passwd dockremap | awk -F: "{print \"user\", \$1, (\$3 < 1000 ? \"system\" : \"login\"), \$6, \$7}"
    getent group dockremap | awk -F: "{print \"group\", \$1, (\$3 < 1000 ? \"system\" : \"login\")}"
    gid=$(getent group dockremap | cut -d: -f3)
    [ -n "$gid" ] && [ "$(id -g dockremap 2>/dev/null)" = "$gid" ] && echo "primary group dockremap"
    for f in /etc/subuid /etc/subgid; do echo "$f: $(cat $f 2>&1)"; done
    for f in /etc/docker/seccomp /etc/docker/seccomp/containment.json /etc/docker/daemon.json; do
      echo "$f: $(stat -c "%U:%G %a %F" $f 2>&1)"
    done
    echo "profile sha256: $(sha256sum </etc/docker/seccomp/containment.json 2>&1 | cut -d" " -f1)"
    echo "daemon.json: $(python3 -c "import json; print(json.dumps(json.load(open(\"/etc/docker/daemon.json\")), sort_keys=True))" 2>&1)"
    echo "security options: $(docker info --format "{{json .SecurityOptions}}" 2>&1)"
    echo "data root: $(docker info --format "{{.DockerRootDir}}" 2>&1)"
    echo "docker.service: $(systemctl is-active docker)"'
}

render_profiles() {
  local p version
  for p in "${platforms[@]}"; do
    version=$(docker run --rm --entrypoint dockerd "containment-lab:$p" --version) \
      || die "cannot read dockerd --version from image containment-lab:$p (run 'make setup')"
    ansible-playbook bench/render-profile.yml -e "bench_engine='$version'" \
      -e "bench_profile_dest=$CACHE/seccomp-$p.json" >"$LOGS/render-$p.log" 2>&1 \
      || { tail -n 20 "$LOGS/render-$p.log" >&2; die "rendering the profile for $p failed"; }
  done
}

FAILED=0
tsv() { local IFS=$'\t'; printf '%s\n' "$*"; }
tsv stamp rep kind phase platform hosts connection wall_s rc host host_platform remote_tasks all_tasks \
  remote_execs changed failed restarts journal_starts pid_changed >"$RESULTS"

squeeze() {   # "7 7 7 " -> "7", "7 8 " -> "7 8"
  local uniq
  uniq=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u)
  if [ "$(wc -l <<<"$uniq")" = 1 ]; then echo "$uniq"; else echo "${1% }"; fi
}

# run_one REP KIND PHASE: one timed ansible-playbook run on the current lab, figures appended.
run_one() {
  local rep=$1 kind=$2 phase=$3 log="$LOGS/rep$1-$2-$3" h rc t0 t1 wall counts line
  local -A before=() fig=()
  local -a cmd
  for h in "${names[@]}"; do before[$h]=$(snapshot "$h"); done
  if [ "$kind" = naive ]; then
    cmd=(ansible-playbook -i "$INVENTORY" bench/naive.yml)
  else
    cmd=(ansible-playbook -i "$INVENTORY" site.yml -e "$SITE_EXTRA")
  fi
  t0=$(date +%s.%N)
  rc=0
  ANSIBLE_SSH_CONTROL_PATH_DIR=$CACHE/cp/$STAMP-$rep-$kind-$phase \
  ANSIBLE_STDOUT_CALLBACK=ansible.posix.json timeout "$BENCH_TIMEOUT" "${cmd[@]}" \
    >"$log.json" 2>"$log.stderr" || rc=$?
  t1=$(date +%s.%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  counts=$("$PYTHON" bench/figures.py count "$log.json" 2>"$log.failures") || true
  while IFS=$'\t' read -r h line; do [ -n "$h" ] && fig[$h]=$line; done <<<"$counts"

  local sum_tasks="" sum_changed="" sum_restarts="" r_tasks a_tasks execs changed failed pid0 start0 cursor pid1 start1 rest starts changed_pid restarts
  for h in "${names[@]}"; do
    read -r pid0 start0 cursor <<<"${before[$h]}"
    read -r pid1 start1 rest <<<"$(snapshot "$h")"
    starts=$(starts_after "$h" "$cursor")
    changed_pid=0
    [ "$pid0:$start0" != "$pid1:$start1" ] && changed_pid=1
    restarts=$((starts > changed_pid ? starts : changed_pid))
    IFS=$'\t' read -r r_tasks a_tasks execs changed failed <<<"${fig[$h]:-$(tsv 0 0 0 0 1)}"
    tsv "$STAMP" "$rep" "$kind" "$phase" "$PLATFORM" "$HOSTS" "$CONNECTION" "$wall" "$rc" "$h" "${PLATFORM_OF[$h]}" \
      "$r_tasks" "$a_tasks" "$execs" "$changed" "$failed" "$restarts" "$starts" "$changed_pid" >>"$RESULTS"
    sum_tasks+="$r_tasks " sum_changed+="$changed " sum_restarts+="$restarts "
  done
  say "$(printf 'rep %s  %-5s %-5s  %7s s  rc=%s  tasks/host %s  changed %s  restarts %s' \
    "$rep" "$kind" "$phase" "$wall" "$rc" "$(squeeze "$sum_tasks")" "$(squeeze "$sum_changed")" \
    "$(squeeze "$sum_restarts")")"
  if [ "$rc" != 0 ]; then
    FAILED=1
    [ -s "$log.failures" ] && sed 's/^/bench:   /' "$log.failures" | head -n 8
    grep -v '^\[WARNING\]' "$log.stderr" | head -n 3 | sed 's/^/bench:   /' || true
    say "  log: $log.json"
  fi
}

# run_block REP KIND: fresh hosts, first run, re-run, end state.
run_block() {
  local rep=$1 kind=$2 p h
  fresh_lab
  run_one "$rep" "$kind" first
  run_one "$rep" "$kind" rerun
  for p in "${platforms[@]}"; do
    for h in "${names[@]}"; do
      if [ "${PLATFORM_OF[$h]}" = "$p" ]; then
        end_state "$h" >"$LOGS/state-$kind-$p-rep$rep.txt" 2>&1 || true
        break
      fi
    done
  done
}

say "REPS=$REPS HOSTS=$HOSTS PLATFORM=$PLATFORM CONNECTION=$CONNECTION; logs $LOGS"
if [ "$CONNECTION" = ssh ]; then
  lab/ssh-images.sh "${platforms[@]}" >>"$LOGS/lab.log" 2>&1 \
    || { tail -n 20 "$LOGS/lab.log" >&2; die "lab/ssh-images.sh failed (log: $LOGS/lab.log)"; }
fi
render_profiles
for ((rep = 1; rep <= REPS; rep++)); do
  if ((rep % 2)); then order=(naive site); else order=(site naive); fi
  for kind in "${order[@]}"; do run_block "$rep" "$kind"; done
done

"$PYTHON" bench/figures.py table "$RESULTS"
echo
for p in "${platforms[@]}"; do
  naive_state=$LOGS/state-naive-$p-rep1.txt site_state=$LOGS/state-site-$p-rep1.txt
  if diff -u --label "naive ($p)" --label "site ($p)" "$naive_state" "$site_state" >"$LOGS/state-$p.diff"; then
    echo "end state on $p: naive = site ($(grep -c . "$naive_state") facts compared; $naive_state)"
  else
    echo "end state on $p: naive and site DIFFER:"
    sed 's/^/  /' "$LOGS/state-$p.diff"
  fi
done
echo "raw figures: $RESULTS"
exit "$FAILED"
