"""``optout serve``: the Datasette command it runs, its errors, and that it stops cleanly."""

from __future__ import annotations

import signal
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from parsel import Selector

from crawler.storage import open_db
from optout_cli.main import cli
from results.derive import audit_crawl
from results.serve import MAX_RETURNED_ROWS, check_servable, datasette_args, datasette_dir
from tests.datasette.conftest import DB_NAME, get, make_datasette
from tests.datasette.server import answers, optout_serve
from tests.results.evidence_db import store_crawl


def test_datasette_args_serve_the_file_read_only_with_our_folder(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    args = datasette_args(db, 8123, "127.0.0.1")
    folder = datasette_dir()
    # Not immutable (-i): a crawl may write to the file while it is served.
    assert args[:2] == ["serve", str(db.resolve())]
    assert "-i" not in args and "--immutable" not in args
    assert args[args.index("--metadata") + 1] == str(folder / "metadata.yml")
    assert args[args.index("--plugins-dir") + 1] == str(folder / "plugins")
    assert args[args.index("--template-dir") + 1] == str(folder / "templates")
    assert args[args.index("--static") + 1] == f"assets:{folder / 'static'}"
    assert args[args.index("--port") + 1] == "8123"
    assert args[args.index("--host") + 1] == "127.0.0.1"


def test_datasette_args_cap_canned_queries_at_a_table_page(
    tmp_path: Path, audited_db: Path
) -> None:
    """A canned query gives at most MAX_RETURNED_ROWS rows (benchmarks/results/datasette.md),
    and Datasette says there were more."""
    args = datasette_args(tmp_path / "crawl.db")
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert settings["max_returned_rows"] == str(MAX_RETURNED_ROWS) == "100"
    capped = make_datasette(audited_db, max_returned_rows=3)
    page = get(capped, f"/{DB_NAME}/most_blocked_agents")
    assert "more than 3 rows" in " ".join(page.text.split()).lower()
    rows = get(capped, f"/{DB_NAME}/most_blocked_agents.json?_shape=array").json()
    assert len(rows) == 3


def test_datasette_folder_is_found_from_the_package() -> None:
    folder = datasette_dir()
    assert (folder / "metadata.yml").is_file() and (folder / "plugins").is_dir()


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 1
    assert "nope.db: no such database file" in result.output


def test_a_crawl_not_audited_yet_is_served_and_its_verdicts_appear_once_audited(
    tmp_path: Path,
) -> None:
    """The first crawl of a database can be watched live: progress first, verdicts after."""
    db_path = tmp_path / "first.db"
    db = open_db(db_path)
    store_crawl(
        db, [("http://anna.example", "nothing_at_all"), ("http://ben.example", "token_typo")]
    )
    with optout_serve(db_path) as (base, _):
        page = Selector(_text(base + "/"))
        progress = page.css(".crawl-progress")
        assert progress.css("[data-stat=done]::text").get() == "2"
        assert "not audited yet" in " ".join(progress.css("::text").getall())
        audit_crawl(db, 1)
        page = Selector(_text(base + "/"))
        assert not page.css(".crawl-progress")
        assert page.css("[data-stat=sites]::text").get() == "2"
    db.close()


def test_an_evidence_database_without_a_crawl_says_so(tmp_path: Path) -> None:
    db_path = tmp_path / "empty.db"
    open_db(db_path).close()
    assert check_servable(db_path) is None
    page = Selector(get(make_datasette(db_path), "/").text)
    assert "No crawl in this database yet" in page.css(".message-warning::text").get("")


def _text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


def test_serve_refuses_a_file_that_is_not_an_evidence_database(tmp_path: Path) -> None:
    not_db = tmp_path / "notes.db"
    not_db.write_text("hello, not SQLite\n" * 100)
    result = CliRunner().invoke(cli, ["serve", "--db", str(not_db)])
    assert result.exit_code == 1
    assert "not an optout database (not a SQLite file)" in result.output
    assert "Traceback" not in result.output


def test_serve_answers_and_stops_with_datasette_on_sigterm(audited_db: Path) -> None:
    with optout_serve(audited_db) as (base, process):
        assert answers(base + "/")
        process.send_signal(signal.SIGTERM)  # to optout only: it must stop Datasette too
        assert process.wait(timeout=15) is not None
        deadline = time.monotonic() + 10
        while answers(base + "/") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not answers(base + "/")


@pytest.mark.parametrize("option", ["--port", "--host"])
def test_serve_help_documents_the_options(option: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert option in result.output
