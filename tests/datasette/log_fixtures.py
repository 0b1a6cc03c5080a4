"""Datasette over a real audited database with an access log ingested (tests/results/log_db.py),
and over the same database without one; shared by the log section's tests and the canned
query tests (import the fixtures where they are used)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from datasette.app import Datasette

from results.logs.ingest import ingest
from tests.datasette.conftest import DB_NAME, make_datasette
from tests.results.log_db import ANNA, TEST_RANGES, build_crawled_db, write_log


@pytest.fixture(scope="session")
def logs_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both sites crawled and audited, and the log of tests/results/log_db.py ingested."""
    folder = tmp_path_factory.mktemp("datasette-logs")
    db = build_crawled_db(folder / f"{DB_NAME}.db")
    ingest([str(write_log(folder / "access.log.gz", compression="gzip"))], db, site=ANNA,
           ranges=TEST_RANGES)  # fmt: skip
    return db


@pytest.fixture(scope="session")
def logs_ds(logs_db: Path) -> Iterator[Datasette]:
    yield make_datasette(logs_db)


@pytest.fixture(scope="session")
def no_logs_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same crawl, no log ever ingested: no log table at all."""
    return build_crawled_db(tmp_path_factory.mktemp("datasette-no-logs") / f"{DB_NAME}.db")


@pytest.fixture(scope="session")
def no_logs_ds(no_logs_db: Path) -> Iterator[Datasette]:
    yield make_datasette(no_logs_db)
