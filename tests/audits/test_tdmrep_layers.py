"""TDMRep (W3C CG Final Report 2024-05-10): tdm-* headers, HTML meta and §4.3 precedence."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from audits.core.findings import Finding
from audits.signals.tdmrep import TdmrepDecision, TdmrepFile, parse_tdmrep_json
from audits.signals.tdmrep.layers import (
    CODES,
    TdmProperties,
    resolve_tdm,
    tdm_from_headers,
    tdm_from_html,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tdmrep"
POLICY = "https://provider.com/policies/policy.json"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def tdmrep_file(name: str) -> TdmrepFile:
    return parse_tdmrep_json(fixture(name))


def headers(name: str) -> list[tuple[str, str]]:
    lines = fixture(name).decode("ascii").splitlines()
    return [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines)]


def codes(findings: Iterable[Finding]) -> set[str]:
    return {finding.code for finding in findings}


def file_decision(reservation: int | None, policy: str | None = None) -> TdmrepDecision:
    rule: dict[str, object] = {"location": "/", "tdm-reservation": reservation}
    if policy is not None:
        rule["tdm-policy"] = policy
    return parse_tdmrep_json(json.dumps([rule])).evaluate("/page")


def assert_fast(action: Callable[[], object], seconds: float = 2.0) -> object:
    start = time.perf_counter()
    result = action()
    assert time.perf_counter() - start < seconds
    return result


# --- §4.2 spec examples ------------------------------------------------------------------


def test_spec_example_headers() -> None:
    props = tdm_from_headers(headers("spec_example.headers"))
    assert (props.source, props.reservation, props.policy) == ("header", 1, POLICY)
    assert props.findings == ()


def test_spec_example_meta() -> None:
    props = tdm_from_html(fixture("spec_example_meta.html"))
    assert (props.source, props.reservation, props.policy) == ("meta", 1, POLICY)
    assert props.findings == ()


# --- headers -----------------------------------------------------------------------------


def test_header_names_case_insensitive_in_mapping() -> None:
    props = tdm_from_headers({"TDM-Reservation": "1", "TDM-POLICY": POLICY})
    assert (props.reservation, props.policy, props.findings) == (1, POLICY, ())


def test_header_absent_is_unset() -> None:
    props = tdm_from_headers(headers("header_absent.headers"))
    assert (props.reservation, props.policy, props.findings) == (None, None, ())


@pytest.mark.parametrize("value", ["yes", "true", "2", '"1"', "", "01"])
def test_header_invalid_value_is_unset(value: str) -> None:
    props = tdm_from_headers([("tdm-reservation", value)])
    assert (props.reservation, props.reservation_raw) == (None, (value,))
    assert codes(props.findings) == {"tdmrep-header-invalid-value"}


def test_header_invalid_value_fixture() -> None:
    props = tdm_from_headers(headers("header_invalid_value.headers"))
    assert props.reservation is None
    assert props.findings[0].evidence == "yes"


@pytest.mark.parametrize(
    ("name", "reservation"),
    [
        ("header_repeated_same.headers", 1),
        ("header_repeated_conflicting.headers", None),
        ("header_joined_values.headers", None),
    ],
)
def test_header_repeated_flagged(name: str, reservation: int | None) -> None:
    props = tdm_from_headers(headers(name))
    assert props.reservation == reservation
    assert codes(props.findings) == {"tdmrep-header-repeated"}


def test_stale_tdm_a_header_flagged_not_honoured() -> None:
    props = tdm_from_headers(headers("stale_tdm_a.headers"))
    assert props.reservation is None
    assert codes(props.findings) == {"tdmrep-stale-header"}


def test_header_policy_with_reservation_0_flagged() -> None:
    props = tdm_from_headers([("tdm-reservation", "0"), ("tdm-policy", POLICY)])
    assert (props.reservation, props.policy) == (0, POLICY)
    assert codes(props.findings) == {"tdmrep-policy-not-processed"}


def test_header_relative_policy_flagged() -> None:
    props = tdm_from_headers([("tdm-reservation", "1"), ("tdm-policy", "/policy.json")])
    assert codes(props.findings) == {"tdmrep-invalid-policy"}


def test_header_count_is_bounded() -> None:
    pairs = [("x-filler", "a")] * 200_000 + [("tdm-reservation", "1")]
    props = assert_fast(lambda: tdm_from_headers(pairs))
    assert isinstance(props, TdmProperties) and props.reservation is None


# --- HTML meta ---------------------------------------------------------------------------


def test_meta_names_case_insensitive_and_trimmed() -> None:
    props = tdm_from_html(fixture("meta_uppercase_name.html"))
    assert (props.reservation, props.findings) == (1, ())


def test_meta_absent_is_unset() -> None:
    props = tdm_from_html(fixture("meta_absent.html").decode())
    assert (props.reservation, props.policy, props.findings) == (None, None, ())


def test_meta_invalid_value_is_unset() -> None:
    props = tdm_from_html(fixture("meta_invalid_value.html"))
    assert (props.reservation, props.reservation_raw) == (None, ("yes",))
    assert codes(props.findings) == {"tdmrep-meta-invalid-value"}


def test_meta_repeated_conflicting_is_unset() -> None:
    props = tdm_from_html(fixture("meta_repeated.html"))
    assert (props.reservation, props.reservation_raw) == (None, ("1", "0"))
    assert codes(props.findings) == {"tdmrep-meta-repeated"}


def test_meta_outside_head_not_honoured() -> None:
    props = tdm_from_html(fixture("meta_outside_head.html"))
    assert props.reservation is None
    [finding] = props.findings
    assert (finding.code, finding.line) == ("tdmrep-meta-outside-head", 4)


def test_meta_policy_with_reservation_0_flagged() -> None:
    props = tdm_from_html(fixture("meta_policy_reservation_0.html"))
    assert props.reservation == 0
    assert codes(props.findings) == {"tdmrep-policy-not-processed"}


# --- §4.3 precedence ---------------------------------------------------------------------


def test_precedence_header_supersedes_file() -> None:
    header = tdm_from_headers(headers("header_reservation_0.headers"))
    result = resolve_tdm(file_decision(1), header)
    assert (result.reservation, result.decided_by) == (0, "header")


def test_precedence_meta_supersedes_header() -> None:
    header = tdm_from_headers(headers("header_reservation_0.headers"))
    meta = tdm_from_html(fixture("spec_example_meta.html"))
    result = resolve_tdm(file_decision(None), header, meta)
    assert (result.reservation, result.decided_by, result.policy_from) == (1, "meta", "meta")


def test_absence_never_resets_reservation() -> None:
    header = tdm_from_headers(headers("header_absent.headers"))
    meta = tdm_from_html(fixture("meta_absent.html"))
    result = resolve_tdm(file_decision(1, POLICY), header, meta)
    assert (result.reservation, result.decided_by, result.policy) == (1, "file", POLICY)


def test_absence_never_resets_policy() -> None:
    header = tdm_from_headers(headers("header_reservation_0.headers"))
    result = resolve_tdm(file_decision(1, POLICY), header)
    assert (result.reservation, result.policy, result.policy_from) == (0, POLICY, "file")
    assert result.effective_policy is None


def test_policy_only_header_keeps_file_reservation() -> None:
    header = tdm_from_headers(headers("header_policy_only.headers"))
    result = resolve_tdm(file_decision(1, POLICY), header)
    assert (result.reservation, result.decided_by) == (1, "file")
    assert (result.effective_policy, result.policy_from) == (
        "https://example.com/policies/other.json",
        "header",
    )


def test_protocol_error_does_not_reset_earlier_value() -> None:
    header = tdm_from_headers(headers("header_invalid_value.headers"))
    result = resolve_tdm(file_decision(1), header)
    assert (result.reservation, result.decided_by, result.conflict) == (1, "file", False)


def test_nothing_set_is_none() -> None:
    result = resolve_tdm(tdmrep_file("soft_404.html").evaluate("/"), None, None)
    assert (result.reservation, result.decided_by, result.policy_from) == (None, "none", "none")


def test_layer_values_recorded() -> None:
    header = tdm_from_headers(headers("header_reservation_0.headers"))
    meta = tdm_from_html(fixture("spec_example_meta.html"))
    result = resolve_tdm(file_decision(1), header, meta)
    assert (result.file_reservation, result.header_reservation, result.meta_reservation) == (
        1,
        0,
        1,
    )


def test_conflicting_layers_flagged() -> None:
    header = tdm_from_headers(headers("header_reservation_0.headers"))
    result = resolve_tdm(file_decision(1), header)
    assert result.conflict
    [finding] = result.findings
    assert (finding.code, finding.evidence) == (
        "tdmrep-conflicting-layers",
        "file=1, header=0, meta=unset",
    )


def test_agreeing_layers_not_conflicting() -> None:
    header = tdm_from_headers(headers("spec_example.headers"))
    result = resolve_tdm(file_decision(1), header, tdm_from_html(fixture("spec_example_meta.html")))
    assert (result.conflict, result.findings, result.decided_by) == (False, (), "meta")


# --- hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        random.Random(1).randbytes(100_000),
        b"<div>" * 1_100_000,
        "\udc80<head><meta name=tdm-reservation content=1></head>",
        b"",
        b"\x00\x00\x00",
    ],
    ids=["garbage", "5mb-deep", "surrogate", "empty", "nul"],
)
def test_hostile_html_is_bounded(html: str | bytes) -> None:
    props = assert_fast(lambda: tdm_from_html(html))
    assert isinstance(props, TdmProperties)


# --- every finding code ------------------------------------------------------------------


CODE_CASES: dict[str, Callable[[], Iterable[Finding]]] = {
    "tdmrep-header-invalid-value": lambda: (
        tdm_from_headers(headers("header_invalid_value.headers")).findings
    ),
    "tdmrep-header-repeated": lambda: (
        tdm_from_headers(headers("header_repeated_same.headers")).findings
    ),
    "tdmrep-stale-header": lambda: tdm_from_headers(headers("stale_tdm_a.headers")).findings,
    "tdmrep-meta-invalid-value": lambda: tdm_from_html(fixture("meta_invalid_value.html")).findings,
    "tdmrep-meta-repeated": lambda: tdm_from_html(fixture("meta_repeated.html")).findings,
    "tdmrep-meta-outside-head": lambda: tdm_from_html(fixture("meta_outside_head.html")).findings,
    "tdmrep-conflicting-layers": lambda: (
        resolve_tdm(file_decision(1), tdm_from_headers([("tdm-reservation", "0")])).findings
    ),
}


def test_every_declared_code_has_a_case() -> None:
    assert set(CODE_CASES) == set(CODES)


@pytest.mark.parametrize("code", sorted(CODE_CASES))
def test_finding_code_is_produced_with_its_severity(code: str) -> None:
    found = [finding for finding in CODE_CASES[code]() if finding.code == code]
    assert found
    assert all(finding.severity == CODES[code] for finding in found)
