"""Probes (``crawler/probes.py``): once a site's baseline is done, its robots.txt, home page,
one content page and one image are asked again per probed agent with that agent's published
User-Agent string; recorded as ``probe`` fetches, read for nothing, followed by nothing.

Each test drives one whole site through the spider by hand: every request it makes is answered
with a saved response where one is named, and otherwise fails to connect (so the failed URLs
also show that only baselines that got an answer are probed).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import pytest
import scrapy
from twisted.internet.error import ConnectionRefusedError

from audits.core.agents import DEFAULT_PROBE_AGENTS, load_registry
from crawler.items import FetchRecord, SiteDone
from crawler.probes import PROBE_KIND, ProbeTargets, excluded_hosts, probe_tokens, site_probed
from crawler.seeds import Seed
from crawler.spiders.optout import OptoutSpider, SiteState
from tests.crawler.spider.saved import answer, fail, make_spider, only, records, site_done

ORIGIN = "https://anna.example"
SEED = Seed(ORIGIN)
AGENTS = ("GPTBot", "CCBot")
BASELINE_CASES = {
    ORIGIN + "/robots.txt": "robots_200",
    ORIGIN + "/": "home_links_and_images",
    ORIGIN + "/portfolio/dunes": "page_portfolio_dunes",
    ORIGIN + "/gallery/night": "page_gallery_night_404",
    ORIGIN + "/img/dunes.jpg": "image_first_bytes_206",
}
"""The baseline's answers; every other URL it asks for (ai.txt, /about, the terms page, two
of the three images, the image tail, the sitemap…) fails to connect."""
PROBED_URLS = {
    ORIGIN + "/robots.txt",
    ORIGIN + "/",
    ORIGIN + "/portfolio/dunes",  # served in full: chosen before the 404 at /gallery/night
    ORIGIN + "/img/dunes.jpg",
}

Cases = Callable[[scrapy.Request], str | None]


def baseline_cases(request: scrapy.Request) -> str | None:
    """Baseline requests by URL; a probe gets what the baseline got."""
    if request.meta["optout_kind"] == "image-tail":
        return None
    return BASELINE_CASES.get(request.url)


def crawl_site(spider: OptoutSpider, seed: Seed = SEED, cases: Cases = baseline_cases) -> Run:
    """Every item the spider yields for one site, its requests answered in the order made."""
    run = Run(spider)
    spider._pending_seeds = iter(())  # no seed file: the site is the crawl's only one
    made = list(spider._open_site(seed))
    run.site = spider.sites[seed.origin]
    run.take(made)
    while run.queue:
        request = run.queue.popleft()
        case = cases(request)
        if case is None:
            run.take(fail(spider, request, ConnectionRefusedError()), request)
        else:
            run.take(answer(spider, request, case), request)
    return run


class Run:
    """What a site's crawl made: items in order, requests, and what answered probes led to."""

    def __init__(self, spider: OptoutSpider) -> None:
        self.spider = spider
        self.items: list[Any] = []
        self.sent: list[scrapy.Request] = []
        self.queue: deque[scrapy.Request] = deque()
        self.after_probes: list[Any] = []
        self.site: SiteState | None = None

    def take(self, items: list[Any], answered: scrapy.Request | None = None) -> None:
        self.items += items
        new = [item for item in items if isinstance(item, scrapy.Request)]
        self.sent += new
        self.queue.extend(new)
        if answered is not None and answered.meta["optout_kind"] == PROBE_KIND:
            self.after_probes += [i for i in items if not isinstance(i, FetchRecord | SiteDone)]

    def probes(self) -> list[scrapy.Request]:
        return [r for r in self.sent if r.meta["optout_kind"] == PROBE_KIND]

    def baseline(self) -> list[FetchRecord]:
        return [r for r in records(self.items) if r.kind != PROBE_KIND]


def fetched(run: Run) -> int:
    """Records of requests made (``SiteDone.fetches``): all but those skipped."""
    return sum(1 for r in records(run.items) if r.skipped is None)


def user_agent(agent: str) -> bytes:
    found = load_registry().get(agent)
    assert found is not None and found.user_agent
    return found.user_agent.encode()


def probing(**settings: Any) -> OptoutSpider:
    return make_spider(OPTOUT_PROBE_AGENTS=",".join(AGENTS), **settings)


# -- off by default ------------------------------------------------------------------------


def test_with_probes_off_no_request_carries_a_user_agent_of_its_own() -> None:
    run = crawl_site(make_spider())
    assert run.sent and all(b"User-Agent" not in r.headers for r in run.sent)
    assert run.probes() == []
    assert all(r.agent is None for r in records(run.items))
    done = only(site_done(run.items))
    assert done.fetches == fetched(run)


# -- what is probed, how -------------------------------------------------------------------


def test_each_agent_asks_once_for_each_answered_baseline_url() -> None:
    run = crawl_site(probing())
    asked = sorted((r.meta["optout_agent"], r.url) for r in run.probes())
    assert asked == sorted((agent, url) for agent in AGENTS for url in PROBED_URLS)
    answered = {r.requested_url for r in run.baseline() if r.status is not None}
    assert answered >= PROBED_URLS


def test_a_probe_sends_the_agents_published_user_agent_string() -> None:
    run = crawl_site(probing())
    for request in run.probes():
        assert request.headers["User-Agent"] == user_agent(request.meta["optout_agent"])
    assert all(b"User-Agent" not in r.headers for r in run.sent if r not in run.probes())


def test_a_probe_is_asked_as_its_baseline_was() -> None:
    spider = probing()
    run = crawl_site(spider)
    by_url = {r.url: r for r in run.probes() if r.meta["optout_agent"] == "GPTBot"}
    image = by_url[ORIGIN + "/img/dunes.jpg"]
    assert image.headers["Range"] == b"bytes=0-262143"
    assert image.meta["optout_maxbytes"] == spider.settings.getint("OPTOUT_IMAGE_MAXBYTES")
    page = by_url[ORIGIN + "/portfolio/dunes"]
    assert page.meta["optout_maxbytes"] == spider.settings.getint("OPTOUT_PAGE_MAXBYTES")
    assert b"Range" not in page.headers
    # A redirect is followed only to where the baseline went (crawler/middlewares/probe_redirect).
    assert page.meta["optout_probe_path"] == (ORIGIN + "/portfolio/dunes",)
    robots = by_url[ORIGIN + "/robots.txt"]
    assert robots.meta["optout_maxbytes"] == spider.settings.getint("OPTOUT_POLICY_MAXBYTES")
    assert {r.meta["optout_probe_of"] for r in by_url.values()} == {
        "robots",
        "home",
        "page",
        "image",
    }
    assert all(not r.meta.get("playwright") for r in run.probes())


def test_probes_are_recorded_with_their_agent_and_the_baseline_url() -> None:
    run = crawl_site(probing())
    probes = records(run.items, PROBE_KIND)
    assert sorted((p.agent, p.requested_url) for p in probes) == sorted(
        (agent, url) for agent in AGENTS for url in PROBED_URLS
    )
    assert all(p.status is not None and p.skipped is None for p in probes)


def test_probes_follow_the_finished_baseline_and_the_site_is_done_after_them() -> None:
    run = crawl_site(probing())
    kinds = [item.kind for item in records(run.items)]
    first_probe = kinds.index(PROBE_KIND)
    assert PROBE_KIND not in kinds[:first_probe] and set(kinds[first_probe:]) == {PROBE_KIND}
    done = only(site_done(run.items))
    assert run.items[-1] is done
    assert done.fetches == fetched(run)
    assert done.errors == sum(1 for r in records(run.items) if r.error_class)


def test_nothing_is_requested_or_read_from_a_probes_answer() -> None:
    refused_robots: Mapping[str, str] = {
        ORIGIN + "/robots.txt": "robots_disallow_our_agent",
        ORIGIN + "/": "home_bot_wall",
    }

    def cases(request: scrapy.Request) -> str | None:
        if request.meta["optout_kind"] == PROBE_KIND and request.url in refused_robots:
            return refused_robots[request.url]
        return baseline_cases(request)

    spider = probing()
    run = crawl_site(spider, cases=cases)
    # The page's meta refresh, links and image, the image's tail: none asked from a probe.
    assert run.after_probes == []
    assert {r.url for r in run.probes()} == PROBED_URLS
    # A probe's robots.txt (it disallows us) does not change what the baseline read.
    assert run.site is not None and run.site.robots_rule == "parse"
    assert run.site.robots is not None
    assert run.site.robots.verdict("optout-audit", ORIGIN + "/", compare=False).allowed
    walls = [r for r in records(run.items, PROBE_KIND) if r.requested_url == ORIGIN + "/"]
    assert {w.bot_wall for w in walls} == {"cloudflare:block"}
    assert all(r.bot_wall is None for r in run.baseline() if r.requested_url == ORIGIN + "/")


def test_a_refused_or_charged_probe_is_recorded_as_it_came() -> None:
    def cases(request: scrapy.Request) -> str | None:
        if request.meta["optout_kind"] == PROBE_KIND and request.url == ORIGIN + "/":
            return "home_402_pay_per_crawl"
        return baseline_cases(request)

    run = crawl_site(probing(), cases=cases)
    charged = [r for r in records(run.items, PROBE_KIND) if r.requested_url == ORIGIN + "/"]
    assert [r.status for r in charged] == [402, 402]
    assert all(
        [v for k, v in r.headers if k.lower() == "crawler-price"] == ["USD 0.01"] for r in charged
    )


def test_a_probe_that_fails_is_recorded_and_the_site_still_finishes() -> None:
    def cases(request: scrapy.Request) -> str | None:
        if request.meta["optout_kind"] == PROBE_KIND:
            return None  # the edge closes the connection on every probe
        return baseline_cases(request)

    run = crawl_site(probing(), cases=cases)
    probes = records(run.items, PROBE_KIND)
    assert len(probes) == len(AGENTS) * len(PROBED_URLS)
    assert {p.error_class for p in probes} == {"connect"}
    assert all(p.agent in AGENTS for p in probes)
    assert only(site_done(run.items)).fetches == fetched(run)


def test_only_urls_the_baseline_got_an_answer_from_are_probed() -> None:
    def cases(request: scrapy.Request) -> str | None:
        if request.url == ORIGIN + "/robots.txt":
            return "robots_disallow_our_agent"  # home, pages and images: skipped as ours
        return baseline_cases(request)

    run = crawl_site(probing(), cases=cases)
    assert only(r for r in run.baseline() if r.kind == "home").skipped == "robots-disallowed"
    assert {r.url for r in run.probes()} == {ORIGIN + "/robots.txt"}


def test_a_site_whose_baseline_got_no_answer_is_not_probed() -> None:
    run = crawl_site(probing(), cases=lambda request: None)
    assert run.probes() == []
    assert only(site_done(run.items)).fetches == fetched(run)


# -- which agents ---------------------------------------------------------------------------


def test_default_probes_the_registrys_default_set() -> None:
    spider = make_spider(OPTOUT_PROBE_AGENTS="default")
    assert tuple(agent.token for agent in spider.probe_agents) == DEFAULT_PROBE_AGENTS
    run = crawl_site(spider)
    assert len(run.probes()) == len(DEFAULT_PROBE_AGENTS) * len(PROBED_URLS)


def test_an_unknown_agent_stops_the_spider_before_it_starts() -> None:
    with pytest.raises(ValueError, match="NoSuchBot"):
        make_spider(OPTOUT_PROBE_AGENTS="GPTBot,NoSuchBot")


def test_the_setting_names_tokens_or_the_default_set() -> None:
    assert probe_tokens("") == probe_tokens(None) == probe_tokens(" , ") == ()
    assert probe_tokens("default") is None
    assert probe_tokens(" GPTBot , CCBot ") == ("GPTBot", "CCBot")


# -- per-site opt-out -------------------------------------------------------------------------


def test_a_seed_tagged_no_probe_is_not_probed() -> None:
    run = crawl_site(probing(), Seed(ORIGIN, tags=("portfolio", "no-probe")))
    assert run.probes() == []
    assert only(site_done(run.items)).fetches == fetched(run)


@pytest.mark.parametrize("exclude", ["anna.example", "ANNA.example.", "https://anna.example/x"])
def test_an_excluded_host_is_not_probed(exclude: str) -> None:
    run = crawl_site(probing(OPTOUT_PROBE_EXCLUDE=f"other.example, {exclude}"))
    assert run.probes() == []


def test_an_excluded_host_covers_its_subdomains_only() -> None:
    excluded = excluded_hosts("anna.example")
    assert not site_probed(Seed("https://www.anna.example"), excluded)
    assert site_probed(Seed("https://joanna.example"), excluded)
    assert site_probed(Seed(ORIGIN), excluded_hosts("www.anna.example"))


# -- the choice does not depend on the order answers arrive in --------------------------------


def _record(kind: str, path: str, status: int | None = 200, **fields: Any) -> FetchRecord:
    return FetchRecord(7, ORIGIN, kind, ORIGIN + path, status=status, **fields)


def test_the_targets_are_the_same_whatever_order_answers_arrive_in() -> None:
    answers = [
        _record("robots", "/robots.txt", 404),
        _record("home", "/"),
        _record("home", "/welcome"),  # a refresh target of the home page: not the home
        _record("page", "/b"),
        _record("page", "/a", 404),
        _record("page", "/c", bot_wall="cloudflare:challenge"),
        _record("page", "/listing"),
        _record("artwork", "/u/x/art/2"),
        _record("page", "/z", None, error_class="timeout"),
        _record("image", "/i2.jpg", 206),
        _record("image", "/i1.jpg", 404),
        _record("original", "/i0.jpg"),
        _record("page", "/r", rendered=True),
    ]
    seen = set()
    for seed in range(20):
        random.Random(seed).shuffle(answers)
        targets = ProbeTargets(ORIGIN)
        for record in answers:
            targets.offer(record, discovery=record.requested_url.endswith("/listing"))
        seen.add(tuple((t.kind, t.url) for t in targets.targets()))
    assert seen == {
        (
            ("robots", ORIGIN + "/robots.txt"),
            ("home", ORIGIN + "/"),
            ("artwork", ORIGIN + "/u/x/art/2"),
            ("image", ORIGIN + "/i2.jpg"),
        )
    }


@pytest.mark.parametrize(
    ("status", "wall"), [(401, None), (403, None), (429, None), (503, None), (200, "x:block")]
)
def test_an_answer_that_pushed_back_at_us_is_never_probed(status: int, wall: str | None) -> None:
    targets = ProbeTargets(ORIGIN)
    targets.offer(_record("robots", "/robots.txt", status, bot_wall=wall))
    targets.offer(_record("home", "/", status, bot_wall=wall))
    targets.offer(_record("page", "/a", 404))
    assert [(t.kind, t.url) for t in targets.targets()] == [("page", ORIGIN + "/a")]
