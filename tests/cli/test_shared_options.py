"""The options several commands share (optout_cli/options.py) show up in each command's
--help with the help line that command needs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from optout_cli.main import cli


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def _takes(path: tuple[str, ...], option: str) -> bool:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return any(option in param.opts for param in command.params)


DB_COMMANDS = [path for path in _commands(cli) if _takes(path, "--db")]


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_that_touches_a_database_takes_db() -> None:
    names = {" ".join(path) for path in DB_COMMANDS}
    assert names >= {
        "audit",
        "changes",
        "check",
        "crawl",
        "demo",
        "export",
        "merge",
        "prune",
        "queue push",
        "report",
        "schedule",
        "serve",
    }


@pytest.mark.parametrize("path", DB_COMMANDS, ids=" ".join)
def test_help_shows_db_with_a_help_line(path: tuple[str, ...]) -> None:
    line = re.search(r"^\s+--db (?:FILE|PATH)\s+(\S.*)$", _help(path), re.MULTILINE)
    assert line is not None
    assert "SQLite" in line.group(1) or "database" in line.group(1)


@pytest.mark.parametrize(
    ("path", "says"),
    [
        (("crawl",), "to write fetch records into"),
        (("audit",), "a crawl wrote"),
        (("merge",), "to merge into"),
        (("check",), "Keep the evidence"),
    ],
)
def test_db_help_says_what_the_command_does_with_it(path: tuple[str, ...], says: str) -> None:
    assert says in _help(path)


@pytest.mark.parametrize(("command", "what"), [("export", "export"), ("report", "report")])
def test_output_help_names_what_is_written(command: str, what: str) -> None:
    assert f"replaced only once the {what} is complete" in _help((command,))


def test_db_a_command_reads_must_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "--db", str(tmp_path / "no-such.db")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_demo_db_has_a_default() -> None:
    assert "[default: demo.db]" in _help(("demo",))
