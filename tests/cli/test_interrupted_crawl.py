"""``optout crawl`` stopped before it finished: one line, exit 1, nothing audited or announced;
``--resume`` then completes it, says every site is done, audits it. Real crawls of the sample
web in subprocesses; ``-s CLOSESPIDER_ITEMCOUNT=5`` stops a crawl the same way every time
(Scrapy closes it with a reason other than ``finished``, as on Ctrl-C or SIGTERM)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import FIVE_HOSTS, OPTOUT, crawl_command, sample_web  # noqa: F401
from tests.webhook_receiver import webhook_receiver

HOSTS = FIVE_HOSTS
STOP_EARLY = ("-s", "CLOSESPIDER_ITEMCOUNT=5")
STOPPED_LINE = re.compile(
    r"^crawl 1 stopped before it finished: (\d+) of 5 sites done;"
    r" run the same command with --resume to continue$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Runs:
    seeds: Path
    db: Path
    stopped_db: Path
    """A copy of the database as the interrupted run left it."""
    stopped: subprocess.CompletedProcess[str]
    posts_after_stop: int
    resumed: subprocess.CompletedProcess[str]
    posts_after_resume: int


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _one(db: Path, sql: str) -> tuple:  # type: ignore[type-arg]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()  # type: ignore[no-any-return]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Iterator[Runs]:  # noqa: F811
    folder = tmp_path_factory.mktemp("interrupted")
    seeds = folder / "seeds.csv"
    seeds.write_text("origin,kind\n" + "".join(f"http://{h},creator-site\n" for h in HOSTS))
    db = folder / "crawl.db"
    with webhook_receiver() as receiver:
        hook = ("--allow-private", "--webhook", receiver.url)
        stopped = _run(crawl_command(seeds, db, sample_web, *hook, *STOP_EARLY))
        posts_after_stop = len(receiver.posts)
        stopped_db = folder / "stopped.db"
        _copy(db, stopped_db)
        resumed = _run(crawl_command(seeds, db, sample_web, *hook, "--resume"))
        yield Runs(seeds, db, stopped_db, stopped, posts_after_stop, resumed, len(receiver.posts))


def test_an_interrupted_crawl_exits_1_with_one_line_naming_resume(runs: Runs) -> None:
    assert runs.stopped.returncode == 1, runs.stopped.stderr[-3000:]
    assert STOPPED_LINE.search(runs.stopped.stderr), runs.stopped.stderr[-3000:]
    assert "Traceback" not in runs.stopped.stderr
    assert _one(runs.stopped_db, "select status from crawls where id = 1") == ("interrupted",)


@pytest.mark.parametrize(
    "table", ["audits", "site_summary", "site_verdicts", "findings", "changes", "latest_sites"]
)
def test_an_interrupted_crawl_has_no_derived_rows(runs: Runs, table: str) -> None:
    assert _one(runs.stopped_db, f"select count(*) from {table}") == (0,)


def test_an_interrupted_crawl_delivers_no_webhook(runs: Runs) -> None:
    assert runs.posts_after_stop == 0
    assert "webhook" not in runs.stopped.stderr
    assert _one(runs.stopped_db, "select count(*) from webhook_deliveries") == (0,)


@pytest.mark.parametrize(
    "command",
    [
        ["audit"],
        ["audit", "--crawl", "1"],
        ["export"],
        ["report"],
        ["changes", "--crawl", "1"],
    ],
    ids=" ".join,
)
def test_reading_commands_refuse_the_unfinished_crawl(
    runs: Runs, command: list[str], tmp_path: Path
) -> None:
    db = tmp_path / "stopped.db"
    _copy(runs.stopped_db, db)
    result = _run([str(OPTOUT), *command, "--db", str(db)])
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "crawl 1 has not finished (interrupted," in line
    assert f"optout crawl {runs.seeds} --db" in line and "--resume" in line
    assert _one(db, "select count(*) from audits") == (0,)


def test_the_completed_resume_says_every_site_done_and_audits(runs: Runs) -> None:
    assert runs.resumed.returncode == 0, runs.resumed.stderr[-3000:]
    assert "crawl 1: 5 of 5 sites done, " in runs.resumed.stderr
    assert "--resume" not in runs.resumed.stderr
    assert _one(runs.db, "select status, resumed_count from crawls") == ("finished", 1)
    assert _one(runs.db, "select crawl_id, sites from audits") == (1, 5)
    assert runs.posts_after_resume == 1


def test_resume_after_the_crawl_finished_has_nothing_to_resume(
    runs: Runs,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    result = _run(crawl_command(runs.seeds, runs.db, sample_web, "--resume"))
    assert result.returncode == 3, result.stderr[-3000:]
    assert re.search(r"^nothing to resume: crawl 1 finished at 20\d\d-", result.stderr, re.M)
    assert _one(runs.db, "select count(*), max(resumed_count) from crawls") == (1, 1)


def test_resume_in_a_new_database_has_nothing_to_resume(
    runs: Runs,
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "new.db"
    result = _run(crawl_command(runs.seeds, db, sample_web, "--resume"))
    assert result.returncode == 3, result.stderr[-3000:]
    assert f"nothing to resume: no crawl in {db} yet" in result.stderr
    assert _one(db, "select count(*) from crawls") == (0,)
