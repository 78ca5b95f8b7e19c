# Two commands do everything: `make demo` and `make test` (both create .venv when needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/foerderradar demo --out out

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Tests run in parallel processes (pytest-xdist): most of their time is spent waiting for crawler
# subprocesses, servers and databases, so more workers than cores pays. PYTEST_WORKERS=0 runs serially.
# `--dist loadgroup`: tests marked xdist_group(name) share one worker (the browser tests: one chromium).
PYTEST_WORKERS ?= 4

test: $(STAMP) lint
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

clean:
	rm -rf out .foerderradar-cache .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
