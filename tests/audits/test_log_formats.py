"""Access-log line formats (issue 16, point 1): built-in formats, custom specs, detection,
and malformed lines that are counted, never raised."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from audits.logs import LogLine
from audits.logs.formats import (
    CADDY,
    CLOUDFLARE,
    COMBINED,
    COMMON,
    FORMATS,
    MALFORMED_RAW_CHARS,
    MAX_LINE_CHARS,
    NGINX_JSON,
    VHOST_COMBINED,
    VHOST_COMMON,
    LogFormat,
    Malformed,
    Parsed,
    _line_factory,
    detect_format,
    parse_format_spec,
    unescape,
)
from tests.conftest import FIXTURES

HERE = FIXTURES / "logs" / "formats"


def lines(name: str) -> list[str]:
    """The lines of a fixture file, line breaks kept as a reader hands them over."""
    text = (HERE / name).read_text(encoding="utf-8", errors="replace")
    return text.splitlines(keepends=True)


def parsed(name: str, number: int, log_format: LogFormat) -> LogLine:
    """Line ``number`` of a fixture, which must parse."""
    result = log_format.parse(lines(name)[number - 1], number)
    assert isinstance(result, LogLine), result
    return result


def rejected(name: str, log_format: LogFormat, number: int = 1) -> Malformed:
    """Line ``number`` of a fixture, which must be malformed."""
    result = log_format.parse(lines(name)[number - 1], number)
    assert isinstance(result, Malformed), result
    return result


# --- combined and common -------------------------------------------------------------------


def test_combined_line_reads_every_field() -> None:
    line = parsed("combined.log", 1, COMBINED)
    assert line == LogLine(
        time=datetime(2026, 11, 2, 10, 15, 32, tzinfo=UTC),
        client="192.0.2.10",
        method="GET",
        target="/gallery/sunset.jpg?w=800",
        status=200,
        size=53412,
        user_agent=(
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.3; "
            "+https://openai.com/gptbot"
        ),
        host=None,
        number=1,
        raw=lines("combined.log")[0].rstrip("\n"),
    )


def test_combined_time_keeps_the_logged_offset() -> None:
    line = parsed("combined.log", 2, COMBINED)
    assert line.time.utcoffset() == timedelta(hours=-7)
    assert line.time == datetime(2026, 11, 2, 10, 15, 33, tzinfo=UTC)


def test_combined_reads_an_ipv6_client() -> None:
    assert parsed("combined.log", 2, COMBINED).client == "2001:db8::7"


def test_combined_size_dash_is_a_body_of_no_bytes() -> None:
    assert parsed("combined.log", 2, COMBINED).size == 0


def test_combined_dash_user_agent_is_empty() -> None:
    assert parsed("combined.log", 6, COMBINED).user_agent == ""


def test_combined_undoes_apache_quote_escapes_in_the_user_agent() -> None:
    assert (
        parsed("combined.log", 3, COMBINED).user_agent
        == 'Mozilla/5.0 (compatible; "quoted" Bot/1.0)'
    )


def test_combined_undoes_nginx_hex_escapes() -> None:
    line = parsed("combined.log", 4, COMBINED)
    assert (line.target, line.user_agent) == ('/a"b', 'curl/8.5.0 "x"')


def test_combined_ignores_fields_after_the_user_agent() -> None:
    line = parsed("combined.log", 5, COMBINED)
    assert line.user_agent.endswith("+claudebot@anthropic.com)")


def test_a_request_that_is_not_a_request_line_keeps_its_text_as_the_target() -> None:
    line = parsed("combined.log", 6, COMBINED)
    assert (line.method, line.target) == ("", r"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03")


def test_an_absolute_form_target_is_kept_as_logged() -> None:
    assert parsed("combined.log", 7, COMBINED).target == "http://studio.example/proxy-check"


def test_raw_is_the_line_without_its_crlf() -> None:
    line = parsed("combined-crlf.log", 1, COMBINED)
    assert line.raw.endswith('(compatible; PerplexityBot/1.0)"')


def test_a_byte_order_mark_before_the_first_line_is_skipped() -> None:
    assert parsed("combined-bom.log", 1, COMBINED).client == "192.0.2.21"


def test_common_line_has_no_user_agent() -> None:
    line = parsed("common.log", 1, COMMON)
    assert (line.target, line.status, line.size, line.user_agent) == ("/index.html", 200, 2326, "")


def test_a_combined_line_is_not_a_common_line() -> None:
    rejected("combined.log", COMMON)


def test_vhost_combined_reads_the_host_without_its_port() -> None:
    line = parsed("vhost_combined.log", 1, VHOST_COMBINED)
    assert (line.host, line.client) == ("studio.example", "192.0.2.40")


def test_vhost_combined_reads_a_host_without_a_port() -> None:
    assert parsed("vhost_combined.log", 2, VHOST_COMBINED).host == "blog.studio.example"


def test_vhost_common_reads_the_host() -> None:
    line = parsed("vhost_common.log", 1, VHOST_COMMON)
    assert (line.host, line.status) == ("studio.example", 301)


# --- nginx JSON, Caddy, Cloudflare -----------------------------------------------------------


def test_nginx_json_reads_method_uri_and_string_numbers() -> None:
    line = parsed("nginx-json.jsonl", 1, NGINX_JSON)
    assert (line.method, line.target, line.status, line.size, line.host) == (
        "GET",
        "/gallery/koi.png",
        200,
        40960,
        "studio.example",
    )


def test_nginx_json_reads_the_request_line_and_time_local() -> None:
    line = parsed("nginx-json.jsonl", 2, NGINX_JSON)
    assert (line.method, line.target) == ("GET", "/shop?page=2")
    assert line.time == datetime(2026, 11, 2, 10, 19, 1, tzinfo=UTC)


def test_nginx_json_reads_msec_and_bytes_sent() -> None:
    line = parsed("nginx-json.jsonl", 3, NGINX_JSON)
    assert line.time == datetime(2026, 11, 2, 10, 19, 2, 125000, tzinfo=UTC)
    assert line.size == 512


def test_caddy_record_reads_every_field() -> None:
    line = parsed("caddy.jsonl", 1, CADDY)
    assert (line.client, line.method, line.target, line.status, line.size, line.host) == (
        "192.0.2.60",
        "GET",
        "/gallery/heron.webp?size=large",
        200,
        60211,
        "studio.example",
    )
    assert "Amazonbot/0.1" in line.user_agent


def test_caddy_float_ts_keeps_microseconds() -> None:
    assert parsed("caddy.jsonl", 1, CADDY).time == datetime(
        2026, 11, 2, 10, 20, 0, 123456, tzinfo=UTC
    )


def test_caddy_iso_ts_is_read() -> None:
    assert parsed("caddy.jsonl", 2, CADDY).time == datetime(
        2026, 11, 2, 10, 20, 1, 500000, tzinfo=UTC
    )


def test_caddy_older_remote_addr_loses_its_port() -> None:
    assert parsed("caddy.jsonl", 3, CADDY).client == "2001:db8::62"


def test_caddy_record_without_user_agent_header_has_an_empty_one() -> None:
    assert parsed("caddy.jsonl", 3, CADDY).user_agent == ""


def test_cloudflare_unix_nanoseconds() -> None:
    line = parsed("cloudflare.jsonl", 1, CLOUDFLARE)
    assert line.time == datetime(2026, 11, 2, 10, 21, 43, 123456, tzinfo=UTC)


def test_cloudflare_reads_every_field() -> None:
    line = parsed("cloudflare.jsonl", 1, CLOUDFLARE)
    assert (line.client, line.method, line.target, line.status, line.size, line.host) == (
        "192.0.2.70",
        "GET",
        "/gallery/moth.jpg?v=2",
        200,
        48213,
        "studio.example",
    )


def test_cloudflare_rfc3339_timestamp() -> None:
    line = parsed("cloudflare.jsonl", 2, CLOUDFLARE)
    assert line.time == datetime(2026, 11, 2, 10, 21, 44, tzinfo=UTC)


def test_cloudflare_unix_seconds() -> None:
    line = parsed("cloudflare.jsonl", 3, CLOUDFLARE)
    assert line.time == datetime(2026, 11, 2, 10, 21, 45, tzinfo=UTC)


# --- custom formats --------------------------------------------------------------------------


def test_json_spec_reads_nested_keys_and_the_first_list_item() -> None:
    spec = parse_format_spec(
        "json:time=when,client=peer.ip,method=req.verb,target=req.path,status=code,"
        "size=bytes,user_agent=agent,host=vhost"
    )
    line = parsed("custom.jsonl", 1, spec)
    assert (line.client, line.method, line.target, line.status, line.size, line.host) == (
        "192.0.2.80",
        "GET",
        "/gallery/fox.jpg",
        200,
        1234,
        "studio.example",
    )
    assert line.user_agent == "Mozilla/5.0 (compatible; Applebot-Extended/1.0)"


def test_json_spec_time_without_zone_is_utc() -> None:
    spec = parse_format_spec("json:time=when,client=peer.ip,target=req.path")
    assert parsed("custom.jsonl", 1, spec).time.tzinfo == UTC


def test_regex_spec_reads_named_groups() -> None:
    spec = parse_format_spec(
        r"regex:(?P<time>[^|]+)\|(?P<client>[^|]+)\|(?P<request>[^|]+)\|(?P<status>\d+)"
        r"\|(?P<size>\d+)\|(?P<user_agent>.*)"
    )
    line = parsed("custom-text.log", 1, spec)
    assert (line.client, line.method, line.target, line.status, line.size) == (
        "192.0.2.90",
        "GET",
        "/gallery/owl.jpg",
        200,
        777,
    )
    assert line.time.utcoffset() == timedelta(hours=2)


def test_regex_spec_line_that_does_not_match_is_malformed() -> None:
    spec = parse_format_spec(r"regex:(?P<time>\S+) (?P<client>\S+) (?P<target>\S+)$")
    assert rejected("custom-text.log", spec).reason == "does not match the pattern"


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_built_in_name_is_a_spec(name: str) -> None:
    assert parse_format_spec(name) is FORMATS[name]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("apache-ish", "unknown format"),
        ("json:", "names no fields"),
        ("json:time=ts,client=ip", "missing target (or request)"),
        ("json:client=ip,target=uri", "missing time"),
        ("json:time=ts,client=ip,target=uri,agent=ua", "unknown field 'agent'"),
        ("json:time=ts,time=t2,client=ip,target=uri", "given twice"),
        ("json:time=ts,client,target=uri", "'client' is not FIELD=KEY"),
        ("json:time=ts,client=a..b,target=uri", "not a key or dotted path"),
        ("regex:", "has no pattern"),
        ("regex:(?P<time>[", "does not compile"),
        (r"regex:(?P<time>\S+) (?P<ip>\S+) (?P<target>\S+)", "unknown group 'ip'"),
        (r"regex:(?P<time>\S+) (?P<target>\S+)", "missing client"),
    ],
)
def test_a_bad_spec_says_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(ValueError, match="bad log format") as caught:
        parse_format_spec(spec)
    assert says in str(caught.value)


def test_regex_spec_ignores_underscore_groups() -> None:
    spec = parse_format_spec(
        r"regex:(?P<time>[^|]+)\|(?P<client>[^|]+)\|(?P<request>[^|]+)\|(?P<_rest>.*)"
    )
    assert parsed("custom-text.log", 1, spec).client == "192.0.2.90"


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("combined.log", "combined"),
        ("combined-bom.log", "combined"),
        ("common.log", "common"),
        ("vhost_combined.log", "vhost_combined"),
        ("vhost_common.log", "vhost_common"),
        ("nginx-json.jsonl", "nginx-json"),
        ("caddy.jsonl", "caddy"),
        ("cloudflare.jsonl", "cloudflare"),
    ],
)
def test_detect_format_names_the_format(name: str, expected: str) -> None:
    found = detect_format(lines(name))
    assert found is not None and found.name == expected


def test_detect_format_finds_nothing_in_noise() -> None:
    assert detect_format(lines("malformed-not-a-log.log") + lines("malformed-binary.log")) is None


def test_detect_format_reads_no_more_than_its_sample() -> None:
    line = lines("combined.log")[0]

    def endless() -> Iterator[str]:
        for count in range(10):
            assert count < 3, "read past the sample"
            yield line

    found = detect_format(endless(), sample=3)
    assert found is COMBINED


def test_detect_format_skips_empty_lines() -> None:
    found = detect_format(["\n", "  \n", *lines("caddy.jsonl")], sample=1)
    assert found is CADDY


# --- malformed lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "log_format", "says"),
    [
        ("malformed-truncated.log", COMBINED, "not the combined log format"),
        ("malformed-bad-date.log", COMBINED, "bad time"),
        ("malformed-bad-month.log", COMBINED, "unknown month"),
        ("malformed-bad-status.log", COMBINED, "not the combined log format"),
        ("malformed-too-long.log", COMBINED, f"longer than {MAX_LINE_CHARS}"),
        ("malformed-empty.log", COMBINED, "empty line"),
        ("malformed-not-a-log.log", COMBINED, "not the combined log format"),
        ("malformed-binary.log", COMBINED, "not the combined log format"),
        ("malformed-json-unterminated.jsonl", NGINX_JSON, "not a JSON object"),
        ("malformed-json-array.jsonl", NGINX_JSON, "not a JSON object"),
        ("malformed-deep-json.jsonl", NGINX_JSON, "not a JSON object"),
        ("malformed-json-no-time.jsonl", NGINX_JSON, "no time"),
        ("malformed-json-bad-time.jsonl", NGINX_JSON, "yesterday"),
        ("malformed-json-bad-status.jsonl", NGINX_JSON, "status is not a number"),
        ("malformed-json-no-target.jsonl", NGINX_JSON, "no request target"),
        ("combined.log", CADDY, "not a JSON object"),
        ("nginx-json.jsonl", CLOUDFLARE, "no 'ClientIP'"),
    ],
)
def test_a_malformed_line_gives_its_reason(name: str, log_format: LogFormat, says: str) -> None:
    assert says in rejected(name, log_format).reason


MALFORMED_FILES = sorted(p.name for p in HERE.glob("malformed-*"))


@pytest.mark.parametrize("log_format", list(FORMATS.values()), ids=list(FORMATS))
@pytest.mark.parametrize("name", MALFORMED_FILES)
def test_no_format_raises_on_a_malformed_file(name: str, log_format: LogFormat) -> None:
    results: list[Parsed] = [
        log_format.parse(line, number) for number, line in enumerate(lines(name), 1)
    ]
    assert all(isinstance(r, Malformed) for r in results)


def test_a_malformed_line_keeps_a_bounded_sample() -> None:
    result = rejected("malformed-too-long.log", COMBINED)
    assert result.raw == lines("malformed-too-long.log")[0][:MALFORMED_RAW_CHARS]


def test_a_malformed_line_keeps_its_number() -> None:
    result = COMBINED.parse(lines("malformed-truncated.log")[0], 41)
    assert isinstance(result, Malformed) and result.number == 41


# --- pieces ----------------------------------------------------------------------------------


def test_unescape_reads_hex_runs_as_utf8() -> None:
    assert unescape(r"caf\xC3\xA9 \"x\" \\") == 'café "x" \\'


def test_the_fast_line_builder_makes_an_equal_log_line() -> None:
    values = (datetime(2026, 1, 1, tzinfo=UTC), "192.0.2.1", "GET", "/", 200, 5, "ua")
    built = _line_factory()(*values, "h", 3, "raw")
    expected = LogLine(*values, "h", 3, "raw")
    assert (type(built), built, hash(built)) == (LogLine, expected, hash(expected))


def test_time_cache_gives_each_stamp_its_own_time() -> None:
    first = parsed("combined.log", 1, COMBINED).time
    second = parsed("combined.log", 3, COMBINED).time
    assert second - first == timedelta(seconds=2)
