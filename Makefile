# One command to run the system, one to test it. Everything installs into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run run-services migrate test lint unit bench parking clean

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

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
