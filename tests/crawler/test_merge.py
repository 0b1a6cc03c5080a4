"""``crawler.merge`` and ``optout merge`` on real shard files written by the storage layer."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.items import FetchRecord, SiteDone
from crawler.merge import MergeError, merge_shards
from crawler.storage import FetchWriter, open_db, start_crawl
from optout_cli.main import cli

TOKEN = "feedc0ffee"
SHARED_BODY = b"User-agent: *\nDisallow:\n"


def _shard(
    path: Path,
    worker: str,
    origins: list[str],
    *,
    crawl_id: int = 3,
    token: str = TOKEN,
    status: str = "finished",
) -> Path:
    """A worker's shard: each origin with a robots.txt (the same body) and a home page."""
    db = open_db(path)
    start_crawl(
        db,
        seeds_source="redis:optout",
        settings={"OPTOUT_CRAWL_TOKEN": token, "OPTOUT_WORKER": worker},
        tool_version="test",
        interpreter_version="test",
        registry_version="test",
        crawl_id=crawl_id,
    )
    writer = FetchWriter(db)
    for origin in origins:
        writer.add_site({"origin": origin, "name": origin.split("//")[1]}, crawl_id)
        for kind, url, body in (
            ("robots", f"{origin}/robots.txt", SHARED_BODY),
            ("home", f"{origin}/", f"<title>{origin}</title>".encode()),
        ):
            writer.add_fetch(FetchRecord(crawl_id, origin, kind, url, status=200, body=body))
        writer.add_site_done(SiteDone(crawl_id, origin, 2, 0, "2025-01-01T00:00:01+00:00"))
    writer.close()
    stats = json.dumps({"item_scraped_count": 3 * len(origins), "start_time": "2025-01-01"})
    db.execute(
        "UPDATE crawls SET status = ?, finished_at = '2025-01-01T01:00:00', stats = ?",
        [status, stats],
    )
    db.close()
    return path


def _one(db: Path, sql: str) -> tuple[object, ...]:
    with sqlite3.connect(db) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


@pytest.fixture
def shards(tmp_path: Path) -> list[Path]:
    return [
        _shard(tmp_path / "a.db", "worker-a", ["http://a.example", "http://b.example"]),
        _shard(tmp_path / "b.db", "worker-b", ["http://c.example"]),
    ]


def test_shards_merge_into_one_crawl_with_combined_stats(
    tmp_path: Path, shards: list[Path]
) -> None:
    main = tmp_path / "main.db"
    results = merge_shards(main, shards)

    assert [(r.worker, r.sites_done, r.fetches) for r in results] == [
        ("worker-a", 2, 4),
        ("worker-b", 1, 2),
    ]
    assert _one(main, "select count(*), count(distinct origin) from site_status") == (3, 3)
    assert _one(main, "select count(*) from fetches") == (6,)
    # One robots.txt body shared by three sites is stored once.
    assert _one(main, "select count(*) from bodies") == (4,)
    crawl_id, status, stats = _one(main, "select id, status, stats from crawls")
    assert (crawl_id, status) == (3, "finished")
    combined = json.loads(str(stats))
    assert combined["item_scraped_count"] == 9
    assert set(combined["optout/shards"]) == {"worker-a", "worker-b"}
    assert _one(main, "select first_crawl_id, last_crawl_id from sites limit 1") == (3, 3)
    settings = json.loads(str(_one(main, "select settings from crawls")[0]))
    assert settings["OPTOUT_CRAWL_TOKEN"] == TOKEN
    assert "OPTOUT_WORKER" not in settings  # a worker's name is kept with its own stats


def test_merging_again_adds_nothing(tmp_path: Path, shards: list[Path]) -> None:
    main = tmp_path / "main.db"
    merge_shards(main, shards)
    before = _one(main, "select (select count(*) from fetches), (select count(*) from bodies)")
    again = merge_shards(main, shards)
    assert [r.fetches for r in again] == [0, 0]
    after = _one(main, "select (select count(*) from fetches), (select count(*) from bodies)")
    assert after == before
    stats = json.loads(str(_one(main, "select stats from crawls")[0]))
    assert stats["item_scraped_count"] == 9  # not counted twice


def test_a_worker_that_did_not_finish_leaves_the_crawl_interrupted(tmp_path: Path) -> None:
    main = tmp_path / "main.db"
    merge_shards(main, [_shard(tmp_path / "a.db", "a", ["http://a.example"])])
    killed = _shard(tmp_path / "b.db", "b", ["http://b.example"], status="running")
    merge_shards(main, [killed])
    assert _one(main, "select status, finished_at from crawls") == ("interrupted", None)


def test_a_shard_of_another_crawl_id_is_refused(tmp_path: Path, shards: list[Path]) -> None:
    other = _shard(tmp_path / "other.db", "c", ["http://d.example"], crawl_id=4)
    main = tmp_path / "main.db"
    with pytest.raises(MergeError, match="holds crawl 4, not crawl 3"):
        merge_shards(main, [*shards, other])
    # The shards before it are merged; the refused one left nothing.
    assert _one(main, "select count(distinct origin) from fetches") == (3,)


def test_a_shard_of_another_database_s_crawl_is_refused(tmp_path: Path, shards: list[Path]) -> None:
    main = tmp_path / "main.db"
    merge_shards(main, shards)
    stranger = _shard(tmp_path / "s.db", "s", ["http://e.example"], token="0ther")
    with pytest.raises(MergeError, match="another crawl numbered 3"):
        merge_shards(main, [stranger])


def test_a_shard_with_another_schema_is_refused(tmp_path: Path, shards: list[Path]) -> None:
    with sqlite3.connect(shards[1]) as conn:
        conn.execute("ALTER TABLE fetches ADD COLUMN colour TEXT")
    main = tmp_path / "main.db"
    with pytest.raises(MergeError, match=r"schema mismatch in table 'fetches'.*colour"):
        merge_shards(main, [shards[1]])


def test_a_file_that_is_not_a_shard_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database at all, just some words" * 100)
    with pytest.raises(MergeError, match="not an SQLite database|not an optout shard"):
        merge_shards(tmp_path / "main.db", [notes])


def test_optout_merge_reports_each_shard_and_errors_clearly(
    tmp_path: Path, shards: list[Path]
) -> None:
    runner = CliRunner()
    main = tmp_path / "main.db"
    result = runner.invoke(cli, ["merge", *map(str, shards), "--db", str(main)])
    assert result.exit_code == 0, result.output
    assert "worker-a" in result.output and "2 sites done" in result.output
    other = _shard(tmp_path / "other.db", "c", ["http://d.example"], crawl_id=9)
    result = runner.invoke(cli, ["merge", str(other), "--db", str(main), "--crawl", "3"])
    assert result.exit_code == 1
    assert "holds crawl 9, not crawl 3" in result.output


@pytest.mark.parametrize("columns", [None, "40"], ids=["COLUMNS-unset", "COLUMNS-40"])
def test_optout_merge_prints_a_long_shard_path_whole_on_one_line(
    tmp_path: Path, columns: str | None
) -> None:
    folder = tmp_path / ("long-folder-name-" * 9)
    folder.mkdir()
    shard = _shard(folder / "worker-with-a-long-name.db", "worker-a", ["http://a.example"])
    assert len(str(shard)) > 150
    result = CliRunner().invoke(
        cli, ["merge", str(shard), "--db", str(tmp_path / "main.db")], env={"COLUMNS": columns}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if str(shard) in line], result.output
    assert "\x1b[" not in result.output, "coloured output to a non-terminal"
