"""Tests for audits.signals.rsl: License lines, Link headers and RSL documents."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from audits.core.http_link import links_with_rel
from audits.signals.rsl import (
    CODES,
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_ELEMENTS,
    RSL_NAMESPACE,
    LicenseRef,
    RslDocument,
    check_license_url,
    licenses_from_link_headers,
    parse_rsl_document,
    prohibits_ai_training,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "rsl"


def fixture_bytes(name: str) -> bytes:
    """The stored file for a case, name with extension."""
    return (FIXTURES / name).read_bytes()


def fixture_text(name: str) -> str:
    return fixture_bytes(name).decode("utf-8")


def header_lines(case: str) -> list[str]:
    """A Link header case: one field line per line of the file."""
    return fixture_text(f"{case}.txt").splitlines()


def document(name: str, content_type: str | None = None) -> RslDocument:
    return parse_rsl_document(fixture_bytes(name), content_type=content_type)


def codes(item: RslDocument | LicenseRef) -> list[str]:
    return [finding.code for finding in item.findings]


# robots.txt License: lines


@pytest.mark.parametrize("case", ["license_absolute", "license_other_host"])
def test_rsl_license_line_absolute_url_is_accepted(case: str) -> None:
    ref = check_license_url(fixture_text(f"{case}.txt"))
    assert ref.url == fixture_text(f"{case}.txt")
    assert ref.is_rsl
    assert ref.source == "robots-txt"
    assert ref.findings == ()


@pytest.mark.parametrize(
    "case",
    [
        "license_relative",
        "license_no_scheme",
        "license_ftp",
        "license_empty",
        "license_no_host",
        "license_bad_ipv6",
    ],
)
def test_rsl_license_line_must_be_absolute_http_url(case: str) -> None:
    ref = check_license_url(fixture_text(f"{case}.txt"))
    assert ref.url is None
    assert ref.raw == fixture_text(f"{case}.txt").strip()
    assert codes(ref) == ["rsl-invalid-license-url"]
    assert ref.findings[0].severity == "error"


def test_rsl_license_line_need_not_be_url_encoded() -> None:
    ref = check_license_url(fixture_text("license_spaces.txt"))
    assert ref.url == "https://example.com/my license.xml"
    assert ref.findings == ()


# Link headers


def test_rsl_link_header_with_rsl_type() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_rsl"))
    assert ref.url == "https://example.com/license.xml"
    assert ref.media_type == "application/rsl+xml"
    assert ref.is_rsl
    assert ref.source == "link-header"
    assert ref.findings == ()


def test_license_link_without_rsl_type_is_recorded_but_not_rsl() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_cc_license"))
    assert ref.url == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert not ref.is_rsl
    assert codes(ref) == ["rsl-license-link-not-rsl"]
    assert ref.findings[0].severity == "info"


def test_rfc8288_unquoted_parameters() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_unquoted"))
    assert (ref.url, ref.is_rsl) == ("https://example.com/license.xml", True)


def test_rfc8288_rel_holds_several_types_case_insensitively() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_multi_rel"))
    assert ref.is_rsl
    assert ref.media_type == "application/rsl+xml"


def test_rfc8288_several_links_in_one_field() -> None:
    refs = licenses_from_link_headers(header_lines("links_multiple"))
    assert [(r.url, r.is_rsl) for r in refs] == [
        ("https://example.com/license.xml", True),
        ("https://creativecommons.org/licenses/by/4.0/", False),
    ]


def test_rfc8288_several_field_lines() -> None:
    refs = licenses_from_link_headers(header_lines("links_two_fields"))
    assert [r.url for r in refs] == ["https://example.com/a.xml"]


def test_rfc8288_comma_and_semicolon_inside_quotes_do_not_split() -> None:
    refs = licenses_from_link_headers(header_lines("links_comma_in_quotes"))
    assert [r.url for r in refs] == ["https://example.com/license.xml"]


def test_rfc8288_escaped_quote_in_quoted_string() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_escaped_quote"))
    assert ref.is_rsl


def test_rfc8288_only_first_rel_counts() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_duplicate_rel"))
    assert ref.is_rsl
    (link,) = links_with_rel(header_lines("links_duplicate_rel"), "license")
    assert link.rels == ("license",)


def test_rfc8288_relative_target_needs_a_base() -> None:
    (ref,) = licenses_from_link_headers(header_lines("links_relative"))
    assert ref.url is None
    assert codes(ref) == ["rsl-invalid-license-url"]


def test_rfc8288_relative_target_resolves_against_base() -> None:
    (ref,) = licenses_from_link_headers(
        header_lines("links_relative"), base_url="https://example.com/photos/1"
    )
    assert ref.url == "https://example.com/license.xml"
    assert ref.raw == "/license.xml"
    assert ref.findings == ()


def test_lenient_malformed_links_are_skipped() -> None:
    refs = licenses_from_link_headers(header_lines("links_garbage"))
    assert [r.url for r in refs] == ["https://example.com/ok.xml"]


def test_link_header_too_long_is_flagged_and_fast() -> None:
    start = time.perf_counter()
    values = [fixture_text("links_rsl.txt")] + ["<https://e.com/x>; rel=next, " * 100_000]
    refs = licenses_from_link_headers(values)
    assert [r.is_rsl for r in refs] == [True, False]
    assert codes(refs[-1]) == ["rsl-link-header-too-long"]
    assert refs[-1].url is None
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "value",
    ["<" * 50_000, "<" * 10_000, "<>" * 5000, ";" * 10_000, '<a>; x="' * 1000, "\x00\xff"],
)
def test_hostile_link_values_give_no_exception(value: str) -> None:
    start = time.perf_counter()
    licenses_from_link_headers([value])
    links_with_rel([value], "license")
    assert time.perf_counter() - start < 1.0


# RSL documents


def test_rsl_minimal_example_prohibits_ai_all() -> None:
    doc = document("minimal_prohibits_ai_all.xml")
    assert doc.parsed
    assert doc.root == f"{{{RSL_NAMESPACE}}}rsl"
    (content,) = doc.contents
    assert content.url == "/"
    assert dict(content.prohibits) == {"usage": ("ai-all",)}
    assert prohibits_ai_training(content)
    assert doc.findings == ()


def test_rsl_content_attributes_and_terms_per_type() -> None:
    first, second = document("full_example.xml").contents
    assert first.url == "https://example.com/photos/*"
    assert first.server == "https://license.example.com"
    assert dict(first.permits) == {"usage": ("search", "ai-index", "ai-input"), "geo": ("de", "fr")}
    assert dict(first.prohibits) == {"usage": ("ai-train", "ai-input"), "user": ("commercial",)}
    assert first.license_count == 2
    assert second.server is None


def test_rsl_payment_types_default_to_free() -> None:
    first, second = document("full_example.xml").contents
    assert first.payment_types == ("subscription", "inference")
    assert second.payment_types == ("free",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("minimal_prohibits_ai_all.xml", True),
        ("prohibits_all.xml", True),
        ("prohibits_search_only.xml", False),
        ("prohibits_ai_train_as_user.xml", False),
    ],
)
def test_rsl_prohibits_ai_training_reads_usage_prohibits(name: str, expected: bool) -> None:
    (content,) = document(name).contents
    assert prohibits_ai_training(content) is expected


def test_rsl_prohibits_ai_train_detected() -> None:
    first, second = document("full_example.xml").contents
    assert prohibits_ai_training(first)
    assert not prohibits_ai_training(second)


@pytest.mark.parametrize("name", ["no_namespace.xml", "wrong_namespace_http.xml"])
def test_rsl_wrong_namespace_is_flagged_but_read(name: str) -> None:
    doc = document(name)
    assert codes(doc) == ["rsl-wrong-namespace"]
    assert doc.parsed
    (content,) = doc.contents
    assert prohibits_ai_training(content)


def test_rsl_elements_in_other_namespaces_are_ignored() -> None:
    (content,) = document("foreign_namespace_content.xml").contents
    assert content.url == "/a/"
    assert dict(content.prohibits) == {}


@pytest.mark.parametrize("name", ["wrong_root_html.html", "rss_feed.xml"])
def test_rsl_wrong_root_is_not_rsl(name: str) -> None:
    doc = document(name)
    assert not doc.parsed
    assert doc.contents == ()
    assert codes(doc) == ["rsl-wrong-root"]


def test_rsl_html_content_type_is_flagged() -> None:
    doc = document("wrong_root_html.html", content_type="text/html; charset=utf-8")
    assert codes(doc) == ["rsl-unexpected-content-type", "rsl-wrong-root"]


@pytest.mark.parametrize(
    "content_type", ["application/rsl+xml", "application/xml", "text/xml; charset=utf-8", None]
)
def test_rsl_xml_content_types_are_accepted(content_type: str | None) -> None:
    assert document("minimal_prohibits_ai_all.xml", content_type).findings == ()


def test_rsl_no_content_element_is_flagged() -> None:
    doc = document("no_content.xml")
    assert doc.parsed
    assert codes(doc) == ["rsl-no-content"]


def test_rsl_content_without_url_is_flagged() -> None:
    doc = document("content_missing_url.xml")
    assert doc.contents[0].url is None
    assert codes(doc) == ["rsl-content-missing-url"]


def test_rsl_permits_without_type_is_flagged() -> None:
    doc = document("missing_type.xml")
    assert codes(doc) == ["rsl-missing-type"]
    assert not prohibits_ai_training(doc.contents[0])


def test_rsl_utf16_document_is_read() -> None:
    (content,) = document("utf16.xml").contents
    assert prohibits_ai_training(content)


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml", "doctype_only.xml"])
def test_hostile_dtd_and_entities_are_refused(name: str) -> None:
    start = time.perf_counter()
    doc = document(name)
    assert not doc.parsed
    assert codes(doc) == ["rsl-xml-forbidden"]
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "name", ["unclosed.xml", "undefined_entity.xml", "empty.xml", "binary.bin"]
)
def test_malformed_xml_is_flagged(name: str) -> None:
    doc = document(name)
    assert not doc.parsed
    assert codes(doc) == ["rsl-malformed-xml"]


def test_hostile_ten_megabytes_is_refused_unread() -> None:
    start = time.perf_counter()
    doc = parse_rsl_document(b"<rsl>" + b" " * 10_000_000 + b"</rsl>")
    assert codes(doc) == ["rsl-too-large"]
    assert doc.size > MAX_DOCUMENT_BYTES
    assert time.perf_counter() - start < 1.0


def test_hostile_deep_nesting_is_refused() -> None:
    start = time.perf_counter()
    doc = parse_rsl_document(b"<rsl>" + b"<a>" * 300_000)
    assert codes(doc) == ["rsl-too-large"]
    assert str(MAX_DEPTH) in doc.findings[0].message
    assert time.perf_counter() - start < 1.0


def test_hostile_element_flood_is_refused() -> None:
    body = b'<rsl xmlns="https://rslstandard.org/rsl">' + b"<x/>" * (MAX_ELEMENTS + 1) + b"</rsl>"
    doc = parse_rsl_document(body)
    assert codes(doc) == ["rsl-too-large"]


def test_hostile_long_term_list_is_linear() -> None:
    terms = ",".join(f"t{i}" for i in range(100_000)).encode()
    body = b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
    body += b'<prohibits type="usage">' + terms + b"</prohibits></license></content></rsl>"
    start = time.perf_counter()
    (content,) = parse_rsl_document(body).contents
    assert len(content.prohibits["usage"]) == 100_000
    assert time.perf_counter() - start < 1.0


def test_every_declared_code_has_the_module_prefix() -> None:
    assert all(code.startswith("rsl-") for code in CODES)
