"""``/-/platforms[?crawl=N]``: per platform, the per-profile opt-out it offers, the share of
sampled creators using it (with n and a 95 % interval), its default and whether it strips
metadata from displayed images.

Read from ``platform_summary`` (written by ``optout audit``, see docs/platforms.md). Crawled
text is only ever shown escaped.
"""

import json
from typing import Any, cast
from urllib.parse import quote

from datasette.utils.asgi import Response

from datasette import hookimpl
from results.svg_charts import as_template_data, stacked_chart

SHARE_COLOURS = {"opted out": "#1f6f43", "not opted out": "#b4b4b4"}

_COLUMNS = (
    "origin, name, profiles, sampled, population, opted_out, share, ci_low, ci_high,"
    " offers_per_profile, mechanisms, default_train, rendered_only, renditions_compared,"
    " renditions_stripped, strips_metadata, stripped"
)


async def _database(datasette: Any) -> str | None:
    for name, db in datasette.databases.items():
        if not name.startswith("_") and await db.table_exists("platform_summary"):
            return str(name)
    return None


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.0f}%"


def _platform(datasette: Any, name: str, crawl: int, row: dict[str, Any]) -> dict[str, Any]:
    stripped = json.loads(row["stripped"] or "[]")
    example = stripped[0] if stripped else None
    fetch_id = example.get("fetch_id") if example else None
    return {
        **row,
        "mechanisms": json.loads(row["mechanisms"] or "[]"),
        "share_text": _percent(row["share"]),
        "interval_text": None
        if row["ci_low"] is None
        else f"{_percent(row['ci_low'])}–{_percent(row['ci_high'])}",
        "site_href": datasette.urls.path("/-/site?origin=" + quote(row["origin"], safe=""))
        + f"&crawl={crawl}",
        "profiles_href": datasette.urls.table(name, "profiles")
        + f"?crawl_id={crawl}&origin={quote(row['origin'], safe='')}",
        "example": example,
        "example_href": datasette.urls.row(name, "fetches", str(fetch_id))
        if fetch_id and str(fetch_id).isdigit()
        else None,
    }


def _share_chart(platforms: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Per platform with readable profiles, the sampled creators who opt out, side by side."""
    sampled = [p for p in platforms if p["sampled"]]
    if not sampled:
        return None
    sampled.sort(key=lambda p: (-(p["share"] or 0.0), p["origin"]))
    rows = [
        (
            str(p["name"] or p["origin"]),
            {"opted out": p["opted_out"], "not opted out": p["sampled"] - p["opted_out"]},
            p["site_href"],
        )
        for p in sampled
    ]
    labels = [
        f"{p['opted_out']} of {p['sampled']} ({p['share_text']}; {p['interval_text']})"
        for p in sampled
    ]
    chart = stacked_chart(
        "chart-platform-share",
        "Sampled creators opting out of AI training, per platform",
        "Each bar is one platform's sampled profiles that could be read; the label gives the"
        " count, the share and its 95% interval.",
        rows,
        tuple(SHARE_COLOURS),
        SHARE_COLOURS,
        as_share=True,
        value_labels=labels,
    )
    return as_template_data(chart)


async def platforms_page(datasette: Any, request: Any) -> Response:
    """GET /-/platforms: the per-platform table for the latest audited crawl (or ?crawl=N)."""
    name = await _database(datasette)
    context: dict[str, Any] = {"database": name, "platforms": [], "crawl": None}
    if name is None:
        html = await datasette.render_template("platforms.html", context, request=request)
        return cast(Response, Response.html(html, status=404))
    db = datasette.get_database(name)
    asked = request.args.get("crawl", "").strip()
    if asked.isdigit():
        crawl = int(asked)
    else:
        crawl = (await db.execute("select max(crawl_id) from audits")).first()[0]
    rows = await db.execute(
        f"select {_COLUMNS} from platform_summary where crawl_id = ? order by origin", [crawl]
    )
    platforms = [_platform(datasette, name, crawl, dict(r)) for r in rows]
    context.update(
        crawl=crawl,
        platforms=platforms,
        chart=_share_chart(platforms),
        strip_query_href=datasette.urls.query(name, "platforms_that_strip_metadata"),
    )
    html = await datasette.render_template("platforms.html", context, request=request)
    return cast(Response, Response.html(html))


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The platforms page."""
    return [(r"^/-/platforms$", platforms_page)]
