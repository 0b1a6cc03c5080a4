"""The ``optout`` command line.

Each command's module is imported only when that command runs or shows its help: the crawl's
commands load Scrapy and Twisted, ``serve`` loads Datasette, and a second of imports before
``optout --help`` or ``optout explain robots FILE`` answers is a second for nothing. The group's
own ``--help`` lists every command's one-line help from :data:`COMMANDS`, so it imports none;
tests/cli/test_lazy_cli.py keeps that table equal to the commands themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Final

import click

from optout_cli.interrupt import interrupted


@dataclass(frozen=True)
class CommandSpec:
    """Where a command lives, and the one line ``optout --help`` shows for it."""

    module: str
    attribute: str
    short_help: str


COMMANDS: Final[dict[str, CommandSpec]] = {
    "agents": CommandSpec(
        "optout_cli.agents_cmd",
        "agents",
        "The AI agents the project knows, and the IP ranges their operators publish.",
    ),
    "audit": CommandSpec(
        "optout_cli.audit_cmd",
        "audit",
        "Derive verdicts, findings and changes of a finished crawl from its stored fetch records.",
    ),
    "captures": CommandSpec(
        "optout_cli.captures_cmd",
        "captures",
        "Which pages of your site Common Crawl captured, crawl by crawl, and whether each was"
        " captured before or after your robots.txt blocked CCBot.",
    ),
    "changes": CommandSpec(
        "optout_cli.changes_cmd",
        "changes",
        "What changed on each site since its previous audited crawl.",
    ),
    "check": CommandSpec(
        "optout_cli.check_cmd",
        "check",
        "Check sites now: does each opt out of AI training, how, and what is broken?",
    ),
    "crawl": CommandSpec(
        "optout_cli.crawl",
        "crawl",
        "Crawl the sites of a SEEDS file (CSV or YAML) and store every fetch in --db.",
    ),
    "datasets": CommandSpec(
        "optout_cli.datasets_cmd",
        "datasets",
        "Training-set membership: which of the audited sites' pages and images an image-text"
        " dataset's published URL lists hold (docs/datasets.md).",
    ),
    "demo": CommandSpec(
        "optout_cli.demo_cmd",
        "demo",
        "Crawl the bundled sample web of creator sites, audit it, and browse it in Datasette.",
    ),
    "evidence": CommandSpec(
        "optout_cli.evidence_cmd",
        "evidence",
        "Evidence packs: what the tool received from a site, and when, as a WACZ web archive"
        " (docs/evidence.md).",
    ),
    "explain": CommandSpec(
        "optout_cli.explain",
        "explain",
        "Explain what one policy file says (robots.txt, tdmrep.json, ai.txt, headers).",
    ),
    "export": CommandSpec(
        "optout_cli.export_cmd",
        "export",
        "Export the audited results of a crawl: every verdict with its evidence.",
    ),
    "logs": CommandSpec(
        "optout_cli.logs_cmd",
        "logs",
        "Your site's access logs: which AI crawlers came, were they who they claimed to be, and"
        " did they respect your opt-out (docs/logs.md).",
    ),
    "merge": CommandSpec(
        "optout_cli.merge_cmd",
        "merge",
        "Merge the SHARDS that `optout crawl --redis` workers wrote into --db.",
    ),
    "prune": CommandSpec(
        "optout_cli.prune_cmd",
        "prune",
        "Delete the raw response bodies of all but the newest --keep crawls.",
    ),
    "queue": CommandSpec(
        "optout_cli.queue_cmd",
        "queue",
        "The shared queue of sites for crawls spread over several workers (docs/scaling.md).",
    ),
    "report": CommandSpec(
        "optout_cli.report_cmd",
        "report",
        "Write a report of an audited crawl for people: numbers, charts, methodology, sites.",
    ),
    "schedule": CommandSpec(
        "optout_cli.schedule_cmd",
        "schedule",
        "Crawl the sites of SEEDS into --db on a schedule, in the foreground, until stopped.",
    ),
    "seeds": CommandSpec(
        "optout_cli.seeds_cmd",
        "seeds",
        "Work with seed lists (CSV or YAML: origin, name, kind, platform, country, tags…).",
    ),
    "serve": CommandSpec(
        "optout_cli.serve_cmd",
        "serve",
        "Browse the audit in Datasette: landing page, per-site pages, canned queries, Atom feed.",
    ),
}
"""Every command of ``optout``, by name."""


def load_command(spec: CommandSpec) -> click.Command:
    """Import the command's module and return the command it defines; a Ctrl-C while it is
    imported is quiet, as one while the command line itself is (optout_cli/entry.py)."""
    try:
        module = importlib.import_module(spec.module)
    except KeyboardInterrupt:
        interrupted()
    command = getattr(module, spec.attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{spec.module}.{spec.attribute} is not a click command")
    return command


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported on first access.

    Listing the names imports nothing; ``click.Group`` reads a command through this mapping
    only when it runs it or shows its help. Commands added with ``add_command`` are kept as
    they are."""

    def __init__(self, specs: dict[str, CommandSpec]) -> None:
        self._specs = specs
        self._loaded: dict[str, click.Command] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._specs or name in self._loaded

    def get(self, name: str, default: click.Command | None = None) -> click.Command | None:  # type: ignore[override]
        """The command, or ``default`` for a name not in the table; an error while importing
        it is raised as it is, never taken for an unknown name."""
        if name not in self:
            return default
        return self[name]

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            self._loaded[name] = load_command(self._specs[name])
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._specs and name not in self._loaded:
            raise KeyError(name)
        self._specs = {k: v for k, v in self._specs.items() if k != name}
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs | dict.fromkeys(self._loaded))

    def __len__(self) -> int:
        return len(self._specs.keys() | self._loaded.keys())

    @property
    def loaded(self) -> frozenset[str]:
        """The names of the commands imported so far."""
        return frozenset(self._loaded)

    def short_help(self, name: str, limit: int) -> str:
        """The command's one line, from the table unless the command is already imported."""
        if name in self._loaded:
            return self._loaded[name].get_short_help_str(limit)
        # Shortened to the width as click shortens a command's own help.
        return click.Command(name, help=self._specs[name].short_help).get_short_help_str(limit)


class LazyGroup(click.Group):
    """A ``click.Group`` whose commands are imported when used (see :class:`LazyCommands`)."""

    commands: LazyCommands

    def __init__(self, *args: object, specs: dict[str, CommandSpec], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.commands = LazyCommands(specs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported now; None for a name ``optout`` does not have."""
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, as ``click.Group`` lays them out."""
        names = [
            name
            for name in self.list_commands(ctx)
            if name not in self.commands.loaded or not self.commands[name].hidden
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, self.commands.short_help(name, limit)) for name in names])


def version_line() -> str:
    """The tool's version (the package's), then the interpreter's and the agent registry's:
    verdicts record the last two, so a reader can tell which made them."""
    from audits import INTERPRETER_VERSION, TOOL_VERSION
    from audits.core.agents import registry_version  # parses the bundled registry: only when asked

    return (
        f"optout {TOOL_VERSION} (interpreter {INTERPRETER_VERSION},"
        f" agent registry {registry_version()})"
    )


def _print_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_line())
        ctx.exit()


@click.group(
    cls=LazyGroup,
    specs=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the versions of the tool, the interpreter and the agent registry, and exit.",
)
def cli() -> None:
    """Audit whether creators' sites opt out of AI training, how, and what is broken."""
