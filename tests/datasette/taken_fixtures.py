"""A database where Common Crawl captures and a training-set check were stored (issue 17),
for the Datasette tests: artist-anna blocks CCBot (its audit is dated 2026-09-10): two
captures before that audit (unknown), three after (after the block, one of them robots.txt
itself), a redirect after it that stored no content, and a crawl whose query failed.
plain-sam lets CCBot in: its captures are no-block. photo-marta has neither captures nor
matches. The shard lists anna's and sam's real URLs, and a row planting ``<script>`` in both its
URL and its caption."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from datasette.app import Datasette

from crawler.storage import open_db
from results.captures.index import CdxCapture, QueryResult
from results.captures.store import open_captures_db, save_result
from results.datasets.check import check_dataset
from results.derive import audit_crawl
from sampleweb.server import SampleWeb
from tests.crawler.conftest import run_crawl, sample_web  # noqa: F401
from tests.datasette.conftest import DB_NAME, make_datasette

ANNA = "http://artist-anna.example"
SAM = "http://plain-sam.example"
MARTA = "http://photo-marta.example"
AUDITED_AT = "2026-09-10T00:00:00+00:00"
INDEX = "http://127.0.0.1:9/index"  # recorded as the server asked; never contacted
PLANTED_URL = f'{ANNA}/"><script>alert("url")</script>.jpg'
PLANTED_CAPTION = '<script>alert("caption")</script> a fox'
DATASET = "laion-mini"
TAKEN_TABLES = ("capture_queries", "captures", "dataset_checks", "dataset_site_counts",
                "dataset_matches")  # fmt: skip


def _capture(timestamp: str, url: str, status: str = "200") -> CdxCapture:
    return CdxCapture(timestamp, url, status, "text/html", "sha1:X", 1234, "cc.warc.gz", 0)


def _crawled(db: Path, origin: str, kind: str) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT requested_url FROM fetches WHERE origin = ? AND kind = ?"
            " ORDER BY requested_url LIMIT 1",
            [origin, kind],
        ).fetchone()
    assert row is not None, (origin, kind)
    return str(row[0])


def _shard(path: Path, rows: list[tuple[str, str | None]]) -> Path:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (url VARCHAR, caption VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    return path


STORED: tuple[tuple[str, QueryResult], ...] = (
    (ANNA, QueryResult("CC-MAIN-2026-35", "ok", pages=1, seen=2, captures=(
        _capture("20260825120000", f"{ANNA}/"), _capture("20260825120500", f"{ANNA}/about")))),
    (ANNA, QueryResult("CC-MAIN-2026-39", "error", error="the index answered 503")),
    (ANNA, QueryResult("CC-MAIN-2026-42", "ok", pages=1, seen=3, captures=(
        _capture("20261020090000", f"{ANNA}/"), _capture("20261020090100", f"{ANNA}/art/"),
        _capture("20261020090200", f"{ANNA}/robots.txt"),
        _capture("20261020090300", f"{ANNA}/old-gallery", "301")))),
    (SAM, QueryResult("CC-MAIN-2026-42", "ok", pages=1, seen=2, captures=(
        _capture("20261020090000", f"{SAM}/"), _capture("20261021090000", f"{SAM}/about")))),
)  # fmt: skip
"""What the index answered, per site and crawl, stored as ``optout captures`` stores it."""


def _store_captures(db_path: Path) -> None:
    db = open_captures_db(db_path)
    try:
        for origin, result in STORED:
            save_result(db, origin, INDEX, result)
    finally:
        db.close()


@pytest.fixture(scope="session")
def taken_db(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Path:  # noqa: F811
    """Three sample sites crawled and audited, a dataset checked, captures stored."""
    folder = tmp_path_factory.mktemp("datasette-taken")
    seeds = folder / "seeds.csv"
    with seeds.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["origin", "kind"])
        writer.writerows([origin, "creator-site"] for origin in (ANNA, SAM, MARTA))
    db = folder / f"{DB_NAME}.db"
    run_crawl(seeds, db, sample_web, "--allow-private")
    with open_db(db) as opened:
        audit_crawl(opened, 1)
        opened.execute("UPDATE crawls SET started_at = ? WHERE id = 1", [AUDITED_AT])
        opened.conn.commit()
    shard = _shard(
        folder / f"{DATASET}-00000.parquet",
        [
            (_crawled(db, ANNA, "image"), "an illustration by anna"),
            (_crawled(db, ANNA, "page"), None),
            (PLANTED_URL, PLANTED_CAPTION),
            (_crawled(db, SAM, "image"), "a county road"),
            ("https://elsewhere.example/a.jpg", "another site"),
        ],
    )
    check_dataset(db, [str(shard)], name=DATASET)
    _store_captures(db)
    return db


@pytest.fixture(scope="session")
def taken_ds(taken_db: Path) -> Iterator[Datasette]:
    yield make_datasette(taken_db)
