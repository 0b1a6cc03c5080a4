"""What to tell a site that reserves in words only: the legal position and the lines that would
say the same thing to a machine."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from audits.core.agents import Registry

LEGAL_POSITION = (
    "As German courts read it today, a reservation written only in words is not enough: the "
    "Hanseatic Higher Regional Court (OLG Hamburg, 5 U 104/24, 10 December 2025, Kneschke v. "
    "LAION) held one in terms of use not machine-readable under § 44b(3) UrhG, which carries out "
    "Art. 4(3) of Directive (EU) 2019/790. The Federal Court of Justice may still decide "
    "otherwise and other courts may differ, but AI crawlers act on machine-readable signals, "
    "not on prose."
)
"""Two plain sentences with the citation (docs/signals.md, "Reservations written in words")."""

AGENTS_SHOWN = 6


def robots_group(registry: Registry, tokens: Sequence[str] | None = None) -> list[str]:
    """A robots.txt group disallowing ``/`` to ``tokens``; by default the registry's training
    agents, search and answers left open (audits/fixes/ passes the agents a site misses)."""
    if tokens is None:
        tokens = [a.token for a in registry.training_agents()]
    return [*(f"User-agent: {t}" for t in tokens), "Disallow: /"]


def content_signal(uses: Collection[str]) -> str:
    """The Content-Signal line for the uses reserved (under ``User-agent: *``)."""
    parts = ["search=yes", "ai-train=no"]
    if "ai-use" in uses:
        parts.append("ai-input=no")
    return "Content-Signal: " + ", ".join(parts)


TDMREP = '/.well-known/tdmrep.json: [{"location": "/", "tdm-reservation": 1}]'


def machine_readable(uses: Collection[str], registry: Registry) -> str:
    """The machine-readable lines that would express the same reservation, in one sentence."""
    tokens = [a.token for a in registry.training_agents()]
    shown = ", ".join(tokens[:AGENTS_SHOWN]) + (
        f" and {len(tokens) - AGENTS_SHOWN} more" if len(tokens) > AGENTS_SHOWN else ""
    )
    return (
        f"To say the same to machines: in robots.txt, one group of `User-agent:` lines for the "
        f"{len(tokens)} training agents of the registry ({shown}) with `Disallow: /`; under "
        f"`User-agent: *`, `{content_signal(uses)}`; and a TDMRep file, `{TDMREP}`."
    )
