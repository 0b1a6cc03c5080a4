"""The command line imports a command's module only when that command is used
(optout_cli/main.py): its table of commands stays equal to the commands themselves, every
command still answers --help through it, and the quick paths load none of the heavy packages."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import optout_cli
from optout_cli.interrupt import INTERRUPTED
from optout_cli.main import COMMANDS, LazyGroup, cli, load_command, version_line
from tests.conftest import ROOT

HEAVY = ("scrapy", "twisted", "datasette", "duckdb")
ROBOTS_FILE = "tests/fixtures/robots/disallow_ai_training.txt"


def _defined_commands() -> dict[str, click.Command]:
    """Every command a module of optout_cli defines that no group of optout_cli holds: the
    commands ``optout`` should offer."""
    found: dict[int, click.Command] = {}
    for module in pkgutil.iter_modules(optout_cli.__path__):
        if module.name == "main":
            continue
        values = vars(importlib.import_module(f"optout_cli.{module.name}")).values()
        found.update({id(v): v for v in values if isinstance(v, click.Command)})
    held = {
        id(sub)
        for command in found.values()
        if isinstance(command, click.Group)
        for sub in command.commands.values()
    }
    return {c.name or "": c for key, c in found.items() if key not in held}


def _paths(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name in sorted(group.commands):
        command = group.commands[name]
        paths.append((*path, name))
        if isinstance(command, click.Group):
            paths += _paths(command, (*path, name))
    return paths


def test_the_table_lists_exactly_the_commands_optout_cli_defines() -> None:
    defined = _defined_commands()
    assert sorted(COMMANDS) == sorted(defined)
    for name, spec in COMMANDS.items():
        assert load_command(spec) is defined[name], name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_has_each_commands_own_one_line_help(name: str) -> None:
    command = load_command(COMMANDS[name])
    assert command.name == name
    assert COMMANDS[name].short_help == command.get_short_help_str(limit=10_000)


@pytest.mark.parametrize("width", [60, 80, 200])
def test_optout_help_lists_the_commands_as_a_plain_click_group_would(width: int) -> None:
    lazy = LazyGroup(
        name="cli",
        params=cli.params,
        help=cli.help,
        context_settings=cli.context_settings,
        specs=COMMANDS,
    )
    eager = click.Group(
        name="cli",
        params=cli.params,
        help=cli.help,
        context_settings=cli.context_settings,
        commands={name: load_command(spec) for name, spec in COMMANDS.items()},
    )
    shown = [
        CliRunner().invoke(group, ["--help"], prog_name="optout", terminal_width=width)
        for group in (lazy, eager)
    ]
    assert shown[0].exit_code == 0, shown[0].output
    assert shown[0].output == shown[1].output
    assert not lazy.commands.loaded


@pytest.mark.parametrize("path", _paths(cli), ids=" ".join)
def test_every_command_answers_help_through_the_lazy_group(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="optout")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: optout {' '.join(path)} ")


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"], prog_name="optout")
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


def test_version_through_the_lazy_group() -> None:
    result = CliRunner().invoke(cli, ["--version"], prog_name="optout")
    assert result.exit_code == 0
    assert result.output == version_line() + "\n"


def _modules_after(code: str) -> list[str]:
    """The heavy packages in sys.modules after running ``code`` in a fresh interpreter."""
    script = f"""
import contextlib, io, json, sys
{code}
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


_RUN_QUICK_PATHS = f"""
from optout_cli.main import cli
for args in (
    ["--help"],
    ["--version"],
    ["explain", "--help"],
    ["explain", "robots", "--help"],
    ["explain", "robots", {ROBOTS_FILE!r}],
    ["changes", "--help"],
    ["check", "--help"],
):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            cli(args, prog_name="optout")
        except SystemExit as stop:
            assert stop.code == 0, (args, stop.code)
"""


def test_help_version_explain_changes_and_check_help_load_no_heavy_package() -> None:
    assert _modules_after(_RUN_QUICK_PATHS) == []


def test_the_heavy_check_can_see_a_heavy_import() -> None:
    """The check above would notice: importing the crawl command does load Scrapy."""
    assert "scrapy" in _modules_after("import optout_cli.crawl")


def test_running_a_check_does_not_load_datasette() -> None:
    assert "datasette" not in _modules_after("import optout_cli.check_run")


_CTRL_C_WHILE_A_COMMAND_IS_IMPORTED = """
import sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "optout_cli.explain":
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, CtrlC())
sys.argv = ["optout", "explain", "--help"]
from optout_cli.entry import main
main()
"""


def test_ctrl_c_while_a_command_is_imported_prints_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_A_COMMAND_IS_IMPORTED],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == INTERRUPTED
    assert result.stderr == "optout: interrupted\n"
    assert result.stdout == ""
