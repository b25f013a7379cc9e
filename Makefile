# `make help` lists every command. CI runs `bash .ci/run` = `make install` then `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: help install demo test lint fmt check bench converters

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## create .venv and install xxgk with its dev tools (and document converters when root)
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	-@if [ -x scripts/install-converters.sh ] && [ "$$(id -u)" = 0 ]; then bash scripts/install-converters.sh; fi

demo: install ## install, then run the nightly flow against bundled sample sites (offline)
	$(BIN)/xxgk demo

test: ## run the test suite (what CI runs after install)
	$(BIN)/python -m pytest -q

lint: ## ruff, ruff format --check, mypy --strict, import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler flows parsing warehouse
	$(BIN)/lint-imports

fmt: ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test ## lint + tests

bench: ## run every benchmark (prints figures)
	for b in benchmarks/*_bench.py; do $(BIN)/python $$b; done
