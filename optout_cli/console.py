"""The one way the commands make a rich console: a terminal gets rich's usual output; a pipe, a
file or a log gets lines that are never wrapped and never coloured."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from rich.console import Console

PLAIN_WIDTH: Final = 1000
"""Layout width of tables away from a terminal: wide enough that no cell is folded, so a path
or a URL stays whole on its line. ``COLUMNS`` only matters to a terminal."""


def _is_terminal(stderr: bool) -> bool:
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def make_console(*, stderr: bool = False, **options: Any) -> Console:
    """A console on standard output (or error): plain and unwrapped unless it is a terminal.

    ``options`` are rich's own (``markup=False``…) and apply in both cases.
    """
    from rich.console import Console  # rich loads in tens of milliseconds: only to print

    if _is_terminal(stderr):
        return Console(stderr=stderr, **options)
    plain: dict[str, Any] = {
        "soft_wrap": True,  # printed text is never broken into lines, nor cut
        "width": PLAIN_WIDTH,
        "color_system": None,
        "no_color": True,
    }
    return Console(stderr=stderr, **{**plain, **options})
