"""The ``optout`` command line."""

from __future__ import annotations

import click

from audits import INTERPRETER_VERSION, TOOL_VERSION
from optout_cli.agents_cmd import agents
from optout_cli.audit_cmd import audit
from optout_cli.captures_cmd import captures
from optout_cli.changes_cmd import changes
from optout_cli.check_cmd import check
from optout_cli.crawl import crawl
from optout_cli.datasets_cmd import datasets
from optout_cli.demo_cmd import demo
from optout_cli.evidence_cmd import evidence
from optout_cli.explain import explain
from optout_cli.export_cmd import export
from optout_cli.logs_cmd import logs
from optout_cli.merge_cmd import merge
from optout_cli.prune_cmd import prune
from optout_cli.queue_cmd import queue
from optout_cli.report_cmd import report
from optout_cli.schedule_cmd import schedule
from optout_cli.seeds_cmd import seeds
from optout_cli.serve_cmd import serve


def version_line() -> str:
    """The tool's version (the package's), then the interpreter's and the agent registry's:
    verdicts record the last two, so a reader can tell which made them."""
    from audits.core.agents import registry_version  # parses the bundled registry: only when asked

    return (
        f"optout {TOOL_VERSION} (interpreter {INTERPRETER_VERSION},"
        f" agent registry {registry_version()})"
    )


def _print_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_line())
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


cli.add_command(explain)
cli.add_command(crawl)
cli.add_command(seeds)
cli.add_command(audit)
cli.add_command(check)
cli.add_command(export)
cli.add_command(report)
cli.add_command(changes)
cli.add_command(prune)
cli.add_command(demo)
cli.add_command(serve)
cli.add_command(schedule)
cli.add_command(queue)
cli.add_command(merge)
cli.add_command(agents)
cli.add_command(logs)
cli.add_command(evidence)
cli.add_command(captures)
cli.add_command(datasets)
