"""Every command that takes ``--db`` refuses a file optout did not make, before writing
anything: one line, a non-zero exit, the file byte-identical and nothing made beside it
(crawler.storage.refuse_foreign_db)."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.local_redis import find_redis_server, local_redis
from crawler.storage import open_db
from tests.conftest import FIXTURES, ROOT
from tests.crawler.conftest import OPTOUT, SAMPLE_SEEDS

FOREIGN = FIXTURES / "foreign"
# Each command with the arguments it needs besides --db; {shard} is an optout database.
COMMANDS: dict[str, list[str]] = {
    "audit": ["audit"],
    "crawl": ["crawl", str(SAMPLE_SEEDS), "--limit", "1", "--no-audit", "--quiet"],
    "check": ["check", "http://127.0.0.1:9/", "--allow-private"],
    "export": ["export"],
    "report": ["report"],
    "changes": ["changes"],
    "serve": ["serve", "--port", "0"],
    "prune": ["prune", "--keep", "1"],
    "merge": ["merge", "{shard}"],
    "schedule": ["schedule", str(SAMPLE_SEEDS), "--every", "1h", "--max-runs", "1"],
    "demo": ["demo", "--no-serve"],
    "queue push": ["queue", "push", str(SAMPLE_SEEDS), "--redis", "{redis}"],
}


def foreign_sqlite(folder: Path) -> Path:
    """A recipe app's SQLite database, made from tests/fixtures/foreign/recipes.sql."""
    path = folder / "recipes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript((FOREIGN / "recipes.sql").read_text(encoding="utf-8"))
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if find_redis_server() is None:
        pytest.skip("redis-server is not installed (make redis): cannot run `queue push`")
    with local_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


def run(name: str, db: Path, folder: Path, redis: str = "") -> subprocess.CompletedProcess[str]:
    shard = folder.parent / "shard.db"
    open_db(shard).close()
    args = [a.format(shard=shard, redis=redis) for a in COMMANDS[name]]
    return subprocess.run(
        [str(OPTOUT), *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


def assert_refused(result: subprocess.CompletedProcess[str], db: Path, why: str) -> None:
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {db}: not an optout database ({why}")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_foreign_sqlite_database_is_refused_untouched(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis = request.getfixturevalue("redis_url") if name == "queue push" else ""
    folder = tmp_path / "data"
    folder.mkdir()
    db = foreign_sqlite(folder)
    before = digest(db)
    result = run(name, db, folder, redis)
    assert_refused(result, db, "it holds other tables: ingredients, recipes)")
    assert digest(db) == before
    assert sorted(p.name for p in folder.iterdir()) == ["recipes.sqlite"]


@pytest.mark.parametrize("name", ["audit", "crawl", "prune", "merge", "demo"])
def test_a_file_that_is_not_sqlite_is_refused_untouched(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "notes.db"
    db.write_bytes((FOREIGN / "notes.txt").read_bytes())
    result = run(name, db, folder)
    assert_refused(result, db, "not a SQLite file")
    assert db.read_bytes() == (FOREIGN / "notes.txt").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["notes.db"]


def test_an_empty_file_becomes_an_optout_database(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    db.touch()
    open_db(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM crawls").fetchone() == (0,)
    conn.close()
    open_db(db).close()  # and is ours from then on
