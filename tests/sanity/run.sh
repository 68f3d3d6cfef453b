#!/usr/bin/env bash
# `ansible-test sanity` (or `ansible-test units`) without docker: one run per Python, each in
# virtual environments that ansible-test makes itself (--venv), with packages from PyPI only.
#
#   tests/sanity/run.sh                    sanity on Python 3.11, 3.12 and 3.13 (SANITY_PYTHONS)
#   tests/sanity/run.sh 3.12               one of them
#   tests/sanity/run.sh 3.11 --test pep8   extra arguments go to ansible-test
#   tests/sanity/run.sh units              `ansible-test units` instead (tests/unit), same Pythons
#
# Three things a plain `ansible-test sanity` in the checkout does not have:
#
# - A collection path. ansible-test runs from .../ansible_collections/containment/docker; the
#   checkout's own such path (collections/, a symlink back to the repository) is a loop it refuses.
#   So the files git knows (tracked and new, not ignored; without collections/) are copied to
#   $SANITY_DIR/ansible_collections/containment/docker (default SANITY_DIR:
#   ~/.cache/containment-docker-sanity/<hash of the checkout's path>), outside the repository
#   (inside it, git would hide the copy from ansible-test, which lists files with `git ls-files`),
#   and ansible-test runs there.
# - The pip bootstrap. ansible-test makes each virtual environment without pip and installs pip
#   with ~/.ansible/test/cache/get_pip_<version>.py, which it otherwise downloads from
#   ci-files.testing.ansible.com. This script downloads pip's wheel from PyPI (`pip download`)
#   into that directory and installs tests/sanity/get_pip.py, which installs pip from the wheel, as
#   that file. A real bootstrap script already there is left alone.
# - Interpreters. Each wanted pythonX.Y is taken from PATH, else from pyenv's versions; one that
#   is missing fails the run (SANITY_MISSING=skip skips it instead, with a message).
#
# tests/config.yml limits module/module_utils checks to Python >= 3.11 (the managed hosts:
# Debian 12 and 13). The first run per Python installs the test tools (pylint, ...) from PyPI into
# ~/.ansible/test/venv; later runs reuse them. The shellcheck test needs the shellcheck program
# (Debian package shellcheck); without it ansible-test warns and checks nothing.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
COMMAND=sanity
case "${1:-}" in sanity|units) COMMAND=$1; shift ;; esac
BIN=${BIN:-$ROOT/.venv/bin}
SANITY_DIR=${SANITY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/containment-docker-sanity/$(printf %s "$ROOT" | sha256sum | cut -c1-12)}
SANITY_PYTHONS=${SANITY_PYTHONS:-3.11 3.12 3.13}
SANITY_MISSING=${SANITY_MISSING:-fail}
PIP_CACHE=$HOME/.ansible/test/cache

say() { printf '%s: %s\n' "$COMMAND" "$*"; }
die() { printf '%s: ERROR: %s\n' "$COMMAND" "$*" >&2; exit 1; }

[ -x "$BIN/ansible-test" ] || die "$BIN/ansible-test not found; run 'make venv' first"

pythons=()
args=()
for arg in "$@"; do
  if [ ${#args[@]} -eq 0 ] && [[ $arg =~ ^3\.[0-9]+$ ]]; then pythons+=("$arg"); else args+=("$arg"); fi
done
[ ${#pythons[@]} -gt 0 ] || read -r -a pythons <<<"$SANITY_PYTHONS"

find_python() {  # the directory holding a working pythonX.Y, or nothing
  local want=python$1 candidate
  for candidate in "$(command -v "$want" 2>/dev/null || true)" \
      "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/"$1".*/bin/"$want"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'pass' 2>/dev/null; then
      dirname "$candidate"
      return
    fi
  done
}

pip_bootstrap() {  # the stand-in bootstrap script and pip's wheel, for the pip ansible-test wants
  local py=$1 version script
  version=$("$BIN/python" -c '
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])' "$py")
  script=$PIP_CACHE/get_pip_${version//./_}.py
  mkdir -p "$PIP_CACHE"
  if [ -f "$script" ] && ! grep -q 'containment.docker get-pip stand-in' "$script"; then
    say "using the bootstrap script already in $script"
    return
  fi
  if [ ! -f "$PIP_CACHE/pip-$version-py3-none-any.whl" ]; then
    say "downloading pip $version's wheel from PyPI into $PIP_CACHE"
    "$BIN/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --dest "$PIP_CACHE" "pip==$version"
  fi
  cmp -s tests/sanity/get_pip.py "$script" || cp tests/sanity/get_pip.py "$script"
}

copy_collection() {
  local dest=$SANITY_DIR/ansible_collections/containment/docker
  mkdir -p "$dest"
  # Start from an empty copy but keep ansible-test's tests/output (its virtual environments).
  find "$dest" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
  [ -d "$dest/tests" ] && find "$dest/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do
        case $f in collections/*) continue ;; esac
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
      done \
    | tar -c --null --no-recursion -T - -f - | tar -x -f - -C "$dest"
  echo "$dest"
}

dest=$(copy_collection)
say "collection copied to $dest ($(cd "$dest" && find . -path ./tests/output -prune -o -type f -print | wc -l) files)"

failed=() skipped=() summary=()
for py in "${pythons[@]}"; do
  dir=$(find_python "$py")
  if [ -z "$dir" ]; then
    [ "$SANITY_MISSING" = skip ] || die "python$py not found (PATH or pyenv); SANITY_MISSING=skip skips it"
    say "python$py not found (PATH or pyenv): skipped"
    skipped+=("$py")
    continue
  fi
  pip_bootstrap "$py"
  say "==== ansible-test $COMMAND --venv --python $py ($dir/python$py)"
  log=$(mktemp)
  rc=0
  (cd "$dest" && PATH="$dir:$BIN:$PATH" "$BIN/ansible-test" "$COMMAND" --venv --python "$py" "${args[@]}") \
    2>&1 | tee "$log" || rc=$?
  # ansible-test prints 'Running sanity test "NAME"' per test (and per Python for compile and
  # import), and on failure 'FATAL: The N sanity test(s) listed below (out of M) failed.'
  if [ "$COMMAND" = units ]; then
    # One pytest run per context (modules and module_utils, then controller): add them up.
    ran=$(grep -oE '^=+ [0-9]+ passed' "$log" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0 " passed"}')
  else
    ran="$(grep -c '^Running sanity test' "$log" || true) tests run"
  fi
  if [ "$rc" -eq 0 ]; then
    summary+=("python $py: passed ($ran)")
  elif [ "$COMMAND" = units ]; then
    summary+=("python $py: FAILED: $(grep -E '[0-9]+ (failed|error)' "$log" | tail -1 || echo "exit $rc")")
    failed+=("$py")
  else
    summary+=("python $py: FAILED: $(grep -m1 -oE 'The [0-9]+ sanity test\(s\) listed below \(out of [0-9]+\) failed' "$log" \
      || echo "exit $rc")")
    failed+=("$py")
  fi
  rm -f "$log"
done

say "---- summary"
for line in "${summary[@]}"; do say "$line"; done
[ ${#skipped[@]} -eq 0 ] || say "skipped (no interpreter): ${skipped[*]}"
[ ${#failed[@]} -eq 0 ] || die "failed on Python ${failed[*]}"
[ ${#summary[@]} -gt 0 ] || die "no Python version ran"
