"""Probe fetches in the evidence database: ``fetches.agent`` (migration m009), one row per
agent for the same URL, read back into ``Fetch.agent`` after the baseline, and databases
written before probes existed still opened, read and deduplicated as before."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import sqlite_utils

from crawler.items import FetchRecord
from crawler.storage import FetchWriter, iter_site_evidence, migrations, open_db, start_crawl

ORIGIN = "https://artist.example"


def new_crawl(db: sqlite_utils.Database) -> int:
    return start_crawl(
        db,
        seeds_source="seeds.csv",
        settings={"OPTOUT_PROBE_AGENTS": "GPTBot,CCBot"},
        tool_version="0.2.0",
        interpreter_version="0.2.0",
        registry_version="2025.01.01-1",
    )


def fetch(crawl_id: int, kind: str, path: str, agent: str | None = None, **fields: object):
    base = FetchRecord(
        crawl_id=crawl_id,
        origin=ORIGIN,
        kind=kind,
        requested_url=ORIGIN + path,
        final_url=ORIGIN + path,
        status=200,
        headers=[("Content-Type", "text/html")],
        body=b"<html></html>",
        fetched_at="2025-01-01T00:00:00+00:00",
        agent=agent,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def write(db: sqlite_utils.Database, *records: FetchRecord) -> None:
    writer = FetchWriter(db)
    for item in records:
        writer.add_fetch(item)
    writer.close()


def test_one_probe_per_agent_of_one_url_is_kept_and_each_only_once(tmp_path: Path) -> None:
    db = open_db(tmp_path / "e.db")
    crawl = new_crawl(db)
    write(
        db,
        fetch(crawl, "home", "/"),
        fetch(crawl, "probe", "/", "GPTBot", status=403),
        fetch(crawl, "probe", "/", "CCBot"),
    )
    # A resumed crawl writes them again: nothing is stored twice, ours nor the probes.
    write(
        db,
        fetch(crawl, "home", "/", status=500),
        fetch(crawl, "probe", "/", "GPTBot", status=500),
    )
    rows = db.execute("SELECT kind, agent, status FROM fetches ORDER BY id").fetchall()
    assert rows == [("home", None, 200), ("probe", "GPTBot", 403), ("probe", "CCBot", 200)]
    db.close()


def test_evidence_carries_the_agent_and_puts_probes_last(tmp_path: Path) -> None:
    db = open_db(tmp_path / "e.db")
    crawl = new_crawl(db)
    write(
        db,
        fetch(crawl, "probe", "/", "GPTBot", status=403),
        fetch(crawl, "probe", "/robots.txt", "CCBot"),
        fetch(crawl, "probe", "/", "CCBot"),
        fetch(crawl, "image", "/a.jpg"),
        fetch(crawl, "home", "/"),
        fetch(crawl, "robots", "/robots.txt"),
        fetch(crawl, "license", "/license.xml"),
    )
    [site] = iter_site_evidence(db, crawl)
    assert [(f.kind, f.url.removeprefix(ORIGIN), f.agent) for f in site.fetches] == [
        ("robots", "/robots.txt", None),
        ("home", "/", None),
        ("image", "/a.jpg", None),
        ("license", "/license.xml", None),
        ("probe", "/", "CCBot"),
        ("probe", "/", "GPTBot"),
        ("probe", "/robots.txt", "CCBot"),
    ]
    assert [f.status for f in site.fetches if f.agent == "GPTBot"] == [403]
    db.close()


def test_a_database_from_before_probes_is_migrated_and_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m009_fetch_agent")
    assert "agent" not in old["fetches"].columns_dict
    old.execute("INSERT INTO crawls (id, started_at, status) VALUES (1, 'x', 'finished')")
    old.execute("INSERT INTO sites (origin) VALUES (?)", [ORIGIN])
    old.execute(
        "INSERT INTO fetches (crawl_id, origin, kind, requested_url, status, headers,"
        " redirect_chain) VALUES (1, ?, 'robots', ?, 404, '[]', '[]')",
        [ORIGIN, ORIGIN + "/robots.txt"],
    )
    old.conn.commit()
    old.close()

    db = open_db(path)
    assert db["fetches"].columns_dict["agent"] is str
    [site] = iter_site_evidence(db, 1)
    [robots] = site.fetches
    assert (robots.kind, robots.status, robots.agent) == ("robots", 404, None)
    # Our own fetches stay unique after the index changed (NULL agents would never collide).
    write(db, fetch(1, "robots", "/robots.txt", status=200))
    write(db, fetch(1, "probe", "/robots.txt", "GPTBot"))
    rows = db.execute("SELECT kind, agent, status FROM fetches ORDER BY id").fetchall()
    assert rows == [("robots", None, 404), ("probe", "GPTBot", 200)]
    db.close()
    # And a plain reader of the migrated file sees the new column.
    with sqlite3.connect(path) as conn:
        names = [row[1] for row in conn.execute("PRAGMA table_info(fetches)")]
    conn.close()
    assert names[-1] == "agent"
