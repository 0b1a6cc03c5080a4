"""The robots.txt in force over time, read from a real evidence database (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from audits.logs import AgentHit, LogLine
from audits.logs.judge import CrawledRobots, Timeline, judge
from crawler.items import FetchRecord, SiteDone
from crawler.storage import FetchWriter, finish_crawl, open_db, start_crawl
from results.logs.timeline import robots_timeline
from results.retention import prune_bodies

ANNA = "https://anna.example"
BEN = "https://ben.example"
OPEN = b"User-agent: *\nAllow: /\n"
CLOSED = b"User-agent: GPTBot\nDisallow: /gallery/\n"
TEXT = [("Content-Type", "text/plain")]
T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def crawl(
    db: sqlite_utils.Database,
    day: int,
    robots: dict[str, dict[str, object]],
    status: str = "finished",
) -> int:
    """One crawl on day ``day`` after T0 whose robots.txt fetches are ``robots`` (per origin:
    FetchRecord fields), stored with the project's own writer."""
    crawl_id = start_crawl(
        db,
        seeds_source="tests",
        settings={},
        tool_version="test",
        interpreter_version="test",
        registry_version="test",
    )
    at = (T0 + day * DAY).isoformat(timespec="milliseconds")
    writer = FetchWriter(db)
    for origin, fields in robots.items():
        writer.add_site({"origin": origin, "name": origin}, crawl_id)
        writer.add_fetch(
            FetchRecord(
                crawl_id=crawl_id,
                origin=origin,
                kind="robots",
                requested_url=origin + "/robots.txt",
                final_url=origin + "/robots.txt",
                fetched_at=at,
                **fields,  # type: ignore[arg-type]
            )
        )
        writer.add_fetch(
            FetchRecord(
                crawl_id=crawl_id,
                origin=origin,
                kind="home",
                requested_url=origin + "/",
                status=200,
                body=b"<html></html>",
                fetched_at=at,
            )
        )
        writer.add_site_done(SiteDone(crawl_id, origin, 2, 0, at))
    writer.close()
    if status != "running":
        finish_crawl(db, crawl_id, status, {})  # type: ignore[arg-type]
    return crawl_id


def ok(body: bytes) -> dict[str, object]:
    return {"status": 200, "headers": TEXT, "body": body}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite_utils.Database]:
    path: Path = tmp_path_factory.mktemp("timeline") / "crawl.db"
    database = open_db(path)
    crawl(database, 0, {ANNA: ok(OPEN), BEN: ok(CLOSED)})
    crawl(database, 1, {ANNA: ok(OPEN), BEN: ok(CLOSED)})
    crawl(database, 2, {ANNA: ok(CLOSED)})
    crawl(database, 3, {ANNA: {"status": 503, "headers": TEXT, "body": b"busy"}})
    crawl(database, 4, {ANNA: {"error_class": "timeout"}})
    crawl(database, 5, {ANNA: {"status": 404, "headers": TEXT, "body": b"not found"}})
    crawl(database, 6, {ANNA: {"status": 200, "headers": [], "body": b"<!doctype html><p>hi"}})
    # Never finished: what it saw is no evidence.
    crawl(database, 7, {ANNA: ok(OPEN)}, status="interrupted")
    crawl(database, 8, {ANNA: ok(OPEN)}, status="running")
    crawl(database, 9, {ANNA: ok(CLOSED)})
    yield database
    database.close()


def test_consecutive_crawls_with_the_same_reading_make_one_span(
    db: sqlite_utils.Database,
) -> None:
    spans = robots_timeline(db, ANNA)
    assert all(isinstance(s, CrawledRobots) for s in spans)
    shape = [
        (s.body, s.since, s.until, s.known, s.last_seen, s.crawls)  # type: ignore[attr-defined]
        for s in spans
    ]
    assert shape == [
        (OPEN, T0, T0 + 2 * DAY, True, T0 + DAY, 2),
        (CLOSED, T0 + 2 * DAY, T0 + 3 * DAY, True, T0 + 2 * DAY, 1),
        # 503 and a timeout: robots.txt could not be read, whatever the reason.
        (None, T0 + 3 * DAY, T0 + 5 * DAY, False, T0 + 4 * DAY, 2),
        # 404 and an HTML page served as robots.txt: no file, everything allowed.
        (None, T0 + 5 * DAY, T0 + 9 * DAY, True, T0 + 6 * DAY, 2),
        (CLOSED, T0 + 9 * DAY, None, True, T0 + 9 * DAY, 1),
    ]


def test_each_span_names_the_first_fetch_that_read_it(db: sqlite_utils.Database) -> None:
    spans = robots_timeline(db, ANNA)
    for span in spans:
        row = db.execute(
            "SELECT f.origin, f.kind, f.fetched_at FROM fetches AS f WHERE f.id = ?",
            [int(span.fetch_id or 0)],
        ).fetchone()
        assert row == (ANNA, "robots", span.since.isoformat(timespec="milliseconds"))


def test_origins_are_kept_apart(db: sqlite_utils.Database) -> None:
    (span,) = robots_timeline(db, BEN)
    assert (span.body, span.since, span.until) == (CLOSED, T0, None)
    assert robots_timeline(db, "https://nobody.example") == []


def test_a_pruned_body_is_unknown_not_an_empty_file(tmp_path: Path) -> None:
    database = open_db(tmp_path / "pruned.db")
    crawl(database, 0, {ANNA: ok(CLOSED)})
    crawl(database, 1, {ANNA: ok(OPEN)})
    prune_bodies(database, keep=1)  # the first crawl's robots.txt body is gone
    spans = robots_timeline(database, ANNA)
    assert [(s.known, s.body) for s in spans] == [(False, None), (True, OPEN)]


def test_a_crawl_without_fetched_at_is_dated_by_its_start(tmp_path: Path) -> None:
    database = open_db(tmp_path / "crawl.db")
    crawl(database, 0, {ANNA: ok(OPEN)})
    database.execute("UPDATE fetches SET fetched_at = NULL")
    database.execute("UPDATE crawls SET started_at = '2026-10-01T00:00:00.000+00:00'")
    database.conn.commit()
    (span,) = robots_timeline(database, ANNA)
    assert span.since == datetime(2026, 10, 1, tzinfo=UTC)
    database.close()


def _hit(target: str, at: datetime) -> AgentHit:
    line = LogLine(at, "192.0.2.1", "GET", target, 200, 1, "GPTBot/1.1", None, 1, "")
    return AgentHit(line, "GPTBot", "train", "verified")


@pytest.mark.parametrize(
    ("at", "judgement"),
    [
        (T0 - DAY, "unknown"),
        (T0 + DAY / 2, "allowed"),
        (T0 + DAY + DAY / 2, "changed-between"),
        (T0 + 2 * DAY, "within-cache-allowance"),
        # After the last crawl that read it, the next crawl could not read robots.txt.
        (T0 + 2 * DAY + timedelta(hours=1), "unknown"),
        (T0 + 3 * DAY + timedelta(hours=12), "unknown"),
        (T0 + 5 * DAY + timedelta(hours=12), "allowed"),
        (T0 + 9 * DAY + timedelta(hours=1), "within-cache-allowance"),
        (T0 + 10 * DAY + timedelta(hours=1), "disallowed"),
    ],
)
def test_hits_judged_against_the_crawl_history(
    db: sqlite_utils.Database, at: datetime, judgement: str
) -> None:
    timeline = Timeline(robots_timeline(db, ANNA))
    assert judge(_hit("/gallery/a.jpg", at), timeline).judgement == judgement
