"""Was a crawler's request allowed by the robots.txt in force when it was made (issue 16, point 3)?

Pure functions over the contract types of :mod:`audits.logs`:

- :func:`judge` decides one hit against a timeline of :class:`RobotsInForce` spans, with the
  project's own robots.txt reading (:func:`audits.signals.robots.parse_robots` and its
  longest-match rule), never a second matcher;
- :class:`BehaviourAccumulator` (and :func:`behaviour`) sums up how one agent behaved on one
  site: did it read robots.txt first, how often, images taken from disallowed paths, whether
  it kept coming after a 403 or 402;
- :func:`violation_findings` turns violations into sentences a creator can act on;
- :func:`spans_from_user` makes a timeline from ``--robots FILE --since DATE``.

How the timeline is read (docs/logs.md, "What violation and within the caching allowance
mean"): a span from the crawl history (:class:`CrawledRobots`) is certain from its first to its
last crawl; between its last crawl and the first crawl that found another file, the change
happened at a moment nobody saw, so a hit there is ``changed-between`` unless both files give
the same answer. A disallowed hit is a violation only when every robots.txt that may have been
in force during the 24 hours before it disallows it too (RFC 9309 §2.4 lets a crawler cache the
file that long); otherwise it is ``within-cache-allowance``. A span with no fetch behind it
(``fetch_id`` None) is the user's word: it only fills what the crawl history leaves unknown.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import overload

from audits.core.pathmatch import path_of
from audits.logs import AgentHit, JudgedHit, Judgement, RobotsInForce, Verification
from audits.signals.robots import RobotsTxt, Rule, _longest_match, parse_robots

__all__ = [
    "CACHE_ALLOWANCE",
    "REFUSAL_STATUSES",
    "AgentBehaviour",
    "BehaviourAccumulator",
    "CrawledRobots",
    "Timeline",
    "ViolationFinding",
    "behaviour",
    "is_image_path",
    "is_robots_path",
    "judge",
    "path_prefix",
    "spans_from_user",
    "violation_findings",
]

CACHE_ALLOWANCE = timedelta(hours=24)
"""RFC 9309 §2.4: a crawler may keep using a fetched robots.txt for up to 24 hours."""

REFUSAL_STATUSES = frozenset({402, 403})
"""Answers that tell a crawler it may not have the page (403) or must pay for it (402)."""

_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|webp|gif|avif|tiff?|bmp|heic|heif|jxl|svg)$", re.I)
_IMAGE_ENDPOINTS = ("/_next/image", "/cdn-cgi/image/", "/.netlify/images")
"""Image services that serve an image from a path without an image extension."""


@dataclass(frozen=True)
class CrawledRobots(RobotsInForce):
    """A span of the crawl history: ``since`` is the first crawl that found this file,
    ``until`` the first crawl that found another, ``last_seen`` the last that still found it."""

    crawls: int = 1
    """How many crawls found this file in a row."""


# --- the timeline -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _parsed(body: bytes) -> RobotsTxt:
    return parse_robots(body)


def _answer(span: RobotsInForce, agent: str, path: str) -> tuple[bool, Rule | None]:
    """What a known span says for an agent and a path: (allowed, deciding rule)."""
    if span.body is None:
        return True, None  # no robots.txt (4xx): no rules, everything allowed (RFC 9309 §2.3.1.3)
    robots = _parsed(span.body)
    # The same decision as RobotsTxt.verdict, without its per-path cache: a log brings far more
    # distinct paths than a crawl, and that cache would grow with every one of them.
    return _longest_match((r for g in robots.groups_for(agent)[1] for r in g.rules), path)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Outcome:
    judgement: Judgement
    rule: str | None
    fetch_id: str | None


def _text(rule: Rule | None) -> str | None:
    return rule.text if rule is not None else None


class _Source:
    """Spans of one origin (the crawl history, or the user's word), ordered by ``since``."""

    def __init__(self, spans: Sequence[RobotsInForce]) -> None:
        self.spans = spans
        self.starts = [_utc(s.since) for s in spans]

    def decide(self, moment: datetime, agent: str, path: str) -> _Outcome | None:
        """The judgement from these spans alone; None when none of them covers the moment."""
        index = bisect_right(self.starts, moment) - 1
        if index < 0:
            return None
        span = self.spans[index]
        if span.until is not None and moment >= _utc(span.until):
            return None  # a hole between spans the user gave
        if not span.known:
            return _Outcome("unknown", None, span.fetch_id)
        allowed, rule = _answer(span, agent, path)
        last_seen = span.last_seen
        if (
            last_seen is not None
            and moment > _utc(last_seen)
            and span.until is not None
            and index + 1 < len(self.spans)
        ):
            after = self.spans[index + 1]
            if not after.known:
                return _Outcome("unknown", None, after.fetch_id)
            allowed_after, rule_after = _answer(after, agent, path)
            if allowed_after != allowed:
                deciding = rule if not allowed else rule_after
                return _Outcome("changed-between", _text(deciding), after.fetch_id)
        if allowed:
            return _Outcome("allowed", _text(rule), span.fetch_id)
        if self._cache_may_allow(index, moment, agent, path):
            return _Outcome("within-cache-allowance", _text(rule), span.fetch_id)
        return _Outcome("disallowed", _text(rule), span.fetch_id)

    def _cache_may_allow(self, index: int, moment: datetime, agent: str, path: str) -> bool:
        """Whether a robots.txt a crawler may still have held at ``moment`` (fetched in the 24
        hours before it) allowed the path, or may have: any unknown stretch counts as may."""
        start = moment - CACHE_ALLOWANCE
        covered_from = self.starts[index]
        while covered_from > start:
            index -= 1
            if index < 0:
                return True  # before the first file known: an older one may have allowed it
            before = self.spans[index]
            if before.until is not None and _utc(before.until) < covered_from:
                return True  # a stretch no span covers
            if not before.known or _answer(before, agent, path)[0]:
                return True
            covered_from = self.starts[index]
        return False


class Timeline(Sequence[RobotsInForce]):
    """A site's spans, prepared once for judging many hits (:func:`judge` accepts either).

    Spans with a fetch behind them are the crawl history; spans without (``fetch_id`` None)
    are what the user gave, and only decide where the crawl history knows nothing.
    """

    def __init__(self, spans: Iterable[RobotsInForce]) -> None:
        self._spans = tuple(sorted(spans, key=lambda s: _utc(s.since)))
        self._crawled = _Source([s for s in self._spans if s.fetch_id is not None])
        self._given = _Source([s for s in self._spans if s.fetch_id is None])

    @overload
    def __getitem__(self, index: int) -> RobotsInForce: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RobotsInForce]: ...
    def __getitem__(self, index: int | slice) -> RobotsInForce | Sequence[RobotsInForce]:
        return self._spans[index]

    def __len__(self) -> int:
        return len(self._spans)

    def judge(self, hit: AgentHit) -> JudgedHit:
        """The judgement of one hit (see :func:`judge`)."""
        moment = _utc(hit.line.time)
        path = path_of(hit.line.target)
        outcome = self._crawled.decide(moment, hit.agent, path)
        if outcome is None or outcome.judgement == "unknown":
            given = self._given.decide(moment, hit.agent, path)
            if given is not None and given.judgement != "unknown":
                outcome = given
        outcome = outcome or _Outcome("unknown", None, None)
        return JudgedHit(hit, outcome.judgement, outcome.rule, outcome.fetch_id)


def judge(hit: AgentHit, timeline: Sequence[RobotsInForce]) -> JudgedHit:
    """Judge one hit against the robots.txt in force on its site when it was made.

    The path is the request target with its query, matched as RFC 9309 §2.2.2 does, for the
    agent's registry token. ``rule`` is the deciding line (``Disallow: /gallery/``), None when
    no line decided (nothing matched, or no robots.txt); ``robots_fetch_id`` is the robots
    fetch the answer rests on. Pass a :class:`Timeline` when judging many hits of one site:
    a plain sequence is prepared anew on every call.
    """
    prepared = timeline if isinstance(timeline, Timeline) else Timeline(timeline)
    return prepared.judge(hit)


def spans_from_user(body: bytes, since: datetime) -> list[RobotsInForce]:
    """The timeline ``--robots FILE --since DATE`` gives: this file in force from ``since``
    on (a date without a time zone is taken as UTC). Before it nothing is known."""
    return [RobotsInForce(body=body, since=_utc(since), until=None, fetch_id=None, known=True)]


# --- paths ----------------------------------------------------------------------------------


def _bare_path(target: str) -> str:
    return path_of(target).split("?", 1)[0]


def is_robots_path(target: str) -> bool:
    """Whether a request target asks for ``/robots.txt`` (any query ignored)."""
    return _bare_path(target) == "/robots.txt"


def is_image_path(target: str) -> bool:
    """Whether a request target names an image: by its extension, or an image service's
    path (Next.js ``/_next/image``, Cloudflare ``/cdn-cgi/image/``, Netlify)."""
    path = _bare_path(target)
    return bool(_IMAGE_EXT.search(path)) or path.startswith(_IMAGE_ENDPOINTS)


def path_prefix(target: str) -> str:
    """The first path segment, as findings group by it: ``/gallery/1.jpg`` → ``/gallery/``;
    a file at the top (``/index.html``) → ``/``."""
    path = _bare_path(target)
    segment, slash, _ = path[1:].partition("/")
    return f"/{segment}/" if slash and segment else "/"


# --- behaviour ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentBehaviour:
    """How one agent behaved on one site, over the hits it was fed (in time order)."""

    site: str | None
    agent: str
    hits: int
    first_seen: datetime
    last_seen: datetime
    robots_reads: int
    """Requests for /robots.txt."""
    robots_read_first: bool
    """Whether it asked for /robots.txt before its first request for anything else."""
    requests_before_robots: int
    """Other requests made before its first robots.txt read (all of them if it never read)."""
    robots_reads_per_day: float
    """Reads over the days it was seen (at least one day)."""
    images_disallowed: int
    """Images (by extension or image-service path) fetched while robots.txt disallowed them."""
    disallowed: int
    """Hits judged ``disallowed``: the violations."""
    judgements: tuple[tuple[Judgement, int], ...]
    """How many hits got each judgement."""
    verifications: tuple[tuple[Verification, int], ...]
    refused_at: datetime | None
    """When the site first answered it 403 or 402."""
    refused_status: int | None
    hits_after_refusal: int
    """Requests it made after that first refusal."""
    statuses_after_refusal: tuple[tuple[int | None, int], ...]
    """The answers those later requests got, with counts (None: no status logged)."""

    @property
    def kept_coming(self) -> bool:
        """Whether it came back after being refused with 403 or 402."""
        return self.hits_after_refusal > 0


@dataclass
class BehaviourAccumulator:
    """Sums up one (site, agent) in constant memory: feed hits in time order with
    :meth:`add`, read :meth:`result`. "Before" means "fed before"."""

    site: str | None = None
    agent: str | None = None
    _hits: int = 0
    _first: datetime | None = None
    _last: datetime | None = None
    _robots_reads: int = 0
    _before_robots: int = 0
    _images_disallowed: int = 0
    _judgements: dict[Judgement, int] = field(default_factory=dict)
    _verifications: dict[Verification, int] = field(default_factory=dict)
    _refused_at: datetime | None = None
    _refused_status: int | None = None
    _after_refusal: int = 0
    _statuses_after: dict[int | None, int] = field(default_factory=dict)

    def add(self, judged: JudgedHit) -> None:
        """Count one judged hit of this site's agent."""
        hit = judged.hit
        line = hit.line
        if self.agent is None:
            self.agent = hit.agent
        elif hit.agent != self.agent:
            raise ValueError(f"hit of {hit.agent} fed to the behaviour of {self.agent}")
        if self.site is None:
            self.site = line.host
        moment = _utc(line.time)
        self._first = moment if self._first is None else min(self._first, moment)
        self._last = moment if self._last is None else max(self._last, moment)
        self._hits += 1
        self._judgements[judged.judgement] = self._judgements.get(judged.judgement, 0) + 1
        self._verifications[hit.verification] = self._verifications.get(hit.verification, 0) + 1
        if is_robots_path(line.target):
            self._robots_reads += 1
        elif self._robots_reads == 0:
            self._before_robots += 1
        if judged.judgement == "disallowed" and is_image_path(line.target):
            self._images_disallowed += 1
        if self._refused_at is not None:
            self._after_refusal += 1
            self._statuses_after[line.status] = self._statuses_after.get(line.status, 0) + 1
        elif line.status in REFUSAL_STATUSES:
            self._refused_at, self._refused_status = moment, line.status

    def result(self) -> AgentBehaviour:
        """What the hits fed so far show; ValueError before the first one."""
        if self._first is None or self._last is None or self.agent is None:
            raise ValueError("no hits fed: nothing to sum up")
        days = max(1.0, (self._last - self._first).total_seconds() / 86_400)
        return AgentBehaviour(
            site=self.site,
            agent=self.agent,
            hits=self._hits,
            first_seen=self._first,
            last_seen=self._last,
            robots_reads=self._robots_reads,
            robots_read_first=self._robots_reads > 0 and self._before_robots == 0,
            requests_before_robots=self._before_robots,
            robots_reads_per_day=self._robots_reads / days,
            images_disallowed=self._images_disallowed,
            disallowed=self._judgements.get("disallowed", 0),
            judgements=tuple(sorted(self._judgements.items())),
            verifications=tuple(sorted(self._verifications.items())),
            refused_at=self._refused_at,
            refused_status=self._refused_status,
            hits_after_refusal=self._after_refusal,
            statuses_after_refusal=tuple(
                sorted(self._statuses_after.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
            ),
        )


def behaviour(hits: Iterable[JudgedHit], site: str | None = None) -> AgentBehaviour:
    """How one agent behaved on one site (hits in time order; see :class:`AgentBehaviour`)."""
    accumulator = BehaviourAccumulator(site=site)
    for judged in hits:
        accumulator.add(judged)
    return accumulator.result()


# --- findings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViolationFinding:
    """Violations of one agent (as verified or claimed) on one day under one path prefix."""

    agent: str
    verification: Verification
    day: date
    """The day in UTC."""
    prefix: str
    hits: int
    images: int
    rule: str | None
    """The deciding line of the first violation (``Disallow: /gallery/``)."""
    robots_fetch_id: str | None
    lines: tuple[int, ...]
    """Log line numbers of the first violations, to cite."""
    text: str

    @property
    def citation(self) -> str:
        """``log lines 12, 57, 88 (3 of 312)``: the lines to quote."""
        shown = ", ".join(str(n) for n in self.lines)
        word = "line" if len(self.lines) == 1 else "lines"
        more = f" ({len(self.lines)} of {self.hits})" if self.hits > len(self.lines) else ""
        return f"log {word} {shown}{more}"


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _what(hits: int, images: int) -> str:
    others = hits - images
    if images and others:
        return (
            f"{_count(images, 'image', 'images')} and {_count(others, 'other URL', 'other URLs')}"
        )
    if images:
        return _count(images, "image", "images")
    return _count(others, "URL", "URLs")


def _sentence(
    agent: str,
    verification: Verification,
    day: date,
    prefix: str,
    hits: int,
    images: int,
    rule: str | None,
) -> str:
    what = _what(hits, images)
    because = f" ({rule})" if rule else ""
    if verification == "impersonator":
        return (
            f"Someone posing as {agent} (from an address outside its operator's published"
            f" ranges) fetched {what} under {prefix} on {day.isoformat()} while robots.txt"
            f" disallowed {agent}{because}."
        )
    label = "verified" if verification == "verified" else "not verifiable"
    return (
        f"{agent} ({label}) fetched {what} under {prefix} on {day.isoformat()} while"
        f" robots.txt disallowed it{because}."
    )


_RANK: dict[Verification, int] = {"verified": 0, "unverifiable": 1, "impersonator": 2}
"""Findings of one agent and day: the operator's own first, impersonators last."""


@dataclass
class _Group:
    hits: int = 0
    images: int = 0
    rule: str | None = None
    fetch_id: str | None = None
    lines: list[int] = field(default_factory=list)


def violation_findings(hits: Iterable[JudgedHit], *, cite: int = 5) -> list[ViolationFinding]:
    """One finding per agent (as verified or claimed), day and path prefix, for the hits
    judged ``disallowed`` (never ``within-cache-allowance`` nor ``changed-between``).

    Streams: memory grows with the groups, not the hits. Impersonators get their own
    findings, worded so that nothing is laid at the operator's door.
    """
    groups: dict[tuple[str, Verification, date, str], _Group] = {}
    for judged in hits:
        if judged.judgement != "disallowed":
            continue
        line = judged.hit.line
        day = _utc(line.time).astimezone(UTC).date()
        key = (judged.hit.agent, judged.hit.verification, day, path_prefix(line.target))
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(rule=judged.rule, fetch_id=judged.robots_fetch_id)
        group.hits += 1
        group.images += is_image_path(line.target)
        if len(group.lines) < cite:
            group.lines.append(line.number)
    return [
        ViolationFinding(
            agent=agent,
            verification=verification,
            day=day,
            prefix=prefix,
            hits=group.hits,
            images=group.images,
            rule=group.rule,
            robots_fetch_id=group.fetch_id,
            lines=tuple(group.lines),
            text=_sentence(agent, verification, day, prefix, group.hits, group.images, group.rule),
        )
        for (agent, verification, day, prefix), group in sorted(
            groups.items(),
            key=lambda item: (item[0][2], item[0][0], _RANK[item[0][1]], item[0][3]),
        )
    ]
