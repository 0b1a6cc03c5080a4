"""``optout changes``: the changes between crawls as a table or as stable JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.storage import open_db
from optout_cli.main import cli
from tests.results.history_db import ANNA, FOLIO, build_history


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("changes") / "crawl.db"
    db = open_db(path)
    build_history(db)
    db.close()
    return path


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["changes", "--db", str(db), *args])


def as_json(db: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    result = run(db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_default_is_the_latest_audited_crawl(history_db: Path) -> None:
    changes = as_json(history_db)
    assert {c["crawl"]["id"] for c in changes} == {3}
    assert {c["origin"] for c in changes} == {FOLIO}


def test_json_object_has_both_crawls_and_both_pieces_of_evidence(history_db: Path) -> None:
    change = next(c for c in as_json(history_db) if c["subject"] == "verdict:train")
    assert change["before"] == "unstated" and change["after"] == "reserved"
    assert change["change"] == "appeared" and change["use"] == "train"
    assert change["previous_crawl"]["id"] == 2 and change["crawl"]["id"] == 3
    before, after = change["evidence"]["before"], change["evidence"]["after"]
    assert before["url"] == after["url"] == f"{FOLIO}/"
    assert before["fetch_id"] != after["fetch_id"]


def test_json_is_stable_between_runs(history_db: Path) -> None:
    first = run(history_db, "--json", "--since", "2026-01-01").output
    assert first == run(history_db, "--json", "--since", "2026-01-01").output
    changes = json.loads(first)
    keys = [(c["crawl"]["id"], c["origin"]) for c in changes]
    assert keys == sorted(keys)


def test_crawl_option_picks_one_crawl(history_db: Path) -> None:
    changes = as_json(history_db, "--crawl", "2")
    assert {c["crawl"]["id"] for c in changes} == {2}
    assert {c["origin"] for c in changes} == {ANNA}


def test_since_covers_every_crawl_from_that_day(history_db: Path) -> None:
    assert {c["crawl"]["id"] for c in as_json(history_db, "--since", "2026-02-01")} == {2, 3}
    assert as_json(history_db, "--since", "2026-04-01") == []


@pytest.mark.parametrize(
    ("args", "origins"),
    [
        (("--site", "anna.example"), {ANNA}),
        (("--kind", "platform"), {FOLIO}),
        (("--platform", "Folio"), {FOLIO}),
        (("--use", "search"), {ANNA}),
        (("--kind", "creator-site", "--use", "train"), {ANNA}),
    ],
)
def test_filters(history_db: Path, args: tuple[str, ...], origins: set[str]) -> None:
    changes = as_json(history_db, "--since", "2026-01-01", *args)
    assert {c["origin"] for c in changes} == origins


def test_table_shows_site_crawls_change_and_evidence(history_db: Path) -> None:
    result = run(history_db, "--crawl", "3")
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if "mechanism:train:noai" in ln)
    assert "appeared" in line and "none → noai" in line and "home fetch" in line
    assert "2 (2026-02-02) → 3 (2026-03-02)" in result.output
    assert FOLIO in result.output


def test_table_folds_many_agent_changes(history_db: Path) -> None:
    result = run(history_db, "--crawl", "2")
    assert "63 agents" in result.output
    assert "agent:GPTBot" not in result.output


def test_table_says_when_nothing_changed(history_db: Path) -> None:
    result = run(history_db, "--crawl", "1")
    assert result.exit_code == 0 and "No changes found by crawl 1" in result.output


def test_unaudited_crawl_is_a_clear_error(history_db: Path) -> None:
    result = run(history_db, "--crawl", "9")
    assert result.exit_code == 1
    assert "crawl 9 has not been audited" in result.output


def test_since_and_crawl_together_are_refused(history_db: Path) -> None:
    result = run(history_db, "--crawl", "2", "--since", "2026-01-01")
    assert result.exit_code == 2 and "either --since or --crawl" in result.output


def test_bad_date_is_a_clear_error(history_db: Path) -> None:
    result = run(history_db, "--since", "March")
    assert result.exit_code == 2 and "--since" in result.output


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not sqlite")
    result = run(path)
    assert result.exit_code == 1 and "notes.db" in result.output
    assert "Traceback" not in result.output
