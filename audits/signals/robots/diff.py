"""Two robots.txt files compared by effect: which agents and paths change verdict.

A textual diff says which lines moved; a site owner needs to know what they now block. Each
registered agent and ``*`` is decided, under both files, on the site root and on every path
the rules of either file name (a pattern stands for the shortest path it matches). Agents
that have no group of their own in either file read exactly what ``*`` reads, so they are
reported once, under ``*``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audits.core.agents import Registry
from audits.core.pathmatch import PathPattern
from audits.signals.robots import Group, RobotsTxt, RobotsVerdict, parse_robots

MAX_PATHS = 200
"""Path classes compared at most: a file naming thousands of paths is compared on the first."""
WILDCARD = "*"


@dataclass(frozen=True)
class PathClass:
    """A path the comparison decides: as a rule wrote it, and the URL path tested for it."""

    label: str
    path: str


@dataclass(frozen=True)
class VerdictChange:
    """One agent on one path class, decided otherwise by the two files."""

    agent: str
    path: PathClass
    before: RobotsVerdict
    after: RobotsVerdict

    @property
    def now_blocked(self) -> bool:
        return self.before.allowed and not self.after.allowed


@dataclass(frozen=True)
class RobotsDiff:
    """What changes between two robots.txt files, agent by agent."""

    agents: tuple[str, ...]
    """Agents compared: ``*`` and the registry's tokens, in registry order."""
    paths: tuple[PathClass, ...]
    changes: tuple[VerdictChange, ...]
    """Only the pairs whose verdict differs, agent by agent."""
    follow_wildcard: tuple[str, ...]
    """Agents compared that have no group of their own in either file: they read what ``*``
    reads, and their changes are the ``*`` row's."""

    def changed_agents(self) -> tuple[str, ...]:
        return tuple(self._by_agent())

    def summary(self) -> str:
        """One line for people: how many agents change, and which way."""
        by_agent = self._by_agent()
        if not by_agent:
            return f"No agent changes verdict (compared on {_count(len(self.paths), 'path')})."
        ways: dict[str, list[str]] = {}
        for agent, changes in by_agent.items():
            ways.setdefault(_way(changes), []).append(self._name(agent))
        count = sum(1 + (len(self.follow_wildcard) if a == WILDCARD else 0) for a in by_agent)
        parts = "; ".join(f"{_names(names)} {way}" for way, names in ways.items())
        return f"{_count(count, 'agent')} change: {parts}"

    def _by_agent(self) -> dict[str, list[VerdictChange]]:
        out: dict[str, list[VerdictChange]] = {}
        for change in self.changes:
            out.setdefault(change.agent, []).append(change)
        return out

    def _name(self, agent: str) -> str:
        if agent == WILDCARD and self.follow_wildcard:
            others = _count(len(self.follow_wildcard), "agent")
            return f"* (and {others} without a group of their own)"
        return agent


def _way(changes: Sequence[VerdictChange]) -> str:
    if all(c.now_blocked for c in changes):
        direction = "now blocked"
    elif not any(c.now_blocked for c in changes):
        direction = "now allowed"
    else:
        return "blocked on some paths, allowed on others"
    where = list(dict.fromkeys(c.path.label for c in changes))
    return direction if where == ["/"] else f"{direction} on {_names(where)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def diff_robots(
    old: bytes | str,
    new: bytes | str,
    registry: Registry,
    *,
    agents: Sequence[str] = (),
    paths: Sequence[str] = (),
) -> RobotsDiff:
    """Compare two robots.txt bodies for ``*`` and every registry agent (or ``agents``), on
    ``/`` and every rule path of either file (or ``paths``)."""
    before, after = parse_robots(old), parse_robots(new)
    tokens = tuple(dict.fromkeys(agents or (WILDCARD, *registry.tokens())))
    classes = (
        tuple(PathClass(p, p) for p in dict.fromkeys(paths))
        if paths
        else path_classes((*before.groups, *after.groups))
    )
    # Asked about every agent, those with no group of their own in either file read what
    # ``*`` reads: they are decided once, as ``*``. Agents asked for by name are each decided.
    follow = (
        ()
        if agents
        else tuple(t for t in tokens if t != WILDCARD and not _own_group(before, after, t))
    )
    decided = [t for t in tokens if t not in follow]
    changes = tuple(
        VerdictChange(token, cls, was, now)
        for token in decided
        for cls in classes
        if (was := before.verdict(token, cls.path, compare=False)).allowed
        != (now := after.verdict(token, cls.path, compare=False)).allowed
    )
    return RobotsDiff(tokens, classes, changes, follow)


def _own_group(before: RobotsTxt, after: RobotsTxt, token: str) -> bool:
    return any(r.groups_for(token)[0] == "explicit" for r in (before, after))


def path_classes(groups: Iterable[Group]) -> tuple[PathClass, ...]:
    """``/`` and one class per distinct rule path of ``groups``, in order, bounded."""
    found = {"/": PathClass("/", "/")}
    for group in groups:
        for rule in group.rules:
            example = _shortest_match(rule.pattern)
            if example is not None and example not in found:
                found[example] = PathClass(rule.pattern.raw, example)
                if len(found) >= MAX_PATHS:
                    return tuple(found.values())
    return tuple(found.values())


def _shortest_match(pattern: PathPattern) -> str | None:
    """A path the pattern matches: its ``*`` read as nothing (a final ``$`` is already off
    the normalised pattern). None for patterns that match no path (empty, or not starting
    with ``/`` or ``*``)."""
    if not pattern.raw.startswith(("/", "*")):
        return None
    path = pattern.normalised.replace("*", "")
    return path if path.startswith("/") else "/" + path


def _names(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
