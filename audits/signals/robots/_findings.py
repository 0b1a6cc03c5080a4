"""Findings about how a robots.txt is written, read off the parsed lines and groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from audits.core.findings import Finding, FindingLog, Severity
from audits.signals.robots import _lint
from audits.signals.robots._lines import MAX_BYTES, Line

if TYPE_CHECKING:
    from audits.signals.robots import RobotsTxt

CODES: dict[str, Severity] = {
    "robots-binary": "error",
    "robots-not-utf8": "warning",
    "robots-truncated": "warning",
    "robots-line-too-long": "warning",
    "robots-missing-colon": "warning",
    "robots-misspelt-key": "warning",
    "robots-prefix-key": "warning",
    "robots-disallow-ai-training": "warning",
    "robots-rule-outside-group": "warning",
    "robots-invalid-token": "warning",
    "robots-pattern-without-slash": "warning",
    "robots-content-signal-outside-group": "error",
    "robots-content-signal-repeated": "warning",
    **_lint.CODES,
}


def line_findings(robots: RobotsTxt, binary: bool) -> tuple[Finding, ...]:
    """Every problem in how the file is written, at most ``MAX_FINDINGS_PER_CODE`` per code."""
    log = FindingLog(CODES)
    add = log.add

    if binary:
        add(
            "robots-binary",
            "The robots.txt contains NUL bytes: it looks like a binary file, "
            "not text. Crawlers may ignore it; serve a plain UTF-8 text file.",
        )
    if robots.encoding != "utf-8" or robots.decode_errors:
        add(
            "robots-not-utf8",
            f"The robots.txt is not valid UTF-8 ({robots.encoding}, "
            f"{robots.decode_errors} undecodable bytes). RFC 9309 requires UTF-8; crawlers "
            "may misread the affected lines.",
        )
    if robots.truncated:
        add(
            "robots-truncated",
            f"The robots.txt is larger than {MAX_BYTES:,} bytes; crawlers "
            "stop reading there (RFC 9309 §2.5), so rules after that point have no effect.",
        )
    for line in robots.lines:
        _line_level(line, add)
    for orphan in robots.orphans:
        if orphan.key == "content-signal":
            add(
                "robots-content-signal-outside-group",
                "This Content-Signal line comes before "
                "any User-agent line, so it belongs to no group and readers that attach it to "
                "a group ignore it. Put it under 'User-agent: *'.",
                line=orphan.number,
                evidence=orphan.text,
            )
        else:
            add(
                "robots-rule-outside-group",
                "This rule comes before any User-agent line; "
                "crawlers ignore it (RFC 9309 §2.2.1). Add a User-agent line above it.",
                line=orphan.number,
                evidence=orphan.text,
            )
    for group in robots.groups:
        for agent in group.agents:
            if not agent.rfc_valid or (agent.is_global and agent.raw != "*"):
                add(
                    "robots-invalid-token",
                    _invalid_token_message(agent.raw, agent.token),
                    line=agent.line,
                    evidence=agent.raw,
                    agent=agent.raw,
                )
        for rule in (*group.rules, *group.ai_training):
            raw = rule.pattern.raw
            if raw and not raw.startswith(("/", "*")):
                add(
                    "robots-pattern-without-slash",
                    f"The path '{raw}' does not start with "
                    "'/' or '*', so it matches no URL. Write it as a path, e.g. '/images/'.",
                    line=rule.line,
                    evidence=rule.text,
                )
        if len(group.content_signals) > 1:
            second = group.content_signals[1]
            add(
                "robots-content-signal-repeated",
                "This group has several Content-Signal "
                "lines; readers may take only one. Combine them into one line.",
                line=second.line,
                evidence=second.text,
            )
    _lint.lint(robots, add)
    return log.frozen()


def _invalid_token_message(raw: str, token: str) -> str:
    if token == "*":
        return (
            f"'{raw}' is not a product token: Google's parser and this audit read it as "
            "'User-agent: *', so the group applies to every crawler."
        )
    message = (
        f"'{raw}' is not a valid product token "
        f"(only letters, '-' and '_'); RFC 9309 readers match it as '{token or 'nothing'}'."
    )
    if "*" in raw:
        message += (
            " '*' is no wildcard inside a name (only 'User-agent: *' alone means every "
            "crawler); Protego drops it and matches the rest inside longer names."
        )
    return message


def _line_level(line: Line, add: Callable[..., None]) -> None:
    if line.truncated:
        add(
            "robots-line-too-long",
            "This line is longer than Google's parser reads (about 16 KiB); its end is ignored.",
            line=line.number,
            evidence=line.text,
        )
    if line.missing_colon:
        add(
            "robots-missing-colon",
            f"'{line.raw_key}' has no colon. Google and Protego accept "
            "it, other readers may not: write 'Key: value'.",
            line=line.number,
            evidence=line.text,
        )
    if line.misspelt_key and line.key not in ("disallow-ai-training", "allow-ai-training"):
        add(
            "robots-misspelt-key",
            f"'{line.raw_key}' is a misspelling of '{line.key}'. "
            "Google and Protego accept it, strict RFC 9309 readers do not.",
            line=line.number,
            evidence=line.text,
        )
    if line.prefix_key_of is not None:
        add(
            "robots-prefix-key",
            f"'{line.raw_key}' is not a robots.txt key, but Google's "
            f"parser reads it as '{line.prefix_key_of}' because it starts with that word.",
            line=line.number,
            evidence=line.text,
        )
    if line.key in ("disallow-ai-training", "allow-ai-training"):
        kind = "Disallow" if line.key == "disallow-ai-training" else "Allow"
        add(
            "robots-disallow-ai-training",
            f"'{line.raw_key}' comes from an expired draft "
            f"(draft-canel-robots-ai-control). Google's parser reads it as '{kind}:', so it "
            f"{'blocks' if kind == 'Disallow' else 'opens'} crawling for every agent of this "
            "group, not only AI training; Protego ignores it.",
            line=line.number,
            evidence=line.text,
        )
