# Set-up is one virtual environment in .venv; every target below creates it when missing.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup run test test-fast lint bench clean

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
	$(BIN)/mypy corpus index guardrails assistant evaluation
	$(BIN)/pytest

# No browser, no server processes, no whole-evaluation runs, and the shipped corpus's index kept
# in .test-cache between runs (rebuilt only when the corpus, model or chunker changed): under a minute.
test-fast: setup
	$(BIN)/ruff check .
	ASSISTANT_TEST_INDEX_CACHE=.test-cache/shipped-index $(BIN)/pytest -m "not browser and not server and not slow" -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy corpus index guardrails assistant evaluation

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .assistant-data
