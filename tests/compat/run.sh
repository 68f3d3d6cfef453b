#!/usr/bin/env bash
# The ends of the supported ansible-core range (meta/runtime.yml: >=2.17.0), on live engines.
#
# For each controller below: a venv of its own under .cache/compat/, two fresh lab hosts
# (Debian 12 with docker 20.10, Debian 13 with docker 26.1), then site.yml in check mode with
# --diff (must pass and predict changes), for real (must change), and again (must report
# changed=0), and `docker info` must show userns and the profile on both hosts.
#
#   tests/compat/run.sh            both controllers
#   tests/compat/run.sh 2.17       one of them
#
# The main venv (.venv, requirements.txt) covers ansible-core 2.19 through the Molecule scenarios.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=$ROOT/.cache/compat
export ANSIBLE_CONFIG=$ROOT/ansible.cfg ANSIBLE_FORCE_COLOR=0

# name | python | pip requirement (the `ansible` package carries community.docker)
CONTROLLERS=(
  "2.17|python3.11|ansible==10.7.0"
  "2.21|python3.13|ansible==14.5.0"
)

say() { printf 'compat: %s\n' "$*"; }
die() { printf 'compat: ERROR: %s\n' "$*" >&2; exit 1; }

find_python() {
  local want=$1 candidate
  for candidate in "$(command -v "$want" 2>/dev/null || true)" \
      "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/"${want#python}"*/bin/"$want"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'pass' 2>/dev/null && { echo "$candidate"; return; }
  done
  die "$want not found (pyenv or PATH); it is needed for this leg of the compatibility check"
}

venv_for() {
  local name=$1 python=$2 requirement=$3 dir=$CACHE/venv-$1
  if [ ! -x "$dir/bin/ansible-playbook" ] || [ "$(cat "$dir/.requirement" 2>/dev/null)" != "$requirement" ]; then
    rm -rf "$dir"
    "$(find_python "$python")" -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$requirement"
    echo "$requirement" >"$dir/.requirement"
  fi
  echo "$dir"
}

recap_changed() {  # sum of changed= over the PLAY RECAP lines of a log
  awk '/^PLAY RECAP/ {r=1; next} r && /changed=/ {for (i=1;i<=NF;i++) if ($i ~ /^changed=/) {split($i,a,"="); s+=a[2]}} END {print s+0}' "$1"
}

run_leg() {
  local name=$1 python=$2 requirement=$3 venv prefix log inventory
  venv=$(venv_for "$name" "$python" "$requirement")
  prefix="containment-cmp-${name//./}"
  inventory=$CACHE/inventory-$name.yml
  log=$CACHE/site-$name
  say "ansible-core $("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)') ($requirement)"
  LAB_PREFIX=$prefix LAB_INVENTORY=$inventory lab/down.sh >/dev/null
  LAB_PREFIX=$prefix LAB_INVENTORY=$inventory LAB_HOSTS="1:bookworm 2:trixie" lab/up.sh
  trap 'LAB_PREFIX='"$prefix"' LAB_INVENTORY='"$inventory"' lab/down.sh >/dev/null' RETURN
  local args=(-i "$inventory" site.yml -e containment_docker_serial=2 -e '{"seccomp_denied_syscalls": ["chroot"]}')
  local step rc changed
  for step in check converge idempotence; do
    rc=0
    case $step in
      check) "$venv/bin/ansible-playbook" "${args[@]}" --check --diff >"$log-$step.log" 2>&1 || rc=$? ;;
      *) "$venv/bin/ansible-playbook" "${args[@]}" >"$log-$step.log" 2>&1 || rc=$? ;;
    esac
    changed=$(recap_changed "$log-$step.log")
    say "  $step: rc=$rc changed=$changed ($log-$step.log)"
    [ "$rc" -eq 0 ] || { tail -n 30 "$log-$step.log" >&2; die "ansible-core $name: $step failed"; }
    case $step in
      check|converge) [ "$changed" -gt 0 ] || die "ansible-core $name: $step on fresh hosts predicted no change" ;;
      idempotence) [ "$changed" -eq 0 ] || die "ansible-core $name: second run changed $changed" ;;
    esac
  done
  local host options
  for host in "$prefix-1" "$prefix-2"; do
    options=$(docker exec "$host" docker info --format '{{json .SecurityOptions}}')
    case $options in
      *name=userns*profile=/etc/docker/seccomp/containment.json*|*profile=/etc/docker/seccomp/containment.json*name=userns*)
        say "  $host: $options" ;;
      *) die "ansible-core $name: $host shows $options" ;;
    esac
  done
}

mkdir -p "$CACHE"
legs=0
for entry in "${CONTROLLERS[@]}"; do
  IFS='|' read -r name python requirement <<<"$entry"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  run_leg "$name" "$python" "$requirement"
  legs=$((legs + 1))
done
[ "$legs" -gt 0 ] || die "no controller matches '$*' (known: 2.17 2.21)"
say "$legs passed, 0 failed"
