"""Per country of one audited crawl: sites, how many reserve AI training, the share with its
95 % Wilson interval and the mechanisms that reserve it most often.

One query for the Datasette page ``/-/countries`` and ``optout report`` alike, so both show
the same numbers. The country is ``site_summary.country`` (ISO 3166-1 alpha-2, upper case, as
the seed file gave it, see crawler/seeds.py); sites with none are one row of their own. The
share counts reserved and partial sites among all of a country's sites, as the report's
headline does, so an unreadable site (unknown) counts as not reserving.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from audits.site.platforms import wilson_interval

FEW_SITES: Final = 5
"""Below this many sites a country's share is too uncertain to colour without a mark."""
LISTED_MECHANISMS: Final = 3


@dataclass(frozen=True)
class CountryRow:
    """One country's numbers (``code`` None: the sites with no country recorded)."""

    code: str | None
    name: str
    sites: int
    reserved: int
    partial: int
    allowed: int
    unstated: int
    unknown: int
    mechanisms: tuple[tuple[str, int], ...]
    """The mechanisms reserving training on most of its sites (fully or partly), with counts."""
    ci_low: float | None
    ci_high: float | None

    @property
    def opted(self) -> int:
        """Sites reserving AI training, fully or partly."""
        return self.reserved + self.partial

    @property
    def not_reserved(self) -> int:
        """Sites that could be read and do not reserve training (allowed or unstated)."""
        return self.allowed + self.unstated

    @property
    def share(self) -> float | None:
        return self.opted / self.sites if self.sites else None

    @property
    def few(self) -> bool:
        return self.sites < FEW_SITES


@functools.cache
def world() -> dict[str, Any]:
    """The bundled country outlines and names (results/data/world-110m.json)."""
    text = (resources.files("results") / "data" / "world-110m.json").read_text("utf-8")
    return dict(json.loads(text))


def country_name(code: str | None) -> str:
    """The English short name of an ISO alpha-2 code; the code itself when it is not one."""
    if code is None:
        return "no country recorded"
    return str(world()["names"].get(code, code))


_STATES: Final = ("reserved", "partial", "allowed", "unstated", "unknown")


def country_rows(conn: sqlite3.Connection, crawl_id: int) -> list[CountryRow]:
    """Per country of the crawl, most sites first (then by code); no country last."""
    counts: dict[str | None, dict[str, int]] = {}
    for code, train, n in conn.execute(
        "SELECT country, train, COUNT(*) FROM site_summary WHERE crawl_id = ? GROUP BY 1, 2",
        [crawl_id],
    ):
        states = counts.setdefault(code, dict.fromkeys(_STATES, 0))
        states[train if train in states else "unknown"] += n
    mechanisms: dict[str | None, list[tuple[str, int]]] = {}
    for code, mechanism, n in conn.execute(
        "SELECT s.country, c.mechanism, COUNT(DISTINCT c.origin) FROM contributions c"
        " JOIN site_summary s ON s.crawl_id = c.crawl_id AND s.origin = c.origin"
        " WHERE c.crawl_id = ? AND c.use = 'train' AND c.effect IN ('reserved', 'partial')"
        " GROUP BY 1, 2 ORDER BY 3 DESC, 2",
        [crawl_id],
    ):
        mechanisms.setdefault(code, []).append((str(mechanism), int(n)))
    rows = []
    for code, states in counts.items():
        sites = sum(states.values())
        opted = states["reserved"] + states["partial"]
        low, high = wilson_interval(opted, sites) if sites else (None, None)
        rows.append(
            CountryRow(
                code=None if code is None else str(code),
                name=country_name(None if code is None else str(code)),
                sites=sites,
                **states,
                mechanisms=tuple(mechanisms.get(code, [])[:LISTED_MECHANISMS]),
                ci_low=low,
                ci_high=high,
            )
        )
    rows.sort(key=lambda r: (r.code is None, -r.sites, r.code or ""))
    return rows


def percent(value: float | None) -> str:
    """A share as the page and the report print it: a whole percent, a dash for none."""
    return "–" if value is None else f"{100 * value:.0f}%"


def interval(row: CountryRow) -> str:
    """The row's 95 % interval as 'low–high'."""
    return "–" if row.ci_low is None else f"{percent(row.ci_low)}–{percent(row.ci_high)}"
