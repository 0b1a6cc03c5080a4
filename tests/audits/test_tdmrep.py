"""TDMRep (W3C CG Final Report 2024-05-10): /.well-known/tdmrep.json parsing and matching."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from audits.core.findings import Finding
from audits.signals.tdmrep import (
    CODES,
    MAX_RULES,
    TdmrepDecision,
    TdmrepFile,
    parse_tdmrep_json,
)
from audits.signals.tdmrep.layers import resolve_tdm

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tdmrep"
POLICY = "https://provider.com/policies/policy.json"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def tdmrep_file(name: str, **kwargs: object) -> TdmrepFile:
    return parse_tdmrep_json(fixture(name), **kwargs)  # type: ignore[arg-type]


def codes(findings: Iterable[Finding]) -> set[str]:
    return {finding.code for finding in findings}


def assert_fast(action: Callable[[], object], seconds: float = 2.0) -> object:
    start = time.perf_counter()
    result = action()
    assert time.perf_counter() - start < seconds
    return result


# --- §4.2 spec examples ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["spec_example_site_wide.json", "spec_example_directories.json"])
def test_spec_examples_are_implemented_without_findings(name: str) -> None:
    parsed = tdmrep_file(name, content_type="application/json")
    assert parsed.state == "implemented"
    assert parsed.reason is None
    assert parsed.findings == ()


@pytest.mark.parametrize("url", ["/", "/a/b.jpg", "https://example.com/x?y=1", ""])
def test_spec_example_site_wide_reserves_every_path(url: str) -> None:
    decision = tdmrep_file("spec_example_site_wide.json").evaluate(url)
    assert (decision.reservation, decision.rule_index, decision.location) == (1, 0, "/")


@pytest.mark.parametrize(
    ("url", "reservation", "rule_index", "policy"),
    [
        ("/directory-a/page.html", 1, 0, None),
        ("https://example.com/directory-b/html/index.html", 1, 1, POLICY),
        ("/directory-b/images/photo.jpg", 0, 2, None),
        ("/directory-b/images/2024/photo.jpg?size=large", 0, 2, None),
        ("/directory-b/images/photo.png", None, None, None),
        ("/directory-c/", None, None, None),
    ],
)
def test_spec_example_directories(
    url: str, reservation: int | None, rule_index: int | None, policy: str | None
) -> None:
    decision = tdmrep_file("spec_example_directories.json").evaluate(url)
    assert (decision.reservation, decision.rule_index, decision.policy) == (
        reservation,
        rule_index,
        policy,
    )


def test_spec_example_directories_records_rule_lines() -> None:
    rules = tdmrep_file("spec_example_directories.json").rules
    assert [(rule.index, rule.line) for rule in rules] == [(0, 2), (1, 3), (2, 5)]
    assert [rule.reservation_form for rule in rules] == ["number"] * 3


# --- file states -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 404, 410])
def test_tdmrep_4xx_means_not_implemented(status: int) -> None:
    parsed = tdmrep_file("spec_example_site_wide.json", status=status)
    assert (parsed.state, parsed.reason, parsed.findings) == ("not-implemented", "no-file", ())


@pytest.mark.parametrize("status", [500, 503, 302, 101])
def test_tdmrep_other_status_is_error_status(status: int) -> None:
    parsed = tdmrep_file("spec_example_site_wide.json", status=status)
    assert (parsed.state, parsed.reason) == ("not-implemented", "error-status")
    assert codes(parsed.findings) == {"tdmrep-error-status"}


def test_unknown_status_reads_body() -> None:
    assert tdmrep_file("spec_example_site_wide.json", status=None).implemented


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8"])
def test_html_soft_404_not_implemented(content_type: str | None) -> None:
    parsed = tdmrep_file("soft_404.html", content_type=content_type)
    assert (parsed.state, parsed.reason) == ("not-implemented", "html")
    assert codes(parsed.findings) == {"tdmrep-html-soft-404"}


def test_json_served_as_html_is_read_and_flagged() -> None:
    parsed = tdmrep_file("spec_example_site_wide.json", content_type="text/html")
    assert parsed.implemented
    assert codes(parsed.findings) == {"tdmrep-wrong-content-type"}


@pytest.mark.parametrize("content_type", ["application/json", "application/ld+json; x=1"])
def test_json_media_types_accepted(content_type: str) -> None:
    assert tdmrep_file("spec_example_site_wide.json", content_type=content_type).findings == ()


@pytest.mark.parametrize(
    ("name", "line"), [("trailing_comma.json", 3), ("nan_constant.json", None)]
)
def test_invalid_json_not_implemented(name: str, line: int | None) -> None:
    parsed = tdmrep_file(name)
    assert (parsed.state, parsed.reason) == ("not-implemented", "invalid-json")
    assert [(f.code, f.line) for f in parsed.findings] == [("tdmrep-invalid-json", line)]


@pytest.mark.parametrize("name", ["empty_body.json", "empty_array.json"])
def test_empty_file_not_implemented(name: str) -> None:
    parsed = tdmrep_file(name)
    assert (parsed.state, parsed.reason) == ("not-implemented", "empty")
    assert codes(parsed.findings) == {"tdmrep-empty"}


def test_single_object_is_not_an_array() -> None:
    parsed = tdmrep_file("single_object.json")
    assert (parsed.state, parsed.reason) == ("not-implemented", "not-an-array")
    assert codes(parsed.findings) == {"tdmrep-not-an-array"}
    assert parsed.evaluate("/page").basis == "not-implemented"


def test_lenient_single_object_read_as_one_rule() -> None:
    parsed = tdmrep_file("single_object.json")
    assert [(rule.location, rule.reservation) for rule in parsed.rules] == [("/", 1)]
    assert parsed.evaluate("/page", lenient=True).reservation == 1


def test_scalar_is_not_an_array_without_rules() -> None:
    parsed = tdmrep_file("scalar.json")
    assert (parsed.reason, parsed.rules) == ("not-an-array", ())
    assert codes(parsed.findings) == {"tdmrep-not-an-array"}


def test_lenient_bom_stripped_and_flagged() -> None:
    parsed = tdmrep_file("bom.json")
    assert parsed.implemented
    assert codes(parsed.findings) == {"tdmrep-bom"}


def test_lenient_non_utf8_read_with_replacement_and_flagged() -> None:
    parsed = tdmrep_file("latin1.json")
    assert parsed.implemented
    assert codes(parsed.findings) == {"tdmrep-not-utf8"}
    assert parsed.rules[0].location == "/caf\ufffd/"


def test_str_body_accepted() -> None:
    parsed = parse_tdmrep_json(fixture("spec_example_site_wide.json").decode())
    assert parsed.evaluate("/x").reservation == 1


def test_results_are_frozen() -> None:
    parsed = tdmrep_file("spec_example_site_wide.json")
    with pytest.raises(FrozenInstanceError):
        parsed.state = "not-implemented"  # type: ignore[misc]


# --- rules -------------------------------------------------------------------------------


def test_missing_location_never_matches() -> None:
    parsed = tdmrep_file("missing_location.json")
    assert codes(parsed.findings) == {"tdmrep-missing-location"}
    assert parsed.rules[0].pattern is None
    assert parsed.evaluate("/").basis == "no-match"


def test_invalid_location_never_matches() -> None:
    parsed = tdmrep_file("invalid_location.json")
    assert [f.code for f in parsed.findings] == ["tdmrep-invalid-location"] * 3
    assert [f.line for f in parsed.findings] == [2, 3, 4]
    assert parsed.evaluate("/images/a.jpg").reservation is None


def test_missing_reservation_is_unset() -> None:
    parsed = tdmrep_file("missing_reservation.json")
    rule = parsed.rules[0]
    assert (rule.reservation, rule.reservation_form, rule.reservation_raw) == (
        None,
        "missing",
        None,
    )
    assert codes(parsed.findings) == {"tdmrep-missing-reservation"}


@pytest.mark.parametrize(
    ("index", "raw"), [(0, "true"), (1, "2"), (2, '"yes"'), (3, "null"), (4, "[1]")]
)
def test_invalid_reservation_value_unset_raw_kept(index: int, raw: str) -> None:
    parsed = tdmrep_file("invalid_reservation_values.json")
    rule = parsed.rules[index]
    assert (rule.reservation, rule.reservation_form, rule.reservation_raw) == (
        None,
        "invalid",
        raw,
    )
    assert [f.line for f in parsed.findings if f.code == "tdmrep-invalid-reservation"][
        index
    ] == index + 2


def test_invalid_reservation_rule_still_decides_unset() -> None:
    decision = tdmrep_file("invalid_reservation_values.json").evaluate("/true/x")
    assert (decision.basis, decision.rule_index, decision.reservation) == ("rule", 0, None)


def test_lenient_string_reservation_flagged() -> None:
    parsed = tdmrep_file("string_reservation.json")
    rule = parsed.rules[0]
    assert (rule.reservation, rule.reservation_form, rule.reservation_raw) == (1, "string", '"1"')
    assert codes(parsed.findings) == {"tdmrep-string-reservation"}


def test_integral_float_reservation_accepted_as_number() -> None:
    parsed = parse_tdmrep_json('[{"location": "/", "tdm-reservation": 1.0}]')
    assert (parsed.rules[0].reservation, parsed.findings) == (1, ())


def test_policy_with_reservation_0_not_processed() -> None:
    parsed = tdmrep_file("policy_with_reservation_0.json")
    assert codes(parsed.findings) == {"tdmrep-policy-not-processed"}
    assert resolve_tdm(parsed.evaluate("/x")).effective_policy is None


def test_invalid_policy_flagged() -> None:
    parsed = tdmrep_file("invalid_policy.json")
    assert [(f.code, f.line) for f in parsed.findings] == [
        ("tdmrep-invalid-policy", 2),
        ("tdmrep-invalid-policy", 3),
    ]
    assert [rule.policy for rule in parsed.rules] == ["policies/tdm.json", None]


def test_unknown_keys_kept_and_flagged() -> None:
    parsed = tdmrep_file("unknown_key.json")
    assert parsed.rules[0].unknown_keys == (
        ("tdm_reservation", "1"),
        ("comment", '"all rights reserved"'),
    )
    assert codes(parsed.findings) == {"tdmrep-unknown-key"}
    assert parsed.findings[0].severity == "info"


def test_duplicate_key_last_wins_and_flagged() -> None:
    parsed = tdmrep_file("duplicate_key.json")
    assert parsed.rules[0].reservation == 0
    assert codes(parsed.findings) == {"tdmrep-duplicate-key"}


def test_rule_not_object_skipped_with_index() -> None:
    parsed = tdmrep_file("rule_not_object.json")
    assert [rule.index for rule in parsed.rules] == [1]
    assert [(f.code, f.line) for f in parsed.findings] == [("tdmrep-rule-not-object", 2)]
    assert "rule 0" in parsed.findings[0].message


# --- first match versus longest match ----------------------------------------------------


def test_tdmrep_first_match_in_array_order() -> None:
    decision = tdmrep_file("broad_rule_first.json").evaluate("/free/photo.jpg")
    assert (decision.reservation, decision.rule_index, decision.location) == (1, 0, "/")


def test_longest_match_computed_and_differs() -> None:
    decision = tdmrep_file("broad_rule_first.json").evaluate("/free/photo.jpg")
    assert (decision.longest_match_index, decision.longest_match_reservation) == (1, 0)
    assert decision.longest_match_differs
    assert codes(decision.findings) == {"tdmrep-first-longest-differ"}


def test_first_longest_differ_finding_names_winner() -> None:
    parsed = tdmrep_file("broad_rule_first.json")
    [finding] = parsed.findings
    assert (finding.code, finding.severity, finding.line) == (
        "tdmrep-first-longest-differ",
        "warning",
        2,
    )
    assert "rule 0 (/)" in finding.message and "rule 1 (/free/)" in finding.message
    assert "specific rules before general" in finding.message


def test_specific_rule_first_agrees_with_longest_match() -> None:
    parsed = tdmrep_file("specific_rule_first.json")
    assert parsed.findings == ()
    free, other = parsed.evaluate("/free/photo.jpg"), parsed.evaluate("/about")
    assert (free.reservation, free.longest_match_differs) == (0, False)
    assert (other.reservation, other.rule_index) == (1, 1)


@pytest.mark.parametrize(
    ("url", "reservation"),
    [
        ("/gallery/a.png", 0),
        ("/gallery/sub/a.png", 0),
        ("/gallery/a.png?w=9", 1),
        ("/gallery/a", 1),
    ],
)
def test_rfc9309_wildcard_and_end_anchor(url: str, reservation: int) -> None:
    assert tdmrep_file("wildcard_and_anchor.json").evaluate(url).reservation == reservation


def test_matching_is_case_sensitive() -> None:
    parsed = tdmrep_file("spec_example_directories.json")
    assert parsed.evaluate("/Directory-A/page.html").reservation is None


def test_no_match_is_unset() -> None:
    decision = tdmrep_file("spec_example_directories.json").evaluate("/other")
    assert (decision.reservation, decision.basis, decision.rule_index) == (None, "no-match", None)


def test_not_implemented_file_is_unset() -> None:
    decision = tdmrep_file("spec_example_site_wide.json", status=404).evaluate("/")
    assert (decision.reservation, decision.basis) == (None, "not-implemented")


# --- hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_hostile_deep_nesting_is_too_deep(opener: str) -> None:
    parsed = assert_fast(lambda: parse_tdmrep_json(opener * 50_000))
    assert isinstance(parsed, TdmrepFile)
    assert (parsed.reason, codes(parsed.findings)) == ("too-deep", {"tdmrep-too-deep"})


def test_nesting_just_over_limit_is_too_deep() -> None:
    body = '[{"location": "/", "tdm-reservation": 1, "x": ' + "[" * 31 + "]" * 31 + "}]"
    assert parse_tdmrep_json(body).reason == "too-deep"


def test_nesting_at_limit_is_read() -> None:
    body = '[{"location": "/", "tdm-reservation": 1, "x": ' + "[" * 30 + "]" * 30 + "}]"
    assert parse_tdmrep_json(body).implemented


@pytest.mark.parametrize("kind", [bytes, str])
def test_hostile_5mb_body_is_too_large(kind: type) -> None:
    body = "[" + '{"location": "/", "tdm-reservation": 1},' * 130_000
    data = body.encode() if kind is bytes else body
    parsed = assert_fast(lambda: parse_tdmrep_json(data))
    assert isinstance(parsed, TdmrepFile)
    assert (parsed.reason, parsed.truncated) == ("too-large", True)
    assert codes(parsed.findings) == {"tdmrep-too-large"}


def test_hostile_binary_garbage_is_a_finding() -> None:
    data = random.Random(9309).randbytes(64_000)
    parsed = assert_fast(lambda: parse_tdmrep_json(data))
    assert isinstance(parsed, TdmrepFile)
    assert parsed.reason == "invalid-json"
    assert codes(parsed.findings) == {"tdmrep-not-utf8", "tdmrep-invalid-json"}


def test_hostile_huge_integer_is_invalid_json() -> None:
    parsed = parse_tdmrep_json('[{"location": "/", "tdm-reservation": ' + "1" * 9000 + "}]")
    assert parsed.reason == "invalid-json"


def test_too_many_rules_bounded() -> None:
    body = "[" + ",".join(['{"location": "/x", "tdm-reservation": 1}'] * 20_000) + "]"
    parsed = assert_fast(lambda: parse_tdmrep_json(body))
    assert isinstance(parsed, TdmrepFile)
    assert len(parsed.rules) == MAX_RULES
    assert codes(parsed.findings) == {"tdmrep-too-many-rules"}


def test_hostile_many_conflicting_rules_fast() -> None:
    rules = [f'{{"location": "/{"a" * i}", "tdm-reservation": {i % 2}}}' for i in range(1000)]
    parsed = assert_fast(lambda: parse_tdmrep_json("[" + ",".join(rules) + "]"))
    assert isinstance(parsed, TdmrepFile) and parsed.implemented
    decision = assert_fast(lambda: parsed.evaluate("/" + "a" * 2000))
    assert isinstance(decision, TdmrepDecision) and decision.longest_match_differs


# --- every finding code ------------------------------------------------------------------


def _json_findings(body: str, **kwargs: object) -> tuple[Finding, ...]:
    return parse_tdmrep_json(body, **kwargs).findings  # type: ignore[arg-type]


CODE_CASES: dict[str, Callable[[], Iterable[Finding]]] = {
    "tdmrep-error-status": lambda: tdmrep_file("spec_example_site_wide.json", status=503).findings,
    "tdmrep-html-soft-404": lambda: tdmrep_file("soft_404.html").findings,
    "tdmrep-wrong-content-type": lambda: _json_findings("[]", content_type="text/plain"),
    "tdmrep-not-utf8": lambda: tdmrep_file("latin1.json").findings,
    "tdmrep-bom": lambda: tdmrep_file("bom.json").findings,
    "tdmrep-too-large": lambda: _json_findings(" " * (2 << 20)),
    "tdmrep-too-deep": lambda: _json_findings("[" * 50_000),
    "tdmrep-invalid-json": lambda: tdmrep_file("trailing_comma.json").findings,
    "tdmrep-not-an-array": lambda: tdmrep_file("single_object.json").findings,
    "tdmrep-empty": lambda: tdmrep_file("empty_array.json").findings,
    "tdmrep-too-many-rules": lambda: _json_findings("[" + ",".join(["{}"] * 10_001) + "]"),
    "tdmrep-rule-not-object": lambda: tdmrep_file("rule_not_object.json").findings,
    "tdmrep-duplicate-key": lambda: tdmrep_file("duplicate_key.json").findings,
    "tdmrep-missing-location": lambda: tdmrep_file("missing_location.json").findings,
    "tdmrep-invalid-location": lambda: tdmrep_file("invalid_location.json").findings,
    "tdmrep-missing-reservation": lambda: tdmrep_file("missing_reservation.json").findings,
    "tdmrep-invalid-reservation": lambda: tdmrep_file("invalid_reservation_values.json").findings,
    "tdmrep-string-reservation": lambda: tdmrep_file("string_reservation.json").findings,
    "tdmrep-invalid-policy": lambda: tdmrep_file("invalid_policy.json").findings,
    "tdmrep-policy-not-processed": lambda: tdmrep_file("policy_with_reservation_0.json").findings,
    "tdmrep-unknown-key": lambda: tdmrep_file("unknown_key.json").findings,
    "tdmrep-first-longest-differ": lambda: tdmrep_file("broad_rule_first.json").findings,
}


def test_every_declared_code_has_a_case() -> None:
    assert set(CODE_CASES) == set(CODES)


@pytest.mark.parametrize("code", sorted(CODE_CASES))
def test_finding_code_is_produced_with_its_severity(code: str) -> None:
    found = [finding for finding in CODE_CASES[code]() if finding.code == code]
    assert found
    assert all(finding.severity == CODES[code] for finding in found)
