"""One ``optout captures`` run: every site asked of the newest Common Crawl crawls, stored,
then classified against the site's CCBot history.

Sites are asked one after the other, crawl by crawl, one request at a time, each under its
host and its ``www.`` twin, unless the database has the twin as a site of its own
(``results.captures.hosts``). A (site, crawl) answered before under the same hosts is not asked
again unless ``refresh``; a failure is recorded for its (site,
crawl) and the run goes on. When the index server cannot list its crawls, the crawls known
from earlier runs against the same server stand in, so each gets its error record; with none
known, each site gets one record for crawl ``*``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import sqlite_utils

from audits.captures import SiteCaptures, classify_site
from results.captures.history import audited_sites, ccbot_history, known_origin, site_hosts_of
from results.captures.index import (
    CaptureIndexError,
    IndexClient,
    IndexCrawl,
    IndexSettings,
    QueryResult,
    site_hosts,
    site_pattern,
)
from results.captures.store import (
    answered,
    open_captures_db,
    save_result,
    stored_captures,
    stored_queries,
)

UNLISTED: Final = "*"
"""The crawl of an error record when the server could not say which crawls it has."""


@dataclass(frozen=True)
class QueryRow:
    """One (site, crawl) as stored after the run."""

    crawl: str
    status: str
    error: str | None
    captures: int
    pages: int
    pages_total: int | None
    truncated: bool
    queried_at: str
    cached: bool
    """Answered in an earlier run, not asked this time."""
    hosts: tuple[str, ...] = ()
    """The hosts the captures are of (the site's, and its ``www.`` twin)."""
    elsewhere: int = 0


@dataclass(frozen=True)
class SiteRun:
    origin: str
    queries: tuple[QueryRow, ...]
    report: SiteCaptures


@dataclass(frozen=True)
class CaptureRun:
    index_url: str
    crawls: tuple[str, ...]
    list_error: str | None
    sites: tuple[SiteRun, ...]
    requests: int

    @property
    def errors(self) -> list[tuple[str, QueryRow]]:
        return [(s.origin, q) for s in self.sites for q in s.queries if q.status == "error"]


@dataclass(frozen=True)
class Step:
    """Progress: ``done`` of ``total`` (site, crawl) pairs, the one just finished."""

    done: int
    total: int
    origin: str
    crawl: str
    status: str
    cached: bool


def _known_crawls(db: sqlite_utils.Database, index_url: str, count: int) -> list[IndexCrawl]:
    rows = db.execute(
        "SELECT DISTINCT crawl FROM capture_queries WHERE index_url = ? AND crawl != ?"
        " ORDER BY crawl DESC LIMIT ?",
        [index_url, UNLISTED, count],
    ).fetchall()
    return [IndexCrawl(str(name), "") for (name,) in rows]


def run_captures(
    db: sqlite_utils.Database,
    origins: Sequence[str],
    settings: IndexSettings,
    *,
    crawls: int = 6,
    refresh: bool = False,
    progress: Callable[[Step], None] | None = None,
) -> CaptureRun:
    """Ask, store and classify; never raises for what the index server does."""
    client = IndexClient(settings)
    index_url = settings.index_url
    list_error = None
    try:
        listed = client.crawls(crawls)
    except CaptureIndexError as err:
        list_error = str(err)
        listed = _known_crawls(db, index_url, crawls) or [IndexCrawl(UNLISTED, "")]
    total = len(origins) * len(listed)
    done = 0
    skipped: dict[str, set[str]] = {}
    known = site_hosts_of(db.conn)
    for origin in origins:
        hosts = site_hosts(origin, separate=frozenset(h for o, h in known if o != origin))
        skip = set() if refresh else answered(db, origin, hosts)
        skipped[origin] = {c.name for c in listed} & skip
        for crawl in listed:
            cached = crawl.name in skip
            if not cached:
                if list_error is not None:
                    result = QueryResult(crawl.name, "error", error=list_error)
                else:
                    result = client.query(origin, crawl, hosts)
                save_result(db, origin, index_url, result)
            done += 1
            if progress is not None:
                status = "ok" if cached else ("error" if list_error else "asked")
                progress(Step(done, total, origin, crawl.name, status, cached))
    names = tuple(c.name for c in listed)
    sites = tuple(site_run(db, origin, names, cached=skipped[origin]) for origin in origins)
    return CaptureRun(index_url, names, list_error, sites, client.requests)


def site_run(
    db: sqlite_utils.Database,
    origin: str,
    crawls: Sequence[str],
    *,
    cached: set[str] | frozenset[str] = frozenset(),
) -> SiteRun:
    """A site's stored queries and captures of ``crawls``, classified."""
    wanted = set(crawls)
    rows = [r for r in stored_queries(db, origin) if r["crawl"] in wanted]
    queries = tuple(
        QueryRow(
            crawl=str(r["crawl"]),
            status=str(r["status"]),
            error=None if r["error"] is None else str(r["error"]),
            captures=int(str(r["captures"])),
            pages=int(str(r["pages"])),
            pages_total=None if r["pages_total"] is None else int(str(r["pages_total"])),
            truncated=bool(r["truncated"]),
            queried_at=str(r["queried_at"]),
            cached=str(r["crawl"]) in cached,
            hosts=tuple(str(r.get("hosts") or "").split()),
            elsewhere=int(str(r.get("elsewhere") or 0)),
        )
        for r in rows
    )
    captures = [c for c in stored_captures(db, origin) if c.crawl in wanted]
    history = ccbot_history(db.conn, origin)
    listed = [c for c in crawls if c != UNLISTED]
    return SiteRun(origin, queries, classify_site(origin, captures, history, listed))


class CaptureRunError(Exception):
    """The run cannot start as asked (no site to ask, nothing audited); one line."""


def ask_captures(
    db_path: Path | None,
    origin: str | None,
    settings: IndexSettings,
    *,
    crawls: int = 6,
    refresh: bool = False,
    progress: Callable[[int], Callable[[Step], None] | None] | None = None,
) -> CaptureRun:
    """``optout captures``: ``origin`` alone (in a throwaway database, nothing kept), one site
    of ``db_path``, or every site of its newest audited crawl. ``progress`` is given the number
    of (site, crawl) pairs... of sites and returns the callback for the steps.
    StorageError for a database that cannot be used, CaptureRunError for nothing to ask."""
    if db_path is None:
        if origin is None:
            raise CaptureRunError("give a site (ORIGIN) or an audited database (--db FILE)")
        with tempfile.TemporaryDirectory(prefix="optout-captures-") as folder:
            return ask_captures(
                Path(folder) / "captures.db", origin, settings, crawls=crawls, refresh=True,
                progress=progress,
            )  # fmt: skip
    if origin is None and not db_path.exists():
        raise CaptureRunError(f"{db_path}: no such database (run optout crawl first)")
    db = open_captures_db(db_path)
    try:
        if origin is not None:
            try:
                site_pattern(origin)
            except CaptureIndexError as err:
                raise CaptureRunError(str(err)) from None
            origins = [known_origin(db.conn, origin)]
        else:
            origins = audited_sites(db.conn)
            if not origins:
                raise CaptureRunError(f"{db_path}: no audited crawl (run optout crawl first)")
        step = progress(len(origins)) if progress is not None else None
        return run_captures(db, origins, settings, crawls=crawls, refresh=refresh, progress=step)
    finally:
        db.close()
