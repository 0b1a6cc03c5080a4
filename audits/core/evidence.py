"""The raw evidence the audit works from: fetch records, as the crawler stores them.

This is the boundary between ``crawler/`` and ``audits/``: the crawler only records, the
audit only interprets, so every verdict can be re-derived from stored fetches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

FetchKind = Literal[
    "robots",
    "aitxt",
    "tdmrep",
    "llms",
    "page",
    "home",
    "image",
    "image-tail",
    "original",
    "profile",
    "artwork",
    "tos",
    "imprint",
    "license",
    "sitemap",
    "probe",
    "other",
]


@dataclass(frozen=True)
class Fetch:
    """One request and its outcome."""

    url: str
    kind: FetchKind
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    error: str | None = None
    """Network error class when no response came back: dns, connect, timeout, tls, …"""
    redirects: tuple[str, ...] = ()
    """The URLs redirected through, in order, before ``final_url``."""
    final_url: str | None = None
    fetch_id: str | None = None
    """Where the evidence is stored (a database row id), for links from verdicts."""
    rendered_body: bytes | None = None
    """The DOM after JavaScript ran, when the page was rendered in a browser."""
    skipped: str | None = None
    """Why the fetch was not made (e.g. ``robots-disallowed`` for our own agent)."""
    agent: str | None = None
    """For a ``probe``: the registry token of the AI agent whose User-Agent string it sent.
    The probe's ``url`` is the URL of the baseline fetch (ours) it repeats."""

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of a header, by case-insensitive name, in order."""
        folded = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == folded)

    @property
    def content_type(self) -> str | None:
        values = self.header_values("content-type")
        return values[-1] if values else None

    @property
    def html_body(self) -> bytes | None:
        """The body (as rendered, when it was) of a 2xx HTML answer; None for anything else."""
        body = self.rendered_body or self.body
        html = "html" in (self.content_type or "").lower()
        ok = self.status is not None and 200 <= self.status < 300
        return body if body and html and ok else None

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class SiteEvidence:
    """Everything fetched for one origin in one crawl."""

    origin: str
    fetches: tuple[Fetch, ...] = field(default_factory=tuple)
    kind: str | None = None
    """The seed's kind of site (``platform``, ``creator-site``, …), when known."""
    profile_pattern: str | None = None
    """For platforms, the seed's path pattern of creator profiles (``/u/*``)."""
    artwork_pattern: str | None = None
    """For platforms, the seed's path pattern of single works (``/u/*/art/*``)."""

    def of_kind(self, *kinds: FetchKind) -> tuple[Fetch, ...]:
        return tuple(f for f in self.fetches if f.kind in kinds)

    def first(self, kind: FetchKind) -> Fetch | None:
        found = self.of_kind(kind)
        return found[0] if found else None


def headers_from_pairs(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Normalise header pairs to a tuple (names kept as sent)."""
    return tuple((str(k), str(v)) for k, v in pairs)
