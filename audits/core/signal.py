"""The interface every signal implements, and what the site audit hands it.

A signal is read in three stages, each in the registry's order (``audits/signals/__init__.py``):

1. ``read``: turn the site's evidence into a typed reading. A reader may use the readings of
   the signals listed before it (``site.reading(ROBOTS)``), and names them in ``needs``.
2. ``contribute``: say what the reading means per use (``out.add``) or which evidence is
   missing (``out.missing``). Every reading is available here.
3. ``conclude``: findings that need the combined verdicts (e.g. a builder's toggle is off).

``findings`` reports what was wrong with the reading, right after it is read, each finding
pointing at the fetch it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from audits.core.agents import Registry
from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.core.findings import Finding, Severity
from audits.core.uses import USES, Contribution, Effect, EvidenceRef, Use, UseVerdict

R = TypeVar("R")

NAMES_SHOWN = 8
"""How many agent names or evidence links a contribution lists before ``…``."""


@dataclass(frozen=True)
class LocatedFinding:
    """A finding and the fetch it was read from."""

    finding: Finding
    evidence: EvidenceRef


def ref(fetch: Fetch | None, line: int | None = None) -> EvidenceRef:
    """Where a claim about ``fetch`` (at ``line``) can be checked."""
    return EvidenceRef(fetch.url if fetch else "", fetch.fetch_id if fetch else None, line)


def located(found: Iterable[Finding], fetch: Fetch | None) -> tuple[LocatedFinding, ...]:
    """Each finding pointed at ``fetch``, on the finding's own line."""
    return tuple(LocatedFinding(f, ref(fetch, f.line)) for f in found)


def share(hits: Sequence[bool]) -> Effect | None:
    """All true: reserved; some: partial; none: no contribution."""
    if hits and all(hits):
        return "reserved"
    return "partial" if any(hits) else None


def names(tokens: Sequence[str]) -> str:
    """The first few names, then ``…``."""
    shown = ", ".join(tokens[:NAMES_SHOWN])
    return shown + (", …" if len(tokens) > NAMES_SHOWN else "")


@dataclass
class Contributions:
    """What the signals say per use, collected in registry order."""

    items: list[Contribution] = field(default_factory=list)
    unknown: dict[Use, tuple[str, ...]] = field(default_factory=lambda: {u: () for u in USES})
    gaps: dict[Use, tuple[str, ...]] = field(default_factory=dict)
    findings: list[tuple[Finding, EvidenceRef]] = field(default_factory=list)
    """Findings that only show when signals are combined (e.g. TDMRep layers disagree)."""
    in_words: list[Contribution] = field(default_factory=list)
    """What is said in words only: carried beside the verdicts, never counted in them."""

    def add(
        self, use: Use, mechanism: str, effect: Effect, detail: str, *evidence: EvidenceRef
    ) -> None:
        self.items.append(Contribution(use, mechanism, effect, detail, tuple(evidence)))

    def say_in_words(
        self, use: Use, mechanism: str, effect: Effect, detail: str, *evidence: EvidenceRef
    ) -> None:
        """A statement in natural language: shown with the use's verdict, not counted in it."""
        self.in_words.append(Contribution(use, mechanism, effect, detail, tuple(evidence)))

    def missing(self, reason: str, uses: Sequence[Use] = USES) -> None:
        """Evidence a use depends on could not be obtained: the verdict becomes unknown."""
        for use in uses:
            self.unknown[use] = (*self.unknown[use], reason)


class Readings:
    """The readings made so far, by signal; typed by the signal they are asked for."""

    def __init__(self) -> None:
        self._by_name: dict[str, object] = {}

    def add(self, signal: Signal[R], reading: R) -> None:
        if signal.name in self._by_name:
            raise ValueError(f"signal {signal.name!r} is registered twice")
        self._by_name[signal.name] = reading

    def __getitem__(self, signal: Signal[R]) -> R:
        if signal.name not in self._by_name:
            raise LookupError(
                f"signal {signal.name!r} has not been read yet: register it before the "
                "signals that need it"
            )
        return cast(R, self._by_name[signal.name])

    def get(self, signal: Signal[R]) -> R | None:
        """The reading, or ``None`` when the signal was not registered."""
        return cast(R, self._by_name[signal.name]) if signal.name in self._by_name else None

    def __contains__(self, signal: object) -> bool:
        return isinstance(signal, Signal) and signal.name in self._by_name

    def names(self) -> tuple[str, ...]:
        """Signal names in the order they were read."""
        return tuple(self._by_name)


@dataclass(frozen=True)
class SiteContext:
    """What every signal may look at: the evidence, the agent registry, earlier readings."""

    evidence: SiteEvidence
    registry: Registry
    readings: Readings

    def reading(self, signal: Signal[R]) -> R:
        return self.readings[signal]


class Signal(Generic[R]):
    """One opt-out signal's public face to the audit (subclass it; set the class attributes).

    ``name`` keys its reading; ``fetch_kinds`` says which fetch records it reads; ``codes``
    are the finding codes it declares (the catalogue is their union); ``needs`` are the
    signals whose readings it uses.
    """

    name: str = ""
    fetch_kinds: tuple[FetchKind, ...] = ()
    codes: Mapping[str, Severity] = {}
    needs: tuple[Signal[Any], ...] = ()

    def read(self, site: SiteContext) -> R:
        """Stage 1: the site's evidence as this signal's typed reading."""
        raise NotImplementedError

    def findings(self, reading: R, site: SiteContext) -> Sequence[LocatedFinding]:
        """What was wrong with what was read, each pointing at its fetch."""
        return ()

    def contribute(self, reading: R, site: SiteContext, out: Contributions) -> None:
        """Stage 2: what the reading says per use, or which evidence is missing."""

    def conclude(
        self, reading: R, site: SiteContext, verdicts: Sequence[UseVerdict]
    ) -> Sequence[LocatedFinding]:
        """Stage 3: findings that need the combined verdicts."""
        return ()

    def __repr__(self) -> str:
        return f"<signal {self.name}>"
