"""The SQL function ``optout_site_origins(text)``, for canned queries that take a typed site.

It gives the origins a typed site may mean, preferred first, as a JSON list (see
results/site_lookup.py); a query picks the first one stored, as the per-site page does.
"""

import sqlite3
from typing import Any

from datasette import hookimpl
from results.site_lookup import register_sql_functions


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Register the site-lookup function on every connection Datasette opens."""
    register_sql_functions(conn)
