"""End to end: crawl the sample platforms and site-builder sites, audit, and check that the
per-platform shares, the stripping finding and the builder attribution come out as the
sample web was built.

What each profile does is read from the sample web's own files (its served HTML and the
per-path headers in site.json), not written into the test, so the test fails when the crawl,
the sampling or the audit loses an opt-out.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from audits.site.platforms import wilson_interval
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401

SITES = ROOT / "sampleweb" / "sites"
FOLIO = "http://folio-platform.example"
JSFOLIO = "http://jsfolio.example"
SKETCHHUB = "http://sketchhub.example"
BUILDER_SITES = (
    "ceramics-lola.example",
    "prints-omar.example",
    "journal-pell.example",
    "weaver-kai.example",
    "drawings-ruth.example",
)
HOSTS = ("folio-platform.example", "jsfolio.example", "sketchhub.example", *BUILDER_SITES)
_NOAI_META = re.compile(r"<meta\s+name=\"robots\"\s+content=\"[^\"]*\bnoai\b", re.I)


@pytest.fixture(scope="module")
def db(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Iterator[sqlite3.Connection]:
    folder = tmp_path_factory.mktemp("platforms-e2e")
    lines = SAMPLE_SEEDS.read_text(encoding="utf-8").splitlines()
    chosen = [line for line in lines[1:] if line.split(",")[0].split("//")[1] in HOSTS]
    assert len(chosen) == len(HOSTS)
    seeds = folder / "seeds.csv"
    seeds.write_text("\n".join([lines[0], *chosen]) + "\n", encoding="utf-8")
    path = folder / "crawl.db"
    run_crawl(seeds, path, sample_web, "--allow-private")
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def _one(conn: sqlite3.Connection, sql: str, *params: Any) -> sqlite3.Row:
    rows = conn.execute(sql, params).fetchall()
    assert len(rows) == 1, [dict(r) for r in rows]
    return rows[0]


def _folio_truth() -> dict[str, str | None]:
    """Each folio profile's opt-out as built: 'meta', 'header' or None."""
    site = SITES / "folio-platform.example"
    routes = json.loads((site / "site.json").read_text(encoding="utf-8")).get("routes", {})
    truth: dict[str, str | None] = {}
    for page in sorted((site / "files" / "u").glob("*/index.html")):
        name = page.parent.name
        header = routes.get(f"/u/{name}", {}).get("headers", {}).get("X-Robots-Tag", "")
        if _NOAI_META.search(page.read_text(encoding="utf-8")):
            truth[name] = "meta"
        elif "noai" in header:
            truth[name] = "header"
        else:
            truth[name] = None
    return truth


def test_folio_share_matches_the_profiles_as_built(db: sqlite3.Connection) -> None:
    truth = _folio_truth()
    profiles = {
        r["profile_url"].rsplit("/", 1)[-1].rstrip("/"): r
        for r in db.execute("select * from profiles where origin = ?", [FOLIO])
    }
    assert profiles and set(profiles) <= set(truth)
    for name, row in profiles.items():
        assert row["opted_out_train"] == (truth[name] is not None), name
        if truth[name] == "header":
            assert "X-Robots-Tag noai" in json.loads(row["mechanisms"]), name
    summary = _one(db, "select * from platform_summary where origin = ?", FOLIO)
    expected = sum(truth[name] is not None for name in profiles)
    assert summary["sampled"] == len(profiles) == min(20, len(truth))
    assert summary["opted_out"] == expected
    assert summary["share"] == pytest.approx(expected / len(profiles), abs=1e-6)
    low, high = wilson_interval(expected, len(profiles))
    assert (summary["ci_low"], summary["ci_high"]) == pytest.approx((low, high), abs=1e-6)
    assert summary["offers_per_profile"] == 1
    assert {"noai", "X-Robots-Tag noai"} <= set(json.loads(summary["mechanisms"]))
    assert summary["default_train"] == "unstated"


def test_folio_strips_data_mining_from_displayed_images(db: sqlite3.Connection) -> None:
    finding = _one(
        db,
        "select * from findings where origin = ? and code = 'platform-strips-data-mining'",
        FOLIO,
    )
    assert finding["message"].startswith("strips IPTC Data Mining from displayed images")
    stripped = db.execute(
        "select d.url, o.data_mining_code from images d join images o"
        " on o.crawl_id = d.crawl_id and o.origin = d.origin and o.url = d.original_url"
        " and o.kind = 'original'"
        " where d.origin = ? and d.kind = 'displayed' and d.stripped like '%iptc-data-mining%'",
        [FOLIO],
    ).fetchall()
    assert stripped
    assert {code for _, code in stripped} == {"DMI-PROHIBITED-AIMLTRAINING"}
    summary = _one(db, "select * from platform_summary where origin = ?", FOLIO)
    assert summary["strips_metadata"] == 1 and summary["renditions_stripped"] == len(stripped)
    kinds = {r[0] for r in db.execute("select kind from fetches where origin = ?", [FOLIO])}
    assert {"profile", "artwork", "image", "original"} <= kinds


def test_jsfolio_counts_rendered_only_opt_outs(db: sqlite3.Connection) -> None:
    rows = {
        r["profile_url"].rsplit("@", 1)[-1]: r
        for r in db.execute("select * from profiles where origin = ?", [JSFOLIO])
    }
    assert {n for n, r in rows.items() if r["rendered_only"]} == {"nina", "paula", "sara"}
    assert {n for n, r in rows.items() if r["opted_out_train"]} == {"nina", "paula", "sara", "otto"}
    summary = _one(db, "select * from platform_summary where origin = ?", JSFOLIO)
    assert (summary["opted_out"], summary["sampled"], summary["rendered_only"]) == (4, 6, 3)


def test_sketchhub_offers_nothing_per_profile_but_has_a_default(db: sqlite3.Connection) -> None:
    summary = _one(db, "select * from platform_summary where origin = ?", SKETCHHUB)
    assert summary["sampled"] > 0 and summary["opted_out"] == 0
    assert summary["offers_per_profile"] == 0
    assert summary["default_train"] in ("reserved", "partial")
    assert summary["ci_low"] == 0 and 0 < summary["ci_high"] < 1


def _site(db: sqlite3.Connection, host: str) -> sqlite3.Row:
    return _one(db, "select * from site_summary where origin = ?", f"http://{host}")


def test_builder_attribution(db: sqlite3.Connection) -> None:
    lola = _site(db, "ceramics-lola.example")
    assert (lola["builder"], lola["builder_toggle"]) == ("squarespace", 1)
    assert lola["opt_out_author"] == "builder-toggle"
    omar = _site(db, "prints-omar.example")
    assert (omar["builder"], omar["builder_toggle"]) == ("squarespace", 0)
    assert _site(db, "journal-pell.example")["opt_out_author"] == "builder-toggle"
    assert _site(db, "weaver-kai.example")["builder"] == "wix"
    assert _site(db, "drawings-ruth.example")["opt_out_author"] == "by-hand"


def test_builders_summarised_by_opt_out_rate(db: sqlite3.Connection) -> None:
    rows = {
        r["builder"]: r
        for r in db.execute(
            "select builder, count(*) as sites, sum(builder_toggle = 1) as toggle_on"
            " from site_summary where builder is not null group by builder"
        )
    }
    assert (rows["squarespace"]["sites"], rows["squarespace"]["toggle_on"]) == (2, 1)
