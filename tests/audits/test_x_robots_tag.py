"""X-Robots-Tag and Robots-Tag headers (signals.md §8.1): agent prefixes, repext form, bounds."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from audits.signals.directives import MAX_DIRECTIVES
from audits.signals.directives.header import (
    CODES,
    MAX_HEADER_CHARS,
    MAX_HEADER_FIELDS,
    XRobotsTag,
    parse_x_robots_tag,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "robots_meta"
T = TypeVar("T")


def headers(name: str) -> list[tuple[str, str]]:
    pairs = []
    for line in (FIXTURES / name).read_bytes().decode("utf-8").splitlines():
        field, _, value = line.partition(":")
        pairs.append((field.strip(), value.strip()))
    return pairs


def xrobots(name: str) -> XRobotsTag:
    return parse_x_robots_tag(headers(name))


def codes(parsed: XRobotsTag) -> list[str]:
    return [finding.code for finding in parsed.findings]


def assert_fast(call: Callable[[], T], seconds: float = 2.0) -> T:
    start = time.perf_counter()
    result = call()
    assert time.perf_counter() - start < seconds
    return result


# --- X-Robots-Tag --------------------------------------------------------------------------


def test_header_unprefixed_applies_to_every_agent() -> None:
    parsed = xrobots("noai_noimageai.headers")
    assert parsed.directives_for("img2dataset") == {"noai", "noimageai"}
    assert parsed.fields == ("noai, noimageai",)


def test_header_agent_prefix_applies_to_that_agent() -> None:
    parsed = xrobots("agent_prefix.headers")
    assert parsed.directives_for("gptbot") == {"noai", "noimageai", "noarchive"}
    assert parsed.directives_for("CCBot") == {"noarchive"}


def test_header_prefix_lasts_until_next_prefix() -> None:
    parsed = xrobots("folded_agent_prefixes.headers")
    assert parsed.directives_for("googlebot") == {"nocache", "noindex", "nofollow"}
    assert parsed.directives_for("otherbot") == {"nocache", "noimageai"}
    assert parsed.directives_for("*") == {"nocache"}


def test_header_valued_directives_not_mistaken_for_agents() -> None:
    parsed = xrobots("valued_directives.headers")
    assert {d.agent for d in parsed.directives} == {"*"}
    assert parsed.directives_for("*") == {
        "max-snippet:50",
        "unavailable_after:25 jun 2010 15:00:00 pst",
    }


def test_header_directives_case_insensitive() -> None:
    assert xrobots("mixed_case.headers").directives_for("*") == {"noai", "noimageai"}


def test_repext_token_equals_rules_form() -> None:
    parsed = xrobots("repext.headers")
    assert parsed.directives_for("*") == {"noindex", "nosnippet"}
    assert parsed.directives_for("ExampleBot") == {"noindex", "nosnippet"}
    assert {d.source for d in parsed.directives} == {"robots-tag"}


def test_repext_segment_without_token_is_global() -> None:
    parsed = xrobots("repext_agent_rules.headers")
    assert parsed.directives_for("*") == {"noai"}
    assert parsed.directives_for("ccbot") == {"noai", "noimageai", "noindex"}
    assert parsed.findings == ()


def test_repext_form_in_x_robots_tag() -> None:
    parsed = parse_x_robots_tag([("X-Robots-Tag", "GPTBot=noai; *=noimageai")])
    assert parsed.directives_for("gptbot") == {"noai", "noimageai"}


def test_header_mapping_accepted() -> None:
    parsed = parse_x_robots_tag({"Content-Type": "image/png", "X-Robots-Tag": "noimageai"})
    assert parsed.directives_for("*") == {"noimageai"}


def test_header_without_robots_fields_is_empty() -> None:
    parsed = xrobots("no_robots_headers.headers")
    assert (parsed.directives, parsed.fields, parsed.findings) == ((), (), ())


def test_header_position_recorded() -> None:
    parsed = xrobots("image_response.headers")
    assert [(d.name, d.line) for d in parsed.directives] == [("noai", 1), ("noimageai", 2)]


def test_header_typo_flagged() -> None:
    parsed = xrobots("typo.headers")
    assert codes(parsed) == ["meta-ai-directive-typo"]
    assert parsed.findings[0].agent == "*"


# --- hostile input -------------------------------------------------------------------------


def test_header_flood_capped_and_flagged() -> None:
    flood = [("X-Robots-Tag", f"noai, bot{i}: noindex") for i in range(10_000)]
    parsed = assert_fast(lambda: parse_x_robots_tag(flood))
    assert len(parsed.fields) == MAX_HEADER_FIELDS
    assert parsed.truncated
    assert "meta-too-many-header-fields" in codes(parsed)


def test_oversized_header_value_cut_and_flagged() -> None:
    value = "noimageai, " + ", ".join(["nosnippet"] * 2_000) + ", noai"
    assert len(value) > MAX_HEADER_CHARS
    parsed = parse_x_robots_tag([("X-Robots-Tag", value)])
    assert codes(parsed) == ["meta-header-too-long"]
    assert "noimageai" in parsed.directives_for("*")
    assert "noai" not in parsed.directives_for("*")
    assert len(parsed.fields[0]) <= MAX_HEADER_CHARS


def test_many_unknown_directives_bound_findings() -> None:
    value = ", ".join(f"weird{i}" for i in range(500))
    parsed = parse_x_robots_tag([("X-Robots-Tag", value)])
    assert len(parsed.findings) <= 20
    assert len(parsed.directives) == 500


def test_header_directive_total_capped() -> None:
    flood = [("X-Robots-Tag", ",".join(["noai"] * 4_000))] * MAX_HEADER_FIELDS
    parsed = assert_fast(lambda: parse_x_robots_tag(flood))
    assert len(parsed.directives) == MAX_DIRECTIVES
    assert parsed.truncated


CODE_CASES: dict[str, Callable[[], XRobotsTag]] = {
    "meta-header-too-long": lambda: parse_x_robots_tag([("X-Robots-Tag", "a" * 9_000)]),
    "meta-too-many-header-fields": lambda: parse_x_robots_tag(
        [("Robots-Tag", "noai")] * (MAX_HEADER_FIELDS + 1)
    ),
}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_producing_case(code: str) -> None:
    assert code in codes(CODE_CASES[code]())
