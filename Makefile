# One command to run the system, one to test it. Everything installs into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run run-services migrate test lint unit bench bench-flow faults parking clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Embedded mode: the three services in one process on SQLite, demo data, http://127.0.0.1:$${PORT:-8000}/docs
run: install
	$(BIN)/python -m launcher.embedded

## Local services mode: three processes on PostgreSQL and RabbitMQ at their usual local ports
run-services: install
	$(BIN)/python -m launcher.local

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## The README's test command: lint, import contracts, then every test on the real servers
test: lint
	$(BIN)/pytest

unit: install
	$(BIN)/pytest -m "not postgres and not rabbitmq and not e2e"

bench: install
	$(BIN)/python -m bench.backbone

## Complete flows over HTTP, three service processes: `make bench-flow ARGS="--closed --concurrency 50"`
bench-flow: install
	$(BIN)/python -m bench.flow $(or $(ARGS),--rate 20 --duration 60)

## The fault campaign, longer than in `make test`: FAULTS_FLOWS (360) flows at FAULTS_RATE (1.5) per second
## while processes are killed, RabbitMQ restarts (FAULTS_BROKER_RESTARTS), PostgreSQL sessions end
faults: install
	FAULTS_FLOWS=$${FAULTS_FLOWS:-360} FAULTS_RATE=$${FAULTS_RATE:-1.5} \
	FAULTS_BROKER_RESTARTS=$${FAULTS_BROKER_RESTARTS:-4} FAULTS_REPORT_DIR=$(CURDIR)/var/faults \
	$(BIN)/pytest tests/faults/test_fault_campaign.py -s -p no:cacheprovider

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
