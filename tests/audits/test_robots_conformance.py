"""Google's reference-matcher test suite and the RFC 9309 §5 examples as conformance tests.

RFC-standard cases must be decided exactly as the case says. Google-specific cases check
the other direction: where Google's parser reads a file otherwise than the RFC, the
verdict's ``google_allowed`` note must give Google's answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audits.signals.robots import parse_robots
from tests.conftest import FIXTURES, shared_file


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _ids(cases: list[dict[str, object]]) -> list[str]:
    return [str(c["case_id"]) for c in cases]


RFC_EXAMPLES = _load(FIXTURES / "conformance" / "rfc9309_example_cases.jsonl")
GOOGLE_SAMPLE = _load(FIXTURES / "conformance" / "google_robots_cases.sample.jsonl")


def _google_reading(case: dict[str, object]) -> bool:
    verdict = parse_robots(str(case["robots"])).verdict(str(case["agent"]), str(case["url"]))
    return verdict.allowed if verdict.google_allowed is None else verdict.google_allowed


def _check(case: dict[str, object]) -> None:
    if case.get("google_specific"):
        assert _google_reading(case) is case["allowed"], case["note"]
    else:
        verdict = parse_robots(str(case["robots"])).verdict(str(case["agent"]), str(case["url"]))
        assert verdict.allowed is case["allowed"], case["note"]


@pytest.mark.parametrize("case", RFC_EXAMPLES, ids=_ids(RFC_EXAMPLES))
def test_rfc9309_section5_examples(case: dict[str, object]) -> None:
    _check(case)


@pytest.mark.parametrize("case", GOOGLE_SAMPLE, ids=_ids(GOOGLE_SAMPLE))
def test_google_suite_sample(case: dict[str, object]) -> None:
    _check(case)


def test_google_suite_every_case() -> None:
    """Every assertion of robots_test.cc, from ../shared (the sample above is standalone)."""
    cases = _load(shared_file("corpus/conformance/google_robots_cases.jsonl"))
    failures = []
    for case in cases:
        try:
            _check(case)
        except AssertionError:
            failures.append(case["case_id"])
    assert failures == []
