"""The store pipeline: switched off without OPTOUT_DB, one crawl run per spider, resumable."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from audits import INTERPRETER_VERSION
from audits.core.agents import load_registry
from crawler.items import FetchRecord, SiteDone, SiteSeen
from crawler.pipelines.store import StorePipeline

ORIGIN = "https://artist.example"


@dataclass(frozen=True)
class SeedFacts:
    """The fields a seed carries into the sites table."""

    origin: str
    name: str
    kind: str
    tags: tuple[str, ...]
    render: bool


def crawler_with(**settings: Any) -> tuple[Crawler, Spider]:
    crawler = get_crawler(settings_dict=settings)
    spider = Spider.from_crawler(crawler, name="optout")
    crawler.spider = spider
    return crawler, spider


def robots_record(crawl_id: int) -> FetchRecord:
    return FetchRecord(
        crawl_id=crawl_id,
        origin=ORIGIN,
        kind="robots",
        requested_url=f"{ORIGIN}/robots.txt",
        status=200,
        headers=[("Content-Type", "text/plain")],
        body=b"User-agent: GPTBot\nDisallow: /\n",
        fetched_at="2025-01-01T00:00:00+00:00",
    )


def run(crawler: Crawler, spider: Spider, reason: str, *, site_done: bool = True) -> int:
    """Open the pipeline, store one site, close with ``reason``; the crawl id."""
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider(spider)
    crawl_id: int = spider.crawl_id  # type: ignore[attr-defined]
    assert pipeline.process_item(robots_record(crawl_id)) is not None
    if site_done:
        pipeline.process_item(SiteDone(crawl_id, ORIGIN, 1, 0, "2025-01-01T00:00:01+00:00"))
    pipeline.close_spider(spider)
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason=reason)
    return crawl_id


def crawl_row(path: Path, crawl_id: int) -> dict[str, Any]:
    db = sqlite_utils.Database(path)
    row = dict(db["crawls"].get(crawl_id))
    db.close()
    return row


def test_pipeline_is_off_without_optout_db() -> None:
    crawler, _ = crawler_with(OPTOUT_DB="")
    with pytest.raises(NotConfigured, match="OPTOUT_DB"):
        StorePipeline.from_crawler(crawler)


def test_a_finished_spider_leaves_a_finished_crawl_with_its_fetches(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    crawler, spider = crawler_with(OPTOUT_DB=str(path), OPTOUT_SEEDS="seeds.csv")
    crawler.stats.set_value("start_time", datetime(2025, 1, 1, tzinfo=UTC))
    crawl_id = run(crawler, spider, "finished")
    row = crawl_row(path, crawl_id)
    assert row["status"] == "finished"
    assert row["seeds_source"] == "seeds.csv"
    assert json.loads(row["stats"])["start_time"] == "2025-01-01T00:00:00+00:00"
    assert (row["interpreter_version"], row["registry_version"]) == (
        INTERPRETER_VERSION,
        load_registry().version,
    )
    db = sqlite_utils.Database(path)
    assert [f["requested_url"] for f in db["fetches"].rows] == [f"{ORIGIN}/robots.txt"]
    assert db["site_status"].count == 1
    db.close()


def test_crawl_records_the_settings_that_shape_it(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    crawler, spider = crawler_with(
        OPTOUT_DB=str(path), OPTOUT_PAGE_SAMPLE=7, CONCURRENT_REQUESTS_PER_DOMAIN=1
    )
    settings = json.loads(crawl_row(path, run(crawler, spider, "finished"))["settings"])
    assert settings["OPTOUT_PAGE_SAMPLE"] == 7
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert {"DOWNLOAD_DELAY", "USER_AGENT", "AUTOTHROTTLE_ENABLED"} <= set(settings)
    assert "TELNETCONSOLE_ENABLED" not in settings


def test_a_shutdown_marks_the_crawl_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    crawler, spider = crawler_with(OPTOUT_DB=str(path))
    crawl_id = run(crawler, spider, "shutdown")
    assert crawl_row(path, crawl_id)["status"] == "interrupted"


def test_resume_reopens_the_interrupted_crawl_and_skips_done_sites(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    first = run(*crawler_with(OPTOUT_DB=str(path)), "shutdown")
    crawler, spider = crawler_with(OPTOUT_DB=str(path), OPTOUT_RESUME=True)
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider(spider)
    assert spider.crawl_id == first  # type: ignore[attr-defined]
    assert spider.done_origins == {ORIGIN}  # type: ignore[attr-defined]
    assert crawl_row(path, first)["resumed_count"] == 1
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")


def test_without_resume_a_new_crawl_starts(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    first = run(*crawler_with(OPTOUT_DB=str(path)), "shutdown")
    second = run(*crawler_with(OPTOUT_DB=str(path)), "finished")
    assert second != first
    assert crawl_row(path, first)["status"] == "interrupted"


def test_other_items_pass_through_unchanged(tmp_path: Path) -> None:
    crawler, spider = crawler_with(OPTOUT_DB=str(tmp_path / "evidence.db"))
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider(spider)
    item = {"note": "not evidence"}
    assert pipeline.process_item(item, spider) is item
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")


def test_a_seen_seed_fills_its_sites_row(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    crawler, spider = crawler_with(OPTOUT_DB=str(path))
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider(spider)
    seed = SeedFacts(ORIGIN, "An Artist", "artist", ("painting",), False)
    pipeline.process_item(SiteSeen(spider.crawl_id, seed))  # type: ignore[attr-defined,arg-type]
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
    db = sqlite_utils.Database(path)
    site = db["sites"].get(ORIGIN)
    db.close()
    assert (site["name"], site["kind"], site["tags"], site["render"]) == (
        "An Artist",
        "artist",
        '["painting"]',
        0,
    )
