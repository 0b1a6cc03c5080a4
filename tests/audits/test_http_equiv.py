"""Opt-out headers written as ``<meta http-equiv>``: reported where they stand, once per site,
and never counted as a reservation."""

from __future__ import annotations

from pathlib import Path

from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.core.uses import USES
from audits.signals import SIGNALS
from audits.signals.http_equiv import parse_http_equiv
from audits.signals.http_equiv.signal import HTTP_EQUIV, read_http_equiv
from audits.site.audit import audit_site
from audits.site.catalogue import all_codes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "http_equiv"
ORIGIN = "https://mira.example"
HTML = (("Content-Type", "text/html; charset=utf-8"),)
CODE = "http-equiv-header-not-read"


def _page(name: str, path: str = "/", kind: FetchKind = "home", status: int = 200) -> Fetch:
    body = (FIXTURES / name).read_bytes()
    return Fetch(ORIGIN + path, kind, status, HTML, body, fetch_id=path)


def _robots() -> Fetch:
    return Fetch(ORIGIN + "/robots.txt", "robots", 200, (), b"User-agent: *\nAllow: /\n")


def test_x_robots_tag_as_meta_is_reported_with_the_form_to_use() -> None:
    parsed = parse_http_equiv((FIXTURES / "x-robots-tag-noai.html").read_bytes())
    (finding,) = parsed.findings
    assert finding.code == CODE
    assert finding.severity == "warning"
    assert finding.line == 5
    assert finding.evidence == "noai, noimageai"
    assert '<meta name="robots"' in finding.message


def test_every_tdmrep_header_written_as_meta_is_reported() -> None:
    parsed = parse_http_equiv((FIXTURES / "tdm-reservation.html").read_bytes())
    assert [t.header for t in parsed.tags] == ["tdm-reservation", "tdm-policy"]
    assert [f.line for f in parsed.findings] == [5, 6]


def test_html_pragmas_are_not_reported() -> None:
    assert parse_http_equiv((FIXTURES / "pragmas-only.html").read_bytes()).findings == ()


def test_the_forms_crawlers_read_are_not_reported() -> None:
    assert parse_http_equiv((FIXTURES / "meta-name-robots.html").read_bytes()).findings == ()


def test_error_pages_are_not_read() -> None:
    assert read_http_equiv(_page("x-robots-tag-noai.html", status=404)).tags == ()


def test_a_tag_repeated_by_the_template_is_one_finding_at_its_first_page() -> None:
    site = SiteEvidence(
        ORIGIN,
        (
            _robots(),
            _page("x-robots-tag-noai.html"),
            _page("x-robots-tag-noai.html", "/art/1", "page"),
            _page("x-robots-tag-noai.html", "/art/2", "page"),
        ),
    )
    hits = [f for f in audit_site(site).findings if f.finding.code == CODE]
    assert [(h.evidence.url, h.evidence.line) for h in hits] == [(ORIGIN + "/", 5)]


def test_a_meta_written_header_reserves_nothing() -> None:
    with_tag = SiteEvidence(ORIGIN, (_robots(), _page("x-robots-tag-noai.html")))
    without = SiteEvidence(ORIGIN, (_robots(), _page("pragmas-only.html")))
    states = [audit_site(with_tag).verdict(use).state for use in USES]
    assert states == [audit_site(without).verdict(use).state for use in USES]
    assert "unstated" in states


def test_the_signal_is_registered_and_its_code_catalogued() -> None:
    assert HTTP_EQUIV in SIGNALS
    assert CODE in all_codes()
