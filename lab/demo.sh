#!/usr/bin/env bash
# The demonstration behind `make demo` (run `make setup` first; the Makefile does).
#
#   1. start the lab hosts containment-lab-1..3 and write lab/inventory.yml   (lab/up.sh)
#   2. put the probe image into each host's engine                            (lab/probe.yml)
#   3. BEFORE, on hosts not hardened yet: a container's root is root          (lab/before.yml)
#   4. run site.yml with lab/demo-vars.yml, timed                             (lab/run-site.sh)
#   5. the probe image again (userns-remap gave dockerd a new data root)      (lab/probe.yml)
#   6. AFTER: the proof, every expectation an assert                          (lab/proof.yml)
#
# Any failed step stops the demo with a non-zero exit.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
play() { ansible-playbook -i lab/inventory.yml "$@"; }
banner() { printf '\n######## %s ########\n' "$*"; }

mkdir -p lab/.cache
banner "Lab hosts"
lab/up.sh
banner "Probe image"
play lab/probe.yml
banner "BEFORE hardening"
play lab/before.yml
banner "Hardening: site.yml"
lab/run-site.sh | tee lab/.cache/last-site-summary.txt
banner "Probe image in the remapped data root"
play lab/probe.yml
banner "AFTER hardening: proof"
play -e @lab/demo-vars.yml lab/proof.yml

banner "Demo finished"
sed -n '/^==== site.yml/,$p' lab/.cache/last-site-summary.txt
echo "Proof passed on every host. Remove the lab with: make lab-down"
