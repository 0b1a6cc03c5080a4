"""What a dataset is checked against: the audited sites of one crawl and every page and image
URL the crawl fetched for them, read from the evidence database as a stream."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Final

import sqlite_utils

from results.derive import AuditError, audited, resolve_crawl

URL_KINDS: Final = ("home", "page", "profile", "artwork", "image", "original")
"""The fetch kinds whose URLs a dataset may list: pages and images, not policy files."""


class DatasetError(Exception):
    """The check cannot run as asked (no database, unknown crawl, not audited, no files)."""


def resolve_audited_crawl(db: sqlite_utils.Database, spec: str | int | None) -> int:
    """The crawl to check against, as ``optout export`` picks it: ``latest`` (the newest
    crawl, refused by name when unfinished) or an id, finished and audited."""
    try:
        crawl_id = resolve_crawl(db, spec)
    except AuditError as err:
        raise DatasetError(str(err)) from err
    if "audits" not in db.table_names() or not audited(db, crawl_id):
        raise DatasetError(
            f"crawl {crawl_id} has not been audited yet: run `optout audit --crawl {crawl_id}`"
            " first"
        )
    return crawl_id


def site_origins(conn: sqlite3.Connection, crawl_id: int) -> list[str]:
    """The origins of the sites audited in the crawl, sorted."""
    query = "SELECT origin FROM site_summary WHERE crawl_id = ? ORDER BY origin"
    return [row[0] for row in conn.execute(query, [crawl_id])]


def iter_site_urls(conn: sqlite3.Connection, crawl_id: int) -> Iterator[tuple[str, str]]:
    """Each distinct (URL, origin) the crawl requested or was redirected to for a page or an
    image of an audited site, streamed from SQLite."""
    kinds = ", ".join("?" for _ in URL_KINDS)
    query = f"""
        SELECT f.requested_url, f.origin FROM fetches AS f
        JOIN site_summary AS s ON s.crawl_id = f.crawl_id AND s.origin = f.origin
        WHERE f.crawl_id = ? AND f.kind IN ({kinds})
        UNION
        SELECT f.final_url, f.origin FROM fetches AS f
        JOIN site_summary AS s ON s.crawl_id = f.crawl_id AND s.origin = f.origin
        WHERE f.crawl_id = ? AND f.kind IN ({kinds}) AND f.final_url IS NOT NULL
    """
    params = [crawl_id, *URL_KINDS, crawl_id, *URL_KINDS]
    for url, origin in conn.execute(query, params):
        yield str(url), str(origin)
