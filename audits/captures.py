"""Common Crawl captures of a site set against the site's own opt-out history for CCBot.

A capture is one page Common Crawl's crawler (CCBot) fetched and published in a monthly crawl;
the site's history is what our audited crawls read in its robots.txt for CCBot at ``/``. Each
capture is classified:

- ``before-block``: made before the first audited crawl that saw robots.txt disallow CCBot at
  ``/``. It is in a crawl Common Crawl has released: blocking now does not take it back.
- ``after-block``: made at or after such a crawl. Each one is looked at for an explanation
  from what the audit saw in force at that moment (the newest audited crawl not after it): a
  ``User-agent`` token meant as CCBot but misspelt (so nothing blocked it), a robots.txt we
  could not read, a block the site lifted again, robots.txt itself (always fetchable), or a
  capture within 24 hours of the block (RFC 9309 §2.4 lets a crawler keep a robots.txt that
  long). A ``cc-captured-after-block`` finding sums them up per explanation (captures of
  robots.txt itself get the informational ``cc-captured-robots-txt`` instead).
- ``no-block``: the site never disallowed CCBot at ``/`` in any audited crawl.
- ``unknown``: no audited crawl of the site at or before the capture, so what it said then
  is not known.

A capture that stored no content of the page (a status other than 2xx: a redirect, a 404, a
403, a server error; or a revisit record, which only points at an earlier capture) is not
*taken*: it keeps its class but is counted apart and raises no finding.

A crawl's moment is when it started (the robots.txt is the first thing a crawl reads of a
site). Pure: no I/O; results/captures/ reads the database and the index server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, cast
from urllib.parse import urlsplit

from audits.core.findings import Finding, Severity, make_finding
from audits.signals.robots.access import MEANING, AccessState

CaptureClass = Literal["before-block", "after-block", "no-block", "unknown"]
CLASSES: Final[tuple[CaptureClass, ...]] = ("before-block", "after-block", "no-block", "unknown")
CcbotState = Literal["blocked", "allowed", "unreadable", "unknown"]
Explanation = Literal[
    "robots-txt", "ccbot-typo", "robots-unreadable", "block-lifted", "cache-allowance"
]
CACHE_ALLOWANCE: Final = timedelta(hours=24)
"""RFC 9309 §2.4: a crawler should not use a cached robots.txt for more than 24 hours."""
CODES: Final[dict[str, Severity]] = {
    "cc-captured-after-block": "warning",
    "cc-captured-before-block": "info",
    "cc-captured-robots-txt": "info",
}
EXAMPLE_URLS: Final = 3
"""URLs quoted in a finding's evidence."""
REVISIT_MIME: Final = "warc/revisit"
"""The MIME type a CDX index gives a revisit record (pywb, Common Crawl)."""


@dataclass(frozen=True)
class AuditedCrawl:
    """What one audited crawl of ours read for CCBot on a site."""

    crawl_id: int
    at: datetime
    """When the crawl started (timezone-aware)."""
    ccbot: CcbotState
    """``blocked``/``allowed``: robots.txt's verdict for CCBot at ``/``; ``unreadable``: the
    robots.txt could not be read; ``unknown``: no verdict stored for the site."""
    typo: str | None = None
    """The ``User-agent`` value a ``robots-token-typo`` finding says was meant as CCBot."""


@dataclass(frozen=True)
class Capture:
    """One capture from a Common Crawl index (the fields the classifier needs)."""

    crawl: str
    """The Common Crawl crawl name, e.g. ``CC-MAIN-2024-10``."""
    captured_at: datetime
    url: str
    status: str | None = None
    mime: str | None = None
    host: str | None = None
    """The host of the site the capture is of: the site's own or its ``www.`` twin."""

    @property
    def taken(self) -> bool:
        """Whether the capture stored the page's content: a 2xx answer, not a revisit."""
        return stored_content(self.status, self.mime)


def stored_content(status: str | None, mime: str | None) -> bool:
    """A 2xx status that is not a revisit record (``warc/revisit``, or status ``-``)."""
    return (
        status is not None
        and len(status) == 3
        and status.startswith("2")
        and status.isdigit()
        and (mime or "").lower() != REVISIT_MIME
    )


@dataclass(frozen=True)
class CaptureVerdict:
    capture: Capture
    verdict: CaptureClass
    explanation: Explanation | None = None
    in_force: int | None = None
    """The audited crawl whose robots.txt reading was in force at the capture."""

    @property
    def taken(self) -> bool:
        return self.capture.taken


@dataclass(frozen=True)
class CrawlCount:
    """The captures of one Common Crawl crawl: the taken ones by class, and the others."""

    crawl: str
    captures: int
    """Every capture, taken or not."""
    by_class: tuple[tuple[CaptureClass, int], ...]
    """Taken captures (the page's content stored) by class."""
    not_taken: int = 0
    """Captures that stored no content (not 2xx, or a revisit)."""

    def count(self, verdict: CaptureClass) -> int:
        """Taken captures of the class."""
        return dict(self.by_class).get(verdict, 0)


@dataclass(frozen=True)
class SiteCaptures:
    """A site's captures classified, counted per crawl, and the findings about them."""

    origin: str
    first_block: datetime | None
    """When an audited crawl first saw robots.txt disallow CCBot at ``/``."""
    audited_crawls: int
    verdicts: tuple[CaptureVerdict, ...]
    per_crawl: tuple[CrawlCount, ...]
    findings: tuple[Finding, ...]

    def count(self, verdict: CaptureClass, *, taken: bool = True) -> int:
        """Captures of the class that stored the page's content (``taken=False``: that did
        not)."""
        return sum(1 for v in self.verdicts if v.verdict == verdict and v.taken == taken)

    @property
    def not_taken(self) -> int:
        """Captures of any class that stored no content."""
        return sum(1 for v in self.verdicts if not v.taken)


def ccbot_state(robots_state: str | None, allowed: int | None, unreadable: bool) -> CcbotState:
    """What one audited crawl read for CCBot: ``unreadable`` when robots.txt could not be read
    (the states the robots.txt reading says the audit cannot judge, or such a finding),
    else the stored verdict at ``/`` (``unknown`` when none is stored)."""
    meaning = MEANING.get(cast(AccessState, robots_state)) if robots_state else None
    if unreadable or (meaning is not None and meaning[1] == "unknown"):
        return "unreadable"
    if allowed is None:
        return "unknown"
    return "allowed" if allowed else "blocked"


def _in_force(history: Sequence[AuditedCrawl], moment: datetime) -> int | None:
    """Index of the newest audited crawl at or before ``moment`` (None: none)."""
    found = None
    for index, crawl in enumerate(history):
        if crawl.at <= moment:
            found = index
    return found


def _block_since(history: Sequence[AuditedCrawl], index: int) -> datetime:
    """The start of the run of blocking crawls that ends at ``history[index]``."""
    while index > 0 and history[index - 1].ccbot == "blocked":
        index -= 1
    return history[index].at


def _is_robots_txt(url: str) -> bool:
    try:
        return urlsplit(url).path == "/robots.txt"
    except ValueError:
        return False


def _explain(capture: Capture, history: Sequence[AuditedCrawl], index: int) -> Explanation | None:
    """Why an after-block capture may have happened, when something the audit saw fits."""
    if _is_robots_txt(capture.url):
        return "robots-txt"
    crawl = history[index]
    if crawl.typo is not None:
        return "ccbot-typo"
    if crawl.ccbot == "unreadable":
        return "robots-unreadable"
    if crawl.ccbot != "blocked":
        return "block-lifted"
    if capture.captured_at - _block_since(history, index) < CACHE_ALLOWANCE:
        return "cache-allowance"
    return None


def classify_capture(
    capture: Capture, history: Sequence[AuditedCrawl], first_block: datetime | None
) -> CaptureVerdict:
    """One capture against the site's audited history (oldest first)."""
    index = _in_force(history, capture.captured_at)
    if index is None:
        return CaptureVerdict(capture, "unknown")
    in_force = history[index].crawl_id
    if first_block is None:
        return CaptureVerdict(capture, "no-block", in_force=in_force)
    if capture.captured_at < first_block:
        return CaptureVerdict(capture, "before-block", in_force=in_force)
    return CaptureVerdict(capture, "after-block", _explain(capture, history, index), in_force)


def first_block(history: Iterable[AuditedCrawl]) -> datetime | None:
    """When an audited crawl first saw robots.txt disallow CCBot at ``/``."""
    return min((c.at for c in history if c.ccbot == "blocked"), default=None)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_EXPLAINED: Final[dict[Explanation | None, str]] = {
    None: "while robots.txt disallowed CCBot; nothing the audit saw explains them",
    "cache-allowance": "within 24 hours of the first audit that saw the block: a crawler may"
    " keep using a robots.txt it read for up to 24 hours (RFC 9309 §2.4), so the earlier file"
    " may still have been in force for CCBot",
    "ccbot-typo": "while the robots.txt in force named CCBot with a misspelt token ({typo}),"
    " which blocks nothing: correct the User-agent line to 'CCBot'",
    "robots-unreadable": "while the site's robots.txt could not be read by our audit; what"
    " CCBot was served then is unknown",
    "block-lifted": "after the site's robots.txt stopped disallowing CCBot again",
    "robots-txt": "of robots.txt itself: a crawler reads it to learn the rules, so this is not"
    " a breach",
}


def _after_block_findings(
    verdicts: Sequence[CaptureVerdict], history: Sequence[AuditedCrawl], blocked: datetime
) -> list[Finding]:
    groups: dict[Explanation | None, list[CaptureVerdict]] = {}
    for v in verdicts:
        if v.verdict == "after-block" and v.taken:
            groups.setdefault(v.explanation, []).append(v)
    typos = {c.crawl_id: c.typo for c in history if c.typo}
    out = []
    for explanation in (None, "cache-allowance", "ccbot-typo", "robots-unreadable",
                        "block-lifted", "robots-txt"):  # fmt: skip
        group = groups.get(explanation)
        if not group:
            continue
        typo = next((typos[v.in_force] for v in group if v.in_force in typos), "")
        how = _EXPLAINED[explanation].format(typo=repr(typo))
        crawls = sorted({v.capture.crawl for v in group})
        noun = "capture was" if len(group) == 1 else "captures were"
        out.append(
            make_finding(
                CODES,
                "cc-captured-robots-txt"
                if explanation == "robots-txt"
                else "cc-captured-after-block",
                f"{len(group)} Common Crawl {noun} made after this site blocked CCBot"
                f" (first seen {_day(blocked)}), {how}. In: {', '.join(crawls)}.",
                evidence=" ".join(v.capture.url for v in group[:EXAMPLE_URLS]),
                agent="CCBot",
            )
        )
    return out


def _before_block_finding(verdicts: Sequence[CaptureVerdict], blocked: datetime) -> list[Finding]:
    before = [v for v in verdicts if v.verdict == "before-block" and v.taken]
    if not before:
        return []
    crawls = sorted({v.capture.crawl for v in before})
    noun = "capture was" if len(before) == 1 else "captures were"
    return [
        make_finding(
            CODES,
            "cc-captured-before-block",
            f"{len(before)} Common Crawl {noun} made before this site blocked CCBot (first seen"
            f" {_day(blocked)}). They are already in released crawls ({', '.join(crawls)}):"
            " anyone may have downloaded and used them, and the block does not take them back.",
            evidence=" ".join(v.capture.url for v in before[:EXAMPLE_URLS]),
            agent="CCBot",
        )
    ]


def _per_crawl(verdicts: Sequence[CaptureVerdict], crawls: Sequence[str]) -> tuple[CrawlCount, ...]:
    counts: dict[str, Counter[CaptureClass]] = {name: Counter() for name in crawls}
    untaken: Counter[str] = Counter()
    for v in verdicts:
        counts.setdefault(v.capture.crawl, Counter())
        if v.taken:
            counts[v.capture.crawl][v.verdict] += 1
        else:
            untaken[v.capture.crawl] += 1
    return tuple(
        CrawlCount(
            name,
            sum(c.values()) + untaken[name],
            tuple((k, c[k]) for k in CLASSES if c[k]),
            untaken[name],
        )
        for name, c in sorted(counts.items(), reverse=True)
    )


def classify_site(
    origin: str,
    captures: Iterable[Capture],
    history: Iterable[AuditedCrawl],
    crawls: Sequence[str] = (),
) -> SiteCaptures:
    """Every capture of a site classified against its audited history; ``crawls`` names the
    Common Crawl crawls asked (so a crawl with no capture still gets its zero count)."""
    ordered = sorted(history, key=lambda c: (c.at, c.crawl_id))
    blocked = first_block(ordered)
    verdicts = tuple(
        classify_capture(c, ordered, blocked)
        for c in sorted(captures, key=lambda c: (c.captured_at, c.url))
    )
    findings: list[Finding] = []
    if blocked is not None:
        findings += _before_block_finding(verdicts, blocked)
        findings += _after_block_findings(verdicts, ordered, blocked)
    per_crawl = _per_crawl(verdicts, crawls)
    return SiteCaptures(origin, blocked, len(ordered), verdicts, per_crawl, tuple(findings))
