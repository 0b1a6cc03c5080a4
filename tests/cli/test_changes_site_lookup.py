"""``optout changes --site`` finds a site however it is typed, and names one it cannot find."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.storage import open_db
from optout_cli.main import cli
from tests.results.history_db import ANNA, BEN, build_history

SINCE = ("--since", "2026-01-01")


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("changes-site") / "crawl.db"
    db = open_db(path)
    build_history(db)
    db.close()
    return path


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["changes", "--db", str(db), *SINCE, *args])


@pytest.mark.parametrize(
    "typed",
    [
        "https://anna.example/",
        "HTTPS://Anna.Example",
        "https://anna.example/gallery/1",
        "anna.example",
        "http://anna.example:80",
    ],
)
def test_site_is_found_however_it_is_typed(history_db: Path, typed: str) -> None:
    result = run(history_db, "--json", "--site", typed)
    assert result.exit_code == 0, result.output
    changes = json.loads(result.output)
    assert changes and {c["origin"] for c in changes} == {ANNA}


def test_sites_repeat_each_resolved(history_db: Path) -> None:
    result = run(history_db, "--json", "--site", "ANNA.example/x", "--site", "https://ben.example")
    assert result.exit_code == 0, result.output
    assert {c["origin"] for c in json.loads(result.output)} <= {ANNA, BEN}


def test_unknown_site_is_one_line_with_a_close_match(history_db: Path) -> None:
    result = run(history_db, "--site", "https://ana.example/")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no site https://ana.example in this database (did you mean {ANNA}?)\n"
    )


def test_text_that_is_no_site_is_a_usage_error(history_db: Path) -> None:
    result = run(history_db, "--site", "ftp://anna.example")
    assert result.exit_code == 2
    assert "scheme 'ftp' is not http or https" in result.output
    assert "Traceback" not in result.output
