"""What ``optout`` does when Ctrl-C stops it while it is still starting: one line, no
traceback, and the exit status of a process stopped by SIGINT. Used by the executable
(optout_cli/entry.py) and by the group that imports a command's module (optout_cli/main.py)."""

from __future__ import annotations

import sys
from typing import NoReturn

INTERRUPTED = 130
"""The shell's exit status for a process stopped by SIGINT (128 + 2)."""


def interrupted() -> NoReturn:
    """Say in one line that ``optout`` was stopped while starting, and exit."""
    print("optout: interrupted", file=sys.stderr)
    sys.exit(INTERRUPTED)
