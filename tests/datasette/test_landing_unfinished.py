"""While the newest crawl runs, or after it was interrupted, the landing page shows the last
finished crawl's numbers and says which crawl is not counted and how far it came."""

from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector

from crawler.items import SiteDone
from crawler.storage import FetchWriter, finish_crawl, now_iso, open_db, start_crawl
from results.derive import audit_crawl
from tests.datasette.conftest import get, make_datasette
from tests.results.evidence_db import store_crawl

SITES = [("http://anna.example", "blanket_block"), ("http://ben.example", "token_typo")]


def _database(path: Path, status: str) -> Path:
    """Crawl 1 finished and audited; crawl 2 with one of its 3 sites done, in ``status``."""
    db = open_db(path)
    try:
        audit_crawl(db, store_crawl(db, SITES))
        crawl = start_crawl(
            db,
            seeds_source="seeds.csv",
            settings={"OPTOUT_SITES_TOTAL": 3},
            tool_version="test",
            interpreter_version="test",
            registry_version="test",
        )
        writer = FetchWriter(db)
        writer.add_site_done(SiteDone(crawl, SITES[0][0], 0, 0, now_iso()))
        writer.close()
        if status != "running":
            finish_crawl(db, crawl, status, {})  # type: ignore[arg-type]
    finally:
        db.close()
    return path


@pytest.mark.parametrize(
    ("status", "words"), [("running", "is running"), ("interrupted", "was interrupted")]
)
def test_the_landing_page_shows_the_finished_crawl_and_names_the_unfinished_one(
    tmp_path: Path, status: str, words: str
) -> None:
    page = Selector(get(make_datasette(_database(tmp_path / "two.db", status)), "/").text)
    assert " ".join(page.css(".crawl-line::text").getall()).split()[:2] == ["Crawl", "1,"]
    assert page.css('[data-stat="sites"]::text').get() == "2"
    (banner,) = page.css(".crawl-progress")
    assert banner.attrib["data-crawl"] == "2" and banner.attrib["data-status"] == status
    assert banner.css('[data-stat="done"]::text').get() == "1"
    assert banner.css('[data-stat="total"]::text').get() == "3"
    text = " ".join(" ".join(banner.css("::text").getall()).split())
    assert words in text and "not counted" in text and "crawl 1, the last finished" in text


def test_results_an_earlier_version_derived_from_an_interrupted_crawl_are_not_shown(
    tmp_path: Path,
) -> None:
    """A database not migrated yet (served read-only): crawl 2 audited, then found unfinished."""
    path = tmp_path / "old.db"
    db = open_db(path)
    try:
        audit_crawl(db, store_crawl(db, SITES))
        audit_crawl(db, store_crawl(db, SITES[:1]))
        db.execute("update crawls set status = 'interrupted' where id = 2")
        db.conn.commit()
    finally:
        db.close()
    page = Selector(get(make_datasette(path), "/").text)
    assert page.css('[data-stat="sites"]::text').get() == "2"
    assert page.css(".crawl-progress").attrib["data-status"] == "interrupted"


def test_no_banner_when_the_newest_crawl_is_the_one_shown(tmp_path: Path) -> None:
    path = tmp_path / "one.db"
    db = open_db(path)
    try:
        audit_crawl(db, store_crawl(db, SITES))
    finally:
        db.close()
    page = Selector(get(make_datasette(path), "/").text)
    assert page.css('[data-stat="sites"]::text').get() == "2"
    assert not page.css(".crawl-progress")
