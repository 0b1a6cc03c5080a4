"""The literal prefilter in front of the words classifier: it skips only texts no act phrase
can match, and it is what keeps a long terms page cheap to read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audits.signals.words import _ACT_HINTS, split_statements
from audits.signals.words._patterns import SHARED_AI, SHARED_TDM, TABLES
from audits.signals.words._prefilter import Prefilter, necessary_factors
from audits.signals.words.passages import page_passages

ROOT = Path(__file__).parents[2]
WORDS = ROOT / "tests" / "fixtures" / "words"


@pytest.mark.parametrize(
    ("pattern", "factors"),
    [
        (r"\bartificial intelligence\b", {"artificial intelligence"}),
        (r"\b(?:web[- ])?scrap(?:e|ing)\b", {"scrap"}),
        (r"(?:machine|deep)[- ]learning", {"learning"}),
        (r"\b(?:KI|AI)-Training\b", {"-training"}),
        (r"(?<![\w.])(?:TDM|text mining)", {"tdm", "text mining"}),
        (r"\w+ing", {"ing"}),
        (r"\w+\s\w+", None),
        (r"(?:AI)?\s*", None),
        (r"a|[bc]d", None),
    ],
)
def test_necessary_factors_are_the_literals_every_match_contains(
    pattern: str, factors: set[str] | None
) -> None:
    found = necessary_factors(re.compile(pattern, re.I))
    assert (set(found) if found is not None else None) == factors


def test_case_sensitive_factors_are_looked_for_as_written() -> None:
    only_upper = Prefilter([re.compile(r"(?<![\w.])(?:AI|KI)(?!\w)")])
    assert only_upper.may_match("No AI training")
    assert not only_upper.may_match("Il sito è bello, ai piedi del monte")
    unfactored = Prefilter([re.compile(r"[a-z]+\b")])
    assert unfactored.unfactored and unfactored.may_match("nothing")


def _corpus() -> list[str]:
    texts: list[str] = []
    for name in ("statements.jsonl", "holdout.jsonl", "real.jsonl"):
        for line in (WORDS / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    pages = [*(ROOT / "sampleweb" / "sites").glob("*/files/**/*.html"), *WORDS.glob("pages/*")]
    for page in pages:
        for passage in page_passages(page.read_bytes(), whole=True):
            texts.extend(split_statements(passage.text))
    return texts


def test_the_prefilter_never_skips_a_text_an_act_phrase_matches() -> None:
    patterns = [p for t in TABLES.values() for group in (t.tdm, t.ai, t.genai) for p in group] + [
        *SHARED_TDM,
        *SHARED_AI,
    ]
    corpus = _corpus()
    assert len(corpus) > 1_000
    matched = 0
    for text in corpus:
        if any(p.search(text) for p in patterns):
            matched += 1
            assert _ACT_HINTS.may_match(text), text
    skipped = sum(not _ACT_HINTS.may_match(text) for text in corpus)
    assert matched > 200 and skipped > 300  # it both keeps the relevant and skips the rest
