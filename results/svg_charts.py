"""Horizontal bar charts laid out on the server and drawn as inline SVG.

Shared by the Datasette landing page (``datasette/plugins/optout_charts.py`` imports it) and
``optout report``. Written by hand: no installed library draws charts on the server without
either fetching JavaScript or fonts (Vega, Chart.js), embedding scripts in the SVG (pygal) or
pulling in a plotting stack whose SVG carries random ids (matplotlib). Reports must work
offline, print well and come out byte-identical for the same crawl, and a few bars are little
arithmetic. Every label is escaped by Jinja when the SVG is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jinja2
from markupsafe import Markup

STATE_COLOURS: Final = {
    "reserved": "#1f6f43",
    "partial": "#7cbf8e",
    "allowed": "#d9822b",
    "unstated": "#b4b4b4",
    "unknown": "#5b7fa8",
}
STATE_ORDER: Final = tuple(STATE_COLOURS)
EFFECT_COLOURS: Final = {"reserved": "#1f6f43", "partial": "#7cbf8e", "allowed": "#d9822b"}
BAR_COLOUR: Final = "#3d5a80"

WIDTH: Final = 640
LABEL_WIDTH: Final = 190
VALUE_WIDTH: Final = 80
ROW_HEIGHT: Final = 26
BAR_HEIGHT: Final = 18
TOP: Final = 6
LABEL_CHARS: Final = 26
"""Labels longer than this are cut with an ellipsis; the full label stays in the bar's title."""


@dataclass(frozen=True)
class Segment:
    label: str
    value: float
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class BarRow:
    label: str
    y: float
    value_label: str
    value_x: float
    segments: tuple[Segment, ...]
    href: str | None = None


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    caption: str
    rows: tuple[BarRow, ...]
    legend: tuple[tuple[str, str], ...] = ()
    data_href: str | None = None
    width: int = WIDTH
    height: int = field(default=0)
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def _plot_width() -> float:
    return WIDTH - LABEL_WIDTH - VALUE_WIDTH


def _row_y(index: int) -> float:
    return TOP + index * ROW_HEIGHT


def _height(rows: int) -> int:
    return TOP * 2 + max(rows, 1) * ROW_HEIGHT


def stacked_chart(
    id: str,
    title: str,
    caption: str,
    rows: Sequence[tuple[str, Mapping[str, int], str | None]],
    order: tuple[str, ...],
    colours: Mapping[str, str],
    *,
    as_share: bool,
    data_href: str | None = None,
    value_labels: Sequence[str] | None = None,
    legend_labels: Mapping[str, str] | None = None,
) -> Chart:
    """Horizontal stacked bars: per row, one segment per key of ``order``.

    With ``as_share`` every bar fills the width (shares of the row's total, labelled n = total);
    otherwise bars are scaled to the largest total. ``value_labels`` (one per row) replace the
    label after each bar; ``legend_labels`` name the keys in the legend.
    """
    if value_labels is not None and len(value_labels) != len(rows):
        raise ValueError(f"{len(value_labels)} value labels for {len(rows)} rows")
    largest = max((sum(values.values()) for _, values, _ in rows), default=0) or 1
    bar_rows = []
    for index, (label, values, href) in enumerate(rows):
        total = sum(values.values())
        scale = _plot_width() / (total if as_share else largest) if total else 0.0
        x = float(LABEL_WIDTH)
        segments = []
        for key in order:
            value = values.get(key, 0)
            if not value:
                continue
            width = value * scale
            segments.append(Segment(key, value, round(x, 2), round(width, 2), colours[key]))
            x += width
        if value_labels is not None:
            value_label = value_labels[index]
        else:
            value_label = f"n = {total}" if as_share else str(total)
        bar_rows.append(
            BarRow(
                label=label,
                y=_row_y(index),
                value_label=value_label,
                value_x=round(x + 6, 2),
                segments=tuple(segments),
                href=href,
            )
        )
    names = legend_labels or {}
    legend = tuple((names.get(key, key), colours[key]) for key in order)
    return Chart(id, title, caption, tuple(bar_rows), legend, data_href, height=_height(len(rows)))


def percent_chart(
    id: str,
    title: str,
    caption: str,
    rows: Sequence[tuple[str, float, str | None]],
    *,
    data_href: str | None = None,
    unit_label: str = "%",
) -> Chart:
    """Horizontal bars of percentages (0-100), one colour."""
    bar_rows = []
    for index, (label, percent, href) in enumerate(rows):
        width = _plot_width() * max(0.0, min(percent, 100.0)) / 100.0
        segment = Segment(label, percent, float(LABEL_WIDTH), round(width, 2), BAR_COLOUR)
        bar_rows.append(
            BarRow(
                label=label,
                y=_row_y(index),
                value_label=f"{percent:g}{unit_label}",
                value_x=round(LABEL_WIDTH + width + 6, 2),
                segments=(segment,),
                href=href,
            )
        )
    return Chart(id, title, caption, tuple(bar_rows), (), data_href, height=_height(len(rows)))


def as_template_data(chart: Chart) -> dict[str, Any]:
    """The chart as the plain mapping the Datasette template reads."""
    return {
        "id": chart.id,
        "title": chart.title,
        "caption": chart.caption,
        "rows": chart.rows,
        "legend": chart.legend,
        "data_href": chart.data_href,
        "width": chart.width,
        "height": chart.height,
        "label_width": chart.label_width,
        "bar_height": chart.bar_height,
    }


_SVG: Final = jinja2.Environment(
    loader=jinja2.PackageLoader("results", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


def render_svg(chart: Chart) -> Markup:
    """The chart as one inline ``<svg>`` element: no script, no link to anything outside."""
    template = _SVG.get_template("chart.svg.j2")
    return Markup(template.render(chart=chart, label_chars=LABEL_CHARS).strip())
