"""Links in table and query cells: a site to its page, a fetch id to its fetch, a code to its doc.

Every value is escaped by ``Markup.format``; crawled text never becomes markup.

Datasette renders a table's single-column primary key itself, as a link to the row page, and
never asks ``render_cell`` about it; ``sites`` and ``latest_sites`` are keyed by ``origin``.
``templates/_table.html`` passes the rows through ``site_linked_rows`` so that those origins open
the per-site page too (with a small link to the row kept beside them).
"""

from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from datasette.utils import tilde_encode
from markupsafe import Markup

from datasette import hookimpl
from results.finding_meanings import meaning

_FETCH_COLUMNS = frozenset({"fetch_id", "baseline_fetch_id", "probe_fetch_id", "robots_fetch_id"})
_CODE_TABLES = frozenset({None, "findings", "finding_counts"})


def site_page_url(datasette: Any, origin: str) -> str:
    """The per-site page of one origin."""
    return str(datasette.urls.path("/-/site?origin=" + quote(origin, safe="")))


def _origin_link(datasette: Any, value: Any) -> Markup | None:
    if isinstance(value, dict):  # a foreign key Datasette expanded to {"value", "label"}
        origin, label = value.get("value"), value.get("label")
    else:
        origin, label = value, None
    if not isinstance(origin, str) or not origin.startswith(("http://", "https://")):
        return None
    return Markup('<a href="{}" title="{}">{}</a>').format(
        site_page_url(datasette, origin), label or "Open the site's verdict and evidence", origin
    )


def _has_column(row: Any, column: str) -> bool:
    try:
        return column in row.keys()  # noqa: SIM118 (``in`` on a sqlite3.Row tests values)
    except AttributeError:
        return False


def _report_link(datasette: Any, row: Any, value: str) -> Markup | None:
    """The whole-site JSON is long: a cell shows its size and opens the per-site page."""
    try:
        origin = row["origin"]  # a sqlite3.Row or a dict, depending on the view
    except (IndexError, KeyError, TypeError):
        return None
    if isinstance(origin, dict):
        origin = origin.get("value")
    if not isinstance(origin, str):
        return None
    return Markup('<a href="{}">site page</a> ({:,} bytes of JSON)').format(
        site_page_url(datasette, origin), len(value.encode("utf-8"))
    )


Rows = list[list[dict[str, Any]]]


def site_linked_rows(datasette: Any, rows: Rows, database: str, table: str) -> Rows:
    """Table rows with an ``origin`` primary-key cell linked to the per-site page."""
    return [[_site_pk_cell(datasette, cell, database, table) for cell in row] for row in rows]


def _site_pk_cell(
    datasette: Any, cell: dict[str, Any], database: str, table: str
) -> dict[str, Any]:
    if cell.get("column") != "origin" or cell.get("value_type") != "pk":
        return cell
    origin = cell.get("raw")
    link = _origin_link(datasette, origin)
    if link is None or database.startswith("_"):
        return cell
    row_href = datasette.urls.row(database, table, tilde_encode(str(origin)))
    row_link = Markup(' <a class="row-link" href="{}">row</a>').format(row_href)
    return {**cell, "value": link + row_link}


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Give templates ``site_linked_rows`` (see the module docstring)."""
    linked: Callable[[Rows, str, str], Rows] = partial(site_linked_rows, datasette)
    env.globals["site_linked_rows"] = linked


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    """Link origins, fetch ids and finding codes to the pages that explain them."""
    if database.startswith("_"):
        return None
    if column == "origin":
        return _origin_link(datasette, value)
    if column == "report" and isinstance(value, str):
        return _report_link(datasette, row, value)
    if column in _FETCH_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
        href = datasette.urls.row(database, "fetches", str(value))
        return Markup('<a href="{}">fetch {}</a>').format(href, value)
    if column == "code" and table in _CODE_TABLES and isinstance(value, str) and value:
        href = datasette.urls.path("/-/findings") + "#" + quote(value, safe="")
        said = meaning(value)
        link = Markup('<a href="{}" title="{}">{}</a>').format(href, said, value)
        if not said or _has_column(row, "meaning"):
            return link
        return link + Markup(' <span class="meaning">{}</span>').format(said)
    return None
