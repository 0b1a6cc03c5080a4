"""Options several commands share, declared once so they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def parse_settings(pairs: Iterable[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs as a mapping; a pair without ``=`` or a name is refused."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        out[name.strip()] = value
    return out


def network_options(settings_help: str) -> Callable[[F], F]:
    """``--proxy``, ``--allow-private`` and ``-s NAME=VALUE`` for commands that crawl."""

    def decorate(command: F) -> F:
        command = click.option(
            "-s", "--set", "extra", multiple=True, metavar="NAME=VALUE", help=settings_help
        )(command)
        command = click.option(
            "--allow-private",
            is_flag=True,
            help="Allow private and loopback addresses (sites on your own network, the "
            "sample web, tests).",
        )(command)
        return click.option(
            "--proxy", metavar="URL", help="Send every request through this HTTP proxy."
        )(command)

    return decorate
