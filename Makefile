# Two commands a fresh clone needs: `make demo` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-real deps readme lint bench bench-findings bench-incremental clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A plain (non-editable) install, as users get it: proves sql/ ships inside the package.
# build/ goes first: setuptools would otherwise ship files since deleted from the tree.
$(STAMP): $(BIN)/python pyproject.toml $(shell find etl sql -type f -not -name '*.pyc')
	rm -rf build
	$(BIN)/python -m pip install --quiet '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo
	$(BIN)/authentik-etl demo --dir demo

# System packages some tests use (chromium, systemd-analyze, flock, unshare): installed with apt-get
# when missing and we are root or have sudo; otherwise one line says what to install.
deps:
	@bash tests/system_deps.sh

test: deps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Opt-in: against a real authentik (AUTHENTIK_REAL_URL, AUTHENTIK_REAL_TOKEN, AUTHENTIK_REAL_PG);
# without them it says why it did nothing and exits 0. Never part of `make test` or CI.
test-real: $(STAMP)
	$(BIN)/python -m pip install --quiet '.[test,real]'
	$(BIN)/python tests_real/run.py

# Regenerate the command outputs shown in README.md (make test checks they are current).
readme: $(STAMP)
	$(BIN)/python docs/readme_outputs.py

bench: $(STAMP)
	$(BIN)/python bench/bench.py

bench-findings: $(STAMP)
	$(BIN)/python bench/findings.py

bench-incremental: $(STAMP)
	$(BIN)/python bench/incremental.py

clean:
	rm -rf $(VENV) demo build *.egg-info
