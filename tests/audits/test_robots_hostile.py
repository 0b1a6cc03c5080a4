"""Hostile and real-world robots.txt files: every one parses, within a time bound, and
whatever is wrong becomes a finding instead of an exception."""

from __future__ import annotations

import base64
import gzip
import json
import time
from pathlib import Path

import pytest

from audits.signals.robots import parse_robots
from tests.conftest import FIXTURES, shared_file

PATHS = ("/", "/art/1.jpg", "/gallery/", "/wp-admin/x?y=1", "/%E3%83%84/")
AGENTS = ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "*")
PER_FILE_SECONDS = 2.0


def _exercise(body: bytes) -> None:
    parsed = parse_robots(body)
    for agent in AGENTS:
        for path in PATHS:
            parsed.verdict(agent, path)
            parsed.content_usage(agent, path)


def _corpus(path: Path) -> list[tuple[str, bytes]]:
    with gzip.open(path, "rt") as lines:
        rows = [json.loads(line) for line in lines]
    return [(row["host"], base64.b64decode(row["body_b64"])) for row in rows]


def _assert_all_parse(files: list[tuple[str, bytes]]) -> None:
    slow = []
    for host, body in files:
        started = time.perf_counter()
        _exercise(body)
        if time.perf_counter() - started > PER_FILE_SECONDS:
            slow.append(host)
    assert slow == []


def test_corpus_sample_parses_without_exception() -> None:
    _assert_all_parse(_corpus(FIXTURES / "corpus" / "robots-sample.small.jsonl.gz"))


@pytest.mark.timeout(600)
def test_full_shared_corpus_parses_without_exception() -> None:
    _assert_all_parse(_corpus(shared_file("corpus/robots-sample.jsonl.gz")))


@pytest.mark.timeout(20)
def test_ten_megabyte_file_is_bounded() -> None:
    body = b"User-agent: *\n" + b"Disallow: /a/b/c/d/e/f/g/h\n" * 400_000
    parsed = parse_robots(body)
    assert parsed.truncated
    assert {f.code for f in parsed.findings} >= {"robots-truncated"}
    assert not parsed.verdict("GPTBot", "/a/b/c/d/e/f/g/h/x").allowed


@pytest.mark.timeout(20)
def test_backtracking_pattern_is_linear() -> None:
    body = "User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b\n"
    parsed = parse_robots(body)
    verdict = parsed.verdict("GPTBot", "/" + "a" * 200_000)
    assert verdict.allowed


@pytest.mark.timeout(20)
def test_hundred_thousand_lines() -> None:
    body = "".join(f"User-agent: bot{i}\nDisallow: /p{i}/\n" for i in range(50_000))
    parsed = parse_robots(body)
    assert len(parsed.lines) > 10_000
    parsed.verdict("GPTBot", "/p1/")


@pytest.mark.timeout(20)
def test_random_binary_does_not_crash() -> None:
    import random

    rng = random.Random(1)
    body = bytes(rng.randrange(256) for _ in range(300_000))
    parsed = parse_robots(body)
    assert {"robots-binary", "robots-not-utf8"} & {f.code for f in parsed.findings}
    _exercise(body)


@pytest.mark.timeout(20)
def test_findings_per_code_are_capped() -> None:
    body = "Disallow: /x\n" * 10_000
    parsed = parse_robots(body)
    assert 0 < sum(f.code == "robots-rule-outside-group" for f in parsed.findings) <= 20
