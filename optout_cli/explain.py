"""``optout explain``: what one policy file says, line by line, for people and machines.

Each command reads its file with the same reader the site audit uses for that signal
(``audits/signals/<name>/signal.py``), so it reports the same findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO, TypeVar

import click

from audits.core.agents import load_registry
from audits.core.evidence import Fetch, FetchKind
from audits.core.findings import Finding
from audits.signals.aitxt.signal import read_aitxt
from audits.signals.botwall import detect_bot_wall, finding_for
from audits.signals.pages import located_page_findings, page_signals
from audits.signals.pages.signal import read_tdmrep
from audits.signals.policy_file import Parsed, PolicyFile
from audits.signals.robots.signal import read_robots_file
from optout_cli.explain_text import explain_text
from optout_cli.jsonout import dumps
from optout_cli.options import json_option

MAX_INPUT = 20 * 1024 * 1024
P = TypeVar("P", bound=Parsed)
JSON_HELP = "Print JSON instead of text."


def _read(file: BinaryIO) -> bytes:
    data = file.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise click.ClickException(f"{file.name} is larger than {MAX_INPUT:,} bytes")
    return data


def _findings_text(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["No problems found."]
    lines = ["Findings:"]
    for f in findings:
        where = f" line {f.line}" if f.line else ""
        lines.append(f"  [{f.severity}] {f.code}{where}: {f.message}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "disallowed"


def _emit(as_json: bool, data: Any, lines: Sequence[str]) -> None:
    click.echo(dumps(data) if as_json else "\n".join(lines))


agent_option = click.option(
    "--agent",
    "agents",
    multiple=True,
    metavar="TOKEN",
    help="Crawler token to decide for (repeatable). Default: every training agent.",
)
path_option = click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="PATH",
    help="URL or path to decide for (repeatable). Default: /.",
)


def _as_fetch(file: BinaryIO, kind: FetchKind) -> Fetch:
    """A local policy file as the audit would see it fetched: a 200 answer with that body."""
    return Fetch(url=getattr(file, "name", "-"), kind=kind, status=200, body=_read(file))


def _policy_file(reading: PolicyFile[P], as_json: bool) -> P | None:
    """The parsed file; when it is a bot-protection page instead, say so and return None."""
    if reading.parsed is None and reading.wall is not None:
        wall = reading.wall
        lines = [f"Bot protection answer: {wall.vendor} {wall.kind}; nothing here is a policy"]
        found = [finding_for(wall)]
        _emit(as_json, {"bot_wall": wall, "findings": found}, [*lines, "", *_findings_text(found)])
    return reading.parsed


@click.group()
def explain() -> None:
    """Explain what one policy file says (robots.txt, tdmrep.json, ai.txt, headers)."""


@explain.command("robots")
@click.argument("file", type=click.File("rb"))
@agent_option
@path_option
@json_option(JSON_HELP)
def explain_robots(
    file: BinaryIO, agents: tuple[str, ...], paths: tuple[str, ...], as_json: bool
) -> None:
    """Which agents a robots.txt FILE blocks, on which paths, and which lines decide.

    \b
    Example:
      optout explain robots robots.txt --agent GPTBot --path /art/1
    """
    registry = load_registry()
    wanted = paths or ("/",)
    read = read_robots_file(_read(file), registry, wanted)
    robots, findings, author = read.robots, read.findings, read.authorship
    tokens = list(agents) or [a.token for a in registry.training_agents()]
    verdicts = [robots.verdict(t, p) for t in tokens for p in wanted]
    lines = [
        f"robots.txt: {_count(len(robots.groups), 'group')}, "
        f"{_count(len(robots.lines), 'line')} with content, written by: {author.author}"
        + (" (truncated at 500 KiB)" if robots.truncated else ""),
        "",
    ]
    for v in verdicts:
        state = "allowed" if v.allowed else "DISALLOWED"
        how = {"explicit": "its own group", "wildcard": "the * group", "none": "no group"}
        lines.append(f"{v.agent} {v.path}: {state} by {how[v.matched]}")
        if v.group_text:
            lines.append(f"    group: User-agent {v.group_text} (lines {v.group_lines})")
        if v.rule_line:
            lines.append(f"    rule line {v.rule_line}: {v.rule_text}")
        if v.protego_allowed is not None:
            lines.append(f"    Protego reads it otherwise: {_word(v.protego_allowed)}")
        if v.google_allowed is not None:
            lines.append(f"    Google's parser reads it otherwise: {_word(v.google_allowed)}")
        usage = robots.content_usage(v.agent, v.path)
        if usage:
            lines.append(f"    Content-Usage (line {usage.line}): {usage.preference.raw}")
        for signal in robots.content_signals(v.agent):
            lines.append(f"    Content-Signal (line {signal.line}): {signal.signal.raw}")
    lines += ["", *_findings_text(findings)]
    data = {
        "authorship": author,
        "truncated": robots.truncated,
        "groups": robots.groups,
        "sitemaps": robots.sitemaps,
        "licenses": robots.licenses,
        "verdicts": verdicts,
        "findings": findings,
        "registry_version": registry.version,
    }
    _emit(as_json, data, lines)


@explain.command("tdmrep")
@click.argument("file", type=click.File("rb"))
@path_option
@json_option(JSON_HELP)
def explain_tdmrep(file: BinaryIO, paths: tuple[str, ...], as_json: bool) -> None:
    """What a /.well-known/tdmrep.json FILE reserves, for each --path (first match decides)."""
    parsed = _policy_file(read_tdmrep(_as_fetch(file, "tdmrep")), as_json)
    if parsed is None:
        return
    decisions = [parsed.evaluate(p) for p in paths or ("/",)]
    lines = [f"tdmrep.json: {parsed.state}" + (f" ({parsed.reason})" if parsed.reason else "")]
    for d in decisions:
        value = {1: "RESERVED (1)", 0: "not reserved (0)", None: "unset"}[d.reservation]
        rule = f" by rule #{d.rule_index} ({d.location!r})" if d.rule_index is not None else ""
        lines.append(f"  {d.path}: {value}{rule}")
        if d.longest_match_differs:
            lines.append(f"    longest match would pick rule #{d.longest_match_index} instead")
    lines += ["", *_findings_text(parsed.findings)]
    _emit(as_json, {"file": parsed, "decisions": decisions}, lines)


@explain.command("aitxt")
@click.argument("file", type=click.File("rb"))
@agent_option
@path_option
@json_option(JSON_HELP)
def explain_aitxt(
    file: BinaryIO, agents: tuple[str, ...], paths: tuple[str, ...], as_json: bool
) -> None:
    """What a Spawning ai.txt FILE reserves, per media type and for each --path."""
    parsed = _policy_file(read_aitxt(_as_fetch(file, "aitxt")), as_json)
    if parsed is None:
        return
    media = parsed.media_summary("*")
    decisions = [parsed.evaluate(a, p) for a in agents or ("*",) for p in paths or ("/",)]
    lines = [f"ai.txt format: {parsed.format}", "Media types for every agent:"]
    lines += [f"  {kind}: {state}" for kind, state in sorted(media.items())]
    for (agent, path), d in zip(
        [(a, p) for a in agents or ("*",) for p in paths or ("/",)], decisions, strict=True
    ):
        state = "allowed" if d.allowed else "DISALLOWED"
        rule = f" (line {d.line}: {d.rule})" if d.line else ""
        lines.append(f"  {agent} {path}: {state}{rule}")
    lines += ["", *_findings_text(parsed.findings)]
    _emit(as_json, {"file": parsed, "media": media, "decisions": decisions}, lines)


def _parse_header_file(data: bytes) -> tuple[int | None, list[tuple[str, str]], bytes]:
    """An HTTP response as text: optional status line, header lines, blank line, body."""
    text = data.decode("utf-8", "replace")
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    status: int | None = None
    headers = []
    for number, line in enumerate(head.split("\n")):
        if number == 0 and line.upper().startswith("HTTP/"):
            parts = line.split()
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return status, headers, body.encode("utf-8")


@explain.command("headers")
@click.argument("file", type=click.File("rb"))
@click.option("--url", default="https://example.invalid/", help="The URL the response came from.")
@json_option(JSON_HELP)
def explain_headers(file: BinaryIO, url: str, as_json: bool) -> None:
    """The AI opt-out signals in an HTTP response FILE (status line, headers, optional body).

    Reads X-Robots-Tag, tdm-reservation/tdm-policy, Content-Usage, Link licences, and robots
    meta tags when an HTML body follows the headers.
    """
    status, headers, body = _parse_header_file(_read(file))
    fetch = Fetch(url=url, kind="page", status=status or 200, headers=tuple(headers), body=body)
    page = page_signals(fetch)
    wall = detect_bot_wall(fetch.status, fetch.headers, fetch.body)
    ai = page.ai("*")
    lines = [
        f"Directives for every crawler: {', '.join(sorted(page.directives('*'))) or 'none'}",
        f"  noai (no AI use): {'yes' if ai.all_ai else 'no'}; "
        f"noimageai (images): {'yes' if ai.images else 'no'}; "
        f"Bing noarchive: {'yes' if ai.bing_training else 'no'}",
        f"tdm-reservation header: {page.tdm_header.reservation}",
    ]
    if page.content_usage is not None:
        cats = ", ".join(f"{k}={v}" for k, v in page.content_usage.categories.items())
        lines.append(f"Content-Usage: {cats}")
    lines += [f"Licence link: {lic.url} (RSL: {lic.is_rsl})" for lic in page.licenses]
    if wall is not None:
        lines.append(f"Bot protection answer: {wall.vendor} {wall.kind}; nothing here is a policy")
    lines += ["", *_findings_text([lf.finding for lf in located_page_findings([page])])]
    _emit(as_json, {"page": page, "bot_wall": wall}, lines)


explain.add_command(explain_text)
