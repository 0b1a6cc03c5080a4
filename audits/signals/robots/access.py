"""What a robots.txt fetch outcome means, per RFC 9309 §2.3.1, before any parsing.

``access_from_fetch`` is the one reading of a robots.txt fetch: the spider acts on it to
decide what it may fetch next and the audit to decide what it can say. Where the two act
differently on the same state, ``MEANING`` says so, row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from audits.core.findings import Finding, Severity, make_finding
from audits.signals.botwall import BotWall, detect_bot_wall, finding_for

MAX_REDIRECTS = 5
"""RFC 9309 §2.3.1.2: follow at least five consecutive redirects."""

AccessState = Literal["parse", "no-file", "soft-404", "unavailable", "unreachable", "rate-limited"]
CrawlerRule = Literal["parse", "allow-all", "disallow-all"]
AuditState = Literal["known", "no-file", "unknown"]

MEANING: dict[AccessState, tuple[CrawlerRule, AuditState]] = {
    # state:        (what a crawler, our spider too, may fetch; what this audit can say)
    "parse": ("parse", "known"),
    "no-file": ("allow-all", "no-file"),
    "soft-404": ("allow-all", "no-file"),
    "unavailable": ("allow-all", "no-file"),
    "unreachable": ("disallow-all", "unknown"),
    # 429 is a 4xx, which RFC 9309 §2.3.1.3 lets a crawler read as "no rules" (it MAY
    # access), but it says nothing about the file: the server asks us to slow down (RFC 6585
    # §4), as a 503 would. Google reads it like a 5xx. Complete disallow (§2.3.1.4) is
    # allowed by both readings and is the polite one; the file was not read, so the audit
    # cannot tell whether it opts out.
    "rate-limited": ("disallow-all", "unknown"),
}
"""Each access state, and what the spider (``crawler_rule``) and the audit (``audit_state``)
make of it: the one place where the two differ."""

CODES: dict[str, Severity] = {
    "robots-served-as-html": "error",
    "robots-unreachable": "error",
    "robots-too-many-redirects": "warning",
    "robots-no-file": "info",
    "robots-access-denied": "warning",
    "robots-rate-limited": "warning",
}


@dataclass(frozen=True)
class RobotsAccess:
    """The access outcome of a robots.txt fetch and what crawlers and this audit make of it.

    ``crawler_rule`` is what RFC 9309 tells a crawler to do: parse the file, assume no
    restrictions (``allow-all``) or assume complete disallow. ``audit_state`` is what this
    audit can say: it never turns an unreachable file into "not opted out".
    """

    state: AccessState
    crawler_rule: CrawlerRule
    audit_state: AuditState
    status: int | None
    findings: tuple[Finding, ...]
    bot_wall: BotWall | None = None
    """The bot-protection answer that came instead of the file, when one did."""

    @property
    def reason(self) -> str:
        """Why the file could not be read, in a few words: ``status 503``, ``timeout``,
        ``bot-wall:cloudflare``."""
        if self.status is not None:
            return f"status {self.status}"
        if self.bot_wall is not None:
            return f"bot-wall:{self.bot_wall.vendor}"
        return (self.findings[0].evidence or self.state) if self.findings else self.state


_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


def looks_like_html(body: bytes | None, content_type: str | None) -> bool:
    """A soft 404: an HTML page served where a text policy file was expected."""
    if content_type and content_type.split(";")[0].strip().lower() in (
        "text/html",
        "application/xhtml+xml",
    ):
        return True
    if not body:
        return False
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_MARKERS) or b"<html" in head[:512]


def robots_access(
    status: int | None,
    *,
    error: str | None = None,
    redirects: int = 0,
    body: bytes | None = None,
    content_type: str | None = None,
) -> RobotsAccess:
    """Classify a robots.txt fetch: ``status`` is the final status, ``error`` a network
    error class (dns, connect, timeout, tls, …) when no response came back."""

    def outcome(state: AccessState, code: str | None = None, message: str = "") -> RobotsAccess:
        crawler, audit = MEANING[state]
        found = (make_finding(CODES, code, message, evidence=str(status or error)),) if code else ()
        return RobotsAccess(state, crawler, audit, status, found)

    if redirects > MAX_REDIRECTS or error in ("too-many-redirects", "redirect-loop"):
        return outcome(
            "unavailable",
            "robots-too-many-redirects",
            f"robots.txt redirects more than {MAX_REDIRECTS} times; crawlers may treat it as "
            "missing (RFC 9309 §2.3.1.2), so none of its rules count.",
        )
    if error is not None or status is None:
        return outcome(
            "unreachable",
            "robots-unreachable",
            f"robots.txt could not be fetched ({error or 'no response'}). Crawlers must then "
            "assume everything is disallowed, but whether the site opts out is unknown.",
        )
    if status >= 500:
        return outcome(
            "unreachable",
            "robots-unreachable",
            f"robots.txt answers with server error {status}. RFC 9309 crawlers assume a "
            "complete disallow while it lasts; Google falls back to 'no rules' after 30 days.",
        )
    if status == 429:
        return outcome(
            "rate-limited",
            "robots-rate-limited",
            "robots.txt answers 429 (too many requests). RFC 9309 reads any 4xx as 'no "
            "rules', Google reads 429 like a server error: crawlers disagree.",
        )
    if status in (401, 403):
        return outcome(
            "no-file",
            "robots-access-denied",
            f"robots.txt answers {status}. RFC 9309 reads this as 'no rules at all', so an "
            "opt-out written in it is not seen; some older crawlers read it as 'disallow'.",
        )
    if 400 <= status < 500:
        return outcome(
            "no-file",
            "robots-no-file",
            f"There is no robots.txt (status {status}): crawlers may fetch everything.",
        )
    if 300 <= status < 400:
        return outcome(
            "unavailable",
            "robots-too-many-redirects",
            f"robots.txt ended on a redirect ({status}) that was not followed to a file.",
        )
    if looks_like_html(body, content_type):
        return outcome(
            "soft-404",
            "robots-served-as-html",
            "robots.txt is served as an HTML page, not a text file. Crawlers find no rules "
            "in it, so nothing is opted out. Serve a plain-text robots.txt.",
        )
    return outcome("parse")


def access_from_fetch(
    status: int | None,
    *,
    error: str | None = None,
    redirects: int = 0,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
) -> RobotsAccess:
    """What one robots.txt fetch means for access, bot walls included: the reading both the
    spider and the audit act on. ``headers`` are the response's (its last ``Content-Type``
    is the one read); ``redirects`` counts the hops before the final answer."""
    wall = detect_bot_wall(status, headers, body)
    if wall is not None and status != 429:
        # The status and the body are the wall's, not the file's: the file was not reached.
        meaning = MEANING["unreachable"]
        return RobotsAccess("unreachable", *meaning, None, (finding_for(wall),), wall)
    access = robots_access(
        status,
        error=error,
        redirects=redirects,
        body=body,
        content_type=_content_type(headers),
    )
    return replace(access, bot_wall=wall) if wall is not None else access


def _content_type(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> str | None:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    values = [value for name, value in pairs if name.lower() == "content-type"]
    return values[-1] if values else None
