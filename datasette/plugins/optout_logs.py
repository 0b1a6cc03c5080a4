"""The access-log canned queries on a database that never had a log ingested.

The log tables appear with the first ``optout logs ingest`` (results/logs/store.py), so a
query over them would fail with "no such table" on every other database. For those, each
such query of metadata.yml is replaced by one with the same title, description and columns
that returns no row, and its page says that no log was ingested.
"""

from collections.abc import Awaitable, Callable
from typing import Any, Final

from datasette import hookimpl

LOG_QUERIES: Final = {
    "violations_by_operator": (
        "operator",
        "violations",
        "verified",
        "unverifiable",
        "sites",
        "agents",
        "images",
        "first_day",
        "last_day",
        "example",
        "by_impersonators",
    ),
}
"""Canned queries over the log tables, with the columns each returns."""
NO_LOGS: Final = (
    " No access log has been ingested into this database yet: see `optout logs ingest`"
    " (docs/logs.md)."
)


def _empty(columns: tuple[str, ...]) -> str:
    return "select " + ", ".join(f"null as {c}" for c in columns) + " where 0"


@hookimpl
def canned_queries(
    datasette: Any, database: str, actor: Any
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Empty stand-ins for the log queries where the log tables are missing."""

    async def queries() -> dict[str, Any]:
        if database.startswith("_"):
            return {}
        db = datasette.get_database(database)
        if await db.table_exists("crawler_violations"):
            return {}
        defined = datasette.metadata("queries", database=database, fallback=False) or {}
        out = {}
        for name, columns in LOG_QUERIES.items():
            spec = defined.get(name)
            if not isinstance(spec, dict):
                continue
            out[name] = {
                **spec,
                "sql": _empty(columns),
                "description": (spec.get("description") or "") + NO_LOGS,
            }
        return out

    return queries
