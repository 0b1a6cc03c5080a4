"""``optout check URL``: crawl and audit one site now (``results.site_check``), and tell its
owner what it says."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import click
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from audits.core.agents import Registry, load_registry
from crawler.storage import StorageError
from crawler.words import counted
from optout_cli.console import make_console
from optout_cli.options import (
    db_option,
    json_option,
    network_options,
    parse_settings,
    probe_agents_option,
    probe_overrides,
)
from results.export import export_site
from results.report_types import SiteReport
from results.site_check import CheckError, Stage, check_site
from results.site_lookup import typed_origin

USE_LABELS = {
    "train": "AI training",
    "ai-use": "AI answers",
    "search": "search",
    "tdm": "text and data mining",
}
STATE_WORDS = {
    "reserved": ("opted out", "green"),
    "partial": ("partly opted out", "yellow"),
    "allowed": ("explicitly allowed", "cyan"),
    "unstated": ("no opt-out found", "red"),
    "unknown": ("unknown", "magenta"),
}
HEADLINES = {
    "reserved": "Opted out of AI training",
    "partial": "Partly opted out of AI training",
    "allowed": "Explicitly allows AI training",
    "unstated": "Not opted out of AI training",
    "unknown": "Could not tell whether this site opts out of AI training",
}
EFFECT_VERBS = {"reserved": "reserves", "partial": "partly reserves", "allowed": "allows"}
# The registry lists tokens alphabetically; a creator first wants to know about the crawlers
# of the largest AI companies, so these lead every list of agent names.
WELL_KNOWN = (
    "GPTBot",
    "ClaudeBot",
    "Google-Extended",
    "CCBot",
    "meta-externalagent",
    "Applebot-Extended",
    "Bytespider",
)
NAMES_SHOWN = 6
TEMP_PREFIX = "optout-check-"


def _check(
    origin: str,
    db_path: Path,
    work_dir: Path,
    overrides: Mapping[str, Any],
    console: Console,
) -> SiteReport:
    """``check_site`` with a spinner on ``console`` while it crawls and while it audits."""
    words = {"crawl": f"Checking {origin} …", "audit": "Auditing …"}

    def stage(name: Stage) -> AbstractContextManager[object]:
        return console.status(words[name])

    logging.getLogger("scrapy").setLevel(logging.ERROR)
    try:
        return check_site(origin, db_path, work_dir, overrides, stage=stage)
    except (CheckError, StorageError) as err:
        raise click.ClickException(str(err)) from err


def _names(tokens: Sequence[str]) -> str:
    rank = {token: i for i, token in enumerate(WELL_KNOWN)}
    ordered = sorted(tokens, key=lambda token: rank.get(token, len(rank)))
    shown = ", ".join(ordered[:NAMES_SHOWN])
    more = len(ordered) - NAMES_SHOWN
    return shown + (f", … ({more} more)" if more > 0 else "")


def robots_line(report: SiteReport, registry: Registry) -> str | None:
    """'robots.txt blocks 8 of 63 training agents (…); open: …' (None when it was not read)."""
    robots = report["robots"]
    state = robots["state"]
    if state == "no-file":
        return f"There is no robots.txt (status {robots['status']}): it blocks no crawler."
    if state != "parse":
        return None
    # The same count as the verdict sentence: an agent is blocked when robots.txt keeps it out
    # of some sampled path, or names its token exactly as written (see docs/signals.md).
    gaps = set(report["verdicts"]["train"]["gaps"])
    training = [agent.token for agent in registry.training_agents()]
    blocked = [token for token in training if token not in gaps]
    opened = [token for token in training if token in gaps]
    total = len(training)
    if not blocked:
        return f"robots.txt blocks none of the {total} AI training agents we know."
    if not opened:
        return f"robots.txt blocks all {total} AI training agents we know."
    return (
        f"robots.txt blocks {len(blocked)} of {total} training agents ({_names(blocked)}); "
        f"open: {_names(opened)}."
    )


def _contributions(report: SiteReport) -> list[tuple[str, str, str, list[str]]]:
    """(mechanism, effect, detail, uses) with the uses each contribution bears on."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for use, verdict in report["verdicts"].items():
        for c in verdict["contributions"]:
            if c["mechanism"] == "robots.txt" and use == "train":
                continue  # robots_line says it, with the agents left open
            uses = grouped.setdefault((c["mechanism"], c["effect"], c["detail"] or ""), [])
            if use not in uses:
                uses.append(use)
    order = list(USE_LABELS)
    return [
        (m, e, d, sorted(uses, key=lambda u: order.index(u) if u in order else len(order)))
        for (m, e, d), uses in grouped.items()
    ]


def _section(title: str, lines: Sequence[RenderableType]) -> Group:
    return Group(
        Text(title, style="bold underline"), Padding(Group(*lines), (0, 0, 1, 2), expand=False)
    )


def _verdict_table(report: SiteReport) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column()
    for use, label in USE_LABELS.items():
        verdict = report["verdicts"].get(use)
        if verdict is None:
            continue
        word, style = STATE_WORDS.get(verdict["state"], (verdict["state"], ""))
        how = ", ".join(verdict["mechanisms"])
        if verdict["conflict"]:
            how += " (the signals contradict each other)"
        words = verdict.get("state_counting_words")
        if words and words != verdict["state"]:
            said, _ = STATE_WORDS.get(words, (words, ""))
            how = "; ".join(p for p in (how, f"in words only: {said} (not counted)") if p)
        table.add_row(label, Text(word, style=style), how)
    return table


def _how(report: SiteReport, registry: Registry) -> list[Text]:
    lines = []
    robots = robots_line(report, registry)
    if robots:
        lines.append(Text("• " + robots))
    for mechanism, effect, detail, uses in _contributions(report):
        verb = EFFECT_VERBS.get(effect, effect)
        scope = ", ".join(USE_LABELS.get(u, u) for u in uses)
        lines.append(Text(f"• {mechanism} {verb} {scope}: {detail}"))
    return lines or [Text("No opt-out signal was found on this site.")]


def _broken(report: SiteReport) -> list[Text]:
    lines = []
    for f in report["findings"]:
        if f["severity"] not in ("error", "warning"):
            continue
        mark, style = ("✗ error", "red") if f["severity"] == "error" else ("! warning", "yellow")
        line = Text(f"{mark}  ", style=f"bold {style}")
        line.append(f["message"])
        where = f["url"] or ""
        if f["line"]:
            where += f" line {f['line']}"
        if f["evidence"]:
            where += f": {f['evidence']}"
        if where:
            line.append(f"\n   {where}", style="dim")
        lines.append(line)
    notes = sum(1 for f in report["findings"] if f["severity"] == "info")
    if notes:
        lines.append(Text(f"({notes} further note(s): see --json)", style="dim"))
    return lines or [Text("Nothing broken found.", style="green")]


def _unknowns(report: SiteReport, allow_private: bool) -> list[Text]:
    reasons: list[str] = []
    for verdict in report["verdicts"].values():
        for reason in verdict["unknown_because"]:
            if reason not in reasons:
                reasons.append(reason)
    robots = report["robots"]
    if robots["state"] not in ("parse", "no-file") and not any(
        r.startswith("robots.txt") for r in reasons
    ):
        status = f", status {robots['status']}" if robots["status"] else ""
        reasons.append(f"robots.txt could not be used ({robots['state']}{status})")
    lines = [Text("• " + reason) for reason in reasons]
    errors = {e["error"] for e in report["evidence"]}
    if "private-address" in errors and not allow_private:
        lines.append(
            Text(
                "• Private or loopback addresses were refused: add --allow-private to check a "
                "site on your own network."
            )
        )
    return lines


def render_report(report: SiteReport, registry: Registry, *, allow_private: bool = False) -> Group:
    """The human report on one site: verdict, per use, how, what is broken, what is unknown."""
    train = report["verdicts"]["train"]
    title = Text(report["origin"], style="bold")
    if report.get("name"):
        title.append(f"  ({report['name']})")
    _, style = STATE_WORDS.get(train["state"], ("", ""))
    parts: list[Any] = [
        title,
        Text(HEADLINES.get(train["state"], train["state"]) + ".", style=f"bold {style}"),
        Padding(Text(train["sentence"]), (0, 0, 1, 2), expand=False),
        _section("Per use", [_verdict_table(report)]),
        _section("How", _how(report, registry)),
        _section("What is broken, and how to fix it", _broken(report)),
    ]
    unknowns = _unknowns(report, allow_private)
    if unknowns:
        parts.append(_section("Could not be checked", unknowns))
    return Group(*parts)


@click.command()
@click.argument("url")
@json_option("Print the site's full result as JSON.")
@click.option("--render", is_flag=True, help="Also render pages in Chromium (for JS-set tags).")
@network_options("Any Scrapy or OPTOUT_* setting for the crawl, e.g. -s DOWNLOAD_TIMEOUT=10.")
@probe_agents_option()
@db_option(
    "Keep the evidence in this SQLite file (default: a temporary file, deleted after).",
    required=False,
)
def check(
    url: str,
    as_json: bool,
    render: bool,
    proxy: str | None,
    allow_private: bool,
    db_path: Path | None,
    extra: tuple[str, ...],
    probe_agents: str | None,
) -> None:
    """Check one site now: does it opt out of AI training, how, and what is broken?

    URL may be any address on the site, or just its host name: the whole site (its origin)
    is checked. The exit code is 0 whatever the verdict, 1 when no verdict could be made (the
    network seems to be down, or the check was stopped).

    \b
    Examples:
      optout check https://example.com
      optout check example.com --json
      optout check example.com --db checks.db     # keep the evidence
      optout check example.com --probe-agents     # also ask as AI crawlers would
    """
    try:
        origin = typed_origin(url)  # any address on the site: its origin is checked
    except ValueError as err:
        raise click.BadParameter(f"{url!r} {err}", param_hint="URL") from None
    overrides: dict[str, Any] = {
        "OPTOUT_RENDER": render or None,
        "OPTOUT_PROXY": proxy,
        "OPTOUT_ALLOW_PRIVATE": allow_private or None,
        **parse_settings(extra),
    }
    probe_overrides(probe_agents, overrides)
    console = make_console(stderr=True)
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
        work_dir = Path(tmp)
        report = _check(origin, db_path or work_dir / "check.db", work_dir, overrides, console)
    if as_json:
        click.echo(json.dumps(export_site(report), indent=2, sort_keys=True, ensure_ascii=False))
        return
    out = make_console()
    out.print(render_report(report, load_registry(), allow_private=allow_private))
    fetched = len(report["evidence"])
    kept = f"; the evidence is in {db_path}" if db_path else ""
    out.print(Text(f"{counted(fetched, 'fetch', 'fetches')}{kept}.", style="dim"))
