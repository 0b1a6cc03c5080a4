"""A world choropleth of the share of sites reserving AI training, drawn on the server.

Country outlines are bundled (results/data/world-110m.json, built once by
scripts/build_world_map.py from Natural Earth): no tile, font or script is fetched, and the
same crawl gives the same bytes. Each country is coloured by its share in one of five
sequential classes, grey when no site of it was audited, outlined with dashes when it has fewer than
``countries.FEW_SITES`` sites; its ``<title>`` gives its numbers. Countries too small for the
1:110m outlines (Singapore, Malta, ...) are not drawn and listed as ``undrawn`` for the page
to name. Every text is escaped by Jinja when the SVG is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import jinja2
from markupsafe import Markup

from results.countries import FEW_SITES, CountryRow, interval, percent, world

CLASSES: Final = (
    (0.2, "#edf5ee"),
    (0.4, "#bfe0c6"),
    (0.6, "#85c196"),
    (0.8, "#4b9a66"),
    (1.0, "#1f6f43"),
)
"""Upper bounds of the share classes and their colours, light to dark (the dark end is the
charts' colour for reserved)."""
NO_DATA: Final = "#dcdcdc"
LEGEND_HEIGHT: Final = 44
FONT_SIZE: Final = 13


@dataclass(frozen=True)
class Shape:
    code: str | None
    d: str
    fill: str
    title: str
    has_data: bool = False
    few: bool = False
    href: str | None = None


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    x: float
    dashed: bool = False


@dataclass(frozen=True)
class WorldMap:
    id: str
    title: str
    width: int
    height: int
    map_height: int
    shapes: tuple[Shape, ...]
    legend: tuple[LegendItem, ...]
    undrawn: tuple[CountryRow, ...]
    """Countries with sites but no outline at this scale, in the rows' order."""
    font_size: int = FONT_SIZE


def colour_of(share: float) -> str:
    """The class colour of a share between 0 and 1."""
    return next((colour for bound, colour in CLASSES if share <= bound), CLASSES[-1][1])


def describe(row: CountryRow) -> str:
    """The tooltip of a country with sites."""
    few = f"; fewer than {FEW_SITES} sites, read with care" if row.few else ""
    return (
        f"{row.name} ({row.code}): {row.sites} site{'s' if row.sites != 1 else ''}, "
        f"{row.opted} reserving AI training ({percent(row.share)}; 95% interval "
        f"{interval(row)}){few}"
    )


def _legend() -> tuple[LegendItem, ...]:
    items, x, lower = [], 0.0, 0
    for bound, colour in CLASSES:
        upper = round(bound * 100)
        items.append(LegendItem(f"{lower}–{upper}%", colour, x))
        x, lower = x + 78, upper
    items.append(LegendItem("no site", NO_DATA, x))
    items.append(LegendItem(f"under {FEW_SITES} sites", "#ffffff", x + 86, dashed=True))
    return tuple(items)


def world_map(
    id: str,
    rows: Sequence[CountryRow],
    *,
    href: Callable[[str], str] | None = None,
    title: str = "Share of sites reserving AI training, per country",
) -> WorldMap:
    """The map of ``rows`` (``country_rows``); ``href`` links each country with sites."""
    data = world()
    by_code = {row.code: row for row in rows if row.code is not None}
    shapes = []
    for country in data["countries"]:
        code = country["code"]
        row = by_code.get(code) if code else None
        if row is None or row.share is None:
            name = country["name"]
            shapes.append(Shape(code, country["d"], NO_DATA, f"{name}: no site audited"))
            continue
        link = href(row.code) if href is not None and row.code else None
        shapes.append(
            Shape(code, country["d"], colour_of(row.share), describe(row), True, row.few, link)
        )
    drawn = {c["code"] for c in data["countries"] if c["code"]}
    map_height = int(data["height"])
    return WorldMap(
        id=id,
        title=title,
        width=int(data["width"]),
        height=map_height + LEGEND_HEIGHT,
        map_height=map_height,
        shapes=tuple(shapes),
        legend=_legend(),
        undrawn=tuple(r for r in rows if r.code is not None and r.code not in drawn),
    )


_SVG: Final = jinja2.Environment(
    loader=jinja2.PackageLoader("results", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_map(chart: WorldMap) -> Markup:
    """The map as one inline ``<svg>`` element: no script, no reference outside itself."""
    template = _SVG.get_template("map.svg.j2")
    return Markup(template.render(map=chart).strip())
