"""A fast test that a text cannot match any of a set of regular expressions.

A long terms page is mostly sentences that name no mining or AI at all, and trying the hundred
act phrases of ten languages on each costs about 1.5 ms per 1,000 characters: Python's ``re``
scans for a phrase that starts with ``\\b`` or ignores case one position at a time. Every match
of most of those phrases must contain some literal text ("intelligence", "mining", "学習"),
and looking for a plain lower-case substring is some fifty times faster. This module reads each
pattern's parse tree (the standard library's own regular-expression parser) and derives such a
set of *necessary factors*: strings at least one of which occurs in every match. A text that
contains none of them, once case-folded, cannot match, so its sentences are skipped. Patterns
for which no factor can be derived (a class such as ``\\w+`` at every position) are kept and
searched as they are. The derivation errs only towards keeping: a branch or an optional part
without factors makes the whole node factorless.

No library derives required literals from a Python pattern (re2 and Hyperscan do it inside
their own engines, which do not accept Python's lookbehinds), hence the hand-written walk.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

# The standard library's own parser of regular expressions (``re._parser`` since Python 3.11;
# ``sre_parse`` is its deprecated alias). Untyped, hence Any.
sre_parse: Any = importlib.import_module("re._parser")

MIN_FACTOR = 2
"""Shorter literals match almost every text and are worthless as a filter."""

Factors = frozenset[str] | None
"""Strings at least one of which every match contains; None when none could be derived."""


def necessary_factors(pattern: re.Pattern[str], *, fold: bool = True) -> Factors:
    """Strings (case-folded when ``fold``) at least one of which every match contains."""
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except (re.error, AttributeError, TypeError):  # pragma: no cover - a parser change
        return None
    return _sequence(list(tree), fold)


def _sequence(items: Sequence[tuple[Any, Any]], fold: bool) -> Factors:
    """A sequence: the longest run of literals, or the best factor set of one of its items."""
    best: Factors = None
    run: list[str] = []

    def consider(candidate: Factors) -> None:
        nonlocal best
        if candidate and (best is None or _score(candidate) > _score(best)):
            best = candidate

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(av).casefold() if fold else chr(av))
            continue
        if run:
            consider(_literal("".join(run)))
            run = []
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero width: they add nothing to what a match must contain
        consider(_node(name, av, fold))
    if run:
        consider(_literal("".join(run)))
    return best


def _node(name: str, av: Any, fold: bool) -> Factors:
    if name == "SUBPATTERN":
        return _sequence(list(av[-1]), fold)
    if name == "BRANCH":
        return _union(_sequence(list(branch), fold) for branch in av[1])
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, item = av
        return _sequence(list(item), fold) if low >= 1 else None
    if name == "ATOMIC_GROUP":
        return _sequence(list(av), fold)
    return None  # a class, any character, a back-reference …: no literal is certain


def _literal(text: str) -> Factors:
    return frozenset({text}) if len(text.strip()) >= MIN_FACTOR else None


def _union(parts: Iterable[Factors]) -> Factors:
    out: set[str] = set()
    for part in parts:
        if part is None:
            return None
        out |= part
    return frozenset(out)


def _score(factors: frozenset[str]) -> float:
    """Longer and fewer factors filter better."""
    return min(len(f) for f in factors) - 0.01 * len(factors)


STRONG_FACTOR = 4
"""A factor this long is rare enough to let the text through; a shorter one ("gen", "ki")
only sends the text to its own pattern's search."""


class Prefilter:
    """Says quickly that a text matches none of ``patterns`` (never wrongly).

    Factors of a pattern that ignores case are looked for in the case-folded text; those of a
    case-sensitive one ("AI", "KI" but not "ai", an ordinary word in Italian) in the text as
    written, where they are rare. A pattern whose factors are all short is searched only when
    one of them occurs."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        folded: set[str] = set()
        exact: set[str] = set()
        weak: list[tuple[frozenset[str], bool, re.Pattern[str]]] = []
        kept: list[re.Pattern[str]] = []
        for pattern in patterns:
            ignore_case = bool(pattern.flags & re.IGNORECASE)
            found = necessary_factors(pattern, fold=ignore_case)
            if found is None:
                kept.append(pattern)
            elif min(len(f) for f in found) < STRONG_FACTOR:
                weak.append((found, ignore_case, pattern))
            else:
                (folded if ignore_case else exact).update(found)
        self.folded = tuple(sorted(folded, key=lambda f: (-len(f), f)))
        self.exact = tuple(sorted(exact, key=lambda f: (-len(f), f)))
        self.weak = tuple(weak)
        self.unfactored = tuple(kept)

    def may_match(self, text: str) -> bool:
        """False only when no pattern can match ``text``."""
        if any(f in text for f in self.exact):
            return True
        folded = text.casefold()
        if any(f in folded for f in self.folded):
            return True
        for factors, ignore_case, pattern in self.weak:
            where = folded if ignore_case else text
            if any(f in where for f in factors) and pattern.search(text):
                return True
        return any(p.search(text) for p in self.unfactored)
