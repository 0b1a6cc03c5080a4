"""Lint: lines that parse, but do less (or otherwise) than their writer likely meant.

None of these changes a verdict; each says which readers the line misleads. Read off the
parsed file by :func:`lint`, which the parser's finding log calls (``_findings.py``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from audits.core.findings import Severity
from audits.signals.robots._lines import _LINE_SPLIT, _WS, Line

if TYPE_CHECKING:
    from audits.signals.robots import Group, RobotsTxt, Rule

Add = Callable[..., None]

CODES: dict[str, Severity] = {
    "robots-duplicate-group": "info",
    "robots-crawl-delay": "info",
    "robots-noindex": "warning",
    "robots-host": "info",
    "robots-blank-line-in-group": "warning",
    "robots-allow-and-disallow-all": "warning",
    "robots-dollar-not-at-end": "warning",
    "robots-space-in-path": "warning",
    "robots-sitemap-not-absolute": "warning",
}

QUOTE_CHARS = 80
"""A value quoted in a message is cut to this many characters; the finding's ``evidence``
keeps the line (itself bounded by ``EVIDENCE_MAX_CHARS``)."""


def _q(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


# Lines that close no group and carry no rule: they count for a group's extent only.
_GLOBAL_KEYS = frozenset({"sitemap", "license", "other"})


def lint(robots: RobotsTxt, add: Add) -> None:
    """Record every lint finding of ``robots`` through the parser's ``add``."""
    _other_records(robots.lines, add)
    _sitemaps(robots.sitemaps, add)
    _duplicate_groups(robots.groups, add)
    for group in robots.groups:
        _allow_and_disallow_all(group, add)
        for rule in (*group.rules, *group.ai_training):
            _pattern(rule, add)
    _blank_lines(robots, add)


def _other_records(lines: tuple[Line, ...], add: Add) -> None:
    for line in lines:
        if line.key == "crawl-delay":
            number = line.value.replace(".", "", 1).isdigit()
            add(
                "robots-crawl-delay",
                "Crawl-delay is not part of RFC 9309: Bing and Yandex read it, Google "
                "ignores it, and it blocks nothing; it only asks for a pause between requests"
                + ("." if number else f" (and '{_q(line.value)}' is not a number of seconds)."),
                line=line.number,
                evidence=line.text,
            )
        elif line.key != "other":
            continue
        elif line.raw_key.casefold() == "noindex":
            add(
                "robots-noindex",
                "'Noindex:' in robots.txt does nothing: it is not part of RFC 9309 and Google "
                "stopped reading it in 2019. Use a robots meta tag or an "
                "X-Robots-Tag header to keep pages out of an index.",
                line=line.number,
                evidence=line.text,
            )
        elif line.raw_key.casefold() == "host":
            add(
                "robots-host",
                "'Host:' is a legacy Yandex directive for the preferred mirror; other crawlers "
                "ignore it and it blocks nothing. Redirect to the preferred host instead.",
                line=line.number,
                evidence=line.text,
            )


def _sitemaps(sitemaps: tuple[tuple[int, str], ...], add: Add) -> None:
    for number, url in sitemaps:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            continue
        what = f"'{_q(url)}' is not an absolute http(s) URL" if url else "it has no URL"
        add(
            "robots-sitemap-not-absolute",
            f"This Sitemap line is ignored: {what}. Sitemap lines take the full URL, "
            "e.g. 'Sitemap: https://example.com/sitemap.xml'.",
            line=number,
            evidence=url or None,
        )


def _duplicate_groups(groups: tuple[Group, ...], add: Add) -> None:
    """An agent named in more than one group: RFC 9309 merges them (§2.2.1)."""
    first: dict[str, tuple[Group, int]] = {}
    for group in groups:
        for agent in group.agents:
            folded = agent.token.casefold()
            if not folded:
                continue
            earlier, line = first.setdefault(folded, (group, agent.line))
            if earlier is not group:
                add(
                    "robots-duplicate-group",
                    f"'{_q(agent.raw)}' already has a group at line {line}. RFC 9309 readers "
                    "merge the two; readers that take the first matching group only "
                    "(Python's urllib.robotparser) ignore this one. Put its rules in one group.",
                    line=agent.line,
                    evidence=agent.raw,
                    agent=None if agent.is_global else agent.raw,
                )


def _matches_everything(rule: Rule) -> bool:
    raw = rule.pattern.raw
    return bool(raw) and not rule.pattern.anchored and raw.rstrip("*") in ("", "/")


def _allow_and_disallow_all(group: Group, add: Add) -> None:
    everything = [r for r in group.rules if _matches_everything(r)]
    allow = next((r for r in everything if r.allow), None)
    disallow = next((r for r in everything if not r.allow), None)
    if allow is None or disallow is None:
        return
    wins = allow if allow.pattern.priority >= disallow.pattern.priority else disallow
    first, later = sorted((allow, disallow), key=lambda r: r.line)
    add(
        "robots-allow-and-disallow-all",
        f"This group both allows everything (line {allow.line}) and disallows everything "
        f"(line {disallow.line}). RFC 9309 readers take the longer rule, Allow on a tie: "
        f"line {wins.line}, so the group {'blocks nothing' if wins.allow else 'blocks all'}. "
        f"Readers that take the first matching line follow line {first.line}. Keep one.",
        line=later.line,
        evidence=later.text,
    )


def _pattern(rule: Rule, add: Add) -> None:
    raw = rule.pattern.raw
    if "$" in raw[:-1]:
        add(
            "robots-dollar-not-at-end",
            f"'$' ends a pattern only as its last character; inside '{_q(raw)}' Google's parser "
            "and this audit compare it as a literal '$', which URLs rarely contain, so the "
            "rule likely matches nothing you meant. Move it to the end, or write %24 for a "
            "literal dollar sign.",
            line=rule.line,
            evidence=rule.text,
        )
    if " " in raw or "\t" in raw:
        add(
            "robots-space-in-path",
            f"The path '{_q(raw)}' contains a space. Crawlers request a space as %20 and match a "
            "rule as written, so this rule matches no URL. Write one path per line, and %20 "
            "for a space inside a name.",
            line=rule.line,
            evidence=rule.text,
        )


def _blank_lines(robots: RobotsTxt, add: Add) -> None:
    """A blank line between a group's first and last line. RFC 9309 allows it (§2.2); parsers
    that end a record at a blank line, as the 1994 convention did, lose part of the group."""
    if not robots.groups:
        return
    blanks = [n for n, text in enumerate(_LINE_SPLIT.split(robots.text), 1) if not text.strip(_WS)]
    if not blanks:
        return
    starts = [g.start_line for g in robots.groups]
    members = [line for line in robots.lines if line.key not in _GLOBAL_KEYS]
    numbers = [m.number for m in members]
    last = list(starts)
    first_rule: list[int | None] = [None] * len(starts)
    for member in members:
        index = bisect_right(starts, member.number) - 1
        if index < 0:
            continue  # a rule before any group (robots-rule-outside-group)
        last[index] = member.number
        if member.key != "user-agent" and first_rule[index] is None:
            first_rule[index] = member.number
    for index, start in enumerate(starts):
        at = bisect_right(blanks, start)
        if at == len(blanks) or blanks[at] > last[index]:
            continue
        blank = blanks[at]
        after = members[bisect_right(numbers, blank)]
        rule = first_rule[index]
        agents_only = rule is None or rule > blank
        lost = "the User-agent lines above it" if agents_only else "what follows it"
        add(
            "robots-blank-line-in-group",
            f"A blank line splits the group that starts at line {start}. RFC 9309 and Google "
            f"read on, but parsers that end a group at a blank line (Python's "
            f"urllib.robotparser) drop {lost}. Remove the blank line.",
            line=blank,
            evidence=after.text,
        )
