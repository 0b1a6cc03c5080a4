"""Bar charts as plain data for the templates to draw as inline SVG, on the server.

No chart plugin for Datasette 0.65 draws on the server, and the browsers this instance is meant
for may be offline, so the geometry is computed here and ``_chart.html`` writes the SVG: no
JavaScript, nothing fetched, every label escaped by Jinja.
"""

from dataclasses import dataclass, field
from typing import Any

STATE_COLOURS = {
    "reserved": "#1f6f43",
    "partial": "#7cbf8e",
    "allowed": "#d9822b",
    "unstated": "#b4b4b4",
    "unknown": "#5b7fa8",
}
STATE_ORDER = tuple(STATE_COLOURS)
EFFECT_COLOURS = {"reserved": "#1f6f43", "partial": "#7cbf8e", "allowed": "#d9822b"}
BAR_COLOUR = "#3d5a80"

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 80
ROW_HEIGHT = 26
BAR_HEIGHT = 18
TOP = 6


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


def stacked_chart(
    id: str,
    title: str,
    caption: str,
    rows: list[tuple[str, dict[str, int], str | None]],
    order: tuple[str, ...],
    colours: dict[str, str],
    *,
    as_share: bool,
    data_href: str | None = None,
) -> Chart:
    """Horizontal stacked bars: per row, one segment per key of ``order``.

    With ``as_share`` every bar fills the width (shares of the row's total, labelled n = total);
    otherwise bars are scaled to the largest total.
    """
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
        bar_rows.append(
            BarRow(
                label=label,
                y=_row_y(index),
                value_label=f"n = {total}" if as_share else str(total),
                value_x=round(x + 6, 2),
                segments=tuple(segments),
                href=href,
            )
        )
    legend = tuple((key, colours[key]) for key in order)
    return Chart(id, title, caption, tuple(bar_rows), legend, data_href, height=_height(len(rows)))


def percent_chart(
    id: str,
    title: str,
    caption: str,
    rows: list[tuple[str, float, str | None]],
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


def _height(rows: int) -> int:
    return TOP * 2 + max(rows, 1) * ROW_HEIGHT


def as_template_data(chart: Chart) -> dict[str, Any]:
    """The chart as the plain mapping the template reads."""
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
