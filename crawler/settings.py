"""Scrapy settings of the optout crawler; ``scrapy crawl optout`` and ``optout crawl`` share
them. Every ``OPTOUT_*`` setting can be given with ``-s NAME=value``."""

from __future__ import annotations

from audits import TOOL_VERSION
from crawler.browser import chromium_launch_options

BOT_NAME = "optout-audit"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are. The token before the slash is what site owners name in robots.txt.
OPTOUT_AGENT_TOKEN = "optout-audit"
OPTOUT_CONTACT_URL = "https://github.com/optout-audit/optout-audit"
"""Where site owners learn who we are; set it to your own page when you run crawls."""
OPTOUT_TOOL_VERSION = TOOL_VERSION
USER_AGENT = f"{OPTOUT_AGENT_TOKEN}/{TOOL_VERSION} (+{OPTOUT_CONTACT_URL})"

# What to fetch per site.
OPTOUT_SEEDS = ""
OPTOUT_SKIP_BAD_SEEDS = False
"""Pass over invalid seed rows (``optout crawl --skip-bad-seeds``) instead of stopping."""
OPTOUT_LIMIT = 0
OPTOUT_PAGE_SAMPLE = 4
OPTOUT_IMAGE_SAMPLE = 4
"""Images taken from the home page; each sampled content page adds its first image."""
OPTOUT_LICENSE_SAMPLE = 10

# Platforms (seeds of kind "platform" with a profile_pattern): a seeded random sample of
# creator profiles, see docs/crawler.md "Platforms: per-profile sampling".
OPTOUT_PROFILE_SAMPLE = 20
"""Profiles drawn per platform from the candidates found on the home page, listing pages and
the first sitemap."""
OPTOUT_ARTWORK_SAMPLE = 1
"""Artwork pages drawn from each sampled profile page (by the seed's artwork_pattern)."""
OPTOUT_SAMPLE_SEED = "optout"
"""The sample is a pure function of this string, the origin and the sorted candidates."""
OPTOUT_LISTING_PAGES = 5
"""Listing pages (/artists, /explore, ?page=2, …) linked from the home page, read to find
profiles."""
OPTOUT_RENDER = False
# Probes (docs/crawler.md "Probes"): once a site's baseline is done, its robots.txt, home page,
# one content page and one image asked again with each probed agent's published User-Agent.
OPTOUT_PROBE_AGENTS = ""
"""Empty: no probes (no request ever carries another agent's User-Agent). ``default``: the
agent registry's default probe set. Else comma-separated registry tokens."""
OPTOUT_PROBE_EXCLUDE = ""
"""Comma-separated hosts never probed (each also covers its subdomains); a seed tagged
``no-probe`` is never probed either."""
OPTOUT_DB = ""
OPTOUT_RESUME = False
OPTOUT_PROXY = ""
"""An HTTP proxy every request goes through (the sample web is reached this way)."""
OPTOUT_ALLOW_PRIVATE = False
"""Private, loopback and link-local addresses are refused unless this is on."""
OPTOUT_NETWORK_CONTROL = "one.one.one.one:443"
"""host:port tried (one TCP connection) when every fetch so far failed at the network level:
if it fails too, the network is down, not the sites, and the crawl stops (crawler/network.py).
With a proxy, the proxy is tried instead. Empty: never decide that the network is down."""
OPTOUT_NETWORK_CONTROL_TIMEOUT = 10.0

# Distributed crawls (docs/scaling.md): the ``optout-redis`` spider takes seeds from the
# Redis queue at ``REDIS_URL`` (scrapy-redis's setting; not recorded with the crawl, as it
# may hold a password).
OPTOUT_REDIS_KEY = "optout"
OPTOUT_WORKER = ""
"""This worker's name in the queue; empty means host and process id."""
OPTOUT_CRAWL_TOKEN = ""
"""Set by ``optout crawl --redis``: tells the shared crawl from others of the same number."""

# Per-kind body limits in bytes: what is kept for re-auditing. Each is one byte more than the
# largest limit of the interpreters that read it (robots.txt 500 KiB, tdmrep.json and llms.txt
# 1 MiB, HTML 2 MiB), so that the interpreter itself sees and reports the overflow.
OPTOUT_POLICY_MAXBYTES = 1024 * 1024 + 1
OPTOUT_PAGE_MAXBYTES = 2 * 1024 * 1024 + 1
OPTOUT_IMAGE_MAXBYTES = 256 * 1024

# Politeness: one request at a time per host, AutoThrottle, robots.txt Crawl-delay honoured
# by the spider, bounded retries with backoff for 429/503.
ROBOTSTXT_OBEY = False  # the spider obeys robots.txt itself, with RFC 9309's 5xx rule
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for the output of every response; ours yields a
# handful of records and requests, so the default of 100 spends ~20% of the crawl's CPU on tasks
# that never get an item (measured with benchmarks/crawl_bench.py).
CONCURRENT_ITEMS = 8
OPTOUT_SITES_IN_FLIGHT = 0
"""Sites open at once at most (0: twice CONCURRENT_REQUESTS). A seed is read only when a site
closes, so memory and Scrapy's scheduler queues are bounded by this, not by the seed list."""
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5
# The spider follows <meta http-equiv="refresh"> itself, keeping the refreshing page (and its
# noai / tdm-reservation meta) as a fetch of its own: crawler/meta_refresh.py. Scrapy's
# middleware would replace the page with its target. Refreshes share REDIRECT_MAX_TIMES.
METAREFRESH_ENABLED = False
RETRY_ENABLED = False  # replaced by crawler.middlewares.backoff
OPTOUT_RETRY_TIMES = 2
OPTOUT_RETRY_BASE_DELAY = 1.0
OPTOUT_RETRY_MAX_DELAY = 10.0
DNSCACHE_ENABLED = True
DNS_TIMEOUT = 10
# Threads of the private-address guard's own host lookups (crawler/middlewares/private_guard.py).
OPTOUT_GUARD_DNS_THREADS = 32
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # images live on CDN hosts
    "crawler.middlewares.sample_proxy.SampleProxyMiddleware": 100,
    "crawler.middlewares.private_guard.PrivateAddressGuard": 200,
    "crawler.middlewares.backoff.BackoffRetryMiddleware": 550,
    "crawler.middlewares.probe_redirect.ProbeRedirectGuard": 650,
}
EXTENSIONS = {
    "crawler.extensions.size_limit.SizeLimit": 100,
    "crawler.extensions.fast_stop.FastStop": 200,
}
ITEM_PIPELINES = {
    "crawler.pipelines.store.StorePipeline": 300,
}

# Rendering through scrapy-playwright with the system Chromium. The spider installs the
# playwright download handler only when a seed (or --render) asks for rendering; requests
# without the ``playwright`` meta key still go through Scrapy's own handler.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
OPTOUT_RENDER_SEEDS = None
"""Whether any seed has render=true; None makes the spider read the seed file to find out."""
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = chromium_launch_options()
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
