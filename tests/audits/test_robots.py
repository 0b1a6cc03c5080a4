"""robots.txt parsing and verdicts: RFC 9309 semantics, our leniencies, and the notes on
where Protego or Google's parser read a file otherwise."""

from __future__ import annotations

import pytest

from audits.signals.robots import parse_robots
from tests.conftest import FIXTURES


def robots(case: str):  # type: ignore[no-untyped-def]
    return parse_robots((FIXTURES / "robots" / f"{case}.txt").read_bytes())


def codes(parsed) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.code for f in parsed.findings}


def test_rfc9309_groups_for_the_same_agent_are_merged_case_insensitively() -> None:
    parsed = robots("groups_same_agent_merged")
    assert not parsed.verdict("ExampleBot", "/a/x").allowed
    verdict = parsed.verdict("EXAMPLEBOT", "/b/x")
    assert not verdict.allowed
    assert verdict.matched == "explicit"
    assert verdict.group_lines == (1, 7)
    assert parsed.verdict("ExampleBot", "/c").allowed


def test_rfc9309_named_group_replaces_wildcard() -> None:
    parsed = robots("named_group_replaces_wildcard")
    gpt = parsed.verdict("GPTBot", "/art/1")
    assert gpt.allowed and gpt.matched == "explicit"
    ccbot = parsed.verdict("CCBot", "/art/1")
    assert not ccbot.allowed and ccbot.matched == "wildcard"
    assert ccbot.rule_line == 2 and ccbot.rule_text == "Disallow: /"


def test_rfc9309_product_token_equality_not_substring() -> None:
    """`User-agent: Google` must not apply to Google-Extended; Protego's substring match does."""
    verdict = robots("google_token_not_google_extended").verdict("Google-Extended", "/")
    assert verdict.allowed and verdict.matched == "none"
    assert verdict.protego_allowed is False


def test_rfc9309_content_signal_does_not_end_the_user_agent_list() -> None:
    parsed = robots("content_signal_does_not_split_group")
    for agent in ("GPTBot", "CCBot"):
        assert not parsed.verdict(agent, "/x").allowed
    # Protego closes the group at the unknown line and leaves GPTBot unrestricted.
    assert parsed.verdict("GPTBot", "/x").protego_allowed is True
    assert parsed.content_signals("GPTBot")[0].signal.ai_train == "no"


def test_rfc9309_sitemap_does_not_end_a_group() -> None:
    parsed = robots("sitemap_does_not_end_group")
    assert not parsed.verdict("GPTBot", "/x").allowed
    assert parsed.sitemaps == ((2, "https://example.com/sitemap.xml"),)


def test_rfc9309_rules_before_any_user_agent_are_ignored() -> None:
    parsed = robots("rules_before_user_agent")
    assert parsed.verdict("GPTBot", "/art/1").allowed
    assert "robots-rule-outside-group" in codes(parsed)


def test_robots_txt_path_is_always_allowed() -> None:
    assert parse_robots("User-agent: *\nDisallow: /\n").verdict("GPTBot", "/robots.txt").allowed


def test_utf8_bom_is_skipped() -> None:
    parsed = robots("utf8_bom")
    assert parsed.had_bom and not parsed.verdict("GPTBot", "/").allowed


def test_utf16_is_decoded_and_flagged() -> None:
    parsed = robots("utf16")
    assert not parsed.verdict("GPTBot", "/").allowed
    assert "robots-not-utf8" in codes(parsed)


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    parsed = robots("latin1_bytes")
    assert parsed.decode_errors == 1
    assert "robots-not-utf8" in codes(parsed)


def test_lenient_missing_colon_is_accepted_and_flagged() -> None:
    parsed = robots("missing_colon")
    assert not parsed.verdict("GPTBot", "/").allowed
    assert "robots-missing-colon" in codes(parsed)


def test_lenient_misspelt_disallow_is_accepted_and_flagged() -> None:
    parsed = robots("misspelt_key")
    assert not parsed.verdict("GPTBot", "/").allowed
    assert "robots-misspelt-key" in codes(parsed)


def test_prefix_key_is_ignored_but_google_reads_it_as_disallow() -> None:
    parsed = robots("prefix_key")
    verdict = parsed.verdict("GPTBot", "/x")
    assert verdict.allowed and verdict.google_allowed is False
    assert "robots-prefix-key" in codes(parsed)


def test_disallow_ai_training_is_kept_apart_and_google_reads_it_as_disallow() -> None:
    parsed = robots("disallow_ai_training")
    verdict = parsed.verdict("Googlebot", "/photos/1")
    # `Allow: /` and `DisallowAITraining: /` tie in length; Google reads both as crawl
    # rules and lets the allow win, so it agrees here; the AI-training answer is separate.
    assert verdict.allowed
    allowed, rule = parsed.ai_training_verdict("GPTBot", "/photos/1")
    assert not allowed and rule is not None and rule.line == 2
    assert "robots-disallow-ai-training" in codes(parsed)
    only_ai = parse_robots("User-agent: *\nDisallowAITraining: /\n").verdict("GPTBot", "/a")
    assert only_ai.allowed and only_ai.google_allowed is False


def test_invalid_product_tokens_match_their_leading_letters() -> None:
    parsed = robots("invalid_token")
    assert {f.agent for f in parsed.findings if f.code == "robots-invalid-token"} == {
        "Brightbot 1.0",
        "AI2Bot",
    }
    assert not parsed.verdict("Brightbot", "/").allowed
    assert parsed.verdict("AI2Bot", "/").allowed  # RFC readers see 'AI', not 'AI2Bot'
    assert not parsed.verdict("AI", "/").allowed


def test_pattern_without_leading_slash_matches_nothing_and_is_flagged() -> None:
    parsed = robots("pattern_without_slash")
    assert parsed.verdict("GPTBot", "/images/a.jpg").allowed
    assert "robots-pattern-without-slash" in codes(parsed)


def test_content_signal_outside_group_is_flagged() -> None:
    parsed = robots("content_signal_outside_group")
    assert "robots-content-signal-outside-group" in codes(parsed)
    assert parsed.content_signals("GPTBot") == ()


def test_several_content_signal_lines_in_a_group_are_flagged() -> None:
    assert "robots-content-signal-repeated" in codes(robots("content_signal_repeated"))


def test_license_lines_are_global_and_kept_with_line_numbers() -> None:
    parsed = robots("license_not_absolute")
    assert parsed.licenses == ((1, "/license.xml"), (2, "https://example.com/license.xml"))


@pytest.mark.parametrize(
    ("agent", "path", "expected"),
    [
        ("OtherBot", "/test", "disallow"),
        ("OtherBot", "/never/test", None),
        ("OtherBot", "/ai-ok/test", "allow"),
        ("ExampleBot", "/test", "allow"),
    ],
)
def test_content_usage_attach05_example(agent: str, path: str, expected: str | None) -> None:
    rule = robots("content_usage_attach05_example").content_usage(agent, path)
    got = rule.preference.categories["train-ai"] if rule else None
    assert got == expected


def test_content_usage_identical_paths_combine_most_restrictively() -> None:
    rule = robots("content_usage_identical_paths").content_usage("GPTBot", "/gallery/1")
    assert rule is not None and rule.preference.categories["train-ai"] == "disallow"


def test_binary_body_is_flagged_not_crashed() -> None:
    parsed = robots("binary_nul_bytes")
    assert "robots-binary" in codes(parsed)


def test_crawl_delay_and_sitemap_are_kept() -> None:
    parsed = robots("crawl_delay_and_sitemap")
    assert parsed.groups[0].crawl_delay == "10"
    assert not parsed.verdict("GPTBot", "/private/x").allowed


def test_google_index_html_allowance_is_noted() -> None:
    verdict = robots("google_index_html").verdict("FooBot", "/folder/")
    assert not verdict.allowed and verdict.google_allowed is True


def test_truncated_after_500_kib_and_later_rules_ignored() -> None:
    body = b"User-agent: GPTBot\n" + b"# padding\n" * 52_000 + b"Disallow: /\n"
    parsed = parse_robots(body)
    assert parsed.truncated and "robots-truncated" in codes(parsed)
    assert parsed.verdict("GPTBot", "/").allowed


def test_overlong_line_is_cut_and_flagged() -> None:
    parsed = parse_robots("User-agent: GPTBot\nDisallow: /" + "a" * 20_000 + "\n")
    assert "robots-line-too-long" in codes(parsed)


def test_verdict_names_deciding_rule_for_longest_match() -> None:
    parsed = parse_robots("User-agent: *\nAllow: /art/\nDisallow: /art/private/\n")
    verdict = parsed.verdict("CCBot", "https://example.com/art/private/1.jpg")
    assert (verdict.allowed, verdict.rule_line, verdict.path) == (False, 3, "/art/private/1.jpg")


def test_is_allowed_shortcut() -> None:
    from audits.signals.robots import is_allowed

    assert not is_allowed(b"User-agent: GPTBot\nDisallow: /\n", "gptbot", "https://a.example/x")
    assert is_allowed(b"User-agent: GPTBot\nDisallow: /\n", "CCBot", "https://a.example/x")


@pytest.mark.parametrize(
    "case", sorted(p.stem for p in (FIXTURES / "robots").glob("*.txt")), ids=str
)
def test_table_rows_equal_the_verdict_of_each_agent_and_path(case: str) -> None:
    """The table shares one verdict per group set and path across agents; what it yields
    must be exactly the verdict asked for each pair on its own."""
    from audits.core.agents import load_registry

    parsed = robots(case)
    agents = [a.token for a in load_registry().agents] + ["gpt", "*", "unknown-bot"]
    table = parsed.table(agents, ["/", "/a/1", "/index.html", "/images/x.jpg?y=1"])
    assert list(table) == [table.verdict(a, p) for a in table.agents for p in table.paths]
