# Two commands a fresh clone needs: `make demo` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A plain (non-editable) install, as users get it: proves sql/ ships inside the package.
# build/ goes first: setuptools would otherwise ship files since deleted from the tree.
$(STAMP): $(BIN)/python pyproject.toml $(shell find src sql -type f -not -name '*.pyc')
	rm -rf build
	$(BIN)/python -m pip install --quiet '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo
	$(BIN)/authentik-etl demo --dir demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) demo build *.egg-info src/*.egg-info
