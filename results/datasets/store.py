"""The dataset-check tables in the evidence database: created with the first check.

They are their own sqlite-utils migration set (``optout-datasets``), applied on top of the
evidence database's own migrations by :func:`open_datasets_db`, so a database never checked
against a dataset is exactly as it was.

``dataset_checks`` holds one row per check (the files with their row counts and errors as
JSON), ``dataset_site_counts`` every match counted per shard and site (the counts are never
capped), and ``dataset_matches`` the matching rows themselves, at most ``cap`` per site and
check (the check row records the cap, so a reader knows the rows may be a sample).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

import sqlite_utils
from sqlite_utils import Migrations

from crawler.storage import open_db, unusable_db

dataset_migrations: Final = Migrations("optout-datasets")

SCHEMA_DATASETS: Final = (
    """CREATE TABLE dataset_checks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        files TEXT NOT NULL,
        file_count INTEGER NOT NULL,
        errors INTEGER NOT NULL DEFAULT 0,
        rows_scanned INTEGER NOT NULL DEFAULT 0,
        url_matches INTEGER NOT NULL DEFAULT 0,
        origin_matches INTEGER NOT NULL DEFAULT 0,
        sites INTEGER NOT NULL,
        site_urls INTEGER NOT NULL,
        cap INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        seconds REAL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
        tool_version TEXT
    )""",
    """CREATE TABLE dataset_site_counts (
        check_id INTEGER NOT NULL REFERENCES dataset_checks(id),
        file_index INTEGER NOT NULL,
        dataset TEXT NOT NULL,
        shard TEXT NOT NULL,
        origin TEXT NOT NULL REFERENCES sites(origin),
        url_matches INTEGER NOT NULL,
        origin_matches INTEGER NOT NULL,
        stored INTEGER NOT NULL,
        PRIMARY KEY (check_id, file_index, origin)
    )""",
    """CREATE TABLE dataset_matches (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES dataset_checks(id),
        dataset TEXT NOT NULL,
        shard TEXT NOT NULL,
        origin TEXT NOT NULL REFERENCES sites(origin),
        dataset_url TEXT NOT NULL,
        matched_url TEXT,
        match_kind TEXT NOT NULL CHECK (match_kind IN ('url', 'origin')),
        caption TEXT
    )""",
    "CREATE INDEX dataset_matches_check_origin ON dataset_matches (check_id, origin)",
    "CREATE INDEX dataset_site_counts_origin ON dataset_site_counts (origin)",
)


@dataset_migrations()
def m001_dataset_checks(db: sqlite_utils.Database) -> None:
    """dataset_checks, dataset_site_counts, dataset_matches."""
    for statement in SCHEMA_DATASETS:
        db.execute(statement)


def open_datasets_db(path: str | Path) -> sqlite_utils.Database:
    """The evidence database with the dataset-check tables; StorageError, before anything is
    written, for a file another program made."""
    db = open_db(path)
    try:
        dataset_migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise unusable_db(path, exc) from exc
    return db
