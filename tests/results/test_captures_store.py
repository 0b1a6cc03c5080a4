"""The capture tables' migrations: a database written before hosts were recorded (m001 only)
gets each capture's host from its URL, and its answered pairs are asked again (their hosts are
unknown), while the captures stay."""

from __future__ import annotations

from pathlib import Path

from crawler.storage import open_db
from results.captures.index import CdxCapture, QueryResult
from results.captures.store import (
    answered,
    capture_migrations,
    open_captures_db,
    save_result,
    stored_captures,
)

ANNA = "http://anna.example"


def _capture(url: str, status: str = "200") -> CdxCapture:
    return CdxCapture("20261001120000", url, status, "text/html", None, None, None, None)


def test_m002_fills_each_capture_host_and_asks_old_pairs_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = open_db(path)
    capture_migrations.apply(db, stop_before="m002_capture_hosts")
    db.execute(
        "INSERT INTO capture_queries (origin, crawl, index_url, queried_at, status, pages,"
        " captures, seen, malformed, truncated)"
        " VALUES (?, 'CC-MAIN-2026-40', 'http://127.0.0.1:9', '2026-10-01', 'ok', 1, 2, 2, 0, 0)",
        [ANNA],
    )
    for url in (f"{ANNA}/", "https://WWW.anna.example/art/"):
        db.execute(
            "INSERT INTO captures (origin, crawl, timestamp, captured_at, url, status)"
            " VALUES (?, 'CC-MAIN-2026-40', '20261001120000', '2026-10-01T12:00:00+00:00', ?,"
            " '200')",
            [ANNA, url],
        )
    db.conn.commit()
    db.close()
    db = open_captures_db(path)
    try:
        hosts = [c.host for c in stored_captures(db, ANNA)]
        assert sorted(h or "" for h in hosts) == ["anna.example", "www.anna.example"]
        assert answered(db, ANNA, ("anna.example", "www.anna.example")) == set()
        result = QueryResult(
            "CC-MAIN-2026-40", "ok", captures=(_capture(f"{ANNA}/", "301"),),
            hosts=("anna.example", "www.anna.example"),
        )  # fmt: skip
        save_result(db, ANNA, "http://127.0.0.1:9", result)
        assert answered(db, ANNA, ("anna.example", "www.anna.example")) == {"CC-MAIN-2026-40"}
        assert answered(db, ANNA, ("anna.example",)) == set()
        [stored] = stored_captures(db, ANNA)
        assert (stored.host, stored.status, stored.taken) == ("anna.example", "301", False)
    finally:
        db.close()
