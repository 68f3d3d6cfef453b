# Entry points for a checkout of containment.docker. Run as root on Debian 12 (or 13).
#
#   make setup         Debian packages, a running dockerd, ./.venv, lab host images (idempotent)
#   make demo          setup, lab hosts containment-lab-1..3 (engines 20.10, 26.1, 28.5), BEFORE, site.yml, proof
#   make demo-idempotence  run site.yml on the lab again; fail unless changed=0 on every host
#   make lab-down      remove the lab hosts, their volumes and lab/inventory.yml (alias: clean)
#   make clean-images  lab-down, and remove the lab host images containment-lab:*
#   make test          lint, sanity, unit, molecule, compat (what CI runs: .ci/run)
#   make sanity        ansible-test sanity on Python 3.11, 3.12 and 3.13, without docker
#   make bench         site.yml against a naive playbook: 1 and 8 hosts, docker and SSH (bench/all.sh)
#   make fleet         24 lab hosts over SSH in rolling batches, a failing host in batch 2 (lab/fleet-run.sh)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= $(if $(CI),0,1)
export PY_COLORS ?= $(if $(CI),0,1)

LAB_PLATFORMS ?= bookworm trixie forky dockerce
# Lab layout and extra ansible-playbook arguments for site.yml in the demo, e.g.
#   make demo LAB_HOSTS="1:bookworm 2:trixie 3:forky 4:forky" SITE_ARGS="-e containment_docker_serial=2"
export LAB_HOSTS SITE_ARGS

.PHONY: help setup packages engine venv images demo demo-idempotence lab-up lab-down clean \
	clean-images test lint sanity unit molecule compat bench fleet

help:
	@sed -n '3,12s/^# \{0,1\}//p' Makefile

setup: packages engine venv images

packages:
	@lab/setup.sh packages

engine: packages
	@lab/setup.sh engine

venv: packages
	@lab/setup.sh venv

images: engine
	@lab/images.sh $(LAB_PLATFORMS)

demo: setup
	@lab/demo.sh

demo-idempotence: setup
	@lab/up.sh
	@lab/run-site.sh --expect-no-change

lab-up: setup
	@lab/up.sh

lab-down:
	@lab/down.sh

clean: lab-down

clean-images:
	@lab/down.sh --images

# All of them run even if one fails (a lint finding should not hide a Molecule result); the exit
# status is non-zero if any failed.
test: setup
	@failed=""; \
	for t in lint sanity unit molecule compat; do \
	  echo "==== make $$t ===="; \
	  $(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: lint, sanity, unit, molecule and compat passed"

# --offline: no network, and no copy of the collection installed into .ansible/collections (the
# checkout's symlink under collections/ already resolves containment.docker.*).
lint: venv
	yamllint .
	ansible-lint --offline
	@# Role docs load without a warning (a warning here shows on every run that validates them).
	@for role in daemon hardening seccomp userns_remap; do \
	  said=$$(ansible-doc -t role containment.docker.$$role 2>&1 >/dev/null); \
	  [ -z "$$said" ] || { echo "lint: ansible-doc -t role containment.docker.$$role: $$said" >&2; exit 1; }; \
	done

# ansible-test sanity in virtual environments it makes itself (--venv), one run per Python in
# SANITY_PYTHONS; packages from PyPI only (tests/sanity/run.sh says how).
sanity: venv
	tests/sanity/run.sh $(SANITY_ARGS)

# Both runners: plain pytest from the checkout, and ansible-test units as a maintainer runs it.
unit: venv
	pytest tests/unit
	tests/sanity/run.sh units $(UNITS_ARGS)

molecule: venv images
	molecule test --all

# site.yml with the oldest (2.17) and the newest (2.21) supported ansible-core, on live engines.
compat: venv images
	tests/compat/run.sh

# Figures, not a test (about 15 min; REPS=5 for more repetitions, BENCH_SETS="8:ssh" for some sets).
bench: setup
	bench/all.sh

# About 6 min; FLEET_HOSTS=12 for fewer hosts, FLEET_KEEP=1 to keep them.
fleet: setup
	lab/fleet-run.sh
