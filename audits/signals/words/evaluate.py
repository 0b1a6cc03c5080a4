"""Measure the statement classifier on a labelled set: precision and recall per language.

The set is JSON Lines, one object a line with ``text``, ``lang``, ``kind`` (the expected
``reserved``, ``partial``, ``allows`` or ``none``) and ``uses``. A statement counts as positive
when it reserves (``reserved`` or ``partial``); ``None`` from the classifier counts as ``none``.

    python -m audits.signals.words.evaluate tests/fixtures/words/statements.jsonl
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from audits.signals.words import classify_statement

POSITIVE = frozenset({"reserved", "partial"})


@dataclass
class Scores:
    """Counts for one language (or all of them) and the measures made from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    kind_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        """Share of statements read as reserving that do reserve (1.0 when none were read so)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of reserving statements read as reserving (1.0 when there are none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def kind_accuracy(self) -> float:
        """Share of statements whose exact kind (reserved, partial, allows, none) is right."""
        return self.kind_right / self.total if self.total else 1.0


def load(path: str | Path) -> list[dict[str, object]]:
    """Read a labelled set (JSON Lines; blank lines skipped)."""
    rows: list[dict[str, object]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def score(rows: Iterable[Mapping[str, object]]) -> dict[str, Scores]:
    """Scores per language, and under ``"all"`` for the whole set."""
    out: dict[str, Scores] = {"all": Scores()}
    for row in rows:
        text, lang, expected = str(row["text"]), str(row["lang"]), str(row["kind"])
        got = classify_statement(text)
        kind = got.kind if got is not None else "none"
        for key in ("all", lang):
            s = out.setdefault(key, Scores())
            want_pos, got_pos = expected in POSITIVE, kind in POSITIVE
            if want_pos and got_pos:
                s.tp += 1
            elif got_pos:
                s.fp += 1
            elif want_pos:
                s.fn += 1
            else:
                s.tn += 1
            if kind == expected:
                s.kind_right += 1
            elif key == lang:
                trigger = got.trigger if got is not None else "-"
                s.misses.append(f"[{lang}] want {expected}, got {kind} ({trigger!r}): {text[:80]}")
    return out


def report(scores: Mapping[str, Scores]) -> str:
    """A plain table: language, statements, precision, recall, exact-kind accuracy."""
    lines = ["lang  n    precision  recall  kind"]
    for lang in sorted(scores, key=lambda k: (k == "all", k)):
        s = scores[lang]
        lines.append(
            f"{lang:<5} {s.total:<4} {s.precision:9.2f}  {s.recall:6.2f}  {s.kind_accuracy:4.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m audits.signals.words.evaluate STATEMENTS.jsonl", file=sys.stderr)
        return 2
    scores = score(load(args[0]))
    print(report(scores))
    for lang, s in sorted(scores.items()):
        if lang != "all":
            for miss in s.misses:
                print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
