"""The export's ``taken`` key (schema 1.6): a site's Common Crawl captures, classified against
its audited CCBot history, and its matches in a training-set URL list, beside its verdicts."""

from __future__ import annotations

import csv
import json
import sqlite3
from io import StringIO
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawler.storage import open_db
from results.captures.index import CdxCapture, QueryResult
from results.captures.store import open_captures_db, save_result
from results.datasets.check import check_dataset
from results.derive import audit_crawl
from results.export import open_export_db, write_json
from sampleweb.server import SampleWeb
from tests.crawler.conftest import run_crawl, sample_web  # noqa: F401
from tests.results.test_export import schema_errors

ANNA = "http://artist-anna.example"  # its robots.txt disallows CCBot
SAM = "http://plain-sam.example"
INDEX = "http://127.0.0.1:9/index"


def _export(db: Path) -> dict[str, Any]:
    opened, crawl_id = open_export_db(db, "latest")
    out = StringIO()
    try:
        write_json(out, opened, crawl_id)
    finally:
        opened.close()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Path:  # noqa: F811
    folder = tmp_path_factory.mktemp("taken")
    seeds = folder / "seeds.csv"
    with seeds.open("w", newline="") as stream:
        csv.writer(stream).writerows([["origin", "kind"], [ANNA, "creator-site"], [SAM, "other"]])
    path = folder / "crawl.db"
    run_crawl(seeds, path, sample_web, "--allow-private")
    with open_db(path) as opened:
        audit_crawl(opened, 1)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE crawls SET started_at = '2026-10-10T00:00:00+00:00'")
        image = conn.execute(
            "SELECT requested_url FROM fetches WHERE origin = ? AND kind = 'image' LIMIT 1",
            [ANNA],
        ).fetchone()[0]
    shard = folder / "laion-mini-00000.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM (VALUES (?, 'a <script>x</script> caption'),"
        " ('http://elsewhere.example/a.jpg', 'other'))"
        " t(url, text)) TO ? (FORMAT parquet)",
        [image, str(shard)],
    )
    con.close()
    check_dataset(path, [str(shard)], name="laion-mini")
    captures = open_captures_db(path)
    try:
        found = (
            CdxCapture("20260901000000", ANNA + "/", "200", "text/html", None, None, None, None),
            CdxCapture("20261101000000", ANNA + "/", "200", "text/html", None, None, None, None),
            CdxCapture("20261101000100", ANNA + "/gone", "404", None, None, None, None, None),
        )
        save_result(captures, ANNA, INDEX, QueryResult("CC-MAIN-2026-44", "ok", captures=found))
    finally:
        captures.close()
    return path


def test_a_site_with_captures_and_a_dataset_match_exports_them_under_taken(db: Path) -> None:
    document = _export(db)
    assert schema_errors(document) == []
    anna = next(s for s in document["sites"] if s["origin"] == ANNA)
    captures = anna["taken"]["captures"]
    assert captures["by_class"] == {
        "before-block": 0,
        "after-block": 1,
        "no-block": 0,
        "unknown": 1,
    }
    assert captures["not_taken"] == {
        "before-block": 0,
        "after-block": 1,
        "no-block": 0,
        "unknown": 0,
    }
    [crawl] = captures["crawls"]
    assert (crawl["crawl"], crawl["captures"], crawl["status"]) == ("CC-MAIN-2026-44", 3, "ok")
    assert (crawl["after-block"], crawl["not_taken"]) == (1, 1)
    assert [f["code"] for f in captures["findings"]] == ["cc-captured-after-block"]
    [dataset] = anna["taken"]["datasets"]
    assert (dataset["dataset"], dataset["url_matches"]) == ("laion-mini", 1)
    assert dataset["examples"][0]["caption"] == "a <script>x</script> caption"


def test_a_site_with_nothing_found_has_no_taken_key(db: Path) -> None:
    sam = next(s for s in _export(db)["sites"] if s["origin"] == SAM)
    assert "taken" not in sam
