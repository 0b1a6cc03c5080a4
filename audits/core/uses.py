"""The per-use verdict model: what each mechanism contributes, and how they combine.

Uses: ``train`` (any AI training), ``ai-use`` (input to AI answers, grounding, RAG),
``search`` (search indexing), ``tdm`` (text and data mining, the EU Article 4 scope).
States: reserved, partial, allowed, unstated, unknown (see docs/signals.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Use = Literal["train", "ai-use", "search", "tdm"]
USES: tuple[Use, ...] = ("train", "ai-use", "search", "tdm")
Effect = Literal["reserved", "partial", "allowed"]
State = Literal["reserved", "partial", "allowed", "unstated", "unknown"]


@dataclass(frozen=True)
class EvidenceRef:
    """Where a claim can be checked: the fetched URL, its stored record, the line."""

    url: str
    fetch_id: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Contribution:
    """What one mechanism says about one use."""

    use: Use
    mechanism: str
    effect: Effect
    detail: str
    evidence: tuple[EvidenceRef, ...] = ()


@dataclass(frozen=True)
class UseVerdict:
    """The combined answer for one use."""

    use: Use
    state: State
    contributions: tuple[Contribution, ...]
    conflict: bool
    gaps: tuple[str, ...] = ()
    """Agents relevant to this use that nothing blocks (robots.txt)."""
    unknown_because: tuple[str, ...] = ()
    enforced: str | None = None
    """What the edge did to the probed AI agents relevant to this use: ``refused``,
    ``charged``, ``challenged``, ``degraded``, ``served``, or ``mixed`` when they got different
    answers; None when none was probed. Set by the site audit from the probes' reading."""
    unenforceable: tuple[str, ...] = ()
    """Probed agents relevant to this use that only robots.txt blocks, though the agent
    registry says a robots.txt rule cannot bind them (the edge did not stop them either)."""
    in_words: tuple[Contribution, ...] = ()
    """What the site says about this use in words only (terms, imprint, footer, image rights
    text): shown beside the verdict, never counted in ``state`` (docs/signals.md, "Reservations
    written in words")."""

    @property
    def mechanisms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.mechanism for c in self.contributions))

    @property
    def state_counting_words(self) -> State:
        """The verdict a reader who counts natural-language reservations would give: ``state``
        combined with ``in_words`` by the same rules as :func:`combine`."""
        effects = {c.effect for c in self.contributions} | {c.effect for c in self.in_words}
        if "reserved" in effects:
            return "reserved"
        if "partial" in effects:
            return "partial"
        if self.state == "unknown":
            return "unknown"
        return "allowed" if "allowed" in effects else "unstated"

    @property
    def words_only(self) -> bool:
        """Reserved (fully or in part) in words while nothing machine-readable reserves it."""
        return self.state not in ("reserved", "partial") and self.state_counting_words in (
            "reserved",
            "partial",
        )


def combine(
    use: Use,
    contributions: Iterable[Contribution],
    *,
    unknown_because: Iterable[str] = (),
    gaps: Iterable[str] = (),
) -> UseVerdict:
    """Any reservation wins over silence; missing evidence is ``unknown``, never ``unstated``.

    Explicit permissions make ``allowed`` only when no mechanism reserves the use; when
    both occur the verdict is the reservation, flagged as a conflict.
    """
    mine = tuple(c for c in contributions if c.use == use)
    effects = {c.effect for c in mine}
    missing = tuple(unknown_because)
    state: State
    if "reserved" in effects:
        state = "reserved"
    elif "partial" in effects:
        state = "partial"
    elif missing:
        state = "unknown"
    elif "allowed" in effects:
        state = "allowed"
    else:
        state = "unstated"
    conflict = "allowed" in effects and bool(effects & {"reserved", "partial"})
    return UseVerdict(use, state, mine, conflict, tuple(gaps), missing)
