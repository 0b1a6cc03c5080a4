# The front door: every target creates .venv when needed and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: pywb setup test lint format typecheck messages bench bench-scale bench-robots bench-crawl bench-crawl-latency bench-workers bench-datasette bench-logs bench-words bench-datasets bench-captures bench-cli nginx wrk clean chromium redis demo fuzz chaos faults

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) chromium redis pywb

# pywb (the web archive replay and CDX server) in a venv of its own: it pins redis 2 and
# would break the project's Redis queue. The tests of Common Crawl captures and evidence
# packs run its cdx-server and wayback from here (tests/pywb_env.py).
PYWB_VENV := .venv-pywb
$(PYWB_VENV)/.installed:
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb==2.10.0' 'cdxj-indexer>=1.4,<2'
	touch $(PYWB_VENV)/.installed
pywb: $(PYWB_VENV)/.installed

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

# The translations (docs/translating.md): extract every marked message from the sources
# (results/locale/babel.cfg says where), then add the new ones to each catalogue and drop the
# unused; a changed English message comes back fuzzy, to be checked by a translator.
LOCALE := results/locale
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F $(LOCALE)/babel.cfg --no-location --sort-output \
		--project=optout-audit -o $(VENV)/optout.pot .
	$(BIN)/pybabel -q update -i $(VENV)/optout.pot -d $(LOCALE) -D optout \
		--ignore-obsolete --no-wrap

# Crawl the bundled sample web, audit it and browse the results on http://127.0.0.1:8001/.
# Needs neither apt nor the network once the venv exists: without Chromium the sample web's
# rendered pages are recorded as not rendered (no-browser); `make setup` installs Chromium.
demo: $(STAMP)
	$(BIN)/optout demo

# Each benchmark also runs alone (make bench-robots, bench-crawl, bench-workers,
# bench-datasette, bench-cli). The default sizes fit in about 20 minutes on 2 cores once the Datasette
# database is cached; `make bench-scale` runs the large sizes (50,000 crawled sites, 1,000,000
# sites in Datasette: an hour or more).
bench: bench-robots bench-crawl bench-workers bench-datasette bench-cli

bench-scale:
	$(MAKE) bench-crawl CRAWL_SIZES=1000,10000,50000
	$(MAKE) bench-datasette DATASETTE_SIZES=100000,1000000

bench-robots: $(STAMP)
	$(BIN)/python benchmarks/robots_corpus.py

# Crawl and audit of N synthetic sites served by nginx, beside a bare Scrapy spider fetching
# the same URLs, and the same crawl in probe mode (CRAWL_PROBE_AGENTS; empty leaves it out).
# Report: benchmarks/results/crawl.{md,json}.
CRAWL_SIZES ?= 1000,10000
CRAWL_PROBE_AGENTS ?= default
bench-crawl: $(STAMP) nginx
	$(BIN)/python benchmarks/crawl_bench.py --sizes $(CRAWL_SIZES) --probe-agents '$(CRAWL_PROBE_AGENTS)'

# The same crawl and bare spider at internet latency (issue 20): nginx reached directly, then
# through benchmarks/latency_proxy.py (50-300 ms per request, jitter, 2% slow hosts at 1-2 s),
# at LATENCY_SITES sites (a few minutes). Adds a session to benchmarks/results/crawl_latency.{md,json}.
LATENCY_SITES ?= 2000
LATENCY_CONCURRENCY ?= 128
bench-crawl-latency: $(STAMP) nginx
	$(BIN)/python benchmarks/latency_bench.py --sites $(LATENCY_SITES) --concurrency $(LATENCY_CONCURRENCY)

# One Redis worker against two on the same synthetic web. Report: results/workers.{md,json}.
bench-workers: setup nginx
	$(BIN)/python benchmarks/two_workers.py

# Datasette over generated databases (100,000 sites by default; 1,000,000 in bench-scale),
# loaded with wrk; the databases are kept in benchmarks/.cache/ (about 1.8 and 17 GB) and made
# again only when the generator or the schema changes. Report: results/datasette.{md,json}.
DATASETTE_SIZES ?= 100000
bench-datasette: $(STAMP) wrk
	$(BIN)/python benchmarks/datasette_load.py --sizes $(DATASETTE_SIZES)

# Access logs (issue 16): the combined-format parser and agent matcher over a generated
# 10,000,000-line log (about 2.2 GB in a temporary directory, deleted after), beside
# ai-crawler-logs (PyPI, installed into benchmarks/.cache/logs/venv, never the project's venv)
# and Debian's GoAccess (installed when run as root). Report: results/logs.{md,json}.
LOGS_SIZES ?= 1000000,10000000
bench-logs: $(STAMP)
	@if command -v goaccess >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's goaccess for the log benchmark"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq goaccess) \
			|| echo "goaccess could not be installed: the report says so"; \
	else \
		echo "goaccess not found and not root: the report says it is unavailable"; \
	fi
	$(BIN)/python benchmarks/logs_bench.py --sizes $(LOGS_SIZES)

# Reservations written in words (issue 18): long terms pages with and without the literal
# prefilter, and the words signal's share of the audit on the sample web. Report:
# results/words.{md,json}.
bench-words: $(STAMP)
	$(BIN)/python benchmarks/words_bench.py

# How soon the command line answers (issue 20): --help, --version, explain, changes and check
# --help, each a fresh process, median of 9 runs (about half a minute), beside the figures of
# commit f5007e7 in results/cli.before.json. Report: results/cli.{md,json}.
bench-cli: $(STAMP)
	$(BIN)/python benchmarks/cli_bench.py

# Training-set membership (issue 17): a generated 100,000,000-row Parquet URL list (about
# 6.7 GB in a temporary folder, deleted after) scanned against 10,000 site URLs with DuckDB.
# Report: results/datasets.{md,json}.
bench-datasets: $(STAMP)
	$(BIN)/python benchmarks/datasets_bench.py

# Common Crawl captures (issue 17): a generated index (3 crawls x 100 sites x 1,000 captures)
# served by pywb's wayback on loopback (.venv-pywb, made by `make pywb`), asked, stored and
# classified end to end, then the store and the classifier alone. Report:
# results/captures.{md,json}.
bench-captures: $(STAMP) pywb
	$(BIN)/python benchmarks/captures_bench.py

# The web server of the crawl benchmarks: Debian's nginx.
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's nginx for the crawl benchmarks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	else \
		echo "nginx not found and not root: install the 'nginx' package for make bench-crawl"; \
		exit 1; \
	fi

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
