"""Checking several sites at once (``optout check URL… --file FILE``): the list of sites and the
one-line summary of each. Pure: no network and no database.

A URL list is read leniently and reported strictly, as the seed reader does: blank lines and
``#`` comments are skipped, a line that names no site is reported with its number and passed
over, and two addresses on one site are one site, checked once (the policy files and the
verdicts belong to the whole origin). Every size is bounded: a line's length, the lines read
and the sites kept (``MAX_SITES``; beyond it ``optout crawl`` with a seed list is the tool).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Final, get_args

from audits.core.findings import Severity
from results.report_types import FindingReport, SiteReport
from results.site_lookup import typed_origin

MAX_SITES: Final = 1000
"""Sites one check crawls; a longer list belongs in a seed list for ``optout crawl``."""
MAX_LINE_CHARS: Final = 2048
MAX_LINES: Final = 20 * MAX_SITES
"""Lines read from a list, comments and duplicates included."""
MAX_LIST_CHARS: Final = 16 * 1024 * 1024
SEVERITY_ORDER: Final = get_args(Severity)
"""The worst first, the order every report lists its findings in."""
SHOWN_MESSAGE_CHARS: Final = 100
_INLINE_COMMENT = re.compile(r"\s#.*\Z", re.DOTALL)  # "url  # note"; a fragment (/a#b) stays


class TooManySites(ValueError):
    """The list is longer than one check takes."""


@dataclass(frozen=True)
class Entry:
    """One URL as typed: on the command line (``line`` None) or on a line of a list."""

    text: str
    line: int | None = None


@dataclass(frozen=True)
class BadEntry:
    """A line of a list that names no site, and why."""

    text: str
    line: int | None
    reason: str

    def describe(self, source: str) -> str:
        where = f"{source} line {self.line}" if self.line is not None else source
        return f"{where}: {self.text!r} {self.reason} (skipped)"


@dataclass(frozen=True)
class Duplicate:
    """An address on a site already in the list."""

    text: str
    origin: str
    first: str

    def describe(self) -> str:
        site = "" if self.first == self.origin else f" ({self.origin})"
        return f"{self.text!r} is on the same site as {self.first!r}{site}: checked once"


@dataclass(frozen=True)
class SitePlan:
    """The sites to check, in the order first given, with what was set aside."""

    origins: tuple[str, ...]
    duplicates: tuple[Duplicate, ...]
    bad: tuple[BadEntry, ...]


def read_url_list(stream: IO[str]) -> Iterator[Entry | BadEntry]:
    """The entries of a URL list, one per line; blank lines and ``#`` comments skipped.
    Raises TooManySites past ``MAX_LINES`` lines or ``MAX_LIST_CHARS`` characters."""
    number = read = 0
    while chunk := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        read += len(chunk)
        if number > MAX_LINES or read > MAX_LIST_CHARS:
            raise TooManySites(
                f"more than {MAX_LINES:,} lines or {MAX_LIST_CHARS // 2**20} MiB: not a URL list"
                " for one check (use `optout crawl` with a seed list)"
            )
        if len(chunk) > MAX_LINE_CHARS and not chunk.endswith("\n"):
            read += _skip_line(stream, MAX_LIST_CHARS - read)
            shown = chunk[:40].strip() + "…"
            yield BadEntry(shown, number, f"is longer than {MAX_LINE_CHARS} characters")
            continue
        text = _INLINE_COMMENT.sub("", chunk).strip()
        if text and not text.startswith("#"):
            yield Entry(text, number)


def _skip_line(stream: IO[str], budget: int) -> int:
    """Read the rest of an over-long line (at most ``budget`` characters); returns how many."""
    skipped = 0
    while skipped <= budget and (chunk := stream.readline(MAX_LINE_CHARS)):
        skipped += len(chunk)
        if chunk.endswith("\n"):
            break
    return skipped


def plan_sites(entries: Iterable[Entry | BadEntry], limit: int = MAX_SITES) -> SitePlan:
    """Each entry's origin, once, in the order given; raises TooManySites past ``limit``."""
    first: dict[str, str] = {}
    duplicates: list[Duplicate] = []
    bad: list[BadEntry] = []
    for entry in entries:
        if isinstance(entry, BadEntry):
            bad.append(entry)
            continue
        try:
            origin = typed_origin(entry.text)
        except ValueError as err:
            bad.append(BadEntry(entry.text, entry.line, str(err)))
            continue
        if origin in first:
            duplicates.append(Duplicate(entry.text, origin, first[origin]))
            continue
        if len(first) >= limit:
            raise TooManySites(
                f"more than {limit:,} sites: one check takes at most {limit:,};"
                " for more, put them in a seed list and use `optout crawl SEEDS --db FILE`"
            )
        first[origin] = entry.text
    return SitePlan(tuple(first), tuple(duplicates), tuple(bad))


@dataclass(frozen=True)
class SummaryRow:
    """One site's line in the summary: its training verdict, by what, and the worst finding."""

    origin: str
    state: str
    mechanisms: tuple[str, ...]
    worst: FindingReport | None
    """The most severe error or warning (None when nothing is broken)."""
    unknown_because: str | None
    """Why the training verdict is unknown (None when it is known)."""
    unreachable: str | None
    """Why no request of the site was answered (None when one was)."""


def summary_row(report: SiteReport) -> SummaryRow:
    """The summary line of one site's report."""
    train = report["verdicts"]["train"]
    reasons = train["unknown_because"]
    known = train["state"] != "unknown"
    return SummaryRow(
        origin=report["origin"],
        state=train["state"],
        mechanisms=tuple(train["mechanisms"]),
        worst=worst_finding(report["findings"]),
        unknown_because=None if known else (reasons[0] if reasons else "not enough evidence"),
        unreachable=unreachable_reason(report),
    )


def missing_row(origin: str, why: str) -> SummaryRow:
    """The summary line of a site the check has no report of."""
    return SummaryRow(origin, "unknown", (), None, why, why)


def worst_finding(findings: Iterable[FindingReport]) -> FindingReport | None:
    """The first of the most severe errors or warnings (info notes are not "broken")."""
    rank = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
    broken = [f for f in findings if f["severity"] in ("error", "warning")]
    return min(broken, key=lambda f: rank[f["severity"]], default=None)


def unreachable_reason(report: SiteReport) -> str | None:
    """Why the site gave no usable answer: every request it was sent failed or got a server
    error. None when any request was answered (a 403 or 404 is an answer)."""
    sent = [e for e in report["evidence"] if not e["skipped"]]
    if not sent:
        return "nothing could be requested"
    if any(e["status"] is not None and e["status"] < 500 for e in sent):
        return None
    causes = Counter(e["error"] or f"status {e['status']}" for e in sent)
    cause, _ = causes.most_common(1)[0]
    errors = "server errors" if cause.startswith("status") else "no answer"
    return f"{errors} ({', '.join(sorted(causes))})"


def short_message(finding: FindingReport) -> str:
    """A finding's first sentence, at most ``SHOWN_MESSAGE_CHARS`` characters."""
    message = finding["message"]
    sentence = message.split(". ", 1)[0].rstrip(".")
    if len(sentence) > SHOWN_MESSAGE_CHARS:
        sentence = sentence[: SHOWN_MESSAGE_CHARS - 1].rstrip() + "…"
    return sentence
