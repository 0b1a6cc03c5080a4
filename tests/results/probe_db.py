"""Hand-built evidence with probes, written into a real evidence database as a crawl with
``--probe-agents`` would write it, and audited.

Each site has our own fetches (the baselines: robots.txt, the home page, one content page)
and, per probed agent, the same URLs asked again with that agent's User-Agent string: a
``probe`` fetch naming the agent. How the edge answers each agent is given per site.

Two crawls tell a story the change tracking must see:

- crawl 1: edge.example lets every agent in by robots.txt, but its Cloudflare edge refuses
  GPTBot and charges ClaudeBot (pay per crawl) and serves OAI-SearchBot; plain.example blocks
  GPTBot in robots.txt but serves it like anyone; quiet.example is not probed at all.
- crawl 2: edge.example now serves GPTBot (an edge block disappeared), plain.example's edge
  now refuses GPTBot (an edge block appeared), quiet.example is probed for the first time
  (no change: crawl 1 did not check it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import sqlite_utils

from audits.core.evidence import Fetch, SiteEvidence
from crawler.items import FetchRecord, SiteDone
from crawler.storage import FetchWriter, finish_crawl, open_db, start_crawl
from results.derive import audit_crawl

FIXED_TIME = "2026-11-01T00:00:00.000+00:00"
EDGE = "http://edge.example"
PLAIN = "http://plain.example"
QUIET = "http://quiet.example"
ALLOW_ALL = "User-agent: *\nAllow: /\n"
BLOCK_GPTBOT = "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
HTML = (("Content-Type", "text/html; charset=utf-8"),)
HOME = (
    b"<!doctype html><html><head><title>Studio</title></head><body><h1>Studio</h1>"
    b"<p>Prints and drawings.</p><a href='/work/harbour'>Harbour at night</a></body></html>"
)
PAGE = (
    b"<!doctype html><html><head><title>Harbour at night</title></head><body>"
    b"<h1>Harbour at night</h1><p>An etching, 2024.</p><a href='/'>Home</a></body></html>"
)


@dataclass(frozen=True)
class Answer:
    """What the edge sends a probed agent instead of what it sent us."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


SERVED = None
"""The agent gets exactly our answer."""
REFUSED = Answer(
    403,
    (("Server", "cloudflare"), ("CF-RAY", "8f1e2d3c4b5a6978-AMS"), ("Content-Type", "text/plain")),
    b"Forbidden",
)
CHARGED = Answer(
    402,
    (
        ("Server", "cloudflare"),
        ("CF-RAY", "8f1e2d3c4b5a6979-AMS"),
        ("crawler-price", "USD 0.01"),
        ("Content-Type", "text/plain"),
    ),
    b"Payment required",
)


def baselines(origin: str, robots: str) -> tuple[Fetch, ...]:
    """Our own fetches of a site: robots.txt, the home page and one content page."""
    return (
        Fetch(
            origin + "/robots.txt",
            "robots",
            200,
            (("Content-Type", "text/plain"),),
            robots.encode(),
        ),
        Fetch(origin + "/", "home", 200, HTML, HOME),
        Fetch(origin + "/work/harbour", "page", 200, HTML, PAGE),
    )


def site_evidence(origin: str, robots: str, answers: Mapping[str, Answer | None]) -> SiteEvidence:
    """The site's baselines, and each of them probed once per agent with that agent's answer."""
    ours = baselines(origin, robots)
    probes = [
        replace(f, kind="probe", agent=agent)
        if answer is None
        else Fetch(f.url, "probe", answer.status, answer.headers, answer.body, agent=agent)
        for agent, answer in answers.items()
        for f in ours
    ]
    return SiteEvidence(origin, (*ours, *probes))


CRAWL_1: tuple[SiteEvidence, ...] = (
    site_evidence(
        EDGE, ALLOW_ALL, {"GPTBot": REFUSED, "ClaudeBot": CHARGED, "OAI-SearchBot": SERVED}
    ),
    site_evidence(PLAIN, BLOCK_GPTBOT, {"GPTBot": SERVED}),
    site_evidence(QUIET, ALLOW_ALL, {}),
)
CRAWL_2: tuple[SiteEvidence, ...] = (
    site_evidence(
        EDGE, ALLOW_ALL, {"GPTBot": SERVED, "ClaudeBot": CHARGED, "OAI-SearchBot": SERVED}
    ),
    site_evidence(PLAIN, BLOCK_GPTBOT, {"GPTBot": REFUSED}),
    site_evidence(QUIET, ALLOW_ALL, {"GPTBot": SERVED}),
)


def store_crawl(
    db: sqlite_utils.Database, sites: Sequence[SiteEvidence], *, probe_agents: str = "default"
) -> int:
    """A finished crawl holding each site's fetches, probes with the agent they were sent as."""
    crawl_id = start_crawl(
        db,
        seeds_source="tests: hand-built probes",
        settings={"OPTOUT_PROBE_AGENTS": probe_agents},
        tool_version="test",
        interpreter_version="test",
        registry_version="test",
    )
    writer = FetchWriter(db)
    for site in sites:
        name = site.origin.removeprefix("http://").split(".")[0].title()
        seed = {"origin": site.origin, "name": name, "kind": "creator-site", "country": "NL"}
        writer.add_site(seed, crawl_id)
        for fetch in site.fetches:
            writer.add_fetch(
                FetchRecord(
                    crawl_id=crawl_id,
                    origin=site.origin,
                    kind=fetch.kind,
                    requested_url=fetch.url,
                    final_url=fetch.url,
                    status=fetch.status,
                    headers=list(fetch.headers),
                    body=fetch.body,
                    body_length=len(fetch.body or b""),
                    fetched_at=FIXED_TIME,
                    agent=fetch.agent,
                )
            )
        writer.add_site_done(SiteDone(crawl_id, site.origin, len(site.fetches), 0, FIXED_TIME))
    writer.close()
    finish_crawl(db, crawl_id, "finished", {})
    return crawl_id


def build_probed_db(
    path: Path, crawls: Sequence[Sequence[SiteEvidence]] = (CRAWL_1, CRAWL_2)
) -> Path:
    """An evidence database holding ``crawls`` (by default both crawls above), each audited."""
    db = open_db(path)
    try:
        for sites in crawls:
            audit_crawl(db, store_crawl(db, sites))
    finally:
        db.close()
    return path
