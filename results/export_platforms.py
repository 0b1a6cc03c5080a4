"""The export's platform and builder members: per-platform summaries and per-builder counts.

Read from the derived tables (``platform_summary``, ``site_summary``'s builder columns) with
the export's site selection applied, so the numbers cover exactly the exported sites.
"""

from __future__ import annotations

import json
from typing import Any, cast

import sqlite_utils

from audits.core.uses import State
from audits.signals.builders import BuilderRow, summarise_builders

PLATFORM_COLUMNS = (
    "origin",
    "name",
    "profiles",
    "sampled",
    "population",
    "opted_out",
    "share",
    "ci_low",
    "ci_high",
    "offers_per_profile",
    "mechanisms",
    "default_train",
    "rendered_only",
    "renditions_compared",
    "strips_metadata",
    "stripped",
)
_BOOLEANS = frozenset({"offers_per_profile", "strips_metadata"})
_JSON = frozenset({"mechanisms", "stripped"})


def _value(column: str, value: Any) -> Any:
    if column in _BOOLEANS:
        return bool(value)
    if column in _JSON:
        return json.loads(value) if value else []
    return value


def platforms(
    db: sqlite_utils.Database, crawl_id: int, where: str, params: list[Any]
) -> list[dict[str, Any]]:
    """The selected platforms' summaries, in origin order (``where`` selects on site_summary)."""
    if "platform_summary" not in db.table_names():
        return []
    sql = (
        f"SELECT {', '.join(PLATFORM_COLUMNS)} FROM platform_summary WHERE crawl_id = ?"
        f" AND origin IN (SELECT origin FROM site_summary WHERE {where}) ORDER BY origin"
    )
    return [
        {c: _value(c, v) for c, v in zip(PLATFORM_COLUMNS, row, strict=True)}
        for row in db.execute(sql, [crawl_id, *params])
    ]


def by_builder(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """Per detected builder: sites, the AI-crawler setting's state and training opt-outs."""
    if "builder" not in db.table("site_summary").columns_dict:
        return []
    rows = db.execute(
        "SELECT builder, builder_name, builder_offers_toggle, builder_toggle, train"
        f" FROM site_summary WHERE {where} AND builder IS NOT NULL",
        params,
    )
    summaries = summarise_builders(
        BuilderRow(
            builder=b,
            name=name or b,
            offers_toggle=bool(offers),
            toggle_on=None if toggle is None else bool(toggle),
            train=cast(State, train),
        )
        for b, name, offers, toggle, train in rows
    )
    return [
        {
            "builder": s.builder,
            "name": s.name,
            "sites": s.sites,
            "offers_toggle": s.offers_toggle,
            "toggle_known": s.toggle_known,
            "toggle_on": s.toggle_on,
            "opted_out_train": s.opted_out_train,
            "partial_train": s.partial_train,
        }
        for s in summaries
    ]
