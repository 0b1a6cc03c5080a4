"""Writes site fixture cases into a real evidence database, as a crawl would."""

from __future__ import annotations

import sqlite_utils

from crawler.items import FetchRecord, SiteDone
from crawler.storage import FetchWriter, finish_crawl, start_crawl
from tests.site_fixture import load_site

FIXED_TIME = "2026-11-01T00:00:00.000+00:00"


def store_crawl(db: sqlite_utils.Database, sites: list[tuple[str, str]]) -> int:
    """A finished crawl holding each ``(origin, case)``: the case's fetches under that origin."""
    crawl_id = start_crawl(
        db,
        seeds_source="tests",
        settings={},
        tool_version="test",
        interpreter_version="test",
        registry_version="test",
    )
    writer = FetchWriter(db)
    for origin, case in sites:
        evidence = load_site(case)
        writer.add_site(
            {
                "origin": origin,
                "name": case,
                "kind": "creator-site",
                "country": "DE",
                "tags": ["test"],
            },
            crawl_id,
        )
        for fetch in evidence.fetches:
            url = origin + fetch.url[len(evidence.origin) :]
            writer.add_fetch(
                FetchRecord(
                    crawl_id=crawl_id,
                    origin=origin,
                    kind=fetch.kind,
                    requested_url=url,
                    final_url=url,
                    status=fetch.status,
                    headers=list(fetch.headers),
                    body=fetch.body,
                    body_length=len(fetch.body or b""),
                    error_class=fetch.error,
                    fetched_at=FIXED_TIME,
                    skipped=fetch.skipped,
                    redirect_chain=list(fetch.redirects),
                )
            )
            if fetch.rendered_body is not None:
                writer.add_fetch(
                    FetchRecord(
                        crawl_id=crawl_id,
                        origin=origin,
                        kind=fetch.kind,
                        requested_url=url,
                        status=fetch.status,
                        headers=list(fetch.headers),
                        body=fetch.rendered_body,
                        fetched_at=FIXED_TIME,
                        rendered=True,
                    )
                )
        writer.add_site_done(SiteDone(crawl_id, origin, len(evidence.fetches), 0, FIXED_TIME))
    writer.close()
    finish_crawl(db, crawl_id, "finished", {})
    return crawl_id
