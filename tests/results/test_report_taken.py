"""``optout report``: the section "Already taken?", from the database the Datasette tests store
captures and a dataset check in (tests/datasette/taken_fixtures.py: a real crawl of three
sample sites, captures stored by the capture store, a Parquet shard checked by DuckDB).

artist-anna blocks CCBot (audit of 2026-09-10): two captures before that audit (unknown), then
its home page, /art/ and robots.txt a month after the block, and a redirect that stored
nothing; plain-sam never blocked. The shard lists anna's image and page and sam's image.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from parsel import Selector

from optout_cli.main import cli
from tests.crawler.conftest import sample_web  # noqa: F401
from tests.datasette.taken_fixtures import TAKEN_TABLES, taken_db  # noqa: F401

CAVEAT = "A capture is not training"


def _report(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["report", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


def _copy(db: Path, folder: Path, *emptied: str) -> Path:
    copy = folder / "copy.db"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as conn:
        for table in emptied:
            conn.execute(f"DELETE FROM [{table}]")
    return copy


def _stat(html: Selector, name: str) -> str | None:
    return html.css(f'section#taken span[data-stat="{name}"]::text').get()


def test_captures_after_and_before_the_block_and_dataset_sites_are_counted(
    taken_db: Path,  # noqa: F811
) -> None:
    html = Selector(_report(taken_db, "--format", "html"))
    assert html.css("section#taken h2::text").get() == "Already taken?"
    stats = ("sites-asked", "sites-after", "captures-after", "sites-broken", "sites-cache",
             "sites-before", "captures-before", "not-taken")  # fmt: skip
    assert {s: _stat(html, f"taken-{s}") for s in stats} == {
        "sites-asked": "2",
        "sites-after": "1",
        "captures-after": "2",  # / and /art/; robots.txt is never a breach
        "sites-broken": "0",
        "sites-cache": "0",
        "sites-before": "0",  # anna's earlier captures predate any audit: unknown
        "captures-before": "0",
        "not-taken": "1",  # the redirect
    }
    unexplained = html.css('#taken-after-block tr[data-explanation="none"] td::text').getall()
    assert unexplained == ["nothing the audit saw explains them", "1", "2"]
    rows = html.css("#taken-datasets tr[data-dataset]")
    assert [r.css("td::text").getall() for r in rows] == [["laion-mini", "2", "2", "3"]]
    assert CAVEAT in " ".join(html.css("section#taken p.note::text").getall())


def test_markdown_has_the_same_section(taken_db: Path) -> None:  # noqa: F811
    text = _report(taken_db, "--format", "markdown")
    section = text[text.index("## Already taken?") : text.index("## What is broken")]
    assert "1 sites had pages captured after the audit first saw" in section
    assert "| nothing the audit saw explains them | 1 | 2 |" in section
    assert "| laion-mini | 2 | 2 | 3 |" in section
    assert CAVEAT in section


def test_no_section_when_neither_command_wrote_a_row(taken_db: Path, tmp_path: Path) -> None:  # noqa: F811
    empty = _copy(taken_db, tmp_path, *TAKEN_TABLES)
    assert "Already taken?" not in _report(empty, "--format", "html")
    assert "Already taken?" not in _report(empty, "--format", "markdown")


def test_datasets_alone_give_the_section_without_captures(
    taken_db: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    only_datasets = _copy(taken_db, tmp_path, "captures", "capture_queries")
    html = Selector(_report(only_datasets, "--format", "html"))
    assert html.css("section#taken h2::text").get() == "Already taken?"
    assert _stat(html, "taken-sites-asked") is None
    assert html.css("#taken-datasets tr[data-dataset]::attr(data-dataset)").getall() == [
        "laion-mini"
    ]
