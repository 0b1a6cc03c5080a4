"""``optout crawl --webhook``: after the audit, one POST to the user's endpoint; a dead endpoint
never fails the crawl. Each crawl runs as a subprocess against the sample web."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from optout_cli.main import cli
from sampleweb.server import SampleWeb
from tests.crawler.conftest import run_crawl, sample_web  # noqa: F401
from tests.webhook_receiver import dead_url, webhook_receiver

SEEDS = (
    "origin,name,kind,platform,country,tags,render,profile_pattern,artwork_pattern\n"
    "http://amara-draws.example,Amara Draws,creator-site,,NG,illustration,false,,\n"
)


def _seeds(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.csv"
    path.write_text(SEEDS, encoding="utf-8")
    return path


def _one(db: Path, sql: str) -> tuple:  # type: ignore[type-arg]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()  # type: ignore[no-any-return]
    finally:
        conn.close()


def test_crawl_posts_the_audit_to_the_webhook(
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "crawl.db"
    with webhook_receiver() as receiver:
        result = run_crawl(
            _seeds(tmp_path), db, sample_web, "--allow-private", "--webhook", receiver.url
        )
    (post,) = receiver.posts
    assert post.document["crawl"]["id"] == 1
    assert post.document["counts"]["sites"] == 1
    assert post.document["changes"] == []
    assert "webhook: delivered" in result.stderr


def test_dead_webhook_leaves_the_crawl_successful_and_records_the_failure(
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "crawl.db"
    url = dead_url()
    result = run_crawl(
        _seeds(tmp_path),
        db,
        sample_web,
        "--allow-private",
        "-s",
        f"OPTOUT_WEBHOOK={url}",
        "-s",
        "OPTOUT_WEBHOOK_BACKOFF=0.01",
    )
    assert "webhook: delivery to" in result.stderr and "failed after 3 attempts" in result.stderr
    status, attempts = _one(db, "select status, attempts from webhook_deliveries")
    assert (status, attempts) == ("failed", 3)
    assert _one(db, "select count(*) from audits where crawl_id = 1") == (1,)


def test_webhook_url_is_not_stored_with_the_crawl_settings(
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "crawl.db"
    with webhook_receiver() as receiver:
        run_crawl(
            _seeds(tmp_path),
            db,
            sample_web,
            "--allow-private",
            "-s",
            f"OPTOUT_WEBHOOK={receiver.url}",
        )
    assert len(receiver.posts) == 1
    (settings,) = _one(db, "select settings from crawls where id = 1")
    assert "s3cret" not in settings and "OPTOUT_WEBHOOK" not in settings


def test_non_http_webhook_is_refused_before_crawling(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    result = CliRunner().invoke(
        cli, ["crawl", str(_seeds(tmp_path)), "--db", str(db), "--webhook", "ftp://x.example/h"]
    )
    assert result.exit_code == 2
    assert "http:// or https://" in result.output
    assert _one(db, "select count(*) from crawls") == (0,)
