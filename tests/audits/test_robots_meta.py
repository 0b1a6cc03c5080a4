"""Meta robots (signals.md §8): noai, noimageai, Bing controls, RSL links; directive reading."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import TypeVar

import pytest

from audits.signals import directives as robots_directives
from audits.signals.directives import (
    MAX_DIRECTIVES,
    AiReservation,
    ai_reservation,
    classify_directive,
)
from audits.signals.directives import meta as robots_meta
from audits.signals.directives.header import XRobotsTag, parse_x_robots_tag
from audits.signals.directives.meta import (
    MAX_HTML_BYTES,
    MAX_META_TAGS,
    MetaRobots,
    parse_meta_robots,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "robots_meta"
T = TypeVar("T")
CODES = robots_meta.CODES | robots_directives.CODES
"""The codes a page's meta tags can produce: the reader's own and the directives'."""


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def meta(name: str) -> MetaRobots:
    return parse_meta_robots(fixture(name))


def headers(name: str) -> list[tuple[str, str]]:
    pairs = []
    for line in fixture(name).decode("utf-8").splitlines():
        field, _, value = line.partition(":")
        pairs.append((field.strip(), value.strip()))
    return pairs


def xrobots(name: str) -> XRobotsTag:
    return parse_x_robots_tag(headers(name))


def codes(parsed: MetaRobots | XRobotsTag) -> list[str]:
    return [finding.code for finding in parsed.findings]


def assert_fast(call: Callable[[], T], seconds: float = 2.0) -> T:
    start = time.perf_counter()
    result = call()
    assert time.perf_counter() - start < seconds
    return result


# --- meta robots ---------------------------------------------------------------------------


def test_meta_robots_applies_to_every_agent() -> None:
    parsed = meta("robots_noai_noimageai.html")
    assert parsed.directives_for("*") == {"noai", "noimageai"}
    assert parsed.directives_for("GPTBot") == {"noai", "noimageai"}
    assert {d.agent for d in parsed.directives} == {"*"}
    assert parsed.findings == ()


def test_meta_names_and_directives_case_insensitive() -> None:
    assert meta("robots_uppercase.html").directives_for("*") == {"noai", "noimageai"}


def test_meta_directive_records_source_line() -> None:
    directive = meta("robots_noai_noimageai.html").directives[0]
    assert (directive.source, directive.line, directive.kind) == ("meta", 6, "ai-optout")


def test_per_agent_meta_adds_to_global() -> None:
    parsed = meta("per_agent_meta.html")
    assert parsed.directives_for("gptbot") == {"max-image-preview:large", "noai"}
    assert parsed.directives_for("CCBOT") == {"max-image-preview:large", "noindex", "nofollow"}
    assert parsed.directives_for("ClaudeBot") == {"max-image-preview:large"}
    assert parsed.findings == ()  # naming a crawler in a meta tag is fine


def test_multiple_robots_metas_are_united() -> None:
    assert meta("multiple_robots_metas.html").directives_for("*") == {"noimageai", "noarchive"}


def test_robots_meta_outside_head_ignored_and_flagged() -> None:
    parsed = meta("outside_head.html")
    assert parsed.directives_for("*") == frozenset()
    assert [d.name for d in parsed.ignored] == ["noai", "noimageai"]
    assert codes(parsed) == ["meta-robots-outside-head"]
    assert parsed.findings[0].line == 10


def test_meta_before_body_content_is_in_implied_head() -> None:
    parsed = meta("implied_head.html")
    assert parsed.directives_for("*") == {"noai"}
    assert parsed.ignored == ()


def test_page_metadata_names_are_not_agents() -> None:
    parsed = meta("page_metadata_not_agents.html")
    assert parsed.directives == ()
    assert parsed.findings == ()


def test_valued_search_directives_kept_with_value() -> None:
    parsed = meta("search_values.html")
    assert parsed.directives_for("*") == {
        "max-snippet:50",
        "max-image-preview:large",
        "unavailable_after:2030-01-01",
    }
    assert {d.kind for d in parsed.directives} == {"search"}


def test_generator_recorded() -> None:
    assert meta("generator_wordpress.html").generator == "WordPress 6.6.2"
    assert meta("no_robots.html").generator is None


def test_invalid_utf8_html_still_parsed() -> None:
    assert meta("not_utf8.html").directives_for("*") == {"noai"}


def test_str_input_accepted() -> None:
    parsed = parse_meta_robots(fixture("robots_noai_noimageai.html").decode())
    assert parsed.directives_for("*") == {"noai", "noimageai"}


def test_page_without_robots_meta_has_nothing() -> None:
    parsed = meta("no_robots.html")
    assert (parsed.directives, parsed.findings, parsed.truncated) == ((), (), False)


# --- licence links -------------------------------------------------------------------------


def test_rsl_license_link_and_inline_script() -> None:
    parsed = meta("rsl_link_and_script.html")
    assert [(link.href, link.is_rsl) for link in parsed.licenses] == [
        ("https://example.com/license.xml", True),
        ("https://creativecommons.org/licenses/by-nc/4.0/", False),
    ]
    assert parsed.rsl_script


def test_cc_license_link_recorded_but_not_rsl() -> None:
    parsed = meta("cc_license_only.html")
    assert len(parsed.licenses) == 1
    assert not parsed.licenses[0].is_rsl
    assert not parsed.rsl_script


# --- meta findings -------------------------------------------------------------------------


def test_typo_of_noai_flagged_and_not_counted() -> None:
    parsed = meta("typo_no_ai.html")
    assert [f.code for f in parsed.findings] == ["meta-ai-directive-typo"] * 2
    assert [f.evidence for f in parsed.findings] == ["no-ai", "noimageia"]
    assert not ai_reservation(parsed.directives_for("*")).any


def test_nonstandard_ai_directives_flagged() -> None:
    parsed = meta("nonstandard_ai.html")
    assert codes(parsed) == ["meta-nonstandard-ai-directive"] * 2
    assert {d.kind for d in parsed.directives} == {"unknown"}


@pytest.mark.parametrize("name", ["semicolon_separator.html", "space_separator.html"])
def test_non_comma_separator_read_as_one_directive(name: str) -> None:
    parsed = meta(name)
    assert len(parsed.directives) == 1
    assert parsed.directives[0].kind == "unknown"
    assert codes(parsed) == ["meta-bad-separator"]
    assert not ai_reservation(parsed.directives_for("*")).any


def test_ad_hoc_ai_meta_names_flagged() -> None:
    parsed = meta("ad_hoc_ai_name.html")
    assert parsed.directives == ()
    assert codes(parsed) == ["meta-nonstandard-ai-name"] * 2


def test_unknown_directive_flagged_as_info() -> None:
    parsed = meta("unknown_directive.html")
    assert codes(parsed) == ["meta-unknown-directive"]
    assert parsed.findings[0].evidence == "sparkle"
    assert parsed.findings[0].severity == "info"


# --- classification and reservation --------------------------------------------------------


@pytest.mark.parametrize(
    ("directive", "kind"),
    [
        ("noai", "ai-optout"),
        ("NOIMAGEAI", "ai-optout"),
        ("noarchive", "bing-ai"),
        ("nocache", "bing-ai"),
        ("noindex", "search"),
        ("nosnippet", "search"),
        ("noimageindex", "search"),
        ("none", "search"),
        ("max-snippet:20", "search"),
        ("noml", "unknown"),
        ("noaitraining", "unknown"),
    ],
)
def test_directive_classification(directive: str, kind: str) -> None:
    assert classify_directive(directive) == kind


def test_noai_reserves_all_ai_and_images() -> None:
    assert ai_reservation({"noai"}) == AiReservation(True, True, False, False)


def test_noimageai_reserves_images_only() -> None:
    assert ai_reservation({"noimageai", "noindex"}) == AiReservation(False, True, False, False)


def test_bing_noarchive_reserves_training() -> None:
    reservation = ai_reservation(meta("bing_noarchive.html").directives_for("bingbot"))
    assert reservation == AiReservation(False, False, True, False)


def test_bing_noarchive_with_nocache_is_nocache() -> None:
    reservation = ai_reservation(meta("bing_noarchive_nocache.html").directives_for("bingbot"))
    assert reservation == AiReservation(False, False, False, True)


def test_search_directives_reserve_nothing() -> None:
    assert not ai_reservation({"noindex", "nofollow", "none", "nosnippet"}).any


# --- results are frozen; every code is reachable -------------------------------------------


def test_results_are_frozen() -> None:
    parsed = meta("robots_noai_noimageai.html")
    with pytest.raises(FrozenInstanceError):
        parsed.generator = "x"  # type: ignore[misc]


def test_codes_are_prefixed_kebab_case() -> None:
    assert all(code.startswith("meta-") and code == code.lower() for code in CODES)


def test_finding_severity_comes_from_codes() -> None:
    for name in ("typo_no_ai.html", "outside_head.html", "unknown_directive.html"):
        for finding in meta(name).findings:
            assert finding.severity == CODES[finding.code]


# --- hostile input -------------------------------------------------------------------------


def test_too_many_meta_tags_capped_and_flagged() -> None:
    html = "<html><head>" + '<meta name="x" content="y">' * 100_000 + "</head></html>"
    parsed = assert_fast(lambda: parse_meta_robots(html))
    assert parsed.meta_count == MAX_META_TAGS
    assert "meta-too-many-tags" in codes(parsed)


def test_robots_meta_after_tag_limit_not_read() -> None:
    html = "<head>" + "<meta name=x content=y>" * MAX_META_TAGS + "<meta name=robots content=noai>"
    assert parse_meta_robots(html).directives == ()


def test_huge_html_truncated_and_flagged() -> None:
    html = "<html><head><meta name=robots content=noai></head><body>" + "x" * 10_000_000
    parsed = assert_fast(lambda: parse_meta_robots(html))
    assert parsed.truncated
    assert "meta-html-truncated" in codes(parsed)
    assert parsed.directives_for("*") == {"noai"}


def test_robots_meta_after_size_limit_not_read() -> None:
    html = b"<html><head><!--" + b"x" * MAX_HTML_BYTES + b"--><meta name=robots content=noai>"
    assert parse_meta_robots(html).directives == ()


@pytest.mark.parametrize(
    "body",
    [
        os.urandom(3 * 1024 * 1024),
        b"\xff\xfe\x00<\x00m\x00e\x00t\x00a" * 1000,
        "\ud800<meta name=robots content=noai>",
        b"",
        b"<" * 1_000_000,
        b"<div>" * 200_000,
    ],
    ids=["random", "utf16ish", "lone-surrogate", "empty", "angles", "deep-nesting"],
)
def test_hostile_html_never_raises(body: bytes | str) -> None:
    parsed = assert_fast(lambda: parse_meta_robots(body))
    assert isinstance(parsed, MetaRobots)


def test_huge_content_attribute_caps_directives() -> None:
    content = ",".join(["noai"] * 300_000)
    parsed = assert_fast(lambda: parse_meta_robots(f'<meta name="robots" content="{content}">'))
    assert len(parsed.directives) == MAX_DIRECTIVES
    assert "meta-too-many-directives" in codes(parsed)


CODE_CASES: dict[str, Callable[[], MetaRobots | XRobotsTag]] = {
    "meta-robots-outside-head": lambda: meta("outside_head.html"),
    "meta-ai-directive-typo": lambda: meta("typo_no_ai.html"),
    "meta-nonstandard-ai-directive": lambda: meta("nonstandard_ai.html"),
    "meta-nonstandard-ai-name": lambda: meta("ad_hoc_ai_name.html"),
    "meta-unknown-directive": lambda: meta("unknown_directive.html"),
    "meta-bad-separator": lambda: meta("semicolon_separator.html"),
    "meta-too-many-tags": lambda: parse_meta_robots("<meta name=a>" * (MAX_META_TAGS + 1)),
    "meta-html-truncated": lambda: parse_meta_robots(b" " * (MAX_HTML_BYTES + 1)),
    "meta-too-many-directives": lambda: parse_x_robots_tag(
        [("X-Robots-Tag", ",".join(["noai"] * (MAX_DIRECTIVES + 1)))]
    ),
}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_producing_case(code: str) -> None:
    assert code in codes(CODE_CASES[code]())
