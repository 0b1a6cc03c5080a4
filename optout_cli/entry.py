"""The ``optout`` executable: the command line, with Ctrl-C during start-up kept quiet.

A command's modules are imported when it runs (optout_cli/main.py): for the crawl's commands
that is Scrapy and Twisted, for ``serve`` Datasette, a second or two. A Ctrl-C in that time
would otherwise print a traceback (or click's "Aborted!"); it prints one line and exits as a
process stopped by SIGINT (optout_cli/interrupt.py). Once a command runs, click and the
crawl's own stop handling take over.
"""

from __future__ import annotations

from optout_cli.interrupt import INTERRUPTED as INTERRUPTED
from optout_cli.interrupt import interrupted


def main() -> None:
    """Run ``optout``; a Ctrl-C before a command has started prints one line."""
    try:
        from optout_cli.main import cli

        cli(prog_name="optout")
    except KeyboardInterrupt:
        interrupted()
