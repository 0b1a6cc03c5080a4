"""The valid values of canned queries' parameters, for ``templates/query.html``.

A parameter with a fixed vocabulary (``mechanism``, ``severity``, ``use``, ``kind``, ``which``,
``crawl``) is shown as a list to pick from, and a value typed into the address that is not in
it gets "no such mechanism: X (valid: …)" instead of a silently empty result. The mechanisms
and kinds are those the served database holds, read from the audit's small per-crawl rollups
(``mechanism_counts``, ``verdict_counts``), never from the per-site tables.
"""

import difflib
from dataclasses import dataclass
from typing import Any

from datasette import hookimpl

MAX_CHOICES = 200
USES = ("train", "ai-use", "search", "tdm")
FIXED: dict[str, tuple[str, ...]] = {
    "severity": ("error", "warning", "info"),
    "use": USES,
    "which": ("edge", "robots"),
}
FROM_DATABASE: dict[str, tuple[str, str]] = {
    "mechanism": (
        "mechanism_counts",
        "select distinct mechanism from mechanism_counts where use = 'train'"
        " order by lower(mechanism)",
    ),
    "kind": (
        "verdict_counts",
        "select distinct kind from verdict_counts where kind is not null and kind != ''"
        " order by kind",
    ),
    "crawl": ("audits", "select crawl_id from audits order by crawl_id desc"),
}
EMPTY_MEANS = {"crawl": "the latest audited crawl"}


@dataclass(frozen=True)
class Choices:
    """The valid values of one parameter, and what leaving it empty means."""

    name: str
    values: tuple[str, ...]
    empty_means: str

    def problem(self, value: str) -> str | None:
        """The error for a value outside the vocabulary, with close matches first; None if valid."""
        if not value or value in self.values:
            return None
        lowered = {v.lower(): v for v in self.values}
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        hint = f" Did you mean {lowered[close[0]]}?" if close else ""
        return f"no such {self.name}: {value} (valid: {', '.join(self.values)}).{hint}"


async def _from_database(datasette: Any, database: str, name: str) -> tuple[str, ...]:
    table, sql = FROM_DATABASE[name]
    db = datasette.get_database(database)
    if not await db.table_exists(table):
        return ()
    rows = await db.execute(sql + f" limit {MAX_CHOICES}")
    return tuple(str(row[0]) for row in rows)


async def parameter_choices(datasette: Any, database: str) -> dict[str, Choices]:
    """Per parameter name, its valid values in this database (none known: no entry)."""
    choices = {
        name: Choices(name, values, EMPTY_MEANS.get(name, "any")) for name, values in FIXED.items()
    }
    for name in FROM_DATABASE:
        values = await _from_database(datasette, database, name)
        if values:
            choices[name] = Choices(name, values, EMPTY_MEANS.get(name, "any"))
    return choices


@hookimpl
def extra_template_vars(template: str, database: str | None, datasette: Any) -> Any:
    """``param_choices`` for the query page: the valid values of its parameters."""
    if template != "query.html" or not database or database.startswith("_"):
        return {}

    async def inner() -> dict[str, Any]:
        return {"param_choices": await parameter_choices(datasette, database)}

    return inner
