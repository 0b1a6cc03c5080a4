"""The list of sites ``optout check`` takes (``results.batch_check``) and each site's summary
line: read leniently, reported strictly, bounded."""

from __future__ import annotations

import io
from typing import Any, cast

import pytest

from results.batch_check import (
    MAX_LINE_CHARS,
    MAX_LINES,
    BadEntry,
    Entry,
    TooManySites,
    plan_sites,
    read_url_list,
    short_message,
    summary_row,
    unreachable_reason,
    worst_finding,
)
from results.report_types import FindingReport, SiteReport


def _entries(text: str) -> list[Entry | BadEntry]:
    return list(read_url_list(io.StringIO(text)))


def test_list_skips_blank_lines_and_comments_and_keeps_line_numbers() -> None:
    text = "# mine\n\nhttp://a.example\n   \n  # indented note\nb.example  # Ben's shop\n"
    assert _entries(text) == [Entry("http://a.example", 3), Entry("b.example", 6)]


def test_list_keeps_a_fragment_that_is_not_a_comment() -> None:
    assert _entries("http://a.example/page#top\n") == [Entry("http://a.example/page#top", 1)]


def test_list_reports_an_over_long_line_and_reads_on() -> None:
    text = "http://a.example/" + "x" * (3 * MAX_LINE_CHARS) + "\nhttp://b.example\n"
    bad, good = _entries(text)
    assert isinstance(bad, BadEntry) and bad.line == 1
    assert f"longer than {MAX_LINE_CHARS} characters" in bad.reason
    assert good == Entry("http://b.example", 2)


def test_list_stops_past_its_line_bound() -> None:
    with pytest.raises(TooManySites, match="optout crawl"):
        _entries("# note\n" * (MAX_LINES + 1))


def test_plan_takes_each_origin_once_in_the_order_given() -> None:
    plan = plan_sites(
        [
            Entry("http://b.example/x"),
            Entry("http://a.example"),
            Entry("HTTP://B.example:80/other?q=1", 7),
        ]
    )
    assert plan.origins == ("http://b.example", "http://a.example")
    (duplicate,) = plan.duplicates
    assert (duplicate.origin, duplicate.first) == ("http://b.example", "http://b.example/x")
    assert "checked once" in duplicate.describe()


def test_plan_reports_a_bad_line_with_its_number_and_goes_on() -> None:
    plan = plan_sites([Entry("ftp://a.example", 4), Entry("http://c.example", 5)])
    assert plan.origins == ("http://c.example",)
    (bad,) = plan.bad
    assert bad.describe("urls.txt") == (
        "urls.txt line 4: 'ftp://a.example' scheme 'ftp' is not http or https (skipped)"
    )


def test_plan_refuses_more_sites_than_its_bound_and_names_the_crawl() -> None:
    entries = [Entry(f"http://s{i}.example") for i in range(4)]
    assert len(plan_sites(entries, limit=4).origins) == 4
    with pytest.raises(TooManySites, match=r"more than 4 sites.*optout crawl SEEDS"):
        plan_sites([*entries, Entry("http://one-more.example")], limit=4)


def test_plan_counts_duplicates_against_no_bound() -> None:
    entries = [Entry(f"http://s.example/{i}") for i in range(10)]
    assert plan_sites(entries, limit=1).origins == ("http://s.example",)


def _finding(severity: str, message: str = "m", code: str = "c") -> FindingReport:
    return cast(
        FindingReport,
        {"code": code, "severity": severity, "message": message, "line": None}
        | {"evidence": None, "agent": None, "url": "http://a.example/", "fetch_id": None},
    )


def test_worst_finding_follows_the_severity_order() -> None:
    findings = [_finding("info"), _finding("warning", "w"), _finding("error", "e1")]
    assert worst_finding(findings) == findings[2]
    assert worst_finding([_finding("info"), _finding("warning")]) == _finding("warning")


def test_worst_finding_of_only_notes_is_none() -> None:
    assert worst_finding([_finding("info")]) is None


def test_short_message_is_the_first_sentence_bounded() -> None:
    assert short_message(_finding("error", "robots.txt answers 502. RFC 9309 says…")) == (
        "robots.txt answers 502"
    )
    assert len(short_message(_finding("error", "x" * 500))) == 100


def _fetch(status: int | None, error: str | None = None, skipped: str | None = None) -> Any:
    return {"status": status, "error": error, "skipped": skipped}


def _report(state: str, *fetches: Any, because: tuple[str, ...] = ()) -> SiteReport:
    verdict = {"state": state, "mechanisms": [], "unknown_because": list(because)}
    return cast(
        SiteReport,
        {"origin": "http://a.example", "verdicts": {"train": verdict}}
        | {"findings": [], "evidence": list(fetches)},
    )


@pytest.mark.parametrize(
    ("fetches", "reason"),
    [
        ([_fetch(None, "connect"), _fetch(None, "connect")], "no answer (connect)"),
        ([_fetch(None, "dns")], "no answer (dns)"),
        (
            [_fetch(502), _fetch(502), _fetch(None, "timeout")],
            "server errors (status 502, timeout)",
        ),
        ([_fetch(None, "timeout"), _fetch(404)], None),
        ([_fetch(403)], None),
        ([_fetch(None, skipped="robots")], "nothing could be requested"),
    ],
)
def test_unreachable_means_no_request_was_answered(fetches: list[Any], reason: str | None) -> None:
    assert unreachable_reason(_report("unknown", *fetches)) == reason


def test_summary_row_of_an_unreachable_site_is_unknown_with_the_reason() -> None:
    report = _report(
        "unknown", _fetch(None, "connect"), because=("robots.txt could not be fetched (connect)",)
    )
    row = summary_row(report)
    assert (row.state, row.unreachable) == ("unknown", "no answer (connect)")
    assert row.unknown_because == "robots.txt could not be fetched (connect)"
