# The front door: every target creates .venv when needed and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint format typecheck bench clean chromium demo fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) chromium

# Rendering uses Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for rendering"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "Chromium not found and not root: install the 'chromium' package for rendering"; \
	fi

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

# Crawl the bundled sample web, audit it and browse the results on http://127.0.0.1:8001/.
demo: setup
	$(BIN)/optout demo

bench: $(STAMP)
	$(BIN)/python benchmarks/robots_corpus.py

# Coverage-guided fuzzing of the robots.txt and image parsers (not in CI; see fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	mkdir -p fuzz/corpus/robots fuzz/corpus/images
	$(BIN)/python fuzz/robots_target.py -max_total_time=$(FUZZ_SECONDS) fuzz/corpus/robots tests/fixtures/robots
	$(BIN)/python fuzz/images_target.py -max_total_time=$(FUZZ_SECONDS) fuzz/corpus/images tests/fixtures/images

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
