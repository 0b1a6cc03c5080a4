"""Errors a user hits, each as one clear message: invalid seed rows in a crawl (all listed, or
skipped with --skip-bad-seeds), counted nouns ("1 seed"), a country written out, a port in use
for `optout serve`."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.storage import open_db
from sampleweb.server import SampleWeb
from tests.conftest import FIXTURES, ROOT
from tests.crawler.conftest import OPTOUT, crawl_command, sample_web  # noqa: F401

SEEDS = FIXTURES / "seeds"
TWO_BAD = SEEDS / "crawl_two_bad_rows.csv"


def optout(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPTOUT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


def test_a_crawl_lists_every_invalid_seed_row_and_refuses(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    result = optout("crawl", TWO_BAD, "--db", db)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {TWO_BAD}: 2 invalid rows; fix them, or crawl the valid rows with"
        " --skip-bad-seeds:",
        f"  {TWO_BAD}:3: country 'Germany' is not an ISO 3166-1 alpha-2 code: use DE",
        f"  {TWO_BAD}:4: origin 'http://bad host.example' host 'bad host.example' is not a valid"
        " domain name",
    ]
    assert not db.exists()


def test_skip_bad_seeds_crawls_the_valid_rows_and_counts_the_rest(
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "crawl.db"
    command = crawl_command(TWO_BAD, db, sample_web, "--skip-bad-seeds", "--no-audit")
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{TWO_BAD}: skipped 2 invalid rows" in result.stderr
    with sqlite3.connect(db) as conn:
        crawled = {row[0] for row in conn.execute("SELECT DISTINCT origin FROM fetches")}
    conn.close()
    assert crawled == {"http://artist-anna.example", "http://arlo-codes.example"}


def test_one_seed_is_one_seed_not_one_seeds() -> None:
    result = optout("seeds", "check", SEEDS / "one_seed.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(": 1 seed, 0 duplicate origins skipped, 0 problems\n")


def test_a_country_written_out_is_refused_with_its_code() -> None:
    result = optout("seeds", "check", SEEDS / "country_name.csv")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{SEEDS / 'country_name.csv'}:2: country 'Germany' is not an ISO 3166-1 alpha-2 code:"
        " use DE",
        f"{SEEDS / 'country_name.csv'}:3: country 'Atlantis' is not an ISO 3166-1 alpha-2 code"
        " (two letters, such as DE or FR)",
    ]


@pytest.mark.parametrize(
    "seeds", [*sorted((ROOT / "seeds").glob("*.csv")), ROOT / "sampleweb" / "seeds.csv"]
)
def test_the_bundled_seed_lists_pass(seeds: Path) -> None:
    result = optout("seeds", "check", seeds)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path, taken_port: int) -> None:
    db = tmp_path / "crawl.db"
    open_db(db).close()
    result = optout("serve", "--db", db, "--port", str(taken_port))
    assert result.returncode == 1
    assert (result.stdout + result.stderr).splitlines() == [
        f"Error: port {taken_port} on 127.0.0.1 is already in use: choose another with --port"
    ]
