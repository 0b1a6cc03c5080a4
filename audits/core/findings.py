"""Findings: what makes an opt-out ineffective or ambiguous, with a stable code.

Each interpreter module declares the codes it can emit in a module-level ``CODES`` mapping
(code -> severity) and builds findings with :func:`make_finding`, so a finding's severity is
fixed by its code. ``audits.site.catalogue.all_codes()`` gathers every module's codes; a test
checks that each one is documented in ``docs/findings.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One problem or notable fact about a signal, pointing at its evidence."""

    code: str
    severity: Severity
    message: str
    line: int | None = None
    """1-based line number in the evidence file, when the finding is about a line."""
    evidence: str | None = None
    """The text that triggered it: a line, a header value, a JSON fragment (bounded)."""
    agent: str | None = None
    """The agent token concerned, when the finding is about one agent."""


EVIDENCE_MAX_CHARS = 300


def make_finding(
    codes: Mapping[str, Severity],
    code: str,
    message: str,
    *,
    line: int | None = None,
    evidence: str | None = None,
    agent: str | None = None,
) -> Finding:
    """Build a finding whose severity comes from the module's code table."""
    if evidence is not None and len(evidence) > EVIDENCE_MAX_CHARS:
        evidence = evidence[:EVIDENCE_MAX_CHARS] + "…"
    return Finding(code, codes[code], message, line=line, evidence=evidence, agent=agent)


MAX_FINDINGS_PER_CODE = 20
"""A file with thousands of broken lines yields at most this many findings per code."""


class FindingLog:
    """Collects findings from a code table, at most ``MAX_FINDINGS_PER_CODE`` per code."""

    def __init__(self, codes: Mapping[str, Severity]) -> None:
        self.codes = codes
        self.items: list[Finding] = []
        self.counts: dict[str, int] = {}

    def add(
        self,
        code: str,
        message: str,
        *,
        line: int | None = None,
        evidence: str | None = None,
        agent: str | None = None,
    ) -> None:
        """Record a finding unless this code has already been recorded often enough."""
        count = self.counts.get(code, 0)
        self.counts[code] = count + 1
        if count < MAX_FINDINGS_PER_CODE:
            self.items.append(
                make_finding(self.codes, code, message, line=line, evidence=evidence, agent=agent)
            )

    def frozen(self) -> tuple[Finding, ...]:
        """The findings recorded so far."""
        return tuple(self.items)
