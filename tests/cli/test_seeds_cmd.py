"""``optout seeds check`` names every bad row by its line and fails the command."""

from __future__ import annotations

from click.testing import CliRunner

from optout_cli.main import cli
from tests.conftest import ROOT


def test_bundled_seed_list_checks_clean() -> None:
    result = CliRunner().invoke(cli, ["seeds", "check", str(ROOT / "seeds/creator-platforms.csv")])
    assert result.exit_code == 0, result.output
    assert " 0 problems" in result.output


def test_bad_rows_are_listed_with_line_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text("origin,kind\nhttps://a.example,galery\nftp://b.example,platform\n")
    result = CliRunner().invoke(cli, ["seeds", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv:2: kind 'galery'" in result.output
    assert "bad.csv:3: origin 'ftp://b.example'" in result.output
