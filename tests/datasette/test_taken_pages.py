"""Already taken? (issue 17) in Datasette: the per-site section with a site's Common Crawl
captures and its matches in training-set URL lists, the canned query ``in_datasets`` and the
five tables, over a real database: three sample sites crawled and audited, a dataset shard
written by DuckDB and checked by ``optout datasets check``'s library, and captures stored by
the captures store's own functions (the real index is covered by
tests/results/test_captures_e2e.py).

artist-anna blocks CCBot (its audit is dated 2026-09-10): two captures before that audit
(unknown), three after (after the block, one of them robots.txt itself) and a crawl whose
query failed. plain-sam lets CCBot in: its captures are no-block. photo-marta has neither
captures nor matches, so its page has no section. The shard lists anna's and sam's real URLs,
and a row planting ``<script>`` in both its URL and its caption.
"""

# ruff: noqa: F811 - the fixtures imported from taken_fixtures are the tests' parameters
from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from parsel import Selector, SelectorList

from results.datasets.check import check_dataset
from tests.datasette.conftest import DB_NAME, get, make_datasette
from tests.datasette.log_fixtures import no_logs_db, no_logs_ds  # noqa: F401
from tests.datasette.taken_fixtures import (  # noqa: F401
    ANNA,
    DATASET,
    MARTA,
    PLANTED_CAPTION,
    PLANTED_URL,
    SAM,
    TAKEN_TABLES,
    _crawled,
    _shard,
    sample_web,
    taken_db,
    taken_ds,
)
from tests.results.log_db import ANNA as UNCHECKED_SITE


def page(ds: Datasette, path: str) -> Selector:
    response = get(ds, path)
    assert response.status_code == 200, response.text[:500]
    return Selector(response.text)


def site_page(ds: Datasette, origin: str) -> Selector:
    return page(ds, f"/-/site?origin={quote(origin, safe='')}")


def text(selector: Selector | SelectorList[Selector]) -> str:
    return " ".join("".join(selector.css("::text").getall()).split())


def test_captures_are_counted_per_crawl_by_class(taken_ds: Datasette) -> None:
    html = site_page(taken_ds, ANNA)
    assert html.css("h2#taken::text").get() == "Already taken?"
    section = html.css("section.taken-captures")
    assert section.css("p.first-block::attr(data-first-block)").get() == "2026-09-10"
    rows = section.css("table.captures tr.capture-crawl")
    assert rows.css("::attr(data-crawl)").getall() == [
        "CC-MAIN-2026-42",
        "CC-MAIN-2026-39",
        "CC-MAIN-2026-35",
    ]
    counts = {
        row.attrib["data-crawl"]: {
            column: text(row.css(f'td[data-column="{column}"]'))
            for column in (
                "captures",
                "before-block",
                "after-block",
                "no-block",
                "unknown",
                "not-taken",
            )  # fmt: skip
        }
        for row in rows
        if "capture-error" not in row.attrib["class"]
    }
    assert counts == {
        "CC-MAIN-2026-42": {"captures": "4", "before-block": "0", "after-block": "3",
                            "no-block": "0", "unknown": "0", "not-taken": "1"},
        "CC-MAIN-2026-35": {"captures": "2", "before-block": "0", "after-block": "0",
                            "no-block": "0", "unknown": "2", "not-taken": "0"},
    }  # fmt: skip


def test_a_failed_index_query_is_shown_as_an_error(taken_ds: Datasette) -> None:
    html = site_page(taken_ds, ANNA)
    failed = html.css('tr.capture-crawl[data-crawl="CC-MAIN-2026-39"]')
    assert "capture-error" in failed.attrib["class"]
    assert text(failed.css('td[data-column="captures"]')) == "–"
    status = text(failed.css('td[data-column="status"]'))
    assert status.startswith("not answered: the index answered 503")


def test_capture_findings_are_in_words(taken_ds: Datasette) -> None:
    html = site_page(taken_ds, ANNA)
    codes = html.css("ul.capture-findings li::attr(data-code)").getall()
    assert "cc-captured-after-block" in codes
    assert "cc-captured-robots-txt" in codes
    warning = html.css('ul.capture-findings li[data-code="cc-captured-after-block"]')
    assert "finding-warning" in warning.attrib["class"]
    assert "CCBot" in text(warning)


def test_a_site_that_never_blocked_ccbot_has_no_block_captures(taken_ds: Datasette) -> None:
    html = site_page(taken_ds, SAM)
    assert text(html.css("p.first-block")) == "No audited crawl saw this site block CCBot."
    row = html.css('tr.capture-crawl[data-crawl="CC-MAIN-2026-42"]')
    assert text(row.css('td[data-column="no-block"]')) == "2"
    assert text(row.css('td[data-column="after-block"]')) == "0"


def test_dataset_matches_are_shown_per_shard_with_examples(
    taken_ds: Datasette, taken_db: Path
) -> None:
    html = site_page(taken_ds, ANNA)
    [row] = html.css("section.taken-datasets tr.dataset-match")
    assert row.attrib["data-dataset"] == DATASET
    assert row.attrib["data-shard"] == f"{DATASET}-00000.parquet"
    assert text(row.css('td[data-column="url-matches"]')) == "2"
    assert text(row.css('td[data-column="origin-matches"]')) == "1"
    examples = row.css("li.dataset-example")
    assert examples.css("::attr(data-kind)").getall() == ["url", "url", "origin"]
    image = _crawled(taken_db, ANNA, "image")
    assert image in examples.css("code.matched-url::text").getall()
    assert "an illustration by anna" in examples.css("q.caption::text").getall()
    link = row.css("a::attr(href)").get() or ""
    assert link.startswith(f"/{DB_NAME}/dataset_matches?origin=")
    assert "strong evidence" in text(html.css("section.taken-datasets p.hint"))


def test_dataset_text_is_escaped_and_never_a_link(taken_ds: Datasette) -> None:
    response = get(taken_ds, f"/-/site?origin={quote(ANNA, safe='')}")
    assert "<script>alert(" not in response.text
    assert "&lt;script&gt;alert(&#34;caption&#34;)&lt;/script&gt;" in response.text
    html = Selector(response.text)
    planted = html.css('li.dataset-example[data-kind="origin"]')
    assert planted.css("code.dataset-url::text").get() == PLANTED_URL
    assert planted.css("q.caption::text").get() == PLANTED_CAPTION
    section = html.css("h2#taken ~ section")
    hrefs = section.css("a::attr(href)").getall()
    assert hrefs and all(h.startswith("/") for h in hrefs)


def test_a_site_with_neither_has_no_section(taken_ds: Datasette) -> None:
    html = site_page(taken_ds, MARTA)
    assert html.css("h2#taken") == []
    assert "Already taken?" not in html.get()


def test_a_database_where_neither_ran_renders_as_before(no_logs_ds: Datasette) -> None:  # noqa: F811
    html = site_page(no_logs_ds, UNCHECKED_SITE)
    assert html.css("h1.site-name")
    assert "Already taken?" not in html.get()


def test_in_datasets_lists_the_sites(taken_ds: Datasette) -> None:
    response = get(taken_ds, f"/{DB_NAME}/in_datasets.json?_shape=objects")
    assert response.status_code == 200, response.text[:500]
    rows = {(r["origin"], r["dataset"]): r for r in response.json()["rows"]}
    assert set(rows) == {(ANNA, DATASET), (SAM, DATASET)}
    assert (rows[ANNA, DATASET]["url_matches"], rows[ANNA, DATASET]["origin_matches"]) == (2, 1)
    assert (rows[SAM, DATASET]["url_matches"], rows[SAM, DATASET]["origin_matches"]) == (1, 0)
    assert rows[ANNA, DATASET]["shards"] == 1


def test_in_datasets_counts_the_newest_check_only(taken_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / f"{DB_NAME}.db"
    with sqlite3.connect(taken_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    shard = _shard(tmp_path / f"{DATASET}-00000.parquet", [(f"{SAM}/gone.jpg", None)])
    check_dataset(copy, [str(shard)], name=DATASET)
    response = get(make_datasette(copy), f"/{DB_NAME}/in_datasets.json?_shape=objects")
    rows = response.json()["rows"]
    assert [(r["origin"], r["url_matches"], r["origin_matches"]) for r in rows] == [(SAM, 0, 1)]


def test_in_datasets_is_empty_where_no_dataset_was_checked(no_logs_ds: Datasette) -> None:  # noqa: F811
    response = get(no_logs_ds, f"/{DB_NAME}/in_datasets.json?_shape=objects")
    assert response.status_code == 200, response.text[:500]
    assert response.json()["rows"] == []
    html = get(no_logs_ds, f"/{DB_NAME}/in_datasets")
    assert "No dataset has been checked" in html.text


@pytest.mark.parametrize("table", TAKEN_TABLES)
def test_the_tables_render_with_their_description(taken_ds: Datasette, table: str) -> None:
    html = page(taken_ds, f"/{DB_NAME}/{table}?_size=5")
    description = taken_ds.metadata("description", database=DB_NAME, table=table)
    assert description
    assert description[:40] in text(html)
    columns = taken_ds.metadata("columns", database=DB_NAME, table=table)
    with sqlite3.connect(f"file:{taken_ds.databases[DB_NAME].path}?mode=ro", uri=True) as conn:
        stored = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    assert set(stored) - {"tool_version"} <= set(columns)
