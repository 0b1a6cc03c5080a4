"""What a robots.txt fetch outcome means, per RFC 9309 §2.3.1, before any parsing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from audits.findings import Finding, Severity, make_finding

MAX_REDIRECTS = 5
"""RFC 9309 §2.3.1.2: follow at least five consecutive redirects."""

AccessState = Literal["parse", "no-file", "soft-404", "unavailable", "unreachable", "rate-limited"]
CrawlerRule = Literal["parse", "allow-all", "disallow-all"]
AuditState = Literal["known", "no-file", "unknown"]

_MEANING: dict[AccessState, tuple[CrawlerRule, AuditState]] = {
    "parse": ("parse", "known"),
    "no-file": ("allow-all", "no-file"),
    "soft-404": ("allow-all", "no-file"),
    "unavailable": ("allow-all", "no-file"),
    "unreachable": ("disallow-all", "unknown"),
    # RFC 9309 reads 429 as "no rules", Google as a server error; either way the file was
    # not read, so whether it opts out is unknown.
    "rate-limited": ("allow-all", "unknown"),
}

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
        crawler, audit = _MEANING[state]
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
