"""A real audited database with two crawls and a change, and Datasette over it, in-process.

The sample web is crawled once per session (crawl 1). Crawl 2 replays crawl 1's stored fetches
through ``FetchWriter`` with one edit: artist-anna.example's robots.txt spells ``GPTBot``
correctly, so the audit of crawl 2 finds a change (GPTBot newly blocked, a typo finding gone).
Replaying instead of crawling again keeps the session fast and the change certain.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from datasette.app import Datasette

from audits import INTERPRETER_VERSION
from crawler.items import FetchRecord, SiteDone
from crawler.storage import FetchWriter, finish_crawl, now_iso, open_db, start_crawl
from results.derive import audit_crawl
from results.serve import datasette_dir
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401
from tests.results.probe_db import build_probed_db

EDITED_ORIGIN = "http://artist-anna.example"
DB_NAME = "audit"


def _replay_with_edit(db_path: Path) -> int:
    """Crawl 2: every fetch of crawl 1 again, artist-anna's robots.txt with GPTBot spelt right."""
    db = open_db(db_path)
    try:
        crawl_id = start_crawl(
            db,
            seeds_source="tests: crawl 1 replayed with an edited robots.txt",
            settings={},
            tool_version=INTERPRETER_VERSION,
            interpreter_version=INTERPRETER_VERSION,
            registry_version="tests",
        )
        writer = FetchWriter(db)
        # Read in full first: a pending SELECT on the connection would lock the writes.
        rows = list(
            db.query(
                "select f.*, b.body from fetches f left join bodies b"
                " on b.sha256 = f.body_sha256 where f.crawl_id = 1 order by f.id"
            )
        )
        counts: dict[str, int] = {}
        for row in rows:
            body = row["body"]
            if row["origin"] == EDITED_ORIGIN and row["kind"] == "robots":
                body = body.replace(b"User-agent: GPT-Bot", b"User-agent: GPTBot")
            writer.add_fetch(
                FetchRecord(
                    crawl_id=crawl_id,
                    origin=row["origin"],
                    kind=row["kind"],
                    requested_url=row["requested_url"],
                    final_url=row["final_url"],
                    redirect_chain=json.loads(row["redirect_chain"] or "[]"),
                    status=row["status"],
                    headers=[tuple(h) for h in json.loads(row["headers"] or "[]")],
                    body=body,
                    body_length=len(body) if body is not None else None,
                    truncated=bool(row["truncated"]),
                    error_class=row["error_class"],
                    error_message=row["error_message"],
                    elapsed_ms=row["elapsed_ms"],
                    fetched_at=now_iso(),
                    rendered=bool(row["rendered"]),
                    skipped=row["skipped"],
                    bot_wall=row["bot_wall"],
                    parent_url=row["parent_url"],
                )
            )
            counts[row["origin"]] = counts.get(row["origin"], 0) + 1
        for origin, fetches in counts.items():
            writer.add_site_done(SiteDone(crawl_id, origin, fetches, 0, now_iso()))
        writer.close()
        finish_crawl(db, crawl_id, "finished", {})
        audit_crawl(db, crawl_id)
    finally:
        db.close()
    return crawl_id


@pytest.fixture(scope="session")
def audited_db(tmp_path_factory: pytest.TempPathFactory, sample_web: Any) -> Path:  # noqa: F811
    """An evidence database with crawl 1 (the sample web) and crawl 2 (one edit), both audited."""
    db_path = tmp_path_factory.mktemp("datasette") / f"{DB_NAME}.db"
    run_crawl(SAMPLE_SEEDS, db_path, sample_web, "--allow-private")
    _replay_with_edit(db_path)
    return db_path


def make_datasette(db_path: Path, **settings: Any) -> Datasette:
    """Datasette as ``optout serve`` configures it, in-process: read-only, our metadata."""
    folder = datasette_dir()
    return Datasette(
        [str(db_path)],
        settings=settings or None,
        metadata=yaml.safe_load((folder / "metadata.yml").read_text(encoding="utf-8")),
        plugins_dir=str(folder / "plugins"),
        template_dir=str(folder / "templates"),
        static_mounts=[("assets", str(folder / "static"))],
    )


@pytest.fixture(scope="session")
def ds(audited_db: Path) -> Iterator[Datasette]:
    yield make_datasette(audited_db)


@pytest.fixture(scope="session")
def probed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two audited crawls with probes (tests/results/probe_db.py): an edge that refuses,
    charges and serves AI agents, a robots.txt block the edge does not enforce, an edge block
    appearing and disappearing between the crawls, and a site probed in crawl 2 only."""
    return build_probed_db(tmp_path_factory.mktemp("datasette-probes") / f"{DB_NAME}.db")


@pytest.fixture(scope="session")
def probed_ds(probed_db: Path) -> Iterator[Datasette]:
    yield make_datasette(probed_db)


def get(ds: Datasette, path: str) -> httpx.Response:
    """GET a path from the in-process Datasette."""
    return asyncio.run(ds.client.get(path))


def sql_value(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """One value computed straight from the database file, to check pages against."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def canned_queries() -> dict[str, dict[str, Any]]:
    """The canned queries of metadata.yml."""
    metadata = yaml.safe_load((datasette_dir() / "metadata.yml").read_text(encoding="utf-8"))
    return dict(metadata["databases"]["optout"]["queries"])
