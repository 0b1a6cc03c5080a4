"""robots.txt as RFC 9309 defines it, with the AI-usage lines found inside its groups.

Public API (stable): :func:`parse_robots`, :meth:`RobotsTxt.verdict`, :func:`is_allowed`.
The verdict follows the RFC; where Protego (what Scrapy-based crawlers use) or Google's
reference matcher would answer otherwise, the verdict says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from audits.core.findings import Finding
from audits.core.pathmatch import PathPattern, compile_pattern, path_of
from audits.signals.aipref import (
    UsagePreference,
    parse_usage_preference,
    split_robots_content_usage,
)
from audits.signals.content_signal import ContentSignal, parse_content_signal
from audits.signals.robots import _compare as robots_compare
from audits.signals.robots._findings import CODES, line_findings
from audits.signals.robots._lines import Line, decode_body, split_lines
from audits.signals.rsl import check_license_url

__all__ = [
    "CODES",
    "AgentLine",
    "AgentTable",
    "ContentSignalLine",
    "ContentUsageRule",
    "Group",
    "RobotsTxt",
    "RobotsVerdict",
    "Rule",
    "is_allowed",
    "parse_robots",
]

Matched = Literal["explicit", "wildcard", "none"]
_TOKEN_RE = re.compile(r"[A-Za-z_-]+")


@dataclass(frozen=True)
class AgentLine:
    """A ``User-agent`` line: the value as written and the product token RFC parsers use."""

    line: int
    raw: str
    token: str
    """Leading run of letters, ``-`` and ``_`` (RFC 9309 §2.2.1); ``*`` for the global group;
    empty when nothing is matchable."""

    @property
    def is_global(self) -> bool:
        return self.token == "*"

    @property
    def rfc_valid(self) -> bool:
        return self.is_global or (self.token != "" and self.token == self.raw)


@dataclass(frozen=True)
class Rule:
    """An Allow or Disallow line (or the draft AI-training variants)."""

    allow: bool
    pattern: PathPattern
    line: int
    text: str


@dataclass(frozen=True)
class ContentUsageRule:
    """A ``Content-Usage`` rule (draft-ietf-aipref-attach-05 §3)."""

    path: PathPattern | None
    preference: UsagePreference
    line: int
    text: str


@dataclass(frozen=True)
class ContentSignalLine:
    """A Cloudflare ``Content-Signal`` line and the group it sits in."""

    signal: ContentSignal
    line: int
    text: str


@dataclass(frozen=True)
class Group:
    """One group as written: its user-agent lines and what follows until the next group."""

    index: int
    agents: tuple[AgentLine, ...]
    rules: tuple[Rule, ...] = ()
    content_usage: tuple[ContentUsageRule, ...] = ()
    content_signals: tuple[ContentSignalLine, ...] = ()
    ai_training: tuple[Rule, ...] = ()
    """``DisallowAITraining`` / ``AllowAITraining`` lines (draft-canel-robots-ai-control)."""
    crawl_delay: str | None = None

    @property
    def start_line(self) -> int:
        return self.agents[0].line

    def applies_to(self, token: str) -> bool:
        folded = token.casefold()
        return any(a.token.casefold() == folded for a in self.agents if not a.is_global)

    @property
    def is_global(self) -> bool:
        return any(a.is_global for a in self.agents)


@dataclass(frozen=True)
class RobotsVerdict:
    """Whether one agent may crawl one path, and which lines decided."""

    agent: str
    path: str
    allowed: bool
    matched: Matched
    group_lines: tuple[int, ...]
    """Line numbers of the user-agent lines of every group that applied (merged)."""
    group_text: str | None
    rule_line: int | None
    rule_text: str | None
    protego_allowed: bool | None = None
    """What Protego answers, set only when it disagrees with this verdict."""
    google_allowed: bool | None = None
    """What Google's reference matcher answers, set only when it disagrees."""


@dataclass(frozen=True)
class RobotsTxt:
    """A parsed robots.txt: its groups, global lines and what was wrong with it."""

    text: str
    groups: tuple[Group, ...]
    sitemaps: tuple[tuple[int, str], ...]
    licenses: tuple[tuple[int, str], ...]
    orphans: tuple[Line, ...]
    """Group-member lines seen before any user-agent line (ignored, RFC 9309 §2.2.1)."""
    lines: tuple[Line, ...]
    findings: tuple[Finding, ...]
    truncated: bool
    decode_errors: int
    had_bom: bool
    encoding: str
    _verdicts: dict[int, dict[str, tuple[bool, Rule | None]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def groups_for(self, agent: str) -> tuple[Matched, tuple[Group, ...]]:
        """The groups whose rules apply to an agent: its own (merged), else ``*``, else none."""
        return self._group_index.get(agent.casefold()) or self._fallback

    @cached_property
    def _group_index(self) -> dict[str, tuple[Matched, tuple[Group, ...]]]:
        index: dict[str, list[Group]] = {}
        for group in self.groups:
            for token in {a.token.casefold() for a in group.agents if not a.is_global}:
                if token:
                    index.setdefault(token, []).append(group)
        return {token: ("explicit", tuple(groups)) for token, groups in index.items()}

    @cached_property
    def _fallback(self) -> tuple[Matched, tuple[Group, ...]]:
        wildcard = tuple(g for g in self.groups if g.is_global)
        return ("wildcard", wildcard) if wildcard else ("none", ())

    def verdict(self, agent: str, url_or_path: str, *, compare: bool = True) -> RobotsVerdict:
        """Decide whether ``agent`` may crawl ``url_or_path`` (RFC 9309 §2.2)."""
        matched, groups = self.groups_for(agent)
        path = path_of(url_or_path)
        allowed, rule = self._decide(groups, path)
        verdict = RobotsVerdict(
            agent=agent,
            path=path,
            allowed=allowed,
            matched=matched,
            group_lines=tuple(a.line for g in groups for a in g.agents),
            group_text=" / ".join(a.raw for g in groups for a in g.agents) or None,
            rule_line=rule.line if rule else None,
            rule_text=rule.text if rule else None,
        )
        if not compare:
            return verdict
        protego = robots_compare.protego_allowed(self._protego, agent, url_or_path)
        google = (
            robots_compare.google_allowed(self.text, agent, url_or_path)
            if self._google_may_differ
            else None
        )
        return replace(
            verdict,
            protego_allowed=protego if protego is not None and protego != allowed else None,
            google_allowed=google if google is not None and google != allowed else None,
        )

    @cached_property
    def _protego(self) -> Any:
        return robots_compare.build_protego(self.text)

    @cached_property
    def _google_may_differ(self) -> bool:
        return robots_compare.google_may_differ(self)

    def _decide(self, groups: tuple[Group, ...], path: str) -> tuple[bool, Rule | None]:
        # Resolved once per distinct set of groups and path: most agents share a group. The
        # group tuples come from the cached index, so their identity names the set.
        cache = self._verdicts.setdefault(id(groups), {})
        if path not in cache:
            cache[path] = _longest_match((r for g in groups for r in g.rules), path)
        return cache[path]

    def table(
        self, agents: Sequence[str], urls_or_paths: Sequence[str], *, compare: bool = True
    ) -> AgentTable:
        """Verdicts for many agents and paths, each distinct group set decided once.

        Protego and Google's matcher are asked once per class of agents they cannot tell
        apart: Google compares tokens for equality as we do, so every agent without a group
        of its own gets the same answer; Protego matches group names as substrings, so an
        agent is asked about individually only when some group name occurs in its token.
        """
        paths = tuple(path_of(u) for u in urls_or_paths)
        differences: dict[tuple[str, str], tuple[bool | None, bool | None]] = {}
        if compare:
            differences = robots_compare.differences(self, agents, urls_or_paths, paths)
        return AgentTable(self, tuple(agents), paths, differences)

    def content_usage(self, agent: str, url_or_path: str) -> ContentUsageRule | None:
        """The Content-Usage rule that applies to a crawlable path (attach-05 §3.2).

        Longest path wins; rules on identical paths combine most restrictively, which is
        returned as the most restrictive of them. Disallowed paths carry no preference.
        """
        _, groups = self.groups_for(agent)
        path = path_of(url_or_path)
        if not self._decide(groups, path)[0]:
            return None
        best: list[ContentUsageRule] = []
        best_priority = -1
        for group in groups:
            for rule in group.content_usage:
                priority = rule.path.priority if rule.path else 1
                if rule.path is not None and not rule.path.matches(path):
                    continue
                if priority > best_priority:
                    best, best_priority = [rule], priority
                elif priority == best_priority:
                    best.append(rule)
        if not best:
            return None
        return max(best, key=lambda r: _restrictiveness(r.preference))

    def content_signals(self, agent: str) -> tuple[ContentSignalLine, ...]:
        """Content-Signal lines of the groups that apply to an agent."""
        return tuple(s for g in self.groups_for(agent)[1] for s in g.content_signals)

    def ai_training_verdict(self, agent: str, url_or_path: str) -> tuple[bool, Rule | None]:
        """The draft ``DisallowAITraining``/``AllowAITraining`` answer: (allowed, deciding rule)."""
        _, groups = self.groups_for(agent)
        return _longest_match((r for g in groups for r in g.ai_training), path_of(url_or_path))


@dataclass(frozen=True)
class AgentTable:
    """Verdicts for every (agent, path) pair, stored once per distinct set of groups."""

    robots: RobotsTxt
    agents: tuple[str, ...]
    paths: tuple[str, ...]
    differences: dict[tuple[str, str], tuple[bool | None, bool | None]]

    def allowed(self, agent: str, path: str) -> bool:
        """Whether ``agent`` may crawl the normalised ``path`` (one of ``paths``)."""
        groups = self.robots.groups_for(agent)[1]
        return self.robots._decide(groups, path)[0]

    def verdict(self, agent: str, path: str) -> RobotsVerdict:
        """The full verdict for one pair, built on demand."""
        verdict = self.robots.verdict(agent, path, compare=False)
        protego, google = self.differences.get((agent, path), (None, None))
        return replace(verdict, protego_allowed=protego, google_allowed=google)

    def __iter__(self) -> Iterator[RobotsVerdict]:
        # Agents that share a group set share everything but their name and the comparison
        # notes: each (group set, path) verdict is built once and copied per agent. The audit
        # iterates the table for every site, so this is its hottest loop.
        shared: dict[tuple[int, str], RobotsVerdict] = {}
        for agent in self.agents:
            groups = self.robots.groups_for(agent)[1]
            for path in self.paths:
                base = shared.get((id(groups), path))
                if base is None:
                    base = shared[(id(groups), path)] = self.robots.verdict(
                        agent, path, compare=False
                    )
                protego, google = self.differences.get((agent, path), (None, None))
                yield RobotsVerdict(
                    agent,
                    base.path,
                    base.allowed,
                    base.matched,
                    base.group_lines,
                    base.group_text,
                    base.rule_line,
                    base.rule_text,
                    protego,
                    google,
                )


def _restrictiveness(pref: UsagePreference) -> int:
    return sum(1 for value in pref.categories.values() if value == "disallow")


def _longest_match(rules: Iterable[Rule], path: str) -> tuple[bool, Rule | None]:
    """Longest match in octets; allow wins a tie (RFC 9309 §2.2.2)."""
    if path == "/robots.txt":
        return True, None
    best: Rule | None = None
    for rule in rules:
        if not rule.pattern.raw or not rule.pattern.matches(path):
            continue
        if best is None or (rule.pattern.priority, rule.allow) > (
            best.pattern.priority,
            best.allow,
        ):
            best = rule
    return (best is None or best.allow), best


def _token_of(value: str) -> str:
    if value == "*" or (value.startswith("*") and value[1:2] in (" ", "\t")):
        return "*"
    found = _TOKEN_RE.match(value)
    return found.group(0) if found else ""


class _GroupBuilder:
    def __init__(self, index: int) -> None:
        self.index = index
        self.agents: list[AgentLine] = []
        self.rules: list[Rule] = []
        self.usage: list[ContentUsageRule] = []
        self.signals: list[ContentSignalLine] = []
        self.ai_training: list[Rule] = []
        self.crawl_delay: str | None = None
        self.has_rules = False

    def build(self) -> Group:
        return Group(
            self.index,
            tuple(self.agents),
            tuple(self.rules),
            tuple(self.usage),
            tuple(self.signals),
            tuple(self.ai_training),
            self.crawl_delay,
        )


def parse_robots(body: bytes | str) -> RobotsTxt:
    """Parse a robots.txt body leniently; every leniency and mistake becomes a finding."""
    decoded = decode_body(body)
    lines = split_lines(decoded.text)
    groups: list[Group] = []
    current: _GroupBuilder | None = None
    sitemaps: list[tuple[int, str]] = []
    licenses: list[tuple[int, str]] = []
    orphans: list[Line] = []
    for line in lines:
        if line.key == "user-agent":
            if current is None or current.has_rules:
                if current is not None:
                    groups.append(current.build())
                current = _GroupBuilder(len(groups))
            current.agents.append(AgentLine(line.number, line.value, _token_of(line.value)))
        elif line.key == "sitemap":
            sitemaps.append((line.number, line.value))
        elif line.key == "license":
            licenses.append((line.number, line.value))
        elif line.key == "other":
            continue
        elif current is None:
            orphans.append(line)
        else:
            _add_member(current, line)
    if current is not None:
        groups.append(current.build())
    robots = RobotsTxt(
        text=decoded.text,
        groups=tuple(groups),
        sitemaps=tuple(sitemaps),
        licenses=tuple(licenses),
        orphans=tuple(orphans),
        lines=tuple(lines),
        findings=(),
        truncated=decoded.truncated,
        decode_errors=decoded.decode_errors,
        had_bom=decoded.had_bom,
        encoding=decoded.encoding,
    )
    findings = (*line_findings(robots, decoded.binary), *_embedded_findings(robots))
    return replace(robots, findings=findings)


def _embedded_findings(robots: RobotsTxt) -> tuple[Finding, ...]:
    """What the parsers of the lines robots.txt carries found: Content-Signal, Content-Usage
    and License, each on the line it was read from."""
    found: list[Finding] = []
    for group in robots.groups:
        for signal in group.content_signals:
            found += (replace(f, line=signal.line) for f in signal.signal.findings)
        for usage in group.content_usage:
            found += (replace(f, line=usage.line) for f in usage.preference.findings)
    for number, url in robots.licenses:
        found += (replace(f, line=number) for f in check_license_url(url).findings)
    return tuple(found)


def _add_member(group: _GroupBuilder, line: Line) -> None:
    if line.key in ("allow", "disallow"):
        group.has_rules = True
        group.rules.append(
            Rule(line.key == "allow", compile_pattern(line.value), line.number, line.text)
        )
    elif line.key == "content-usage":
        # attach-05 extends the rule production, so it also closes the user-agent list.
        group.has_rules = True
        raw_path, value = split_robots_content_usage(line.value)
        path = compile_pattern(raw_path) if raw_path else None
        group.usage.append(
            ContentUsageRule(path, parse_usage_preference(value), line.number, line.text)
        )
    elif line.key == "content-signal":
        group.signals.append(
            ContentSignalLine(parse_content_signal(line.value), line.number, line.text)
        )
    elif line.key in ("disallow-ai-training", "allow-ai-training"):
        group.ai_training.append(
            Rule(
                line.key == "allow-ai-training",
                compile_pattern(line.value),
                line.number,
                line.text,
            )
        )
    elif line.key == "crawl-delay":
        group.crawl_delay = line.value


def is_allowed(body: bytes | str, agent: str, url: str) -> bool:
    """Whether ``agent`` may crawl ``url`` under this robots.txt body (RFC 9309)."""
    return parse_robots(body).verdict(agent, url, compare=False).allowed
