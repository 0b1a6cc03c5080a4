"""The evidence database: schema and migrations, crawl runs, batched writes, reading back."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from crawler.items import FetchRecord, SiteDone
from crawler.storage import (
    FetchWriter,
    StorageError,
    done_origins,
    finish_crawl,
    iter_site_evidence,
    open_db,
    resume_crawl,
    start_crawl,
    upsert_site,
)

ORIGIN = "https://artist.example"
OTHER = "https://painter.example"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.db"


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = open_db(db_path)
    yield database
    database.close()


def new_crawl(db: sqlite_utils.Database) -> int:
    return start_crawl(
        db,
        seeds_source="seeds.csv",
        settings={"OPTOUT_PAGE_SAMPLE": 4},
        tool_version="0.1.0",
        interpreter_version="0.1.0",
        registry_version="2025.01.01-1",
    )


def record(crawl_id: int, origin: str = ORIGIN, **fields: object) -> FetchRecord:
    base = FetchRecord(
        crawl_id=crawl_id,
        origin=origin,
        kind="robots",
        requested_url=f"{origin}/robots.txt",
        final_url=f"{origin}/robots.txt",
        status=200,
        headers=[("Content-Type", "text/plain")],
        body=b"User-agent: *\nDisallow:\n",
        fetched_at="2025-01-01T00:00:00+00:00",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def site_done(crawl_id: int, origin: str = ORIGIN, fetches: int = 1) -> SiteDone:
    return SiteDone(crawl_id, origin, fetches, 0, "2025-01-01T00:00:01+00:00")


def reader(path: Path) -> sqlite3.Connection:
    """A second connection, as Datasette would hold, that gives up quickly on a lock."""
    return sqlite3.connect(path, timeout=0.2)


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_opening_twice_applies_migrations_once(db_path: Path) -> None:
    open_db(db_path).close()
    db = open_db(db_path)
    applied = list(db.query("SELECT name FROM _sqlite_migrations"))
    assert applied == [
        {"name": "m001_raw_evidence"},
        {"name": "m002_derived"},
        {"name": "m003_webhook_deliveries"},
        {"name": "m004_platform_sampling"},
        {"name": "m005_platforms_images"},
        {"name": "m006_scale_indexes"},
        {"name": "m007_latest_sites_table"},
        {"name": "m008_unfinished_crawls_unaudited"},
        {"name": "m009_fetch_agent"},
        {"name": "m010_probe_tables"},
        {"name": "m011_words"},
        {"name": "m012_page_rollups"},
    ]
    assert {"crawls", "sites", "site_status", "bodies", "fetches"} <= set(db.table_names())
    db.close()


def test_database_is_in_wal_mode_for_every_connection(db: sqlite_utils.Database, db_path: Path):
    assert db.journal_mode == "wal"
    assert reader(db_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_sqlite_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the bytes of a database\n" * 20)
    with pytest.raises(StorageError, match="notes.db"):
        open_db(path)


def test_fetches_declare_their_foreign_keys(db: sqlite_utils.Database) -> None:
    targets = {(fk.column, fk.other_table) for fk in db["fetches"].foreign_keys}
    assert targets == {("crawl_id", "crawls"), ("origin", "sites"), ("body_sha256", "bodies")}


def test_crawl_lifecycle_records_status_times_and_stats(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    assert db["crawls"].get(crawl_id)["status"] == "running"
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id))
    writer.close()
    started = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    finish_crawl(db, crawl_id, "finished", {"item_scraped_count": 1, "start_time": started})
    row = db["crawls"].get(crawl_id)
    assert row["status"] == "finished"
    assert row["finished_at"] >= row["started_at"]
    assert json.loads(row["stats"]) == {
        "item_scraped_count": 1,
        "start_time": "2025-01-01T12:00:00+00:00",
    }
    assert json.loads(row["settings"]) == {"OPTOUT_PAGE_SAMPLE": 4}
    assert row["registry_version"] == "2025.01.01-1"


def test_finishing_with_an_unknown_status_is_refused(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    with pytest.raises(ValueError, match="'done'"):
        finish_crawl(db, crawl_id, "done", {})  # type: ignore[arg-type]


def test_finishing_a_crawl_that_does_not_exist_is_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(StorageError, match="no crawl with id 42"):
        finish_crawl(db, 42, "finished", {})


def test_resume_picks_the_interrupted_crawl_not_a_finished_one(db: sqlite_utils.Database):
    interrupted = new_crawl(db)
    finish_crawl(db, interrupted, "interrupted", {})
    finished = new_crawl(db)
    finish_crawl(db, finished, "finished", {})
    assert resume_crawl(db) == interrupted
    row = db["crawls"].get(interrupted)
    assert (row["status"], row["resumed_count"], row["finished_at"]) == ("running", 1, None)


def test_resume_finds_nothing_when_every_crawl_finished(db: sqlite_utils.Database) -> None:
    finish_crawl(db, new_crawl(db), "finished", {})
    finish_crawl(db, new_crawl(db), "failed", {})
    assert resume_crawl(db) is None


def test_resume_counts_every_resumption(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    resume_crawl(db)
    resume_crawl(db)
    assert db["crawls"].get(crawl_id)["resumed_count"] == 2


def test_writing_the_same_fetch_twice_keeps_the_first(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id, status=200))
    writer.flush()
    writer.add_fetch(record(crawl_id, status=503))
    writer.flush()
    assert [row["status"] for row in db["fetches"].rows] == [200]


def test_raw_and_rendered_fetches_of_one_url_are_both_kept(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id, kind="home", requested_url=f"{ORIGIN}/"))
    writer.add_fetch(record(crawl_id, kind="home", requested_url=f"{ORIGIN}/", rendered=True))
    writer.close()
    assert db["fetches"].count == 2


def test_identical_bodies_are_stored_once_across_sites(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id, ORIGIN, requested_url=f"{ORIGIN}/robots.txt"))
    writer.flush()
    writer.add_fetch(record(crawl_id, OTHER, requested_url=f"{OTHER}/robots.txt"))
    writer.close()
    assert db["bodies"].count == 1
    assert len({row["body_sha256"] for row in db["fetches"].rows}) == 1


def test_body_hash_is_computed_from_the_stored_bytes(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id, body=b"abc", body_length=10, truncated=True))
    writer.close()
    row = next(db["fetches"].rows)
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert (row["body_sha256"], row["body_length"], row["stored_length"]) == (expected, 10, 3)
    assert db["bodies"].get(expected)["body"] == b"abc"


def test_nothing_is_committed_when_the_writer_dies_before_flushing(db_path: Path) -> None:
    db = open_db(db_path)
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id))
    writer.add_site_done(site_done(crawl_id))
    db.close()  # the process is killed: the buffers are gone
    check = reader(db_path)
    assert (count(check, "fetches"), count(check, "site_status")) == (0, 0)


def test_flush_commits_the_fetches_and_the_site_done_together(db_path: Path) -> None:
    db = open_db(db_path)
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id))
    writer.add_site_done(site_done(crawl_id))
    check = reader(db_path)
    assert (count(check, "fetches"), count(check, "site_status")) == (0, 0)
    writer.flush()
    assert (count(check, "fetches"), count(check, "site_status")) == (1, 1)
    db.close()


def test_site_done_is_never_visible_before_all_its_fetches(db_path: Path) -> None:
    db = open_db(db_path)
    crawl_id = new_crawl(db)
    writer = FetchWriter(db, batch_size=2)
    check = reader(db_path)
    urls = [f"{ORIGIN}/page/{n}" for n in range(5)]
    for url in urls:
        writer.add_fetch(record(crawl_id, kind="page", requested_url=url))
        assert count(check, "site_status") == 0
    writer.add_site_done(site_done(crawl_id, fetches=len(urls)))
    # Either nothing of the completion is visible yet, or every fetch is.
    assert count(check, "site_status") == 0 or count(check, "fetches") == len(urls)
    writer.close()
    assert (count(check, "fetches"), count(check, "site_status")) == (len(urls), 1)
    db.close()


def test_batch_size_triggers_an_automatic_flush(db_path: Path) -> None:
    db = open_db(db_path)
    crawl_id = new_crawl(db)
    writer = FetchWriter(db, batch_size=3)
    check = reader(db_path)
    for n in range(3):
        writer.add_fetch(record(crawl_id, kind="page", requested_url=f"{ORIGIN}/{n}"))
    assert count(check, "fetches") == 3
    assert writer.pending == 0
    db.close()


def test_readers_are_not_blocked_by_an_open_write_transaction(db_path: Path) -> None:
    db = open_db(db_path)
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id))
    writer.flush()
    # EXCLUSIVE locks readers out in rollback-journal mode; in WAL mode they read on.
    db.execute("BEGIN EXCLUSIVE")
    db.execute("UPDATE fetches SET status = 500")
    check = reader(db_path)
    assert check.execute("SELECT status FROM fetches").fetchall() == [(200,)]
    db.execute("COMMIT")
    assert check.execute("SELECT status FROM fetches").fetchall() == [(500,)]
    db.close()


def test_done_origins_lists_only_that_crawls_done_sites(db: sqlite_utils.Database) -> None:
    first, second = new_crawl(db), new_crawl(db)
    writer = FetchWriter(db)
    writer.add_site_done(site_done(first, ORIGIN))
    writer.add_site_done(site_done(second, OTHER))
    writer.close()
    assert done_origins(db, first) == {ORIGIN}
    assert done_origins(db, second) == {OTHER}


def test_writing_a_fetch_registers_its_site(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_fetch(record(crawl_id, OTHER, requested_url=f"{OTHER}/robots.txt"))
    writer.close()
    site = db["sites"].get(OTHER)
    assert (site["first_crawl_id"], site["last_crawl_id"]) == (crawl_id, crawl_id)


def test_upsert_site_keeps_the_first_crawl_and_moves_the_last(db: sqlite_utils.Database):
    first, second = new_crawl(db), new_crawl(db)
    seed = {"origin": ORIGIN, "name": "An Artist", "tags": ["painting", "prints"]}
    upsert_site(db, seed, first)
    upsert_site(db, {**seed, "platform": "wordpress"}, second)
    site = db["sites"].get(ORIGIN)
    assert (site["first_crawl_id"], site["last_crawl_id"]) == (first, second)
    assert (site["name"], site["platform"]) == ("An Artist", "wordpress")
    assert json.loads(site["tags"]) == ["painting", "prints"]


def test_writer_stores_seed_fields_of_a_site(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    writer = FetchWriter(db)
    writer.add_site({"origin": ORIGIN, "kind": "artist", "render": True}, crawl_id)
    writer.close()
    site = db["sites"].get(ORIGIN)
    assert (site["kind"], site["render"], site["first_crawl_id"]) == ("artist", 1, crawl_id)


def test_a_seed_without_origin_is_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(StorageError, match="no origin"):
        upsert_site(db, {"name": "nameless"}, new_crawl(db))


def evidence_of(db: sqlite_utils.Database, crawl_id: int, *records: FetchRecord):
    writer = FetchWriter(db)
    for item in records:
        writer.add_fetch(item)
    writer.close()
    return list(iter_site_evidence(db, crawl_id))


def test_evidence_keeps_header_order_and_repeats(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    headers = [
        ("X-Robots-Tag", "noai"),
        ("Content-Type", "text/html"),
        ("x-robots-tag", "noimageai"),
    ]
    [site] = evidence_of(db, crawl_id, record(crawl_id, kind="home", headers=headers))
    fetch = site.fetches[0]
    assert fetch.headers == tuple(headers)
    assert fetch.header_values("X-Robots-Tag") == ("noai", "noimageai")


def test_evidence_keeps_the_redirect_chain(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    chain = [f"{ORIGIN}/robots.txt", "https://www.artist.example/robots.txt"]
    final = "https://cdn.example/artist/robots.txt"
    [site] = evidence_of(db, crawl_id, record(crawl_id, redirect_chain=chain, final_url=final))
    fetch = site.first("robots")
    assert fetch is not None
    assert (fetch.redirects, fetch.final_url) == (tuple(chain), final)
    assert fetch.fetch_id == str(next(db["fetches"].rows)["id"])


def test_evidence_attaches_the_rendered_body_to_the_raw_page(db: sqlite_utils.Database):
    crawl_id = new_crawl(db)
    url = f"{ORIGIN}/gallery"
    raw = record(crawl_id, kind="page", requested_url=url, body=b"<html></html>")
    rendered = replace(raw, rendered=True, body=b'<html><meta name="robots" content="noai">')
    [site] = evidence_of(db, crawl_id, raw, rendered)
    [page] = site.fetches
    assert (page.body, page.rendered_body) == (raw.body, rendered.body)


def test_evidence_keeps_a_page_only_fetched_rendered(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    page = record(crawl_id, kind="page", requested_url=f"{ORIGIN}/app", rendered=True)
    [site] = evidence_of(db, crawl_id, page)
    assert (site.fetches[0].body, site.fetches[0].rendered_body) == (page.body, page.body)


def test_evidence_keeps_skipped_records(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    skipped = record(
        crawl_id,
        kind="page",
        requested_url=f"{ORIGIN}/private",
        status=None,
        headers=[],
        body=None,
        final_url=None,
        skipped="robots-disallowed",
    )
    [site] = evidence_of(db, crawl_id, skipped)
    fetch = site.fetches[0]
    assert (fetch.skipped, fetch.status, fetch.body, fetch.headers) == (
        "robots-disallowed",
        None,
        None,
        (),
    )


def test_evidence_keeps_network_errors(db: sqlite_utils.Database) -> None:
    crawl_id = new_crawl(db)
    failed = record(crawl_id, status=None, headers=[], body=None, error_class="timeout")
    [site] = evidence_of(db, crawl_id, failed)
    assert (site.fetches[0].error, site.fetches[0].body) == ("timeout", None)


def test_evidence_comes_origin_by_origin_for_one_crawl(db: sqlite_utils.Database) -> None:
    crawl_id, later = new_crawl(db), new_crawl(db)
    records = [
        record(crawl_id, OTHER, requested_url=f"{OTHER}/robots.txt"),
        record(crawl_id, ORIGIN, requested_url=f"{ORIGIN}/robots.txt"),
        record(crawl_id, OTHER, kind="home", requested_url=f"{OTHER}/"),
        record(later, ORIGIN, requested_url=f"{ORIGIN}/robots.txt"),
    ]
    sites = evidence_of(db, crawl_id, *records)
    assert [(s.origin, [f.kind for f in s.fetches]) for s in sites] == [
        (ORIGIN, ["robots"]),
        (OTHER, ["robots", "home"]),
    ]
