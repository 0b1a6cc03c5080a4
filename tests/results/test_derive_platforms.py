"""``optout audit`` writes the images, sampled profiles and per-platform summary of a crawl
(migration m005), in the same transaction as the other derived rows, and replaces them on a
re-audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

from crawler.storage import open_db
from results.derive import audit_crawl
from tests.results.evidence_db import store_crawl

FOLIO = "https://folio.example"
ANNA = "http://anna.example"


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_db(tmp_path / "crawl.db")
    store_crawl(database, [(FOLIO, "platform_profiles"), (ANNA, "nothing_at_all")])
    database.table("sites").update(
        FOLIO, {"kind": "platform", "profile_pattern": "/u/*", "artwork_pattern": "/u/*/art/*"}
    )
    audit_crawl(database, 1)
    return database


def _one(db: sqlite_utils.Database, sql: str, *params: object) -> dict[str, object]:
    rows = list(db.query(sql, list(params)))
    assert len(rows) == 1, rows
    return rows[0]


def test_platform_summary_row_holds_the_share_and_its_interval(
    db: sqlite_utils.Database,
) -> None:
    row = _one(db, "select * from platform_summary where origin = ?", FOLIO)
    assert (row["sampled"], row["opted_out"], row["population"]) == (9, 7, 12)
    assert row["share"] == pytest.approx(7 / 9, abs=1e-6)
    assert row["ci_low"] == pytest.approx(0.452587, abs=1e-5)
    assert row["ci_high"] == pytest.approx(0.936775, abs=1e-5)
    assert row["offers_per_profile"] == 1 and row["rendered_only"] == 1
    assert row["strips_metadata"] == 1 and row["renditions_stripped"] == 1
    assert "noai" in json.loads(str(row["mechanisms"]))
    assert row["default_train"] == "unstated"


def test_only_platforms_get_a_summary(db: sqlite_utils.Database) -> None:
    origins = [r["origin"] for r in db.query("select origin from platform_summary")]
    assert origins == [FOLIO]


def test_each_sampled_profile_gets_a_row_with_its_evidence(db: sqlite_utils.Database) -> None:
    rows = {r["profile_url"]: r for r in db.query("select * from profiles where crawl_id = 1")}
    assert len(rows) == 10
    dmitri = rows[f"{FOLIO}/u/dmitri"]
    assert (dmitri["opted_out_train"], dmitri["rendered_only"]) == (1, 1)
    evidence = json.loads(str(dmitri["evidence"]))
    assert evidence[0]["rendered_only"] and evidence[0]["url"] == f"{FOLIO}/u/dmitri"
    fetch = _one(db, "select kind from fetches where id = ?", int(evidence[0]["fetch_id"]))
    assert fetch["kind"] == "profile"
    assert rows[f"{FOLIO}/u/bruno"]["opted_out_train"] == 0
    assert rows[f"{FOLIO}/u/jun"]["readable"] == 0


def test_images_rows_hold_the_metadata_and_what_the_display_lost(
    db: sqlite_utils.Database,
) -> None:
    rows = {r["url"]: r for r in db.query("select * from images where origin = ?", [FOLIO])}
    assert len(rows) == 5
    original = rows[f"{FOLIO}/media/anna/1-original.jpg"]
    assert original["kind"] == "original" and original["format"] == "jpeg"
    assert original["data_mining_code"] == "DMI-PROHIBITED-AIMLTRAINING"
    assert str(original["data_mining_raw"]).endswith("DMI-PROHIBITED-AIMLTRAINING")
    assert original["reserves_train"] == 1 and original["c2pa_present"] == 0
    displayed = rows[f"{FOLIO}/media/anna/1-display.jpg"]
    assert displayed["page_url"] == f"{FOLIO}/u/anna/art/1"
    assert json.loads(str(displayed["stripped"])) == ["iptc-data-mining"]
    assert displayed["original_url"] == original["url"]
    fetch = _one(db, "select kind, requested_url from fetches where id = ?", displayed["fetch_id"])
    assert fetch == {"kind": "image", "requested_url": displayed["url"]}
    assert json.loads(str(rows[f"{FOLIO}/media/bruno/1-display.jpg"]["stripped"])) == []


def test_the_stripping_finding_is_stored_and_counted(db: sqlite_utils.Database) -> None:
    finding = _one(
        db,
        "select * from findings where code = 'platform-strips-data-mining' and origin = ?",
        FOLIO,
    )
    assert str(finding["message"]).startswith("strips IPTC Data Mining from displayed images")
    assert finding["url"] == f"{FOLIO}/media/anna/1-display.jpg"
    summary = _one(db, "select warnings, report from site_summary where origin = ?", FOLIO)
    report = json.loads(str(summary["report"]))
    assert "platform-strips-data-mining" in {f["code"] for f in report["findings"]}
    assert summary["warnings"] == sum(f["severity"] == "warning" for f in report["findings"])


def test_the_site_report_carries_its_images(db: sqlite_utils.Database) -> None:
    report = json.loads(
        str(_one(db, "select report from site_summary where origin = ?", FOLIO)["report"])
    )
    assert len(report["images"]) == 5
    freya = next(i for i in report["images"] if i["url"].endswith("/freya/1.jpg"))
    assert freya["data_mining"]["code"] == "DMI-PROHIBITED-AIMLTRAINING"
    assert freya["reservations"][0]["use"] == "train"
    plain = json.loads(
        str(_one(db, "select report from site_summary where origin = ?", ANNA)["report"])
    )
    assert plain["images"] == [] and "builder" in plain


def test_a_re_audit_replaces_the_rows(db: sqlite_utils.Database) -> None:
    before = [
        db.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("images", "profiles", "platform_summary")
    ]
    audit_crawl(db, 1)
    after = [
        db.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("images", "profiles", "platform_summary")
    ]
    assert after == before == [5, 10, 1]
