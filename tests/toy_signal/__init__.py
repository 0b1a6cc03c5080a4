"""A toy signal that lives only in the tests: an ``X-Toy-AI`` response header that says
``no`` (reserve training) or ``yes`` (allow it). It proves the signal interface: registered
next to the built-in signals, it reaches the verdict and the catalogue with no edit to
``audits/``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audits.core.evidence import Fetch
from audits.core.findings import Finding, Severity, make_finding
from audits.core.signal import (
    Contributions,
    LocatedFinding,
    Signal,
    SiteContext,
    located,
    ref,
    share,
)

CODES: dict[str, Severity] = {"toy-ai-unknown-value": "warning"}


@dataclass(frozen=True)
class ToyHeader:
    """One response's ``X-Toy-AI`` value and what was wrong with it."""

    fetch: Fetch
    value: str | None
    findings: tuple[Finding, ...] = ()


def parse_toy_header(fetch: Fetch) -> ToyHeader:
    """The last ``X-Toy-AI`` value of a response, lower-cased."""
    values = fetch.header_values("x-toy-ai")
    if not values:
        return ToyHeader(fetch, None)
    value = values[-1].strip().lower()
    if value in ("yes", "no"):
        return ToyHeader(fetch, value)
    problem = make_finding(CODES, "toy-ai-unknown-value", f"X-Toy-AI: {value!r} is not yes/no")
    return ToyHeader(fetch, None, (problem,))


class ToySignal(Signal[tuple[ToyHeader, ...]]):
    name = "X-Toy-AI"
    fetch_kinds = ("home", "page")
    codes = CODES

    def read(self, site: SiteContext) -> tuple[ToyHeader, ...]:
        return tuple(parse_toy_header(f) for f in site.evidence.of_kind(*self.fetch_kinds))

    def findings(
        self, reading: tuple[ToyHeader, ...], site: SiteContext
    ) -> Sequence[LocatedFinding]:
        return [lf for header in reading for lf in located(header.findings, header.fetch)]

    def contribute(
        self, reading: tuple[ToyHeader, ...], site: SiteContext, out: Contributions
    ) -> None:
        effect = share([h.value == "no" for h in reading])
        where = [ref(h.fetch) for h in reading if h.value is not None]
        if effect:
            out.add("train", "X-Toy-AI", effect, "X-Toy-AI: no", *where)
        elif any(h.value == "yes" for h in reading):
            out.add("train", "X-Toy-AI", "allowed", "X-Toy-AI: yes", *where)


TOY = ToySignal()
