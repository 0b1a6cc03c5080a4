"""Applies the metadata written for the database "optout" to whatever name the file is served as.

Datasette names a database after its file (``crawl.db`` is served as ``crawl``) and looks up
table descriptions, facets and canned queries under that name only; 0.65 has no option to
rename a database on the command line. So metadata.yml describes a database called
``optout``, and this hook offers the same block for every other database being served.
"""

from typing import Any

from datasette import hookimpl

TEMPLATE_DATABASE = "optout"


@hookimpl
def get_metadata(datasette: Any, key: Any, database: Any, table: Any) -> dict[str, Any]:
    """The ``optout`` database block, under the name of each database actually served."""
    # Datasette 0.65 has no public reader for the --metadata file that does not call this hook
    # again, so the private attribute it is kept in is read directly (pinned to 0.65).
    local = getattr(datasette, "_metadata_local", None) or {}
    block = (local.get("databases") or {}).get(TEMPLATE_DATABASE)
    if not block:
        return {}
    served = [
        name
        for name in datasette.databases
        if not name.startswith("_") and name != TEMPLATE_DATABASE
    ]
    return {"databases": dict.fromkeys(served, block)} if served else {}
