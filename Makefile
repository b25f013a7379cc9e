# `make help` lists every command. CI runs `bash .ci/run`, which is `make test` on a fresh clone.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install native demo test lint fmt check bench fuzz

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install xxgk with its dev tools (+ DOC/OCR converters as root)

$(STAMP): pyproject.toml setup.py parsing/native.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	-@if [ "$$(id -u)" = 0 ]; then bash scripts/install-converters.sh; \
	  else echo "not root: skipping DOC/OCR converters (see scripts/install-converters.sh)"; fi
	@touch $@

native: install ## recompile the parser's hot modules after editing them (until then plain Python runs)
	$(BIN)/python -m pip install -q --no-deps -e .

demo: install ## install, then serve bundled sample sites on 127.0.0.1 and run the nightly flow
	$(BIN)/xxgk demo

test: install ## install if needed, then run the test suite (what CI runs)
	$(BIN)/python -m pytest -q

fuzz: install ## long fuzzing run of the parser and the spam stripper (not in CI)
	XXGK_FUZZ_EXAMPLES=3000 $(BIN)/python -m pytest -q -m fuzz
	$(BIN)/python scripts/fuzz_documents.py --cases $${FUZZ_CASES:-100000}

lint: install ## ruff, ruff format --check, mypy --strict, import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler flows parsing warehouse
	$(BIN)/lint-imports

fmt: install ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test ## lint + tests

bench: install ## run every benchmark (prints figures)
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done
