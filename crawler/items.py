"""What the spider yields: raw evidence only, never an interpretation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.seeds import Seed

INTERNAL_ERROR_STAT = "optout/internal_error"
"""The crawl's stats key for the first answer the spider failed to read (its message);
``<key>/<kind>`` counts them per kind of fetch."""


@dataclass
class FetchRecord:
    """One request and its outcome, as stored in the ``fetches`` table.

    ``kind`` is what the request was for: robots, aitxt, tdmrep, llms, home, page, image,
    sitemap, tos…, or ``probe``: a baseline fetch asked again with another agent's
    User-Agent string. A request that was not made (our own robots.txt disallows it, or the
    site's robots.txt was unreachable) is still a record, with ``skipped`` set.
    """

    crawl_id: int
    origin: str
    kind: str
    requested_url: str
    """For a ``probe``: the URL of the baseline fetch it repeats."""
    final_url: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    body_length: int | None = None
    """Bytes received (after decompression), before any truncation to the stored limit."""
    truncated: bool = False
    error_class: str | None = None
    """dns, connect, timeout, tls, too-many-redirects, size-limit, connection-lost,
    private-address, http-error, other."""
    error_message: str | None = None
    elapsed_ms: float | None = None
    fetched_at: str = ""
    rendered: bool = False
    skipped: str | None = None
    """Why the request was not made: robots-disallowed, robots-unreachable, sample-limit."""
    bot_wall: str | None = None
    """``vendor:kind`` when the answer is a bot-protection page (audits.signals.botwall)."""
    parent_url: str | None = None
    """The page that linked to this URL (for images and content pages)."""
    agent: str | None = None
    """For a ``probe``: the registry token of the agent whose User-Agent string it sent
    (crawler/probes.py); None for every request made as ourselves."""


@dataclass
class SiteDone:
    """Every request of one site has completed: a resumed crawl skips it."""

    crawl_id: int
    origin: str
    fetches: int
    errors: int
    finished_at: str
    profile_candidates: int | None = None
    """Platforms: the distinct profiles found (the population the sample is drawn from)."""
    profiles_sampled: int | None = None
    """Platforms: how many profiles were drawn for fetching."""


@dataclass
class SiteSeen:
    """A seed the crawl starts on: its facts (name, kind, platform…) go to the sites table."""

    crawl_id: int
    seed: Seed
