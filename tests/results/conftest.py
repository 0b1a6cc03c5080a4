"""A real crawl of the whole sample web, shared by the export tests of this folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401


@pytest.fixture(scope="session")
def sample_db(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Path:
    """The sample web crawled (and audited at the end of the crawl) once per session."""
    db = tmp_path_factory.mktemp("export-sample") / "sample.db"
    run_crawl(SAMPLE_SEEDS, db, sample_web, "-s", "OPTOUT_RETRY_MAX_DELAY=0.5")
    return db
