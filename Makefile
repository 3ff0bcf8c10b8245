# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MODELYARD_ALLOWED_UPSTREAM_HOSTS ?= 127.0.0.1,localhost

.PHONY: run test lint install install-test catalog clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Serve on 127.0.0.1:8080 with an embedded SQLite database in ./data (first start initialises it).
run: install
	$(BIN)/modelyard init --if-needed
	$(BIN)/modelyard serve

## Install the test dependencies, then lint, type-check and run every test, on two processes
## (pytest-xdist; a file's tests stay together, so they share its servers and browser).
TEST_WORKERS ?= 2
test: install-test lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: install-test
	$(BIN)/ruff check src tests scripts $(wildcard bench)
	$(BIN)/ruff format --check src tests scripts $(wildcard bench)
	$(BIN)/mypy

## Rebuild the bundled catalog from ../shared/catalog-source.
catalog: install
	$(BIN)/python scripts/build_catalog.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
