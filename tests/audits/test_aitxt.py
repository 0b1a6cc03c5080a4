"""Spawning ai.txt (signals.md §3, §10.2): format sniffing, robots-like rules, media classes."""

from __future__ import annotations

import base64
import gzip
import json
import os
import time
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import TypeVar

import pytest

from audits.signals.aitxt import (
    CODES,
    MAX_BYTES,
    MAX_LINES,
    MAX_RULES,
    MEDIA_EXTENSIONS,
    AiTxt,
    parse_aitxt,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "aitxt"
SHARED_FIXTURES = FIXTURES.parent
T = TypeVar("T")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def aitxt(name: str, **kwargs: object) -> AiTxt:
    return parse_aitxt(fixture(name), **kwargs)  # type: ignore[arg-type]


def codes(parsed: AiTxt) -> list[str]:
    return [finding.code for finding in parsed.findings]


def assert_fast(call: Callable[[], T], seconds: float = 2.0) -> T:
    start = time.perf_counter()
    result = call()
    assert time.perf_counter() - start < seconds
    return result


# --- format sniffing and fetch status ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wordpress_images_blocked.txt", "spawning"),
        ("spawning_legacy_header.txt", "spawning"),
        ("generator_header_only.txt", "spawning"),
        ("aitxt_ing_front_matter.txt", "aitxt-ing"),
        ("aitxt_ing_markdown.txt", "aitxt-ing"),
        ("soft_404.html", "html"),
        ("spa_shell.html", "html"),
        ("empty.txt", "empty"),
        ("whitespace_only.txt", "empty"),
        ("s3_access_denied.xml", "html"),
        ("comments_only.txt", "spawning"),
        ("comments_and_sitemap.txt", "spawning"),
        ("prose.txt", "unknown"),
        ("plain_not_found.txt", "unknown"),
    ],
)
def test_format_sniffed_from_body(name: str, expected: str) -> None:
    assert aitxt(name).format == expected


def test_html_body_is_not_published_not_an_empty_policy() -> None:
    parsed = aitxt("soft_404.html", content_type="text/html; charset=utf-8")
    assert not parsed.published
    assert parsed.groups == ()
    assert codes(parsed) == ["aitxt-served-as-html"]
    assert parsed.findings[0].severity == "error"


def test_html_content_type_with_empty_body_is_soft_404() -> None:
    parsed = parse_aitxt(b"", content_type="text/html")
    assert parsed.format == "html"
    assert codes(parsed) == ["aitxt-served-as-html"]


def test_rules_served_as_text_html_are_read_and_flagged() -> None:
    parsed = aitxt("wordpress_all_blocked.txt", content_type="text/html")
    assert parsed.format == "spawning"
    assert not parsed.evaluate("*", "/a.jpg").allowed
    assert "aitxt-html-content-type" in codes(parsed)


def test_aitxt_ing_markdown_has_no_blocking_semantics() -> None:
    parsed = aitxt("aitxt_ing_front_matter.txt")
    assert parsed.published
    assert parsed.evaluate("*", "/photo.jpg").allowed
    assert codes(parsed) == ["aitxt-not-spawning-format"]
    assert parsed.findings[0].severity == "info"


def test_unknown_format_flagged() -> None:
    parsed = aitxt("prose.txt")
    assert parsed.published
    assert not parsed.has_rules
    assert codes(parsed) == ["aitxt-unknown-format"]


def test_empty_file_is_present_but_flagged() -> None:
    parsed = aitxt("empty.txt")
    assert parsed.published
    assert codes(parsed) == ["aitxt-empty-file"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 429])
def test_status_4xx_means_no_file(status: int) -> None:
    parsed = parse_aitxt(fixture("wordpress_all_blocked.txt"), status=status)
    assert parsed.format == "no-file"
    assert not parsed.published
    assert parsed.findings == ()
    decision = parsed.evaluate("*", "/a.jpg")
    assert (decision.allowed, decision.group, decision.format) == (True, "none", "no-file")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_5xx_means_unreachable(status: int) -> None:
    parsed = parse_aitxt(fixture("wordpress_all_blocked.txt"), status=status)
    assert parsed.format == "unreachable"
    assert parsed.evaluate("*", "/").format == "unreachable"
    assert codes(parsed) == ["aitxt-unreachable"]


def test_redirect_status_not_followed_means_no_file() -> None:
    assert parse_aitxt(b"", status=301).format == "no-file"


def test_status_none_is_read_like_200() -> None:
    assert parse_aitxt(fixture("allow_all.txt"), status=None).format == "spawning"


# --- presence versus permission ------------------------------------------------------------


def test_present_but_allows_all_distinguished_from_absent() -> None:
    present = aitxt("allow_all.txt")
    absent = parse_aitxt(b"", status=404)
    assert present.published and not absent.published
    assert present.has_rules and not absent.has_rules
    assert present.evaluate("*", "/a.jpg").allowed and absent.evaluate("*", "/a.jpg").allowed
    assert "aitxt-allows-everything" in codes(present)
    assert "aitxt-allows-everything" not in codes(absent)


def test_allows_everything_when_only_header_comments() -> None:
    parsed = aitxt("generator_header_only.txt")
    assert parsed.generator == "Spawning AI"
    assert codes(parsed) == ["aitxt-allows-everything"]


def test_comments_only_file_allows_everything() -> None:
    parsed = aitxt("comments_only.txt")
    assert (parsed.published, parsed.has_rules) == (True, False)
    assert codes(parsed) == ["aitxt-allows-everything"]


def test_blocking_file_does_not_claim_allows_everything() -> None:
    assert "aitxt-allows-everything" not in codes(aitxt("wordpress_images_blocked.txt"))


# --- line syntax ---------------------------------------------------------------------------


def test_generator_signature_recognised() -> None:
    assert aitxt("spawning_legacy_header.txt").generator == "Spawning AI"
    assert aitxt("allow_all.txt").generator is None


def test_wordpress_stray_slash_lines_tolerated_and_flagged() -> None:
    parsed = aitxt("wordpress_images_blocked.txt")
    stray = [f for f in parsed.findings if f.code == "aitxt-line-without-colon"]
    assert [f.line for f in stray] == [2, 5]
    assert all(f.evidence == "/" for f in stray)
    assert parsed.groups[0].agents == ("*",)


def test_lenient_missing_colon_with_two_parts() -> None:
    parsed = aitxt("missing_colon.txt")
    assert parsed.groups[0].agents == ("*",)
    assert not parsed.evaluate("*", "/portfolio/a.png").allowed
    assert codes(parsed).count("aitxt-line-without-colon") == 2


def test_rule_before_user_agent_ignored_and_flagged() -> None:
    parsed = aitxt("rules_before_user_agent.txt")
    assert parsed.evaluate("*", "/").allowed
    finding = parsed.findings[0]
    assert (finding.code, finding.line) == ("aitxt-rule-before-user-agent", 1)


def test_unknown_key_ignored_and_flagged() -> None:
    parsed = aitxt("unknown_key.txt")
    unknown = [f.line for f in parsed.findings if f.code == "aitxt-unknown-key"]
    assert unknown == [2, 3]
    assert not parsed.evaluate("*", "/a.png").allowed


def test_case_insensitive_keys() -> None:
    parsed = aitxt("case_insensitive_keys.txt")
    assert not parsed.evaluate("*", "/x/photo.JPG").allowed
    assert parsed.evaluate("*", "/x/photo.jpg").allowed  # paths stay case-sensitive


def test_inline_comments_stripped() -> None:
    parsed = aitxt("inline_comments.txt")
    assert parsed.groups[0].agents == ("*",)
    assert not parsed.evaluate("*", "/a.png").allowed
    assert not parsed.evaluate("*", "/drafts/x").allowed
    assert parsed.findings == ()


@pytest.mark.parametrize("name", ["crlf.txt", "cr_only.txt"])
def test_line_endings_cr_and_crlf(name: str) -> None:
    parsed = aitxt(name)
    decision = parsed.evaluate("*", "/a.jpg")
    assert not decision.allowed
    assert decision.rule == "Disallow: *.jpg"


def test_utf8_bom_skipped() -> None:
    parsed = aitxt("bom.txt")
    assert parsed.groups[0].line == 1
    assert parsed.groups[0].agents == ("*",)
    assert not parsed.evaluate("*", "/").allowed


def test_invalid_utf8_replaced_and_flagged() -> None:
    parsed = aitxt("not_utf8.txt")
    assert parsed.format == "spawning"
    assert "aitxt-decode-error" in codes(parsed)


def test_str_body_accepted() -> None:
    parsed = parse_aitxt(fixture("wordpress_all_blocked.txt").decode())
    assert parsed.site_reserved()


def test_empty_disallow_is_no_rule() -> None:
    parsed = aitxt("empty_disallow.txt")
    assert parsed.groups[0].rules == ()
    assert parsed.evaluate("*", "/").allowed
    assert "aitxt-allows-everything" in codes(parsed)


# --- groups --------------------------------------------------------------------------------


def test_named_group_replaces_wildcard() -> None:
    parsed = aitxt("named_agent_group.txt")
    named = parsed.evaluate("img2dataset", "/about")
    assert (named.allowed, named.group, named.line) == (False, "explicit", 2)
    other = parsed.evaluate("laion", "/about")
    assert (other.allowed, other.group) == (True, "wildcard")


def test_named_group_without_rules_allows_everything_for_that_agent() -> None:
    parsed = aitxt("named_agent_empty_group.txt")
    decision = parsed.evaluate("friendlybot", "/a.jpg")
    assert (decision.allowed, decision.group, decision.line) == (True, "explicit", None)
    assert not parsed.evaluate("otherbot", "/a.jpg").allowed


def test_agent_match_is_case_insensitive_and_groups_merge() -> None:
    parsed = aitxt("merged_groups.txt")
    assert not parsed.evaluate("Img2Dataset", "/a.jpg").allowed
    assert not parsed.evaluate("img2dataset", "/a.png").allowed
    assert parsed.evaluate("img2dataset", "/private/x").allowed  # "*" does not add to a named group


def test_consecutive_user_agents_share_rules() -> None:
    parsed = aitxt("shared_group.txt")
    assert len(parsed.groups) == 1
    assert not parsed.evaluate("laion", "/").allowed


def test_unknown_key_does_not_close_group() -> None:
    parsed = aitxt("unknown_key_keeps_group.txt")
    assert parsed.groups[0].agents == ("img2dataset", "laion")
    assert not parsed.evaluate("img2dataset", "/").allowed


def test_agent_token_ignores_version_suffix() -> None:
    assert not aitxt("agent_with_version.txt").evaluate("img2dataset", "/").allowed


def test_no_matching_group_means_none() -> None:
    decision = aitxt("named_agent_group.txt").evaluate("*", "/")
    assert decision.group == "wildcard"
    only_named = parse_aitxt(b"User-Agent: img2dataset\nDisallow: /\n")
    assert only_named.evaluate("laion", "/").group == "none"


# --- matching and precedence ---------------------------------------------------------------


def test_glob_without_slash_matches_anywhere() -> None:
    parsed = aitxt("pattern_without_slash.txt")
    assert not parsed.evaluate("*", "/uploads/images/a.gif").allowed
    assert not parsed.evaluate("*", "/work/file.psd").allowed
    assert parsed.evaluate("*", "/work/file.png").allowed
    assert parsed.groups[0].rules[0].pattern.normalised == "*images/"


def test_extension_glob_matches_full_url() -> None:
    parsed = aitxt("wordpress_images_blocked.txt")
    assert not parsed.evaluate("*", "https://example.com/wp-content/uploads/cat.jpg?w=300").allowed


def test_anchored_glob_respects_dollar() -> None:
    parsed = aitxt("anchored_pattern.txt")
    assert not parsed.evaluate("*", "/a.jpg").allowed
    assert parsed.evaluate("*", "/a.jpg?size=large").allowed


def test_longest_match_wins() -> None:
    parsed = aitxt("longest_match.txt")
    assert parsed.evaluate("*", "/about.html").allowed
    assert not parsed.evaluate("*", "/about").allowed
    assert parsed.evaluate("*", "/public/a.png").allowed
    decision = parsed.evaluate("*", "/public/a.jpg")
    assert (decision.allowed, decision.line) == (False, 5)


def test_allow_wins_tie() -> None:
    decision = aitxt("tie_allow_wins.txt").evaluate("*", "/gallery/1")
    assert (decision.allowed, decision.line, decision.rule) == (True, 3, "Allow: /gallery")


def test_extension_beats_global_allow_in_wordpress_file() -> None:
    parsed = aitxt("wordpress_images_blocked.txt")
    assert not parsed.evaluate("GPTBot", "/uploads/a.png").allowed
    decision = parsed.evaluate("GPTBot", "/blog/post")
    assert (decision.allowed, decision.rule) == (True, "Allow: /")


# --- media classes -------------------------------------------------------------------------


def test_media_summary_images_blocked() -> None:
    summary = aitxt("wordpress_images_blocked.txt").media_summary()
    assert summary == {
        "image": "reserved",
        "audio": "allowed",
        "video": "allowed",
        "text": "allowed",
        "code": "allowed",
    }


def test_media_summary_partial() -> None:
    summary = parse_aitxt(b"User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\n").media_summary()
    assert summary["image"] == "partial"
    assert summary["video"] == "allowed"


def test_media_summary_path_scoped_rule_is_partial() -> None:
    summary = parse_aitxt(b"User-Agent: *\nDisallow: /sub/\n").media_summary()
    assert set(summary.values()) == {"partial"}


def test_media_summary_per_agent() -> None:
    parsed = aitxt("named_agent_group.txt")
    assert parsed.media_summary("img2dataset")["audio"] == "reserved"
    assert parsed.media_summary()["audio"] == "allowed"


@pytest.mark.parametrize("name", ["wordpress_all_blocked.txt", "spawning_legacy_header.txt"])
def test_site_reserved_when_everything_disallowed(name: str) -> None:
    parsed = aitxt(name)
    assert parsed.site_reserved()
    assert set(parsed.media_summary().values()) == {"reserved"}


@pytest.mark.parametrize(
    "name", ["wordpress_images_blocked.txt", "allow_all.txt", "aitxt_ing_markdown.txt"]
)
def test_site_not_reserved(name: str) -> None:
    assert not aitxt(name).site_reserved()


def test_media_classes_cover_wordpress_image_list() -> None:
    assert set(MEDIA_EXTENSIONS) == {"image", "audio", "video", "text", "code"}
    assert {"jpg", "png", "webp", "psd", "cr2", "sr2"} <= set(MEDIA_EXTENSIONS["image"])


# --- results are frozen; every code is reachable -------------------------------------------


def test_results_are_frozen() -> None:
    parsed = aitxt("allow_all.txt")
    with pytest.raises(FrozenInstanceError):
        parsed.format = "empty"  # type: ignore[misc]


def test_finding_severity_comes_from_codes() -> None:
    for name in ("soft_404.html", "wordpress_images_blocked.txt", "prose.txt"):
        for finding in aitxt(name).findings:
            assert finding.severity == CODES[finding.code]


def test_codes_are_prefixed_kebab_case() -> None:
    assert all(code.startswith("aitxt-") and code == code.lower() for code in CODES)


# --- hostile input -------------------------------------------------------------------------


def test_oversized_body_truncated_and_flagged() -> None:
    body = b"User-Agent: *\nDisallow: *.jpg\n" + b"# padding\n" * 1_000_000
    parsed = assert_fast(lambda: parse_aitxt(body))
    assert parsed.truncated
    assert "aitxt-truncated" in codes(parsed)
    assert not parsed.evaluate("*", "/a.jpg").allowed


def test_rule_after_size_limit_not_read() -> None:
    body = b"User-Agent: *\n" + b"#" * MAX_BYTES + b"\nDisallow: /\n"
    parsed = parse_aitxt(body)
    assert parsed.evaluate("*", "/").allowed


def test_line_count_capped() -> None:
    body = b"User-Agent: *\n" + b"\n" * (MAX_LINES + 10) + b"Disallow: /\n"
    parsed = assert_fast(lambda: parse_aitxt(body))
    assert parsed.line_count == MAX_LINES
    assert parsed.truncated
    assert parsed.evaluate("*", "/").allowed


def test_rule_count_capped_and_summary_fast() -> None:
    rules = b"".join(b"Disallow: /p%d/*.x*y*z\n" % i for i in range(MAX_RULES * 5))
    parsed = assert_fast(lambda: parse_aitxt(b"User-Agent: *\n" + rules))
    assert sum(len(g.rules) for g in parsed.groups) == MAX_RULES
    assert "aitxt-truncated" in codes(parsed)
    summary = assert_fast(parsed.media_summary)
    assert summary["image"] == "allowed"


def test_hostile_wildcard_pattern_is_fast() -> None:
    body = b"User-Agent: *\nDisallow: /" + b"*a" * 5_000 + b"b\n"
    parsed = parse_aitxt(body)
    decision = assert_fast(lambda: parsed.evaluate("*", "/" + "a" * 10_000))
    assert decision.allowed


def test_binary_body_never_raises() -> None:
    parsed = assert_fast(lambda: parse_aitxt(os.urandom(MAX_BYTES * 2)))
    assert parsed.truncated
    assert parsed.format in ("unknown", "spawning", "aitxt-ing", "html", "empty")


def test_many_unknown_lines_bound_findings() -> None:
    parsed = parse_aitxt(b"User-Agent: *\n" + b"junk line\n" * 5_000)
    assert len(parsed.findings) <= 30


def test_long_line_capped() -> None:
    parsed = assert_fast(lambda: parse_aitxt(b"User-Agent: *\nDisallow: /" + b"a" * 400_000))
    assert len(parsed.groups[0].rules[0].text) <= 16_384


CODE_CASES: dict[str, tuple[str, dict[str, object]]] = {
    "aitxt-served-as-html": ("soft_404.html", {}),
    "aitxt-html-content-type": ("allow_all.txt", {"content_type": "text/html"}),
    "aitxt-not-spawning-format": ("aitxt_ing_markdown.txt", {}),
    "aitxt-unknown-format": ("prose.txt", {}),
    "aitxt-empty-file": ("whitespace_only.txt", {}),
    "aitxt-unreachable": ("allow_all.txt", {"status": 503}),
    "aitxt-line-without-colon": ("missing_colon.txt", {}),
    "aitxt-rule-before-user-agent": ("rules_before_user_agent.txt", {}),
    "aitxt-unknown-key": ("no_groups_only_unknown.txt", {}),
    "aitxt-allows-everything": ("allow_all.txt", {}),
    "aitxt-decode-error": ("not_utf8.txt", {}),
}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_producing_case(code: str) -> None:
    if code == "aitxt-truncated":
        parsed = parse_aitxt(b"User-Agent: *\n" + b"\n" * (MAX_LINES + 1))
    else:
        name, kwargs = CODE_CASES[code]
        parsed = aitxt(name, **kwargs)
    assert code in codes(parsed)


# --- robots.txt conformance: §3.3 says read ai.txt like RFC 9309 ---------------------------


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        pytest.skip(f"{path.name} not available")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def test_rfc9309_examples_decide_the_same() -> None:
    cases = _jsonl(SHARED_FIXTURES / "conformance" / "rfc9309_example_cases.jsonl")
    for case in cases:
        parsed = parse_aitxt(str(case["robots"]))
        decision = parsed.evaluate(str(case["agent"]), str(case["url"]))
        assert decision.allowed is case["allowed"], case["case_id"]


def test_real_robots_files_parse_without_exception() -> None:
    records = _jsonl(SHARED_FIXTURES / "corpus" / "robots-sample.small.jsonl.gz")
    for record in records:
        body = base64.b64decode(str(record["body_b64"]))
        start = time.perf_counter()
        parse_aitxt(body).media_summary()
        assert time.perf_counter() - start < 1.0, record.get("host")
