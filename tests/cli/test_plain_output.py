"""Output to a pipe or a file is never wrapped or coloured, whatever ``COLUMNS`` says: a long
path stays whole on its line in a log."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from rich.table import Table

from optout_cli.console import make_console
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS, crawl_command, sample_web  # noqa: F401

COLUMNS = pytest.mark.parametrize("columns", [None, "40"], ids=["COLUMNS-unset", "COLUMNS-40"])
SITE = "http://artist-anna.example"


def _long_folder(tmp_path: Path) -> Path:
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 5)
    folder.mkdir()
    return folder


def _env(columns: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "FORCE_COLOR"}}
    if columns is not None:
        env["COLUMNS"] = columns
    return env


@COLUMNS
@pytest.mark.parametrize("stderr", [False, True], ids=["stdout", "stderr"])
def test_console_on_a_pipe_prints_a_long_line_whole_and_plain(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    columns: str | None,
    stderr: bool,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    if columns is not None:
        monkeypatch.setenv("COLUMNS", columns)
    path = "/tmp/" + "long-path-segment/" * 10 + "evidence.db"
    console = make_console(stderr=stderr)
    console.print(f"[yellow]2 sites done[/], 9 fetch records in {path}")
    table = Table("Site", "Evidence")
    table.add_row("http://artist-anna.example", path)
    console.print(table)
    captured = capsys.readouterr()
    text = captured.err if stderr else captured.out
    assert f"2 sites done, 9 fetch records in {path}\n" in text
    assert any(path in line for line in text.splitlines()[1:]), text
    assert "\x1b[" not in text


@COLUMNS
def test_crawl_summary_keeps_a_long_database_path_on_one_line(
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
    columns: str | None,
) -> None:
    folder = _long_folder(tmp_path)
    header, *rows = SAMPLE_SEEDS.read_text().splitlines()
    seeds = folder / "one-site.csv"
    seeds.write_text("\n".join([header, *(r for r in rows if r.startswith(SITE + ","))]) + "\n")
    db = folder / "evidence-database-of-this-crawl.db"
    assert len(str(db)) > 150
    result = subprocess.run(
        crawl_command(seeds, db, sample_web, "--allow-private", "--no-audit"),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env=_env(columns),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert [line for line in result.stderr.splitlines() if str(db) in line], result.stderr
    assert "\x1b[" not in result.stderr
