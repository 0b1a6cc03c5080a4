"""Benchmark: audit the robots.txt corpus against every registry agent, beside Protego.

For every file: our audit parses it and decides every registry agent for `/` and four
content paths (with the Protego and Google comparisons, and the registry-level findings);
Protego alone parses it and answers one question. Both run on the same files in the same
process, so the ratio is what matters, not the absolute rate on this machine.

    .venv/bin/python benchmarks/robots_corpus.py [--corpus FILE] [--repeat N]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from protego import Protego

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audits.core.agents import load_registry  # noqa: E402
from audits.signals.robots import parse_robots  # noqa: E402
from audits.signals.robots.audit import agent_verdicts, robots_findings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "robots-sample.jsonl.gz"
FALLBACK_CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "robots-sample.small.jsonl.gz"
PATHS = ("/", "/art/2024/sunset.jpg", "/gallery/", "/portfolio/item?id=7", "/images/a.png")


def load(path: Path) -> list[bytes]:
    with gzip.open(path, "rt") as lines:
        return [base64.b64decode(json.loads(line)["body_b64"]) for line in lines]


def rate(label: str, files: list[bytes], work: Callable[[bytes], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for body in files:
            work(body)
        best = min(best, time.perf_counter() - started)
    per_second = len(files) / best
    print(f"{label:<44} {per_second:10.1f} files/s  ({best:.2f} s for {len(files)} files)")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = args.corpus or (DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else FALLBACK_CORPUS)
    files = load(corpus)
    registry = load_registry()
    agents = registry.agents
    print(
        f"corpus: {corpus} ({len(files)} files); registry {registry.version}, "
        f"{len(agents)} agents x {len(PATHS)} paths"
    )

    def protego_alone(body: bytes) -> object:
        text = body[:512_000].decode("utf-8", "replace")
        return Protego.parse(text).can_fetch("https://example.com/art/1.jpg", "GPTBot")

    def audit(body: bytes) -> object:
        robots = parse_robots(body)
        verdicts = agent_verdicts(robots, agents, PATHS)
        return robots_findings(robots, registry, verdicts)

    def audit_without_comparisons(body: bytes) -> object:
        robots = parse_robots(body)
        return agent_verdicts(robots, agents, PATHS, compare=False)

    baseline = rate("Protego alone (parse + one question)", files, protego_alone, args.repeat)
    full = rate("audit, all agents x paths, with comparisons", files, audit, args.repeat)
    bare = rate(
        "audit, all agents x paths, RFC only", files, audit_without_comparisons, args.repeat
    )
    print(
        f"ratio to Protego: {full / baseline:.2f} with comparisons, "
        f"{bare / baseline:.2f} RFC only (target: at least 0.5)"
    )


if __name__ == "__main__":
    main()
