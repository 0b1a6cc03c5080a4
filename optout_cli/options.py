"""Options several commands share, declared once so they read and behave the same.

The crawler's modules behind some options (the probe agents, the Redis queue) are imported
when a command declaring such an option is, not with this module: ``explain`` and
``changes`` use it too and must not load Scrapy or Redis to answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from optout_cli.output import output_path

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


PROBE_SETTING = "OPTOUT_PROBE_AGENTS"
PROBE_HELP = (
    "Probe each site as other crawlers: ask its robots.txt, home page, one content page and"
    " one image again with the published User-Agent string of each AI agent in LIST"
    " (comma-separated registry tokens; the bare flag: the default set), to see whether the"
    " site refuses, charges or serves them. Off by default. Sites tagged no-probe and hosts"
    " in -s OPTOUT_PROBE_EXCLUDE=HOST,... are never probed (docs/crawler.md)."
)


class ProbeAgentsError(click.ClickException):
    """An unknown probe agent: one line, and the exit status of a usage error."""

    exit_code = 2


def check_probe_agents(value: object, source: str = "--probe-agents") -> None:
    """ProbeAgentsError, in one line, unless ``value`` names agents a probe can be sent as
    (empty, ``default`` or registry tokens that have a published User-Agent string)."""
    from crawler.probes import DEFAULT_WORD, probe_agents

    try:
        probe_agents(value)
    except ValueError as err:
        hint = ""
        if source == "--probe-agents" and any(c in str(value) for c in "./:"):
            hint = (
                f" (--probe-agents took {str(value)!r} as its LIST: put the bare flag last,"
                f" or write --probe-agents={DEFAULT_WORD})"
            )
        raise ProbeAgentsError(f"{source}: {err}{hint}") from None


def _checked_probe_agents(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
    # Checked as the option is read, before a missing argument it may have taken is reported.
    if value is not None and not ctx.resilient_parsing:
        check_probe_agents(value)
    return value


def probe_agents_option() -> Callable[[F], F]:
    """``--probe-agents [LIST]``, passed as ``probe_agents``: the value of
    ``OPTOUT_PROBE_AGENTS`` (the bare flag: ``default``); an unknown agent exits 2."""
    from crawler.probes import DEFAULT_WORD

    return click.option(
        "--probe-agents",
        "probe_agents",
        is_flag=False,
        flag_value=DEFAULT_WORD,
        default=None,
        metavar="[LIST]",
        callback=_checked_probe_agents,
        help=PROBE_HELP,
    )


def probe_overrides(probe_agents: str | None, overrides: dict[str, Any]) -> None:
    """Put ``--probe-agents`` into the crawl's settings ``overrides`` (``-s`` already merged
    in, and winning); a value from ``-s OPTOUT_PROBE_AGENTS=…`` is checked as the option is."""
    if PROBE_SETTING in overrides:  # from -s, which wins over the option as for any setting
        check_probe_agents(overrides[PROBE_SETTING], f"-s {PROBE_SETTING}")
    elif probe_agents is not None:
        overrides[PROBE_SETTING] = probe_agents


def db_option(
    help: str, *, must_exist: bool = False, required: bool = True, default: str | None = None
) -> Callable[[F], F]:
    """``--db FILE``, the evidence database, passed as ``db_path``; ``help`` says what the
    command does with it (read it, write into it, create it)."""
    return click.option(
        "--db",
        "db_path",
        required=required and default is None,
        default=default,
        show_default=default is not None,
        type=click.Path(exists=must_exist, dir_okay=False, path_type=Path),
        help=help,
    )


def crawl_option(help: str = "Which crawl: its id, or 'latest'.") -> Callable[[F], F]:
    """``--crawl ID|latest`` (default latest) for commands that read one crawl."""
    return click.option("--crawl", default="latest", show_default=True, help=help)


def audited_crawl_options() -> Callable[[F], F]:
    """``--db`` (an audited database that must exist) and ``--crawl``: what a command that
    publishes one audited crawl (export, report) reads."""

    def decorate(command: F) -> F:
        audited_db = db_option(
            "The SQLite file a crawl wrote and `optout audit` derived.", must_exist=True
        )
        return audited_db(crawl_option()(command))

    return decorate


def json_option(help: str) -> Callable[[F], F]:
    """``--json``, passed as ``as_json``: machine-readable output instead of the text."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def quiet_option(help: str) -> Callable[[F], F]:
    """``--quiet``: no progress bar (and, where ``help`` says so, no summary)."""
    return click.option("--quiet", is_flag=True, help=help)


def output_option(what: str) -> Callable[[F], F]:
    """``-o/--output FILE`` for a command that writes ``what`` (an export, a report)."""
    return click.option(
        "-o",
        "--output",
        type=output_path,
        help="Write to this file instead of standard output ('-': standard output). A device or"
        f" FIFO is written into; a regular file is replaced only once the {what} is complete.",
    )


def redis_option(required: bool) -> Callable[[F], F]:
    """``--redis URL``, the server of a distributed crawl's queue, passed as ``redis_url``."""
    return click.option(
        "--redis",
        "redis_url",
        required=required,
        metavar="URL",
        help="Redis server of the queue, e.g. redis://127.0.0.1:6379/0.",
    )


def queue_key_option(command: F) -> F:
    """``--queue-key NAME``, passed as ``key``: which queue on the Redis server."""
    from crawler.redis_queue import DEFAULT_KEY

    return click.option(
        "--queue-key",
        "key",
        default=DEFAULT_KEY,
        show_default=True,
        metavar="NAME",
        help="Name of the queue in Redis (several crawls can share one server).",
    )(command)
