# Set-up is one virtual environment in .venv; every target below creates it when missing.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,llm]'
	touch $@

run: setup
	$(BIN)/assistant serve

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy corpus index guardrails assistant
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy corpus index guardrails assistant

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .assistant-data
