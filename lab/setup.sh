#!/usr/bin/env bash
# Prepare this machine for `make demo` and `make test`. Every step checks before it acts, so a
# second run changes nothing.
#
#   lab/setup.sh packages   install missing Debian packages (apt-get update only if one is missing)
#   lab/setup.sh engine     start dockerd when `docker info` does not answer
#   lab/setup.sh venv       create ./.venv and install requirements.txt (skipped when unchanged)
#   lab/setup.sh all        the three above, in that order
#
# Environment: PYTHON (default python3, must be >= 3.11), DOCKERD_LOG (default
# /var/log/containment-dockerd.log), DOCKERD_WAIT (seconds, default 60).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/containment-dockerd.log}
DOCKERD_WAIT=${DOCKERD_WAIT:-60}
VENV=.venv
STAMP=$VENV/.requirements.sha256

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

packages() {
  # gcc and libc6-dev build the static syscall probe of the integration tests (lab/syscall-probe.sh);
  # ansible-test sanity runs the program shellcheck (and skips that test with a warning without it).
  # openssh-client: the SSH lab of the benchmark and the fleet run (ssh, ssh-keygen).
  local wanted=(make mmdebstrap python3-venv ca-certificates gcc libc6-dev shellcheck openssh-client) missing=()
  # Any engine will do (docker.io, docker-ce, ...); install Debian's only when none is there.
  command -v dockerd >/dev/null 2>&1 || wanted+=(docker.io)
  for p in "${wanted[@]}"; do is_installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: all present"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); rerun as root"
  say "packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

engine() {
  if docker info >/dev/null 2>&1; then
    say "engine: dockerd answers"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "dockerd is not answering and starting it needs root"
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
    say "engine: systemctl start docker"
    systemctl start docker
  else
    # No systemd (a container or a bare CI runner): run dockerd in the background, detached from
    # this shell, logging to a file. Every descriptor above 2 is closed first: dockerd (and its
    # containerd) outlive this script and would otherwise keep what the caller holds open, such
    # as the lab lock of `flock /tmp/containment-lab.lock make test`, which then never frees.
    say "engine: starting dockerd in the background (log: $DOCKERD_LOG)"
    (
      for fd in "/proc/$BASHPID/fd"/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
      done
      exec setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null
    ) &
  fi
  local waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$DOCKERD_WAIT" ]; then
      [ -f "$DOCKERD_LOG" ] && tail -n 20 "$DOCKERD_LOG" >&2
      die "dockerd did not answer within ${DOCKERD_WAIT}s (see $DOCKERD_LOG or 'journalctl -u docker')"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "engine: dockerd answers after ${waited}s"
}

venv() {
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "$PYTHON is $("$PYTHON" --version 2>&1); Python >= 3.11 is needed (set PYTHON=...)"
  local want
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    say "venv: $VENV matches requirements.txt"
    return
  fi
  [ -x "$VENV/bin/python" ] || { say "venv: creating $VENV"; "$PYTHON" -m venv "$VENV"; }
  say "venv: installing requirements.txt"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" >"$STAMP"
}

case "${1:-all}" in
  packages) packages ;;
  engine) engine ;;
  venv) venv ;;
  all) packages; engine; venv ;;
  *) die "unknown step '$1' (use packages, engine, venv or all)" ;;
esac
