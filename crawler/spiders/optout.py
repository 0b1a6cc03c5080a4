"""The optout spider: for each seed origin, request the policy files, the home page, a
sample of content pages and images, the terms page and the imprint page, and record every
outcome.

It decides which URLs to request and turns responses into FetchRecords; deciding what the
records mean is ``audits/``' job. The one reading it does is its own robots.txt check:
pages and images are fetched only where robots.txt lets our agent in (RFC 9309, so an
unreachable robots.txt means "disallow everything"); what it skips is recorded.

With probes on (``OPTOUT_PROBE_AGENTS``, ``crawler/probes.py``), a site's baseline is followed
by its probes: a few of the URLs it fetched asked again as other crawlers, recorded and
never read by the spider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from audits.core.agents import Agent
from audits.signals.images import content_range, next_range
from audits.signals.images.renditions import rendition_pairs
from audits.signals.robots import RobotsTxt, parse_robots
from audits.signals.robots.access import access_from_fetch
from crawler.browser import find_chromium
from crawler.discovery import (
    PlatformState,
    content_pages,
    platform_home,
    platform_state,
    site_home,
)
from crawler.items import INTERNAL_ERROR_STAT, FetchRecord, SiteDone, SiteSeen
from crawler.meta_refresh import next_hop, refresh_target
from crawler.middlewares.probe_redirect import PROBE_PATH
from crawler.network import CLOSE_REASON as NETWORK_CLOSE_REASON
from crawler.network import DOWN_STAT, NETWORK_LEVEL, NetworkWatch, down_message
from crawler.probes import PROBE_KIND, ProbeTargets, excluded_hosts, probe_agents, site_probed
from crawler.records import (
    now,
    record_failure,
    record_not_followed,
    record_response,
    record_skipped,
)
from crawler.sampling import (
    MAX_CANDIDATES,
    Link,
    artwork_links,
    image_urls,
    page_links,
    rsl_links,
    sitemap_page_urls,
)
from crawler.seeds import Seed, read_seeds

POLICY_FILES = (
    ("robots", "/robots.txt"),
    ("aitxt", "/ai.txt"),
    ("tdmrep", "/.well-known/tdmrep.json"),
    ("llms", "/llms.txt"),
)
HTML_KINDS = ("home", "page", "tos", "imprint", "profile", "artwork")
IMAGE_KINDS = ("image", "original", "image-tail")
FETCH_KINDS = (
    *(kind for kind, _ in POLICY_FILES),
    *HTML_KINDS,
    *IMAGE_KINDS,
    "sitemap",
    "license",
    PROBE_KIND,
)
"""Every kind of request the spider makes (``FetchRecord.kind``)."""
RECORDED_ONLY = frozenset(
    {"aitxt", "tdmrep", "llms", "tos", "imprint", "image-tail", "license", PROBE_KIND}
)
"""Kinds whose answer leads to no further request: recorded, and read by ``audits/`` only."""
RENDITIONS_PER_ARTWORK = 2
"""Displayed/original pairs fetched from each sampled artwork page."""
_STATUSES = list(range(400, 600))  # see STYLE.md: never handle_httpstatus_all (kills redirects)


@dataclass
class SiteState:
    """What the spider keeps about a site while its requests are in flight (dropped after)."""

    seed: Seed
    outstanding: int = 0
    fetches: int = 0
    errors: int = 0
    robots: RobotsTxt | None = None
    robots_rule: str = "pending"
    """parse, allow-all or disallow-all (RFC 9309 §2.3.1), once robots.txt is known."""
    requested: set[str] = field(default_factory=set)
    pages: int = 0
    licences: int = 0
    sitemaps: list[str] = field(default_factory=list)
    crawl_delay: float = 0.0
    platform: PlatformState | None = None
    """Set for platform seeds with a profile_pattern: their profiles are sampled."""
    probes: ProbeTargets | None = None
    """Set for a site that will be probed: the baseline fetches its probes will repeat."""
    probed: bool = False
    """Its probes were asked for (once the baseline was done)."""


class OptoutSpider(scrapy.Spider):
    name = "optout"

    def __init__(
        self,
        seeds: str | None = None,
        limit: str | int | None = None,
        render: str | bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seeds_arg = seeds
        self.limit_arg = limit
        self.render_arg = render
        self.sites: dict[str, SiteState] = {}
        self.crawl_id: int = 0
        self.done_origins: set[str] = set()
        self._pending_seeds: Iterator[Seed] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> OptoutSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.probe_agents  # noqa: B018  # an unknown probe agent stops the crawl here, at once
        # Settings are still open here (Scrapy freezes them after creating the spider): the
        # browser download handler is installed only when some page will be rendered, so a
        # crawl without rendering never starts Chromium.
        if spider._needs_browser():
            handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
            crawler.settings.set(
                "DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider"
            )
        return spider

    def _needs_browser(self) -> bool:
        if self._render_all():
            return True
        known = self.settings.get("OPTOUT_RENDER_SEEDS")
        if known is not None:
            return str(known).lower() in ("1", "true", "yes")
        try:
            skip_bad = self.settings.getbool("OPTOUT_SKIP_BAD_SEEDS")
            return any(seed.render for seed in read_seeds(self.seeds_path, skip_bad=skip_bad))
        except (ValueError, OSError):
            return False  # the crawl itself reports a bad seed file

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # The User-Agent names the project and its contact URL; -s USER_AGENT=… still wins.
        token, contact = settings.get("OPTOUT_AGENT_TOKEN"), settings.get("OPTOUT_CONTACT_URL")
        tool = settings.get("OPTOUT_TOOL_VERSION")
        settings.set("USER_AGENT", f"{token}/{tool} (+{contact})", priority="spider")
        proxy = settings.get("OPTOUT_PROXY")
        if proxy:
            settings.set(
                "PLAYWRIGHT_CONTEXTS", {"default": {"proxy": {"server": proxy}}}, priority="spider"
            )

    # -- configuration ---------------------------------------------------------------------

    @cached_property
    def network(self) -> NetworkWatch:
        """Tells a network that is down from sites that are (crawler/network.py)."""
        return NetworkWatch(
            str(self.settings.get("OPTOUT_NETWORK_CONTROL") or ""),
            self.settings.getfloat("OPTOUT_NETWORK_CONTROL_TIMEOUT"),
        )

    @cached_property
    def probe_agents(self) -> tuple[Agent, ...]:
        """The agents each site is probed as (none unless ``OPTOUT_PROBE_AGENTS`` is set);
        ValueError for a token the agent registry does not know."""
        return probe_agents(self.settings.get("OPTOUT_PROBE_AGENTS"))

    @cached_property
    def probe_excluded(self) -> frozenset[str]:
        """Hosts never probed (``OPTOUT_PROBE_EXCLUDE``)."""
        return excluded_hosts(self.settings.get("OPTOUT_PROBE_EXCLUDE"))

    @property
    def seeds_path(self) -> Path:
        value = self.seeds_arg or self.settings.get("OPTOUT_SEEDS")
        if not value:
            raise ValueError("no seed list: pass -a seeds=FILE or set OPTOUT_SEEDS")
        return Path(value)

    def _limit(self) -> int:
        return int(self.limit_arg or self.settings.getint("OPTOUT_LIMIT") or 0)

    def _render_all(self) -> bool:
        if self.render_arg is not None:
            return str(self.render_arg).lower() in ("1", "true", "yes")
        return self.settings.getbool("OPTOUT_RENDER")

    def _maxbytes(self, kind: str) -> int:
        setting = "OPTOUT_IMAGE_MAXBYTES" if kind in IMAGE_KINDS else None
        if setting is None:
            setting = "OPTOUT_PAGE_MAXBYTES" if kind in HTML_KINDS else "OPTOUT_POLICY_MAXBYTES"
        return self.settings.getint(setting)

    # -- requests --------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for item in self._open_sites():
            yield item

    def _seeds(self) -> Iterator[Seed]:
        """The seeds still to visit, read lazily (the distributed spider takes them from Redis)."""
        limit = self._limit()
        skip_bad = self.settings.getbool("OPTOUT_SKIP_BAD_SEEDS")
        for count, seed in enumerate(read_seeds(self.seeds_path, skip_bad=skip_bad)):
            if limit and count >= limit:
                return
            yield seed

    def _open_sites(self) -> Iterator[Any]:
        """Open sites until ``OPTOUT_SITES_IN_FLIGHT`` are open or the seeds run out.

        Called by ``start`` and again whenever a site closes, from the callback that closed it,
        so the next site's requests follow at once. (Waiting inside ``start`` instead stalls
        Scrapy's engine between its 5-second heartbeats.) Memory and the scheduler's queues
        are bounded by the sites in flight, not by the seed list.
        """
        room = self.settings.getint("OPTOUT_SITES_IN_FLIGHT") or 2 * self.settings.getint(
            "CONCURRENT_REQUESTS"
        )
        if self._pending_seeds is None:
            self._pending_seeds = self._seeds()
        while len(self.sites) < room:
            seed = next(self._pending_seeds, None)
            if seed is None:
                return
            if seed.origin in self.done_origins or seed.origin in self.sites:
                continue
            yield from self._open_site(seed)
            self.crawler.stats.max_value("optout/sites/most_in_flight", len(self.sites))

    def _open_site(self, seed: Seed) -> Iterator[Any]:
        """A site's first requests (its policy files); the distributed spider shares this."""
        site = SiteState(seed, platform=platform_state(seed))
        if self.probe_agents:
            if site_probed(seed, self.probe_excluded):
                site.probes = ProbeTargets(seed.origin)
            else:
                self.crawler.stats.inc_value("optout/probe/sites_excluded")
        self.sites[seed.origin] = site
        self.network.opened(seed.origin)
        yield SiteSeen(self.crawl_id, seed)
        for kind, path in POLICY_FILES:
            yield self._request(site, kind, seed.origin + path, policy=True)

    def _request(
        self,
        site: SiteState,
        kind: str,
        url: str,
        *,
        policy: bool = False,
        parent: str | None = None,
        render: bool = False,
        discovery: bool = False,
        byte_range: tuple[int, int] | None = None,
        redirect: Mapping[str, Any] | None = None,
        probe: Agent | None = None,
        probe_path: tuple[str, ...] = (),
    ) -> scrapy.Request:
        """A request for ``url`` as ``kind``; with ``probe``, the same request as the baseline
        fetch of that kind made (its size limit, its ``Range``), recorded as a ``probe`` and
        sent with the probed agent's User-Agent string, following redirects only along
        ``probe_path``, the URLs the baseline went through."""
        site.outstanding += 1
        if probe is None:
            site.requested.add(_key(kind, url, render))
        meta: dict[str, Any] = {
            "optout_origin": site.seed.origin,
            "optout_kind": kind if probe is None else PROBE_KIND,
            "optout_url": url,
            "optout_parent": parent,
            "optout_maxbytes": self._maxbytes(kind),
            "handle_httpstatus_list": _STATUSES,
            "dont_obey_robotstxt": policy,
            **(redirect or {}),
        }
        if discovery and site.platform is not None:
            site.platform.pending += 1
            meta["optout_discovery"] = True
        headers = {}
        if byte_range is not None:
            headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        elif kind in IMAGE_KINDS:
            headers["Range"] = f"bytes=0-{self._maxbytes('image') - 1}"
        if render:
            meta["playwright"] = True
        if probe is not None:
            if not probe.user_agent:  # never our own User-Agent under another agent's name
                raise ValueError(f"{probe.token} has no published User-Agent string to probe with")
            meta["optout_agent"] = probe.token
            meta["optout_probe_of"] = kind
            meta[PROBE_PATH] = probe_path
            headers["User-Agent"] = probe.user_agent
        if site.crawl_delay:
            # AutoThrottle would otherwise lower the delay robots.txt asked for.
            meta["autothrottle_dont_adjust_delay"] = True
        return scrapy.Request(
            url,
            callback=self._on_response,
            errback=self._on_failure,
            meta=meta,
            headers=headers,
            dont_filter=True,
        )

    def _follow(
        self,
        site: SiteState,
        kind: str,
        url: str,
        parent: str | None,
        render: bool = False,
        **request: Any,
    ) -> Iterator[Any]:
        """Request a page or image if our robots.txt check allows it, else record the skip."""
        if _key(kind, url, render) in site.requested:
            return
        allowed = self._we_may_fetch(site, url)
        if allowed is None:
            yield self._request(site, kind, url, parent=parent, render=render, **request)
            return
        site.requested.add(_key(kind, url, render))
        self.crawler.stats.inc_value(f"optout/skipped/{allowed}")
        yield record_skipped(
            url,
            kind=kind,
            crawl_id=self.crawl_id,
            origin=site.seed.origin,
            reason=allowed,
            parent=parent,
        )

    def _too_long(self, url: str) -> bool:
        """Scrapy's UrlLengthMiddleware drops such requests without a word, which would leave
        the site waiting for an answer that never comes: they are skipped here instead."""
        return len(url) > self.settings.getint("URLLENGTH_LIMIT", 2083)

    def _we_may_fetch(self, site: SiteState, url: str) -> str | None:
        """None when our agent may fetch ``url``, else the reason it may not."""
        if self._too_long(url):
            return "url-too-long"
        if urlsplit(url).scheme not in ("http", "https"):
            return "not-http"  # e.g. a robots.txt "Sitemap: javascript:…" line
        if site.robots_rule == "disallow-all":
            return "robots-unreachable"
        if site.robots_rule == "parse" and site.robots is not None:
            token = self.settings.get("OPTOUT_AGENT_TOKEN")
            if not site.robots.verdict(token, url, compare=False).allowed:
                return "robots-disallowed"
        return None

    # -- responses -------------------------------------------------------------------------

    def _on_response(self, response: Response) -> Iterator[Any]:
        self.network.answered()
        meta = response.meta
        site = self.sites[meta["optout_origin"]]
        kind = meta["optout_kind"]
        record = record_response(
            response,
            kind=kind,
            crawl_id=self.crawl_id,
            origin=site.seed.origin,
            maxbytes=meta["optout_maxbytes"],
        )
        yield from self._count(site, record)
        if kind == PROBE_KIND:  # recorded only: nothing is read or requested from its answer
            yield from self._settle(site)
            return
        yield from self._guarded(site, record, self._read(site, response, record))
        if meta.get("optout_discovery"):
            yield from self._discovered(site)
        yield from self._settle(site)

    def _read(self, site: SiteState, response: Response, record: FetchRecord) -> Iterator[Any]:
        """What a recorded answer leads to: its refresh, or the step for its kind."""
        meta = response.meta
        if site.probes is not None:
            site.probes.offer(record, discovery=bool(meta.get("optout_discovery")))
        if not meta.get("playwright") and not (yield from self._refreshed(site, response, record)):
            handler = self.AFTER.get(record.kind)
            if handler is not None:
                yield from handler(self, site, response, record)

    def _guarded(self, site: SiteState, record: FetchRecord, steps: Iterator[Any]) -> Iterator[Any]:
        """``steps``, with an exception they raise logged and counted instead of lost.

        Scrapy would log it and drop the rest of the callback, and the site would wait
        forever for a settlement that never comes: no ``SiteDone``, never audited. Here the
        fetch stays recorded, the site's error count grows, the crawl's stats keep the count
        and the first message (``INTERNAL_ERROR_STAT``), and the site is finished with what
        it has. A robots.txt that could not be read counts as unreachable: nothing more of
        the site is fetched.
        """
        try:
            yield from steps
        except Exception as err:  # noqa: BLE001 - any bug or unforeseen input, see docstring
            stats = self.crawler.stats
            where = record.final_url or record.requested_url
            message = (
                f"{site.seed.origin}: reading {record.kind} {where}: {type(err).__name__}: {err}"
            )
            self.logger.exception("internal error, the site goes on: %s", message)
            stats.inc_value(f"{INTERNAL_ERROR_STAT}/{record.kind}")
            if stats.get_value(INTERNAL_ERROR_STAT) is None:
                stats.set_value(INTERNAL_ERROR_STAT, message[:500])
            site.errors += 1
            if site.robots_rule == "pending":
                site.robots_rule = "disallow-all"

    def _refreshed(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Generator[Any, None, bool]:
        """Follow a page's meta refresh as one more redirect hop; True when the target was
        requested, whose answer then takes the page's place in the crawl (its links, images).

        The refreshing page itself is already recorded, so its meta tags are audited; a hop
        an HTTP redirect could not make is recorded as that error, and the page stays the
        one crawled on (see ``crawler.meta_refresh``).
        """
        kind = record.kind
        if kind not in HTML_KINDS or record.bot_wall or not _is_html(record):
            return False
        target = refresh_target(response, self.settings)
        if target is None or _key(kind, target, False) in site.requested:
            return False
        self.crawler.stats.inc_value("optout/meta_refresh/found")
        hop = next_hop(
            target, response.url, response.meta, self.settings.getint("REDIRECT_MAX_TIMES")
        )
        parent = record.final_url
        if hop.meta is None:
            assert hop.error is not None
            site.requested.add(_key(kind, target, False))
            site.fetches += 1
            site.errors += 1
            self.crawler.stats.inc_value(f"optout/fetch/{kind}/error/{hop.error}")
            yield record_not_followed(
                target,
                kind=kind,
                crawl_id=self.crawl_id,
                origin=site.seed.origin,
                chain=hop.chain,
                error_class=hop.error,
                message=hop.message,
                parent=parent,
            )
            return False
        discovery = bool(response.meta.get("optout_discovery"))
        made = list(
            self._follow(site, kind, target, parent, discovery=discovery, redirect=hop.meta)
        )
        yield from made
        return any(isinstance(r, scrapy.Request) for r in made)

    async def _on_failure(self, failure: Failure) -> AsyncIterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        site = self.sites[request.meta["optout_origin"]]
        kind = request.meta["optout_kind"]
        record = record_failure(failure, kind=kind, crawl_id=self.crawl_id, origin=site.seed.origin)
        if record.error_class in NETWORK_LEVEL and await self.network.failed(
            record.error_class, request.meta.get("proxy"), site.seed.origin
        ):
            for item in self._network_down(site, record):
                yield item
            return
        for item in self._after_failure(site, request, record):
            yield item

    def _network_down(self, site: SiteState, record: FetchRecord) -> Iterator[Any]:
        """The network, not the site, failed: record the fetch as such and stop the crawl.

        The site's own follow-ups (its home page after robots.txt…) are not made, so it is
        not finished and never audited from this evidence.
        """
        record.error_message = f"{record.error_class}: {record.error_message}"
        record.error_class = "network"
        yield from self._count(site, record)
        stats = self.crawler.stats
        if stats.get_value(DOWN_STAT) is None:
            message = down_message(self.network.outcomes)
            stats.set_value(DOWN_STAT, message)
            self.logger.info(message)  # the command prints it (crawler/network.py)
            engine = self.crawler.engine
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason=NETWORK_CLOSE_REASON))

    def _after_failure(
        self, site: SiteState, request: scrapy.Request, record: FetchRecord
    ) -> Iterator[Any]:
        kind = record.kind
        yield from self._count(site, record)
        if kind == "robots":
            yield from self._guarded(site, record, self._after_robots(site, None, record))
        elif kind == "home":
            yield from self._guarded(site, record, self._sitemap(site))
        if request.meta.get("optout_discovery"):
            yield from self._discovered(site)
        yield from self._settle(site)

    def _count(self, site: SiteState, record: FetchRecord) -> Iterator[FetchRecord]:
        site.outstanding -= 1
        site.fetches += 1
        stats = self.crawler.stats
        if record.error_class:
            site.errors += 1
            stats.inc_value(f"optout/fetch/{record.kind}/error/{record.error_class}")
        elif record.status is not None:
            stats.inc_value(f"optout/fetch/{record.kind}/status_{record.status // 100}xx")
        if record.bot_wall:
            stats.inc_value("optout/fetch/bot_wall")
        yield record

    def _settle(self, site: SiteState) -> Iterator[Any]:
        if site.outstanding == 0 and site.robots_rule != "pending":
            if not site.probed:
                site.probed = True
                probes = list(self._probes(site))
                if probes:
                    yield from probes  # the site is done when they are
                    return
            self.sites.pop(site.seed.origin, None)
            self.crawler.stats.inc_value("optout/sites/done")
            done = SiteDone(self.crawl_id, site.seed.origin, site.fetches, site.errors, now())
            if site.platform is not None:
                done.profile_candidates = len(site.platform.candidates)
                done.profiles_sampled = site.platform.sampled
            yield done
            yield from self._open_sites()

    def _probes(self, site: SiteState) -> Iterator[scrapy.Request]:
        """The site's probes, asked once its baseline is done: each chosen baseline fetch
        (``ProbeTargets``) again per probed agent, in registry-set order."""
        if site.probes is None:
            return
        targets = site.probes.targets()
        stats = self.crawler.stats
        if targets:
            stats.inc_value("optout/probe/sites")
        for agent in self.probe_agents:
            for target in targets:
                stats.inc_value("optout/probe/requests")
                yield self._request(
                    site,
                    target.kind,
                    target.url,
                    policy=target.kind == "robots",
                    probe=agent,
                    probe_path=target.path,
                )

    def _after_robots(
        self, site: SiteState, response: Response | None, record: FetchRecord
    ) -> Iterator[Any]:
        # The audit reads the stored record through the same function (RFC 9309 §2.3.1):
        # what we fetch and what the verdict says cannot disagree (access.MEANING).
        access = access_from_fetch(
            record.status,
            error=record.error_class,
            redirects=len(record.redirect_chain),
            headers=record.headers,
            body=record.body,
        )
        self.crawler.stats.inc_value(f"optout/robots/{access.state}")
        site.robots_rule = access.crawler_rule
        if access.crawler_rule == "parse":
            site.robots = parse_robots(record.body or b"")
            site.sitemaps = [url for _, url in site.robots.sitemaps[:3]]
            self._apply_crawl_delay(site)
            yield from self._licences(site, [url for _, url in site.robots.licenses])
        home = list(self._follow(site, "home", site.seed.origin + "/", None))
        yield from home
        if not any(isinstance(r, scrapy.Request) for r in home):
            yield from self._sitemap(site)  # no home page to wait for

    def _after_home(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        if record.bot_wall or not _is_html(record):
            yield from self._sitemap(site)
            return
        links = page_links(record.body or b"", response.url)
        link_headers = [v for k, v in record.headers if k.lower() == "link"]
        yield from self._licences(site, rsl_links(link_headers, record.body or b"", response.url))
        yield from self._render(site, response.url, "home")
        yield from self._from_home(site, links, response.url, record.body or b"")
        yield from self._sitemap(site)

    def _from_home(
        self, site: SiteState, links: list[Link], base: str, html: bytes
    ) -> Iterator[Any]:
        """A home page's content pages (on a platform: its listing pages, and its links as
        profile candidates), its terms and imprint pages and its images."""
        settings = self.settings
        if site.platform is not None:
            site.platform.add([link.url for link in links], site.seed)
            found = platform_home(links, site.seed, settings.getint("OPTOUT_LISTING_PAGES"))
        else:
            limit = settings.getint("OPTOUT_PAGE_SAMPLE")
            found = site_home(links, base, site.seed, limit, site.pages)
        for url in found.pages:
            site.pages += 1
            yield from self._follow(site, "page", url, base)
        for url in found.listings:
            yield from self._follow(site, "page", url, base, discovery=True)
        if found.terms:
            yield from self._follow(site, "tos", found.terms, base)
        if found.imprint:
            yield from self._follow(site, "imprint", found.imprint, base)
        yield from self._images(site, html, base, settings.getint("OPTOUT_IMAGE_SAMPLE"))

    def _after_page(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        if record.bot_wall or not _is_html(record):
            return
        yield from self._render(site, response.url, "page")
        yield from self._images(site, record.body or b"", response.url, 1)
        if response.meta.get("optout_discovery") and site.platform is not None:
            links = page_links(record.body or b"", response.url)
            site.platform.add([link.url for link in links], site.seed)

    def _after_sitemap(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        if record.status != 200 or record.bot_wall:
            return
        if site.platform is not None:
            site.platform.add(sitemap_page_urls(record.body or b"", MAX_CANDIDATES), site.seed)
            return
        limit = self.settings.getint("OPTOUT_PAGE_SAMPLE")
        urls = sitemap_page_urls(record.body or b"")
        _, wanted = content_pages(urls, site.seed, limit, site.pages)
        for url in wanted:
            site.pages += 1
            yield from self._follow(site, "page", url, response.url)

    def _sitemap(self, site: SiteState) -> Iterator[Any]:
        """The first sitemap robots.txt names, asked only after the home page so that the
        page sample (home links first, then sitemap entries) does not depend on timing."""
        room = self.settings.getint("OPTOUT_PAGE_SAMPLE") - site.pages
        platform = site.platform is not None
        if site.sitemaps and (room > 0 or platform) and site.robots_rule != "disallow-all":
            yield from self._follow(site, "sitemap", site.sitemaps[0], None, discovery=platform)
        if site.platform is not None:
            site.platform.home_done = True
            yield from self._draw_profiles(site)

    # -- platforms: profiles and artworks ---------------------------------------------------

    def _discovered(self, site: SiteState) -> Iterator[Any]:
        """One discovery request answered (or failed)."""
        if site.platform is not None:
            site.platform.pending -= 1
            yield from self._draw_profiles(site)

    def _draw_profiles(self, site: SiteState) -> Iterator[Any]:
        """Once every discovery request has answered, draw the profile sample and fetch it.

        Waiting makes the candidate set, and so the sample, independent of response order.
        """
        platform = site.platform
        if platform is None or not platform.ready():
            return
        settings = self.settings
        sample = platform.draw(
            settings.getint("OPTOUT_PROFILE_SAMPLE"),
            str(settings.get("OPTOUT_SAMPLE_SEED")),
            site.seed.origin,
        )
        self.crawler.stats.inc_value("optout/platform/candidates", len(platform.candidates))
        self.crawler.stats.inc_value("optout/platform/sampled", len(sample))
        for url in sample:
            yield from self._follow(site, "profile", url, None)

    def _after_profile(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        if record.bot_wall or not _is_html(record):
            return
        html = record.body or b""
        yield from self._render(site, response.url, "profile")
        yield from self._images(site, html, response.url, 1)
        links = [link.url for link in page_links(html, response.url)]
        for url in artwork_links(
            links,
            record.requested_url,
            site.seed.artwork_pattern,
            self.settings.getint("OPTOUT_ARTWORK_SAMPLE"),
            str(self.settings.get("OPTOUT_SAMPLE_SEED")),
        ):
            yield from self._follow(site, "artwork", url, record.requested_url)

    def _after_artwork(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        """An artwork page: its first image, and each displayed image with its original."""
        if record.bot_wall or not _is_html(record):
            return
        html = record.body or b""
        yield from self._render(site, response.url, "artwork")
        yield from self._images(site, html, response.url, 1)
        for pair in rendition_pairs(html, response.url, RENDITIONS_PER_ARTWORK):
            yield from self._follow(site, "image", pair.displayed, response.url)
            yield from self._follow(site, "original", pair.original, response.url)

    # -- images: a second range when metadata may lie past the first bytes -----------------

    def _after_image(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        yield from self._image_tail(site, record)

    def _after_original(
        self, site: SiteState, response: Response, record: FetchRecord
    ) -> Iterator[Any]:
        yield from self._image_tail(site, record)

    def _image_tail(self, site: SiteState, record: FetchRecord) -> Iterator[Any]:
        """One "image-tail" request for an image whose first bytes were not all of it, when
        ``audits.signals.images.next_range`` says its metadata may lie further on."""
        head = record.body or b""
        total = _range_total(record)
        if record.status != 206 or total is None or total <= len(head):
            return
        limit = self._maxbytes("image-tail")
        wanted = next_range(head, total, limit)
        if wanted is None:
            return
        start, end = wanted[0], min(wanted[1], wanted[0] + limit - 1, total - 1)
        if 0 < start <= end:
            yield from self._follow(
                site, "image-tail", record.requested_url, record.parent_url, byte_range=(start, end)
            )

    def _licences(self, site: SiteState, urls: list[str]) -> Iterator[Any]:
        """RSL licence documents, fetched like policy files (they are meant for machines)."""
        for url in urls:
            if site.licences >= self.settings.getint("OPTOUT_LICENSE_SAMPLE"):
                return
            if (
                url.startswith(("http://", "https://"))
                and url not in site.requested
                and not self._too_long(url)
            ):
                site.licences += 1
                yield self._request(site, "license", url, policy=True)

    def _images(self, site: SiteState, html: bytes, base: str, limit: int) -> Iterator[Any]:
        """Up to ``limit`` images of a page. The home page gives ``OPTOUT_IMAGE_SAMPLE``,
        each content page its first image: a set that does not depend on response order."""
        for url in image_urls(html, base, limit):
            yield from self._follow(site, "image", url, base)

    def _render(self, site: SiteState, url: str, kind: str) -> Iterator[Any]:
        if not (site.seed.render or self._render_all()):
            return
        if find_chromium() is None:
            self.crawler.stats.inc_value("optout/skipped/no-browser")
            yield record_skipped(
                url, kind=kind, crawl_id=self.crawl_id, origin=site.seed.origin, reason="no-browser"
            )
            return
        yield from self._follow(site, kind, url, None, render=True)

    def _apply_crawl_delay(self, site: SiteState) -> None:
        """Honour the Crawl-delay our agent's group asks for, up to 60 seconds."""
        assert site.robots is not None
        token = self.settings.get("OPTOUT_AGENT_TOKEN")
        delays = [g.crawl_delay for g in site.robots.groups_for(token)[1] if g.crawl_delay]
        try:
            delay = min(float(delays[-1]), 60.0) if delays else 0.0
        except ValueError:
            return
        if delay <= 0:
            return
        host = site.seed.origin.split("://", 1)[1].split(":")[0]
        slot = self.crawler.engine.downloader.slots.get(host) if self.crawler.engine else None
        site.crawl_delay = delay
        if slot is not None:
            slot.delay = max(slot.delay, delay)
            self.crawler.stats.inc_value("optout/politeness/crawl_delay_applied")

    AFTER: ClassVar[Mapping[str, AfterResponse]] = {
        "robots": _after_robots,
        "home": _after_home,
        "page": _after_page,
        "sitemap": _after_sitemap,
        "profile": _after_profile,
        "artwork": _after_artwork,
        "image": _after_image,
        "original": _after_original,
    }
    """What follows a response of each kind (``_on_response``); a kind not listed here is
    in ``RECORDED_ONLY``. Failures go to ``_after_failure``; a rendered page (``playwright``)
    and a page that refreshes to another (``_refreshed``) follow nothing of their own."""


AfterResponse = Callable[[OptoutSpider, SiteState, Response, FetchRecord], Iterator[Any]]
"""A step that follows one kind of response: the records and requests it leads to."""


def _key(kind: str, url: str, render: bool) -> str:
    """What ``requested`` remembers: an original or a tail may share its URL with an image."""
    prefix = f"{kind}:" if kind in ("original", "image-tail") else ""
    return ("r:" if render else "") + prefix + url


def _range_total(record: FetchRecord) -> int | None:
    """The full length a ``206`` response's ``Content-Range`` gives, when it gives one."""
    found = content_range(record.headers)
    return found[2] if found else None


def _content_type(record: FetchRecord) -> str | None:
    values = [v for k, v in record.headers if k.lower() == "content-type"]
    return values[-1] if values else None


def _is_html(record: FetchRecord) -> bool:
    content_type = (_content_type(record) or "").lower()
    return record.status == 200 and ("html" in content_type or not content_type)
