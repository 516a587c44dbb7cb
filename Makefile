# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check bench schema snapshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# `make run PORT=8080 HOST=0.0.0.0`: without them, `jingban serve`'s defaults (JINGBAN_SERVE_PORT
# or 8000, JINGBAN_SERVE_HOST or 127.0.0.1). The demo's login is printed on every run.
run: $(STAMP)
	$(BIN)/jingban demo --if-empty
	$(BIN)/jingban serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# -rs: the reason of every skipped test (PostgreSQL or Chromium missing) is printed at the end.
test: check
	$(BIN)/python -m pytest -rs

# Lint, format, import layers and types: the checks `make test` runs before the suite.
check lint: $(STAMP)
	$(BIN)/ruff check jingban tests bench
	$(BIN)/ruff format --check jingban tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# Golden snapshots of each region's compiled catalog, rewritten after an intended data edit
# (review their diff in tests/workflows/snapshots/).
snapshots: $(STAMP)
	JINGBAN_UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest -q tests/workflows/test_wf_snapshots.py

# JSON Schemas of the catalog and registry files, for editors (docs/catalog.md).
schema: $(STAMP)
	$(BIN)/python -m jingban.schemas docs

bench: $(STAMP)
	$(BIN)/python bench/bench_calendar.py
	$(BIN)/python bench/bench_actions.py
	$(BIN)/python bench/bench_scan.py

clean:
	rm -rf $(VENV) build *.egg-info
