# kokoro-cli developer tasks. `make demo` and `make test` install first when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TEXT := Hello! This is Kokoro, speaking from your own machine.

.DEFAULT_GOAL := help
.PHONY: help install demo test bench lint

help: ## Show this help
	@echo "kokoro-cli: make <target>"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  %-8s %s\n", $$1, $$2}'

# Re-runs only when pyproject.toml changes. torch comes first and pinned: the CPU build of
# 2.13.0 is on this machine's disk, while an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP) ## Create .venv and install kokoro-cli with its test tools

demo: $(STAMP) ## Speak a sample with the default model and voice into demo.wav
	$(BIN)/kokoro say "$(DEMO_TEXT)" -o demo.wav
	@echo "wrote demo.wav"

test: $(STAMP) ## Run the test suite (real model, real sound server when available)
	$(BIN)/python -m pytest -q

bench: $(STAMP) ## Measure speed against onnxruntime, batch on Ray, books, live text latency
	$(BIN)/python bench/run.py
	$(BIN)/python bench/front_end.py
	$(BIN)/python bench/ray_batch.py
	$(BIN)/python bench/book.py
	$(BIN)/python bench/live.py

lint: $(STAMP) ## ruff check + format check
	$(BIN)/ruff check kokoro_cli tests bench
	$(BIN)/ruff format --check kokoro_cli tests bench
