"""The ``optout`` command line."""

from __future__ import annotations

import click

from audits import INTERPRETER_VERSION
from optout_cli.audit_cmd import audit
from optout_cli.changes_cmd import changes
from optout_cli.check_cmd import check
from optout_cli.crawl import crawl
from optout_cli.demo_cmd import demo
from optout_cli.explain import explain
from optout_cli.export_cmd import export
from optout_cli.merge_cmd import merge
from optout_cli.prune_cmd import prune
from optout_cli.queue_cmd import queue
from optout_cli.report_cmd import report
from optout_cli.schedule_cmd import schedule
from optout_cli.seeds_cmd import seeds
from optout_cli.serve_cmd import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(INTERPRETER_VERSION, prog_name="optout")
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
