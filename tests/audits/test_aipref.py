"""Tests for audits.signals.aipref: vocab-08 processing rules and attach-05 attachments."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from audits.signals.aipref import (
    ATTACH_REVISION,
    CODES,
    MAX_PREFERENCE_BYTES,
    VOCAB_REVISION,
    UsagePreference,
    combine_most_restrictive,
    parse_content_usage_header,
    parse_usage_preference,
    split_robots_content_usage,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aipref"

U, A, D = "unknown", "allow", "disallow"


def fixture_bytes(case: str) -> bytes:
    """The raw value stored for a case."""
    return (FIXTURES / f"{case}.txt").read_bytes()


def fixture_text(case: str) -> str:
    return fixture_bytes(case).decode("utf-8")


def fixture_lines(case: str) -> list[str]:
    """A header case: one field line per line of the file."""
    return fixture_text(case).splitlines()


def readings(pref: UsagePreference) -> tuple[str, str, str]:
    return (pref.categories["train-ai"], pref.categories["ai-use"], pref.categories["search"])


def codes(pref: UsagePreference) -> list[str]:
    return [finding.code for finding in pref.findings]


def test_revisions_are_reported() -> None:
    assert VOCAB_REVISION == "draft-ietf-aipref-vocab-08"
    assert ATTACH_REVISION == "draft-ietf-aipref-attach-05"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("vocab_example_train_y_search_n", (A, U, D)),
        ("attach_header_example_train_n", (D, U, U)),
        ("vocab_duplicates_leave_unknown", (U, U, U)),
        ("vocab_parameters_ignored", (A, U, U)),
        ("vocab08_all_three", (D, D, A)),
        ("string_n", (U, U, U)),
        ("token_no", (U, U, U)),
        ("integer_zero", (U, U, U)),
        ("boolean_false", (U, U, U)),
        ("inner_list", (U, U, U)),
        ("bare_key", (U, U, U)),
        ("token_uppercase_n", (U, U, U)),
        ("legacy_ai_n", (U, U, U)),
        ("legacy_mixed", (D, U, U)),
        ("unknown_label_underscore", (U, U, U)),
        ("whitespace_around", (D, U, A)),
        ("param_on_disallow", (U, U, D)),
        ("empty", (U, U, U)),
    ],
)
def test_vocab_token_y_allows_token_n_disallows_rest_unknown(
    case: str, expected: tuple[str, str, str]
) -> None:
    pref = parse_usage_preference(fixture_text(case))
    assert pref.parsed
    assert pref.error is None
    assert readings(pref) == expected


def test_vocab_categories_are_exactly_the_current_labels() -> None:
    pref = parse_usage_preference(fixture_text("legacy_mixed"))
    assert set(pref.categories) == {"train-ai", "ai-use", "search"}


@pytest.mark.parametrize("case", ["uppercase_key", "trailing_comma", "missing_comma", "non_ascii"])
def test_vocab_parse_failure_makes_everything_unknown(case: str) -> None:
    pref = parse_usage_preference(fixture_bytes(case))
    assert not pref.parsed
    assert pref.error
    assert readings(pref) == (U, U, U)
    assert codes(pref) == ["aipref-parse-failed"]
    assert pref.findings[0].severity == "error"


def test_vocab_string_input_with_non_ascii_fails_like_bytes() -> None:
    pref = parse_usage_preference(fixture_text("non_ascii"))
    assert not pref.parsed
    assert pref.raw == "train-ai=n, search=ñ"


def test_vocab_lone_surrogate_fails_without_exception() -> None:
    pref = parse_usage_preference("train-ai=n, x=\udc80")
    assert not pref.parsed
    assert readings(pref) == (U, U, U)


def test_vocab_duplicate_key_last_wins() -> None:
    pref = parse_usage_preference(fixture_text("vocab_parameters_ignored"))
    assert pref.categories["train-ai"] == A
    assert codes(pref) == ["aipref-duplicate-key"]
    assert pref.findings[0].evidence == "train-ai"


def test_vocab_duplicates_example_reports_each_problem() -> None:
    pref = parse_usage_preference(fixture_text("vocab_duplicates_leave_unknown"))
    assert sorted(codes(pref)) == [
        "aipref-bare-key",
        "aipref-duplicate-key",
        "aipref-duplicate-key",
        "aipref-invalid-value",
    ]


@pytest.mark.parametrize(
    ("case", "evidence"),
    [
        ("string_n", 'train-ai="n"'),
        ("token_no", "train-ai=no"),
        ("integer_zero", "train-ai=0"),
        ("boolean_false", "train-ai=?0"),
        ("inner_list", "train-ai=(n)"),
        ("token_uppercase_n", "train-ai=N"),
    ],
)
def test_non_token_or_unknown_token_value_is_not_a_disallow(case: str, evidence: str) -> None:
    pref = parse_usage_preference(fixture_text(case))
    assert codes(pref) == ["aipref-invalid-value"]
    assert pref.findings[0].severity == "error"
    assert pref.findings[0].evidence == evidence


def test_bare_key_is_boolean_true_and_flagged() -> None:
    pref = parse_usage_preference(fixture_text("bare_key"))
    assert pref.categories["train-ai"] == U
    assert codes(pref) == ["aipref-bare-key"]
    assert pref.findings[0].severity == "warning"


def test_vocab_parameters_are_ignored_without_finding() -> None:
    pref = parse_usage_preference(fixture_text("param_on_disallow"))
    assert pref.categories["search"] == D
    assert pref.findings == ()


def test_legacy_label_reads_unknown_and_is_recorded() -> None:
    pref = parse_usage_preference(fixture_text("legacy_ai_n"))
    assert dict(pref.legacy) == {"ai": "n"}
    assert codes(pref) == ["aipref-legacy-label"]
    assert "vocab-01" in pref.findings[0].message


def test_every_legacy_label_is_recorded_raw() -> None:
    pref = parse_usage_preference(fixture_text("legacy_mixed"))
    assert set(pref.legacy) == {
        "tdm",
        "genai",
        "train-genai",
        "bots",
        "all",
        "ai-output",
        "inference",
    }
    assert codes(pref) == ["aipref-legacy-label"] * 7


def test_unknown_label_is_recorded_and_flagged() -> None:
    pref = parse_usage_preference(fixture_text("unknown_label_underscore"))
    assert dict(pref.legacy) == {"train_ai": "n"}
    assert codes(pref) == ["aipref-unknown-label"]


def test_legacy_value_is_serialised_as_written() -> None:
    pref = parse_usage_preference('ai="n", tdm, bots=?0')
    assert dict(pref.legacy) == {"ai": '"n"', "tdm": "?1", "bots": "?0"}


def test_empty_value_is_no_statement() -> None:
    pref = parse_usage_preference(fixture_text("empty"))
    assert pref.parsed
    assert pref.findings == ()


def test_oversized_preference_is_unknown_and_flagged() -> None:
    pref = parse_usage_preference("train-ai=n, " * 1000)
    assert not pref.parsed
    assert readings(pref) == (U, U, U)
    assert codes(pref) == ["aipref-oversized"]
    assert len(pref.raw) == MAX_PREFERENCE_BYTES


def test_hostile_ten_megabytes_is_fast() -> None:
    start = time.perf_counter()
    pref = parse_usage_preference(b"\xff" * 10_000_000)
    assert codes(pref) == ["aipref-oversized"]
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "value",
    [b"\x00\x01\x02", b"a=(" * 2000, b"a=@99999999999999", b'a=%"%ff"', b"a=" + b"9" * 4000],
)
def test_hostile_binary_and_overflows_fail_cleanly(value: bytes) -> None:
    pref = parse_usage_preference(value)
    assert codes(pref) == ["aipref-parse-failed"]


def test_rfc9110_header_fields_are_joined_in_order() -> None:
    pref = parse_content_usage_header(fixture_lines("header_two_fields"))
    assert readings(pref) == (D, U, A)
    assert pref.raw == "train-ai=n, search=y"


def test_attach_header_duplicate_across_fields_last_wins() -> None:
    pref = parse_content_usage_header(fixture_lines("header_duplicate_across_fields"))
    assert pref.categories["train-ai"] == A
    assert codes(pref) == ["aipref-duplicate-key"]


def test_rfc9651_empty_field_line_makes_the_joined_value_fail() -> None:
    pref = parse_content_usage_header(fixture_lines("header_empty_field"))
    assert not pref.parsed
    assert codes(pref) == ["aipref-parse-failed"]


def test_no_header_is_no_statement() -> None:
    pref = parse_content_usage_header([])
    assert pref.parsed
    assert readings(pref) == (U, U, U)


def test_oversized_header_is_flagged_without_joining_everything() -> None:
    start = time.perf_counter()
    pref = parse_content_usage_header(["train-ai=n"] * 1_000_000)
    assert codes(pref) == ["aipref-oversized"]
    assert time.perf_counter() - start < 1.0


def _pref(case: str) -> UsagePreference:
    return parse_usage_preference(fixture_text(case))


def test_combine_any_disallow_wins() -> None:
    combined = combine_most_restrictive(
        [_pref("vocab_example_train_y_search_n"), _pref("attach_header_example_train_n")]
    )
    assert dict(combined) == {"train-ai": D, "ai-use": U, "search": D}


def test_combine_allow_beats_unknown() -> None:
    combined = combine_most_restrictive([_pref("vocab_parameters_ignored"), _pref("legacy_ai_n")])
    assert dict(combined) == {"train-ai": A, "ai-use": U, "search": U}


def test_combine_nothing_is_unknown() -> None:
    assert dict(combine_most_restrictive([])) == {"train-ai": U, "ai-use": U, "search": U}


def test_combine_failed_parse_contributes_nothing() -> None:
    combined = combine_most_restrictive([_pref("uppercase_key"), _pref("vocab08_all_three")])
    assert dict(combined) == {"train-ai": D, "ai-use": D, "search": A}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("robots_path_and_pref", ("/ai-ok/", "train-ai=y")),
        ("robots_pref_only", (None, "train-ai=n")),
        ("robots_tab_separator", ("/images/", "train-ai=n")),
        ("robots_path_only", ("/private/", "")),
        ("robots_wildcard_not_path", (None, "*.pdf train-ai=n")),
        ("robots_extra_spaces", ("/docs/", "train-ai=n, search=y")),
    ],
)
def test_attach_robots_path_runs_to_first_whitespace(
    case: str, expected: tuple[str | None, str]
) -> None:
    assert split_robots_content_usage(fixture_text(case)) == expected


def test_attach_robots_rule_without_slash_fails_as_preference() -> None:
    _, value = split_robots_content_usage(fixture_text("robots_wildcard_not_path"))
    assert not parse_usage_preference(value).parsed


def test_attach_robots_example_preferences() -> None:
    """The two rules of the attach-05 §3 example for User-Agent: *."""
    _, general = split_robots_content_usage("train-ai=n")
    path, specific = split_robots_content_usage("/ai-ok/ train-ai=y")
    assert parse_usage_preference(general).categories["train-ai"] == D
    assert (path, parse_usage_preference(specific).categories["train-ai"]) == ("/ai-ok/", A)


def test_every_declared_code_has_a_known_severity() -> None:
    assert set(CODES.values()) <= {"error", "warning", "info"}
    assert all(code.startswith("aipref-") for code in CODES)
