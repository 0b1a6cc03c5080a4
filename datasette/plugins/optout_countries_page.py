"""``/-/countries[?crawl=N]``: per country of the sites, how many reserve AI training, the
share with a 95 % interval and the main mechanisms, as a world map drawn on the server and a
table (most sites first).

The numbers come from ``results.countries.country_rows``, which ``optout report`` calls too;
the map from ``results.svg_map`` (bundled Natural Earth outlines, nothing fetched). The country
is whatever the seed file gave, and every text is shown escaped.
"""

from typing import Any, cast
from urllib.parse import quote

from datasette.utils.asgi import Response

from datasette import hookimpl
from results.countries import FEW_SITES, CountryRow, country_rows, interval, percent
from results.svg_map import render_map, world_map


async def _database(datasette: Any) -> str | None:
    for name, db in datasette.databases.items():
        if not name.startswith("_") and await db.table_exists("site_summary"):
            return str(name)
    return None


def _row(row: CountryRow, sites_href: str) -> dict[str, Any]:
    return {
        "row": row,
        "share_text": percent(row.share),
        "interval_text": interval(row),
        "sites_href": sites_href,
    }


async def countries_page(datasette: Any, request: Any) -> Response:
    """GET /-/countries: the map and table for the latest audited crawl (or ?crawl=N)."""
    name = await _database(datasette)
    context: dict[str, Any] = {"database": name, "countries": [], "crawl": None}
    if name is None:
        html = await datasette.render_template("countries.html", context, request=request)
        return cast(Response, Response.html(html, status=404))
    db = datasette.get_database(name)
    asked = request.args.get("crawl", "").strip()
    latest = (await db.execute("select max(crawl_id) from audits")).first()[0]
    crawl = int(asked) if asked.isdigit() else latest
    rows = [] if crawl is None else await db.execute_fn(lambda conn: country_rows(conn, crawl))
    table = datasette.urls.table(name, "site_summary")

    def sites_href(code: str | None) -> str:
        where = "country__isnull=1" if code is None else "country=" + quote(code, safe="")
        return f"{table}?crawl_id={crawl}&{where}&_facet=train"

    chart = world_map("map-countries", rows, href=sites_href) if rows else None
    context.update(
        crawl=crawl,
        countries=[_row(r, sites_href(r.code)) for r in rows],
        with_country=sum(r.sites for r in rows if r.code is not None),
        map=chart,
        map_svg=render_map(chart) if chart else None,
        few_sites=FEW_SITES,
    )
    html = await datasette.render_template("countries.html", context, request=request)
    return cast(Response, Response.html(html, status=200 if rows or crawl == latest else 404))


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The per-country page."""
    return [(r"^/-/countries$", countries_page)]
