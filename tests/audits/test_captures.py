"""Common Crawl captures against a site's CCBot history (audits/captures.py): pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audits.captures import (
    AuditedCrawl,
    Capture,
    CaptureClass,
    CcbotState,
    Explanation,
    ccbot_state,
    classify_capture,
    classify_site,
    first_block,
    stored_content,
)

JAN: datetime = datetime(2026, 1, 10, tzinfo=UTC)
FEB: datetime = datetime(2026, 2, 10, tzinfo=UTC)
MAR: datetime = datetime(2026, 3, 10, tzinfo=UTC)
SITE = "https://anna.example"


def crawl(crawl_id: int, at: datetime, ccbot: CcbotState, typo: str | None = None) -> AuditedCrawl:
    return AuditedCrawl(crawl_id, at, ccbot, typo)


def capture(
    at: datetime, path: str = "/art/1.html", crawl_name: str = "CC-MAIN-2026-08"
) -> Capture:
    return Capture(crawl_name, at, f"{SITE}{path}", "200")


ALLOWED_THEN_BLOCKED = (crawl(1, JAN, "allowed"), crawl(2, FEB, "blocked"))


def _one(
    history: tuple[AuditedCrawl, ...], at: datetime, path: str = "/art/1.html"
) -> tuple[CaptureClass, Explanation | None]:
    verdict = classify_capture(capture(at, path), history, first_block(history))
    return verdict.verdict, verdict.explanation


def test_before_the_first_blocking_crawl_is_before_block() -> None:
    assert _one(ALLOWED_THEN_BLOCKED, JAN + timedelta(days=3)) == ("before-block", None)


def test_before_any_audited_crawl_is_unknown() -> None:
    assert _one(ALLOWED_THEN_BLOCKED, JAN - timedelta(days=1)) == ("unknown", None)


def test_no_history_at_all_is_unknown() -> None:
    assert _one((), MAR) == ("unknown", None)


def test_site_that_never_blocked_is_no_block() -> None:
    history = (crawl(1, JAN, "allowed"), crawl(2, FEB, "allowed"))
    assert _one(history, MAR) == ("no-block", None)


def test_unreadable_robots_is_not_a_block() -> None:
    history = (crawl(1, JAN, "unreadable"), crawl(2, FEB, "allowed"))
    assert first_block(history) is None
    assert _one(history, MAR) == ("no-block", None)


def test_long_after_the_block_is_after_block_unexplained() -> None:
    assert _one(ALLOWED_THEN_BLOCKED, FEB + timedelta(days=5)) == ("after-block", None)


def test_rfc9309_within_24_hours_of_the_block_is_the_cache_allowance() -> None:
    at = FEB + timedelta(hours=23)
    assert _one(ALLOWED_THEN_BLOCKED, at) == ("after-block", "cache-allowance")


def test_rfc9309_cache_allowance_counts_from_the_first_crawl_of_the_block() -> None:
    history = (*ALLOWED_THEN_BLOCKED, crawl(3, MAR, "blocked"))
    assert _one(history, MAR + timedelta(hours=1)) == ("after-block", None)


def test_robots_txt_itself_is_always_fetchable() -> None:
    at = FEB + timedelta(days=5)
    assert _one(ALLOWED_THEN_BLOCKED, at, "/robots.txt") == ("after-block", "robots-txt")


def test_robots_txt_capture_is_an_informational_finding_not_a_warning() -> None:
    report = classify_site(SITE, [capture(MAR, "/robots.txt")], ALLOWED_THEN_BLOCKED)
    assert [(f.code, f.severity) for f in report.findings] == [("cc-captured-robots-txt", "info")]


def test_ccbot_typo_in_force_explains_an_after_block_capture() -> None:
    history = (crawl(1, JAN, "blocked"), crawl(2, FEB, "allowed", typo="CC-Bot"))
    assert _one(history, MAR) == ("after-block", "ccbot-typo")


def test_unreadable_robots_in_force_explains_an_after_block_capture() -> None:
    history = (crawl(1, JAN, "blocked"), crawl(2, FEB, "unreadable"))
    assert _one(history, MAR) == ("after-block", "robots-unreadable")


def test_lifted_block_explains_an_after_block_capture() -> None:
    history = (crawl(1, JAN, "blocked"), crawl(2, FEB, "allowed"))
    assert _one(history, MAR) == ("after-block", "block-lifted")


def test_history_order_does_not_matter() -> None:
    report = classify_site(SITE, [capture(MAR)], reversed(ALLOWED_THEN_BLOCKED))
    assert report.first_block == FEB
    assert [v.verdict for v in report.verdicts] == ["after-block"]


def test_site_counts_per_crawl_and_findings() -> None:
    captures = [
        capture(JAN + timedelta(days=1), "/a", "CC-MAIN-2026-05"),
        capture(JAN + timedelta(days=2), "/b", "CC-MAIN-2026-05"),
        capture(FEB + timedelta(hours=2), "/c", "CC-MAIN-2026-08"),
        capture(MAR, "/d", "CC-MAIN-2026-12"),
    ]
    crawls = ("CC-MAIN-2026-12", "CC-MAIN-2026-08", "CC-MAIN-2026-05", "CC-MAIN-2026-01")
    report = classify_site(SITE, captures, ALLOWED_THEN_BLOCKED, crawls)
    assert [(c.crawl, c.captures) for c in report.per_crawl] == [
        ("CC-MAIN-2026-12", 1),
        ("CC-MAIN-2026-08", 1),
        ("CC-MAIN-2026-05", 2),
        ("CC-MAIN-2026-01", 0),
    ]
    assert report.per_crawl[2].count("before-block") == 2
    assert report.count("after-block") == 2
    codes = [(f.code, f.severity) for f in report.findings]
    assert codes == [
        ("cc-captured-before-block", "info"),
        ("cc-captured-after-block", "warning"),  # /d: unexplained
        ("cc-captured-after-block", "warning"),  # /c: within 24 hours
    ]
    before, unexplained, cached = report.findings
    assert "already in released crawls" in before.message
    assert "nothing the audit saw explains" in unexplained.message
    assert "RFC 9309 §2.4" in cached.message
    assert cached.evidence == f"{SITE}/c"


def test_typo_finding_names_the_misspelt_token() -> None:
    history = (crawl(1, JAN, "blocked"), crawl(2, FEB, "allowed", typo="CC-Bot"))
    report = classify_site(SITE, [capture(MAR)], history)
    (finding,) = [f for f in report.findings if f.code == "cc-captured-after-block"]
    assert "'CC-Bot'" in finding.message
    assert finding.agent == "CCBot"


def test_no_findings_for_a_site_that_never_blocked() -> None:
    history = (crawl(1, JAN, "allowed"),)
    report = classify_site(SITE, [capture(FEB)], history)
    assert report.findings == ()
    assert report.count("no-block") == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [("not a url at all", None), ("http://[broken/robots.txt", None)],
)
def test_lenient_odd_urls_never_raise(url: str, expected: Explanation | None) -> None:
    odd = Capture("CC-MAIN-2026-12", MAR, url)
    verdict = classify_capture(odd, ALLOWED_THEN_BLOCKED, FEB)
    assert (verdict.verdict, verdict.explanation) == ("after-block", expected)


def test_ccbot_state_follows_the_robots_reading() -> None:
    """A robots.txt the audit cannot judge (unreachable, rate-limited) is no block, whatever
    verdict row is stored; a file that was read gives its verdict at /."""
    assert ccbot_state("unreachable", 0, False) == "unreadable"
    assert ccbot_state("rate-limited", None, False) == "unreadable"
    assert ccbot_state("parse", 1, True) == "unreadable"
    assert ccbot_state("parse", 0, False) == "blocked"
    assert ccbot_state("no-file", 1, False) == "allowed"
    assert ccbot_state("parse", None, False) == "unknown"


@pytest.mark.parametrize(
    ("status", "mime", "taken"),
    [
        ("200", "text/html", True),
        ("206", "image/jpeg", True),
        ("301", "unk", False),
        ("404", "text/html", False),
        ("403", "text/html", False),
        ("503", "text/html", False),
        ("200", "warc/revisit", False),
        ("-", "warc/revisit", False),
        (None, None, False),
        ("2000", "text/html", False),
    ],
)
def test_only_a_2xx_capture_that_is_no_revisit_stored_the_page(
    status: str | None, mime: str | None, taken: bool
) -> None:
    assert stored_content(status, mime) is taken


def test_captures_that_stored_no_content_are_counted_apart_and_raise_no_finding() -> None:
    late = FEB + timedelta(days=5)
    captures = [
        Capture("CC-MAIN-2026-05", JAN + timedelta(days=1), f"{SITE}/old", "301", "unk"),
        Capture("CC-MAIN-2026-08", late, f"{SITE}/gone", "404", "text/html"),
        Capture("CC-MAIN-2026-08", late, f"{SITE}/again", "200", "warc/revisit"),
        Capture("CC-MAIN-2026-08", late, f"{SITE}/art/1.html", "200", "text/html"),
    ]
    report = classify_site(SITE, captures, ALLOWED_THEN_BLOCKED)
    assert [v.verdict for v in report.verdicts] == ["before-block", *["after-block"] * 3]
    assert (report.count("after-block"), report.count("after-block", taken=False)) == (1, 2)
    assert (report.count("before-block"), report.not_taken) == (0, 3)
    per_crawl = [
        (c.crawl, c.captures, c.count("after-block"), c.not_taken) for c in report.per_crawl
    ]
    assert per_crawl == [("CC-MAIN-2026-08", 3, 1, 2), ("CC-MAIN-2026-05", 1, 0, 1)]
    (finding,) = report.findings  # no before-block finding: the one before stored nothing
    assert finding.code == "cc-captured-after-block"
    assert finding.message.startswith("1 Common Crawl capture was made after")
    assert finding.evidence == f"{SITE}/art/1.html"
