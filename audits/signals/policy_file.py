"""A policy file fetched at a well-known path (ai.txt, tdmrep.json, llms.txt): parsed when it
answered, or the bot wall that stood in its place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from audits.core.evidence import Fetch
from audits.core.findings import Finding
from audits.core.signal import LocatedFinding, located
from audits.signals.botwall import BotWall, detect_bot_wall, finding_for


class Parsed(Protocol):
    @property
    def findings(self) -> Sequence[Finding]: ...


P = TypeVar("P", bound=Parsed)


@dataclass(frozen=True)
class PolicyFile(Generic[P]):
    """One policy file fetch and what it said; ``parsed`` is ``None`` when the fetch was not
    made, never answered or hit a bot wall (no evidence: the verdict records it as missing,
    not as an empty file)."""

    fetch: Fetch | None
    parsed: P | None
    wall: BotWall | None = None

    def located_findings(self) -> tuple[LocatedFinding, ...]:
        if self.parsed is not None:
            return located(self.parsed.findings, self.fetch)
        return located([finding_for(self.wall)] if self.wall else [], self.fetch)


def read_policy_file(fetch: Fetch | None, parse: Callable[..., P]) -> PolicyFile[P]:
    """Parse a policy file fetch with ``parse(body, status=, content_type=)``."""
    if fetch is None:
        return PolicyFile(None, None)
    wall = detect_bot_wall(fetch.status, fetch.headers, fetch.body)
    if fetch.error is not None or fetch.status is None or wall is not None:
        return PolicyFile(fetch, None, wall)
    return PolicyFile(
        fetch, parse(fetch.body or b"", status=fetch.status, content_type=fetch.content_type)
    )
