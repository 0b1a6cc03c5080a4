"""Every parser in ``audits/`` on generated input: it returns (never raises), within the
per-example deadline, and the same input always reads the same way.

The parsers document no exceptions for untrusted input: bad input becomes findings. So any
exception here is a bug.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audits.core.http_link import links_with_rel
from audits.signals.aipref import parse_content_usage_header, parse_usage_preference
from audits.signals.aitxt import parse_aitxt
from audits.signals.botwall import detect_bot_wall
from audits.signals.content_signal import parse_content_signal
from audits.signals.directives.header import parse_x_robots_tag
from audits.signals.directives.meta import parse_meta_robots
from audits.signals.llms_txt import parse_llms_txt
from audits.signals.robots import parse_robots
from audits.signals.robots.access import robots_access
from audits.signals.rsl import parse_rsl_document
from audits.signals.tdmrep import parse_tdmrep_json
from audits.signals.tdmrep.layers import tdm_from_headers, tdm_from_html
from tests.properties.strategies import (
    HEADERS,
    JSON_BODIES,
    STATUSES,
    WORD,
    html_pages,
    key_value_lists,
    robots_files,
)

AGENTS = st.sampled_from(["GPTBot", "gptbot", "*", "ClaudeBot", "Google-Extended", "x y"]) | WORD
PATHS = st.sampled_from(["/", "/a", "/%E2%82%AC", "/index.html", "/a?b=c", "/*$"]) | WORD


@given(robots_files() | st.binary(max_size=400), AGENTS, PATHS)
def test_robots_txt_always_gives_a_verdict(body: bytes, agent: str, path: str) -> None:
    robots = parse_robots(body)
    verdict = robots.verdict(agent, path, compare=False)
    assert verdict.allowed in (True, False)
    assert parse_robots(body) == robots


@given(robots_files())
def test_robots_txt_reparsing_its_decoded_text_gives_the_same_groups(body: bytes) -> None:
    robots = parse_robots(body)
    again = parse_robots(robots.text)
    assert again.groups == robots.groups
    assert again.sitemaps == robots.sitemaps


@given(robots_files(), AGENTS, PATHS)
def test_robots_comparison_readers_never_raise(body: bytes, agent: str, path: str) -> None:
    verdict = parse_robots(body).verdict(agent, path, compare=True)
    assert verdict.protego_allowed in (True, False, None)


@given(robots_files() | st.binary(max_size=300), STATUSES, st.sampled_from([None, "text/plain"]))
def test_ai_txt(body: bytes, status: int | None, content_type: str | None) -> None:
    parsed = parse_aitxt(body, status=status, content_type=content_type)
    assert parse_aitxt(body, status=status, content_type=content_type) == parsed


@given(JSON_BODIES, STATUSES)
def test_tdmrep_json(body: bytes, status: int | None) -> None:
    parsed = parse_tdmrep_json(body, status=status)
    assert parsed.state in ("implemented", "not-implemented")
    assert parse_tdmrep_json(body, status=status) == parsed


@given(st.integers(min_value=1, max_value=100_000))
def test_tdmrep_json_nested_to_any_depth(depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    assert parse_tdmrep_json(b'{"a":' * depth + b"1" + b"}" * depth).findings
    assert parse_tdmrep_json(body).findings


@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode), STATUSES)
def test_llms_txt(body: bytes, status: int | None) -> None:
    assert parse_llms_txt(body, status=status) == parse_llms_txt(body, status=status)


@given(html_pages() | st.binary(max_size=300))
def test_meta_robots_and_tdm_meta(html: bytes) -> None:
    assert parse_meta_robots(html) == parse_meta_robots(html)
    assert tdm_from_html(html) == tdm_from_html(html)


@given(HEADERS)
def test_header_parsers(headers: list[tuple[str, str]]) -> None:
    assert parse_x_robots_tag(headers) == parse_x_robots_tag(headers)
    assert tdm_from_headers(headers) == tdm_from_headers(headers)
    values = [v for _, v in headers]
    assert parse_content_usage_header(values) == parse_content_usage_header(values)
    assert links_with_rel(values, "license") == links_with_rel(values, "license")


@given(
    key_value_lists(["train-ai", "search", "ai-input", "bots"], ["y", "n", "?1", '"x"'])
    | st.text(max_size=80)
)
def test_usage_preference(value: str) -> None:
    assert parse_usage_preference(value) == parse_usage_preference(value)


@given(
    key_value_lists(["search", "ai-train", "ai-input", "use"], ["yes", "no", "full"])
    | st.text(max_size=80)
)
def test_content_signal(value: str) -> None:
    assert parse_content_signal(value) == parse_content_signal(value)


@given(st.binary(max_size=400), st.sampled_from([None, "application/rsl+xml", "text/html"]))
def test_rsl_document(body: bytes, content_type: str | None) -> None:
    assert parse_rsl_document(body, content_type=content_type) == parse_rsl_document(
        body, content_type=content_type
    )


@given(STATUSES, HEADERS, st.binary(max_size=300) | html_pages())
def test_bot_wall_and_robots_access(
    status: int | None, headers: list[tuple[str, str]], body: bytes
) -> None:
    assert detect_bot_wall(status, headers, body) == detect_bot_wall(status, headers, body)
    access = robots_access(status, body=body, content_type=None)
    assert access.crawler_rule in ("parse", "allow-all", "disallow-all")
