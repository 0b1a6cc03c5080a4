"""``optout explain``: what one policy file says, line by line, for people and machines.

Each command reads its file with the same reader the site audit uses for that signal
(``audits/signals/<name>/signal.py``), so it reports the same findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import click

from optout_cli.explain_text import explain_text
from optout_cli.jsonout import dumps
from optout_cli.options import json_option

# Each command imports its own reader when it runs: --help loads no signal, and explaining a
# robots.txt loads the robots.txt reader only.
if TYPE_CHECKING:
    from audits.core.agents import Registry
    from audits.core.evidence import Fetch, FetchKind
    from audits.core.findings import Finding
    from audits.signals.policy_file import Parsed, PolicyFile
    from audits.signals.robots.diff import RobotsDiff, VerdictChange

MAX_INPUT = 20 * 1024 * 1024
P = TypeVar("P", bound="Parsed")
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


def _problems(findings: Sequence[Finding]) -> str:
    """The findings in a few words, for a summary line: "no problems", "2 problems (1 error)"."""
    if not findings:
        return "no problems found"
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    parts = [_count(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
    return _count(len(findings), "finding") + (f" ({', '.join(parts)})" if parts else "")


def _lines_label(numbers: Sequence[int]) -> str:
    """Line numbers as people write them: "line 4", "lines 3, 4"."""
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


def _agent_notes(tokens: Sequence[str], registry: Registry) -> list[str]:
    """A note for every asked-for agent the registry does not know as written."""
    notes = []
    for token in tokens:
        agent = registry.get(token)
        if agent is not None and agent.token == token:
            continue
        meant = agent or registry.suggest(token)
        if agent is not None:
            notes.append(
                f"{token} is not in the agent registry as written: did you mean {agent.token}?"
                " (robots.txt matching ignores case, so the verdict below is the same)"
            )
        elif meant is not None:
            notes.append(f"{token} is not in the agent registry: did you mean {meant.token}?")
        else:
            notes.append(
                f"{token} is not in the agent registry: no known crawler has a name close to it"
                " (the registry is audits/data/agents.json)"
            )
    return notes


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
    from audits.core.evidence import Fetch

    return Fetch(url=getattr(file, "name", "-"), kind=kind, status=200, body=_read(file))


def _policy_file(reading: PolicyFile[P], as_json: bool) -> P | None:
    """The parsed file; when it is a bot-protection page instead, say so and return None."""
    from audits.signals.botwall import finding_for

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
@click.argument("file", type=click.File("rb"), required=False)
@click.option(
    "--diff",
    "diff_files",
    nargs=2,
    type=click.File("rb"),
    metavar="OLD NEW",
    help="Compare two robots.txt files by effect: which agents and paths change verdict.",
)
@agent_option
@path_option
@json_option(JSON_HELP)
def explain_robots(
    file: BinaryIO | None,
    diff_files: tuple[BinaryIO, BinaryIO] | None,
    agents: tuple[str, ...],
    paths: tuple[str, ...],
    as_json: bool,
) -> None:
    """Which agents a robots.txt FILE blocks, on which paths, and which lines decide.

    With --diff OLD NEW, what changes between two versions instead: for * and every
    registry agent (or each --agent), on / and every path either file's rules name (or
    each --path), the verdicts that differ, with the deciding lines on each side. Agents
    with no group of their own in either file are reported once, under *.

    \b
    Examples:
      optout explain robots robots.txt --agent GPTBot --path /art/1
      optout explain robots --diff robots.old.txt robots.txt
    """
    if diff_files and file is None:
        _explain_robots_diff(diff_files, agents, paths, as_json)
        return
    if file is None or diff_files:
        raise click.UsageError("give a robots.txt FILE, or --diff OLD NEW (not both)")
    from audits.core.agents import load_registry
    from audits.signals.robots.signal import read_robots_file

    registry = load_registry()
    wanted = paths or ("/",)
    read = read_robots_file(_read(file), registry, wanted)
    robots, findings, author = read.robots, read.findings, read.authorship
    tokens = list(agents) or [a.token for a in registry.training_agents()]
    verdicts = [robots.verdict(t, p) for t in tokens for p in wanted]
    blocked = sorted({v.agent for v in verdicts if not v.allowed}, key=str.casefold)
    where = wanted[0] if len(wanted) == 1 else f"one of {len(wanted)} paths checked"
    who = (
        f"{len(blocked)} of {_count(len(tokens), 'training agent')}"
        if not agents
        else f"{len(blocked)} of {_count(len(tokens), 'agent')} asked for"
    )
    lines = [
        f"Summary: this robots.txt disallows {who} on {where}; {_problems(findings)}.",
        *_agent_notes(agents, registry),
        f"It has {_count(len(robots.groups), 'group')} and "
        f"{_count(len(robots.lines), 'line')} with content; written by: {author.author}"
        + (" (truncated at 500 KiB)." if robots.truncated else "."),
        "",
    ]
    how = {"explicit": "its own group", "wildcard": "the * group", "none": "no group"}
    for v in verdicts:
        state = "allowed" if v.allowed else "DISALLOWED"
        lines.append(f"{v.agent} {v.path}: {state} by {how[v.matched]}")
        if v.group_text:
            lines.append(f"    group: User-agent: {v.group_text} ({_lines_label(v.group_lines)})")
        if v.rule_line:
            lines.append(f"    rule line {v.rule_line}: {v.rule_text}")
        elif v.matched != "none":
            lines.append("    no rule matches this path, so it is allowed")
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


def _explain_robots_diff(
    files: tuple[BinaryIO, BinaryIO],
    agents: tuple[str, ...],
    paths: tuple[str, ...],
    as_json: bool,
) -> None:
    """``explain robots --diff OLD NEW``: the summary line, then each change with its lines."""
    from audits.core.agents import load_registry
    from audits.signals.robots.diff import diff_robots

    registry = load_registry()
    old, new = files
    result = diff_robots(_read(old), _read(new), registry, agents=agents, paths=paths)
    lines = [
        result.summary(),
        f"Compared {getattr(old, 'name', '-')} with {getattr(new, 'name', '-')} on "
        + ", ".join(p.label for p in result.paths[:10])
        + (f" and {len(result.paths) - 10} more paths" if len(result.paths) > 10 else ""),
    ]
    for change in result.changes:
        lines += ["", *_change_text(result, change)]
    data = {
        "summary": result.summary(),
        "changed_agents": result.changed_agents(),
        "follow_wildcard": result.follow_wildcard,
        "paths": result.paths,
        "changes": result.changes,
        "registry_version": registry.version,
    }
    _emit(as_json, data, lines)


def _change_text(result: RobotsDiff, change: VerdictChange) -> list[str]:
    how = {"explicit": "its own group", "wildcard": "the * group", "none": "no group"}
    after = "DISALLOWED" if not change.after.allowed else "allowed"
    head = f"{change.agent} {change.path.label}: {_word(change.before.allowed)} -> {after}"
    if change.agent == "*" and result.follow_wildcard:
        head += f" (also for {_count(len(result.follow_wildcard), 'agent')} with no own group)"
    out = [head]
    for side, v in (("before", change.before), ("after", change.after)):
        numbers = ", ".join(map(str, v.group_lines))
        group = f" (line{'s' if len(v.group_lines) > 1 else ''} {numbers})" if numbers else ""
        rule = f", rule line {v.rule_line}: {v.rule_text}" if v.rule_line else ", no rule"
        out.append(f"    {side}: by {how[v.matched]}{group}{rule}")
    return out


@explain.command("tdmrep")
@click.argument("file", type=click.File("rb"))
@path_option
@json_option(JSON_HELP)
def explain_tdmrep(file: BinaryIO, paths: tuple[str, ...], as_json: bool) -> None:
    """What a /.well-known/tdmrep.json FILE reserves, for each --path (first match decides)."""
    from audits.signals.pages.signal import read_tdmrep

    parsed = _policy_file(read_tdmrep(_as_fetch(file, "tdmrep")), as_json)
    if parsed is None:
        return
    decisions = [parsed.evaluate(p) for p in paths or ("/",)]
    reserved = sum(1 for d in decisions if d.reservation == 1)
    lines = [
        f"Summary: this tdmrep.json reserves text and data mining on {reserved} of "
        f"{_count(len(decisions), 'path')} checked; {_problems(parsed.findings)}.",
        f"The file is {parsed.state}" + (f": {parsed.reason}." if parsed.reason else "."),
    ]
    for d in decisions:
        value = {1: "RESERVED (1)", 0: "not reserved (0)", None: "unset"}[d.reservation]
        rule = (
            f' by rule #{d.rule_index} (location "{d.location}")'
            if d.rule_index is not None
            else ""
        )
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
    from audits.signals.aitxt.signal import read_aitxt

    parsed = _policy_file(read_aitxt(_as_fetch(file, "aitxt")), as_json)
    if parsed is None:
        return
    media = parsed.media_summary("*")
    decisions = [parsed.evaluate(a, p) for a in agents or ("*",) for p in paths or ("/",)]
    refused = sum(1 for d in decisions if not d.allowed)
    lines = [
        f"Summary: this ai.txt disallows {refused} of {_count(len(decisions), 'check')}"
        f" (agent and path); {_problems(parsed.findings)}.",
        f"Format: {parsed.format}.",
        "Media types for every agent:",
    ]
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
    from audits.core.evidence import Fetch
    from audits.signals.botwall import detect_bot_wall
    from audits.signals.pages import located_page_findings, page_signals

    status, headers, body = _parse_header_file(_read(file))
    fetch = Fetch(url=url, kind="page", status=status or 200, headers=tuple(headers), body=body)
    page = page_signals(fetch)
    wall = detect_bot_wall(fetch.status, fetch.headers, fetch.body)
    ai = page.ai("*")
    tdm = page.tdm_header
    findings = [lf.finding for lf in located_page_findings([page])]
    reserving = [
        name
        for name, on in (
            ("noai", ai.all_ai),
            ("noimageai (images only)", ai.images and not ai.all_ai),
            ("Bing noarchive", ai.bing_training),
            ("tdm-reservation: 1", tdm.reservation == 1),
        )
        if on
    ]
    if page.content_usage is not None:
        refused = [k for k, v in page.content_usage.categories.items() if v in ("n", "disallow")]
        reserving += [f"Content-Usage {k}" for k in refused]
    said = ", ".join(reserving) if reserving else "nothing in this response reserves AI use"
    lines = [
        f"Summary: {'this response reserves AI use by ' if reserving else ''}{said};"
        f" {_problems(findings)}.",
        f"Directives for every crawler: {', '.join(sorted(page.directives('*'))) or 'none'}",
        f"  noai (no AI use): {'yes' if ai.all_ai else 'no'}; "
        f"noimageai (images): {'yes' if ai.images else 'no'}; "
        f"Bing noarchive: {'yes' if ai.bing_training else 'no'}",
        f"tdm-reservation header: {_tdm_reservation(tdm.reservation, tdm.reservation_raw)}",
    ]
    if tdm.policy:
        lines.append(f"tdm-policy header: {tdm.policy}")
    if page.content_usage is not None:
        cats = ", ".join(f"{k}={v}" for k, v in page.content_usage.categories.items())
        lines.append(f"Content-Usage: {cats}")
    lines += [
        f"Licence link: {lic.url}" + (" (an RSL licence)" if lic.is_rsl else "")
        for lic in page.licenses
    ]
    if wall is not None:
        lines.append(f"Bot protection answer: {wall.vendor} {wall.kind}; nothing here is a policy")
    lines += ["", *_findings_text(findings)]
    _emit(as_json, {"page": page, "bot_wall": wall}, lines)


def _tdm_reservation(value: int | None, raw: Sequence[str]) -> str:
    if value == 1:
        return "1 (text and data mining reserved)"
    if value == 0:
        return "0 (not reserved)"
    if raw:
        return f"sent as {', '.join(raw)}, which is not 0 or 1, so it is not read"
    return "not sent"


explain.add_command(explain_text)
