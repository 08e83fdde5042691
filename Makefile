# Watchpost: `make run` starts the demo workstation, `make test` runs the tests.
# Both install what they need (Debian packages, a virtualenv) on a fresh Debian machine.

PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
APT     := $(shell grep -v '^\#' deploy/apt-packages.txt | xargs)
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=
# Two test processes, a file each at a time: the suite waits on servers, browsers and clips about as much as it
# computes, so the second core roughly halves it (tests/conftest.py starts the longest file first).
PYTEST_JOBS ?= 2

export YOLO_OFFLINE := 1
export YOLO_AUTOINSTALL := 0
export YOLO_CONFIG_DIR := $(CURDIR)/var/yolo

.PHONY: deps apt run test test-fast fuzz bench clean help

help:
	@echo "make run   - start the workstation demo (service + vision worker on bundled footage)"
	@echo "make test  - run the test suite"
	@echo "make fuzz  - fuzz every API operation with 200 examples each, SQLite and PostgreSQL (long)"
	@echo "make bench - run the benchmarks (long)"

apt:
	@missing=""; for p in $(APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

deps: apt $(STAMP)

run: deps
	$(BIN)/watchpost demo

test: deps
	$(BIN)/python -m pytest -q -n $(PYTEST_JOBS) --dist loadfile $(PYTEST_ARGS)

test-fast: deps
	$(BIN)/python -m pytest -q -n $(PYTEST_JOBS) --dist loadfile -m "not slow and not browser" $(PYTEST_ARGS)

fuzz: deps
	WP_FUZZ_EXAMPLES=200 WP_FUZZ_BACKENDS=sqlite,postgres $(BIN)/python -m pytest -q tests/core/test_api_fuzz.py $(PYTEST_ARGS)

bench: deps
	$(BIN)/python bench/api_load.py --backend both --clients 300 --ws 1000 --duration 30 --intake-duration 10
	$(BIN)/python bench/vision_throughput.py --cameras 2 4 8 12 --seconds 20 --fps 2 --threads 1
	$(BIN)/python bench/detector_speed.py --n 20 --imgsz 640 320
	$(BIN)/python bench/inference_options.py --variants 640 640+tta 800 960
	$(BIN)/python bench/sms_campaign.py --n 10000 --rate 500
	$(BIN)/python bench/plans_load.py --backend both
	$(BIN)/python bench/drill_run.py --injects 50 --speed 10

clean:
	rm -rf var/ .pytest_cache
