# Two commands on a fresh machine with Python >= 3.10 and git:
#   make demo   — the whole pipeline on bundled data, offline
#   make test   — the whole test suite (tools that are missing are skipped, with the reason)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.modelci-installed
UV := $(shell command -v uv 2>/dev/null)

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
ifdef UV
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test]'
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
endif
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/modelci demo --out modelci-demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) modelci-demo .pytest_cache
