"""robots.txt read against the agent registry: per-agent verdicts, who wrote the policy,
and the mistakes that only show once one knows which tokens are AI crawlers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from audits.core.agents import Agent, Registry
from audits.core.findings import Finding, Severity, make_finding
from audits.signals.robots import (
    AgentTable,
    Group,
    RobotsTxt,
    RobotsVerdict,
    Rule,
    _longest_match,
)
from audits.signals.robots.diff import path_classes

CODES: dict[str, Severity] = {
    "robots-token-typo": "error",
    "robots-legacy-only": "warning",
    "robots-reopens-wildcard": "warning",
    "robots-blanket-block": "info",
    "robots-search-not-training": "info",
    "robots-protego-differs": "warning",
    "robots-google-differs": "warning",
    "robots-cloudflare-policy-only": "info",
    "robots-first-group-differs": "warning",
}

Author = Literal["cloudflare-managed", "cloudflare-policy-only", "ai-robots-txt", "by-hand"]

# Successors of retired tokens: blocking only the old name leaves the new crawler free.
_SUCCESSORS = {"anthropic-ai": "ClaudeBot", "claude-web": "ClaudeBot"}
_CF_MANAGED = "begin cloudflare managed"
_CF_POLICY = ("content signals", "content-signal", "directive 2019/790")
_BOILERPLATE_MIN_AGENTS = 15


@dataclass(frozen=True)
class Authorship:
    """Who most likely wrote the policy, and the line that says so."""

    author: Author
    line: int | None = None


def agent_verdicts(
    robots: RobotsTxt, agents: Sequence[Agent], paths: Sequence[str], *, compare: bool = True
) -> AgentTable:
    """A verdict for every agent and path (each distinct group set is resolved once)."""
    return robots.table([a.token for a in agents], paths, compare=compare)


def authorship(robots: RobotsTxt, registry: Registry) -> Authorship:
    """Cloudflare's managed block, its policy-only comments, ai.robots.txt or by hand."""
    policy_line = None
    for number, comment in _comments(robots.text):
        if _CF_MANAGED in comment:
            return Authorship("cloudflare-managed", number)
        if policy_line is None and any(marker in comment for marker in _CF_POLICY):
            policy_line = number
    if policy_line is not None and not any(g.content_signals for g in robots.groups):
        return Authorship("cloudflare-policy-only", policy_line)
    for group in robots.groups:
        known = sum(registry.get(a.raw) is not None for a in group.agents)
        many = known >= _BOILERPLATE_MIN_AGENTS and known >= 0.8 * len(group.agents)
        if many and any(not r.allow and r.pattern.raw == "/" for r in group.rules):
            return Authorship("ai-robots-txt", group.start_line)
    return Authorship("by-hand")


def named_blocks(
    robots: RobotsTxt, agents: Sequence[Agent], paths: Sequence[str]
) -> frozenset[tuple[str, str]]:
    """(token, path) pairs disallowed by groups that name an RFC-invalid token as written.

    RFC 9309 §2.2.1 readers match ``User-agent: AI2Bot`` or ``Brightbot 1.0`` by their leading
    letters only, so such a group applies to no crawler of that name (the per-agent verdicts say
    so, and the file gets ``robots-invalid-token``). Naming the token as its operator documents
    it is still all a site can do short of ``*``, so the per-use verdict counts it as blocked.
    """
    wanted = {
        name.casefold(): a.token
        for a in agents
        if not a.rfc9309_valid
        for name in (a.token, *a.spellings)
    }
    rules: dict[str, list[Rule]] = {}
    for group in robots.groups:
        named = {wanted[k] for line in group.agents if (k := line.raw.casefold()) in wanted}
        for token in named:
            rules.setdefault(token, []).extend(group.rules)
    return frozenset(
        (token, path)
        for token, found in rules.items()
        for path in paths
        if not _longest_match(found, path)[0]
    )


def _comments(text: str) -> Iterator[tuple[int, str]]:
    """(line number, lower-cased comment) for every line with a ``#`` comment."""
    for number, line in enumerate(text.splitlines(), start=1):
        at = line.find("#")
        if at >= 0:
            yield number, line[at : at + 500].lower()


def robots_findings(
    robots: RobotsTxt, registry: Registry, verdicts: AgentTable
) -> tuple[Finding, ...]:
    """Findings that need the registry or the per-agent verdicts."""
    out: list[Finding] = []
    out += _typos(robots, registry)
    out += _legacy_only(robots, registry)
    out += _reopened(robots, registry)
    out += _blanket_and_search(robots, registry)
    out += _reader_differences([verdicts.verdict(a, p) for a, p in verdicts.differences])
    out += _first_group_only(robots, registry)
    author = authorship(robots, registry)
    if author.author == "cloudflare-policy-only":
        out.append(
            make_finding(
                CODES,
                "robots-cloudflare-policy-only",
                "The file carries Cloudflare's Content Signals policy text but no "
                "Content-Signal line: it expresses no preference. Turn on a signal "
                "(e.g. 'Content-Signal: ai-train=no') in Cloudflare or write one.",
                line=author.line,
            )
        )
    return tuple(out)


def _typos(robots: RobotsTxt, registry: Registry) -> list[Finding]:
    out = []
    for group in robots.groups:
        for line in group.agents:
            if line.is_global or registry.get(line.raw) or registry.get(line.token):
                continue
            meant = registry.suggest(line.raw)
            if meant is not None:
                out.append(
                    make_finding(
                        CODES,
                        "robots-token-typo",
                        f"'{line.raw}' is not the token of any known crawler; did you mean "
                        f"'{meant.token}'? As written, {meant.token} is not blocked by it.",
                        line=line.line,
                        evidence=line.raw,
                        agent=meant.token,
                    )
                )
    return out


def _blocked_at_root(robots: RobotsTxt, token: str) -> bool:
    return not robots._decide(robots.groups_for(token)[1], "/")[0]


def _legacy_only(robots: RobotsTxt, registry: Registry) -> list[Finding]:
    out = []
    for old, new in _SUCCESSORS.items():
        matched, groups = robots.groups_for(old)
        if matched != "explicit" or not _blocked_at_root(robots, old):
            continue
        if not _blocked_at_root(robots, new):
            out.append(
                make_finding(
                    CODES,
                    "robots-legacy-only",
                    f"'{old}' is blocked, but that token is retired: the current crawler "
                    f"'{new}' is not blocked. Add 'User-agent: {new}' to the same group.",
                    line=groups[0].start_line,
                    agent=new,
                )
            )
    return out


def _reopened(robots: RobotsTxt, registry: Registry) -> list[Finding]:
    """An AI agent's own group replaces ``*`` (RFC 9309 §2.2.1), re-opening what it closed."""
    if robots.groups_for("*")[0] != "wildcard" or not _blocked_at_root(robots, "*"):
        return []
    out = []
    for agent in registry.training_agents():
        if robots.groups_for(agent.token)[0] != "explicit" or _blocked_at_root(robots, agent.token):
            continue
        verdict = robots.verdict(agent.token, "/", compare=False)
        if verdict.allowed:
            out.append(
                make_finding(
                    CODES,
                    "robots-reopens-wildcard",
                    f"'User-agent: *' disallows everything, but {agent.token} has its own "
                    "group, which replaces the '*' rules entirely: it may crawl '/'. Add "
                    "'Disallow: /' to its group if you meant to block it.",
                    line=verdict.group_lines[0],
                    agent=agent.token,
                )
            )
    return out


def _blanket_and_search(robots: RobotsTxt, registry: Registry) -> list[Finding]:
    out = []
    if robots.groups_for("*")[0] == "wildcard" and _blocked_at_root(robots, "*"):
        out.append(
            make_finding(
                CODES,
                "robots-blanket-block",
                "'User-agent: *' with 'Disallow: /' blocks every crawler, search engines "
                "included: an opt-out of everything, not an AI-specific choice.",
            )
        )
    search_blocked = [
        a.token
        for a in registry.by_purpose("search")
        if robots.groups_for(a.token)[0] == "explicit" and _blocked_at_root(robots, a.token)
    ]
    training_blocked = any(_blocked_at_root(robots, a.token) for a in registry.training_agents())
    if search_blocked and not training_blocked:
        out.append(
            make_finding(
                CODES,
                "robots-search-not-training",
                f"AI search crawlers are blocked ({', '.join(search_blocked[:5])}) but no "
                "training crawler is: this keeps the site out of AI answers, not out of "
                "training. Block GPTBot, ClaudeBot, CCBot, Google-Extended… for that.",
            )
        )
    return out


def _first_group_only(robots: RobotsTxt, registry: Registry) -> list[Finding]:
    """RFC 9309 merges every group that names an agent (§2.2.1); Python's urllib.robotparser
    takes the first only. Reported when the two readings decide a registry agent otherwise
    on ``/`` or on a path the groups' rules name; once per set of groups."""
    sets: dict[int, tuple[tuple[Group, ...], list[str]]] = {}
    for agent in registry.agents:
        groups = robots.groups_for(agent.token)[1]
        if len(groups) > 1:
            sets.setdefault(id(groups), (groups, []))[1].append(agent.token)
    out = []
    for groups, agents in sets.values():
        for cls in path_classes(groups):
            merged, rule = robots._decide(groups, cls.path)
            first = _longest_match(groups[0].rules, cls.path)[0]
            if merged == first:
                continue
            wildcard = groups[0].is_global
            who = (
                f"the {len(agents)} registry agents without a group of their own"
                if wildcard
                else ", ".join(agents[:5])
                + (f" and {len(agents) - 5} more" if len(agents) > 5 else "")
            )
            starts = ", ".join(str(g.start_line) for g in groups)
            out.append(
                make_finding(
                    CODES,
                    "robots-first-group-differs",
                    f"For {who} on {cls.label}, RFC 9309 merges the groups at lines {starts} "
                    f"and says {'allowed' if merged else 'disallowed'}; readers that take the "
                    f"first group only (Python's urllib.robotparser) say "
                    f"{'allowed' if first else 'disallowed'}. Put these rules in one group.",
                    line=rule.line if rule else groups[1].start_line,
                    evidence=rule.text if rule else None,
                    agent=agents[0] if len(agents) == 1 and not wildcard else None,
                )
            )
            break
    return out


def _reader_differences(verdicts: Sequence[RobotsVerdict]) -> list[Finding]:
    """One finding per reader and deciding rule, naming the agents it affects."""
    grouped: dict[tuple[str, int | None, bool, bool], list[RobotsVerdict]] = {}
    for v in verdicts:
        for reader, other in (("protego", v.protego_allowed), ("google", v.google_allowed)):
            if other is not None:
                grouped.setdefault((reader, v.rule_line, v.allowed, other), []).append(v)
    out: list[Finding] = []
    for (reader, line, allowed, other), group in grouped.items():
        agents = list(dict.fromkeys(v.agent for v in group))
        paths = list(dict.fromkeys(v.path for v in group))
        name = "Protego (Scrapy's parser)" if reader == "protego" else "Google's parser"
        shown = ", ".join(agents[:5]) + (f" and {len(agents) - 5} more" if len(agents) > 5 else "")
        out.append(
            make_finding(
                CODES,
                f"robots-{reader}-differs",
                f"For {shown} on {', '.join(paths[:3])}, RFC 9309 says "
                f"{'allowed' if allowed else 'disallowed'} but {name} says "
                f"{'allowed' if other else 'disallowed'}: crawlers built on it read this file "
                "differently.",
                line=line,
                agent=agents[0] if len(agents) == 1 else None,
            )
        )
    return out
