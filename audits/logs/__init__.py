"""Access logs: which AI crawlers came to a site, whether they were who they claimed to be,
and whether they took what the opt-out in force at that moment forbade (issue 16).

Pure functions only, like the rest of ``audits/``: parsing a log line, naming the agent in
its User-Agent, checking the client address against the operator's published ranges, and
judging a hit against the robots.txt in force. Reading files and writing the database live
in ``results/logs/``.

CONTRACT (fixed; modules are being written against it): the types below are what every part
exchanges. Add fields only at the end, with defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Verification = Literal["verified", "impersonator", "unverifiable"]
"""``verified``: the address is in the ranges the agent's operator publishes (or passed
forward-confirmed reverse DNS); ``impersonator``: the operator publishes ranges and the
address is outside them; ``unverifiable``: the operator publishes nothing to check against."""

Judgement = Literal["allowed", "disallowed", "within-cache-allowance", "changed-between", "unknown"]
"""A hit against the robots.txt in force when it was made:

- ``allowed`` / ``disallowed``: the rule in force at that time is known and says so;
- ``within-cache-allowance``: disallowed by a robots.txt that had changed less than 24 hours
  before (RFC 9309 §2.4 lets a crawler cache robots.txt that long): not a violation;
- ``changed-between``: robots.txt changed between the two crawls around the hit, and the old
  and new files disagree on this path: an honest "cannot tell";
- ``unknown``: no robots.txt is known for that time.
"""


@dataclass(frozen=True)
class LogLine:
    """One access-log line, parsed. ``raw`` and ``number`` are the evidence to cite."""

    time: datetime
    """When the request was made, timezone-aware (UTC when the log says nothing)."""
    client: str
    """The client address as logged (IPv4 or IPv6 text)."""
    method: str
    target: str
    """The request target as logged: path and query (``/gallery/1.jpg?w=800``)."""
    status: int | None
    size: int | None
    user_agent: str
    host: str | None
    """The Host (virtual host) when the format records it."""
    number: int
    """1-based line number in its file."""
    raw: str
    """The line as read (bounded), the evidence a finding cites."""


@dataclass(frozen=True)
class AgentHit:
    """A line whose User-Agent names a registry agent (by whole product token)."""

    line: LogLine
    agent: str
    """The registry token (``GPTBot``; ``Claude-User`` is never ``ClaudeBot``)."""
    purpose: str
    verification: Verification
    verified_by: str | None = None
    """What verified it: the range list's name and date, or ``fcrdns (HOSTNAME)``."""


@dataclass(frozen=True)
class RobotsInForce:
    """What robots.txt said for one site over a span of time, from its crawl history."""

    body: bytes | None
    """The robots.txt body; None when it was absent (4xx: everything allowed) or unknown."""
    since: datetime
    """When this body was first seen (the crawl that fetched it)."""
    until: datetime | None
    """When a different body was first seen, or None (still in force as far as we know)."""
    fetch_id: str | None
    """The robots fetch that is the evidence."""
    known: bool = True
    """False for spans where robots.txt could not be read (unreachable: ``unknown``)."""
    last_seen: datetime | None = None
    """The last crawl that still found this body, for spans from the crawl history: between
    it and ``until`` the file changed at a moment no crawl saw. None for a span the user gave."""


@dataclass(frozen=True)
class JudgedHit:
    """An agent hit judged against the robots.txt in force."""

    hit: AgentHit
    judgement: Judgement
    rule: str | None
    """The deciding rule line (``Disallow: /gallery/``) when known."""
    robots_fetch_id: str | None
    """The robots fetch the judgement rests on."""
