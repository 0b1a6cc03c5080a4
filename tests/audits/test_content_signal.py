"""Tests for audits.signals.content_signal: Cloudflare Content Signals values."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from audits.signals.content_signal import (
    CODES,
    MAX_SIGNAL_CHARS,
    ContentSignal,
    parse_content_signal,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "content_signal"


def fixture(case: str) -> str:
    """The raw value stored for a case."""
    return (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")


def parsed(case: str) -> ContentSignal:
    return parse_content_signal(fixture(case))


def signals(signal: ContentSignal) -> tuple[str | None, ...]:
    return (signal.search, signal.ai_input, signal.ai_train, signal.use)


def codes(signal: ContentSignal) -> list[str]:
    return [finding.code for finding in signal.findings]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("cloudflare_managed_default", ("yes", None, "no", None)),
        ("cloudflare_with_use", ("yes", None, "no", "reference")),
        ("all_keys", ("yes", "no", "no", "immediate")),
        ("use_full", (None, None, None, "full")),
        ("markdown_for_agents", ("yes", "yes", "yes", None)),
    ],
)
def test_policy_known_keys_and_values(case: str, expected: tuple[str | None, ...]) -> None:
    signal = parsed(case)
    assert signals(signal) == expected
    assert signal.findings == ()


def test_lenient_keys_and_values_are_lowercased() -> None:
    signal = parsed("mixed_case")
    assert (signal.search, signal.ai_train) == ("yes", "no")
    assert signal.findings == ()


def test_lenient_spaces_around_equals_and_commas_are_trimmed() -> None:
    assert signals(parsed("spaces_around_equals")) == ("yes", None, "no", None)


def test_policy_missing_signal_is_none() -> None:
    signal = parsed("cloudflare_managed_default")
    assert signal.ai_input is None
    assert "ai-input" not in signal.values


def test_duplicate_last_value_wins() -> None:
    assert parsed("duplicate_conflict").ai_train == "yes"


def test_duplicate_most_restrictive_reading_is_exposed() -> None:
    signal = parsed("duplicate_conflict")
    assert signal.most_restrictive["ai-train"] == "no"
    assert signal.values["ai-train"] == ("no", "yes")


def test_duplicate_conflict_is_flagged() -> None:
    signal = parsed("duplicate_conflict")
    assert signal.conflicting_keys == ("ai-train",)
    assert codes(signal) == ["content-signal-duplicate-key"]
    assert "conflicting" in signal.findings[0].message


def test_duplicate_same_value_is_flagged_without_conflict() -> None:
    signal = parsed("duplicate_same")
    assert signal.conflicting_keys == ()
    assert codes(signal) == ["content-signal-duplicate-key"]
    assert signal.ai_train == "no"


def test_duplicate_use_most_restrictive_is_immediate() -> None:
    signal = parsed("duplicate_use")
    assert signal.use == "reference"
    assert signal.most_restrictive["use"] == "immediate"


@pytest.mark.parametrize(
    ("case", "evidence"),
    [
        ("invalid_false", "ai-train=false"),
        ("invalid_n", "ai-train=n"),
        ("invalid_quoted", 'ai-train="no"'),
        ("invalid_empty_value", "ai-train="),
        ("invalid_use", "use=none"),
    ],
)
def test_invalid_value_is_an_error_and_states_nothing(case: str, evidence: str) -> None:
    signal = parsed(case)
    assert signals(signal) == (None, None, None, None)
    assert codes(signal) == ["content-signal-invalid-value"]
    assert signal.findings[0].severity == "error"
    assert signal.findings[0].evidence == evidence
    assert len(signal.unknown) == 1


def test_invalid_last_value_overrides_earlier_valid_one() -> None:
    signal = parsed("last_is_invalid")
    assert signal.ai_train is None
    assert signal.most_restrictive["ai-train"] == "no"
    assert codes(signal) == ["content-signal-invalid-value", "content-signal-duplicate-key"]


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("unknown_underscore", "ai_train"),
        ("unknown_run_together", "aitrain"),
        ("unknown_train", "train"),
    ],
)
def test_unknown_training_key_is_flagged_with_suggestion(case: str, key: str) -> None:
    signal = parsed(case)
    assert signal.ai_train is None
    assert signal.unknown == ((key, "no"),)
    assert codes(signal) == ["content-signal-unknown-key"]
    assert "Did you mean `ai-train`?" in signal.findings[0].message


def test_unknown_key_does_not_hide_known_ones() -> None:
    signal = parsed("unknown_other")
    assert signal.search == "yes"
    assert signal.unknown == (("ai-summarise", "no"),)
    assert "Did you mean" not in signal.findings[0].message


@pytest.mark.parametrize("case", ["empty", "whitespace_only"])
def test_empty_value_is_flagged(case: str) -> None:
    signal = parsed(case)
    assert signals(signal) == (None, None, None, None)
    assert codes(signal) == ["content-signal-empty"]


def test_part_without_equals_is_malformed() -> None:
    signal = parsed("malformed_no_equals")
    assert signal.malformed == ("search",)
    assert signal.search is None
    assert signal.ai_train == "no"
    assert codes(signal) == ["content-signal-malformed-part"]


def test_lenient_trailing_comma_is_ignored() -> None:
    signal = parsed("trailing_comma")
    assert signals(signal) == ("yes", None, "no", None)
    assert signal.findings == ()


def test_raw_value_is_kept() -> None:
    assert parsed("cloudflare_with_use").raw == "search=yes,ai-train=no,use=reference"


def test_oversized_value_is_not_read() -> None:
    start = time.perf_counter()
    signal = parse_content_signal("ai-train=no" * 1_000_000)
    assert codes(signal) == ["content-signal-oversized"]
    assert signal.ai_train is None
    assert len(signal.raw) == MAX_SIGNAL_CHARS
    assert time.perf_counter() - start < 1.0


def test_too_many_parts_is_not_read() -> None:
    signal = parse_content_signal(",".join(["search=yes"] * 40))
    assert codes(signal) == ["content-signal-oversized"]


@pytest.mark.parametrize("value", ["\x00\x01=\x02", "=" * 100, "é=ü, ✓", "\udc80=no"])
def test_hostile_values_give_findings_not_exceptions(value: str) -> None:
    signal = parse_content_signal(value)
    assert signals(signal) == (None, None, None, None)
    assert signal.findings


def test_every_declared_code_has_the_module_prefix() -> None:
    assert all(code.startswith("content-signal-") for code in CODES)
