"""libFuzzer target: robots.txt parsing and verdicts must never raise."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from audits.signals.robots import parse_robots

AGENTS = ("GPTBot", "*", "ClaudeBot", "Google-Extended")
PATHS = ("/", "/art/1", "/%E2%82%AC", "/index.html")


def test_one(data: bytes) -> None:
    robots = parse_robots(data)
    for agent in AGENTS:
        for path in PATHS:
            robots.verdict(agent, path, compare=False)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
