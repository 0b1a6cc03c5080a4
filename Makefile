# The front door: every target creates .venv when needed and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint format typecheck bench bench-robots bench-datasette wrk clean chromium redis demo fuzz chaos faults

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) chromium redis

# Rendering uses Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for rendering"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "Chromium not found and not root: install the 'chromium' package for rendering"; \
	fi

# Distributed crawls (docs/scaling.md) and their tests use Debian's Redis server; the tests
# start their own on loopback, so the package's service is not needed.
redis:
	@if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's redis-server for distributed crawls"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	else \
		echo "redis-server not found and not root: install the 'redis-server' package for workers"; \
	fi

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# The hostile web (sampleweb/hostile): bombs, floods, hangs, redirect traps, planted script.
# Part of `make test` too; CHAOS_LONG=1 adds the long variants (full slow drips, long hangs).
chaos: setup
	$(BIN)/pytest tests/chaos

# Crashes (kill -9), a full disk and reading while a crawl writes; part of `make test` too.
# The disk-full tests mount a small tmpfs when run as root, else limit file sizes.
faults: setup
	$(BIN)/pytest tests/faults

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

# Each benchmark also runs alone: make bench-robots, make bench-datasette.
bench: bench-robots bench-datasette

bench-robots: $(STAMP)
	$(BIN)/python benchmarks/robots_corpus.py

# Datasette over generated databases of 100,000 and 1,000,000 sites, loaded with wrk; the
# databases are kept in benchmarks/.cache/ (about 1.8 and 17 GB) and made again only when
# the generator or the schema changes. Report: benchmarks/results/datasette.{md,json}.
BENCH_SIZES ?= 100000,1000000
bench-datasette: $(STAMP) wrk
	$(BIN)/python benchmarks/datasette_load.py --sizes $(BENCH_SIZES)

# The load tool of bench-datasette: Debian's wrk.
wrk:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's wrk for the Datasette benchmark"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	else \
		echo "wrk not found and not root: install the 'wrk' package for make bench-datasette"; \
		exit 1; \
	fi

# Coverage-guided fuzzing of the robots.txt and image parsers (not in CI; see fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	mkdir -p fuzz/corpus/robots fuzz/corpus/images
	$(BIN)/python fuzz/robots_target.py -max_total_time=$(FUZZ_SECONDS) fuzz/corpus/robots tests/fixtures/robots
	$(BIN)/python fuzz/images_target.py -max_total_time=$(FUZZ_SECONDS) fuzz/corpus/images tests/fixtures/images

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
