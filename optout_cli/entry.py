"""The ``optout`` executable: the command line, with Ctrl-C during start-up kept quiet.

Importing the command line loads Scrapy, Twisted and Datasette, which takes a second or two;
a Ctrl-C in that time would otherwise print a traceback. Once a command runs, click and the
crawl's own stop handling take over.
"""

from __future__ import annotations

import sys

INTERRUPTED = 130
"""The shell's exit status for a process stopped by SIGINT (128 + 2)."""


def main() -> None:
    """Run ``optout``; a Ctrl-C before a command has started prints one line."""
    try:
        from optout_cli.main import cli

        cli(prog_name="optout")
    except KeyboardInterrupt:
        print("optout: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
