"""Horizontal bar charts laid out on the server and drawn as inline SVG.

Shared by the Datasette landing page (``datasette/plugins/optout_charts.py`` imports it) and
``optout report``. Written by hand: no installed library draws charts on the server without
either fetching JavaScript or fonts (Vega, Chart.js), embedding scripts in the SVG (pygal) or
pulling in a plotting stack whose SVG carries random ids (matplotlib). Reports must work
offline, print well and come out byte-identical for the same crawl, and a few bars are little
arithmetic. Every label is escaped by Jinja when the SVG is written.
"""

from __future__ import annotations

import math
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
FONT_SIZE: Final = 13
"""The labels' size in the SVG's own units; the SVG is never drawn wider than ``WIDTH``."""
LABEL_MAX_WIDTH: Final = 250
"""A label wider than this wraps onto a second line (and, past two lines, ends in an ellipsis)."""
MIN_LABEL_WIDTH: Final = 60
MIN_VALUE_WIDTH: Final = 48
GAP: Final = 8
ROW_HEIGHT: Final = 26
LINE_HEIGHT: Final = 15
BAR_HEIGHT: Final = 18
TOP: Final = 6
MAX_LABEL_LINES: Final = 2

# Advance widths in em, on the wide side of common sans-serif faces (Arial, DejaVu Sans,
# Roboto): a label measured with them fits whatever face the reader's browser picks.
_NARROW: Final = frozenset("iljI.,:;|!'`()[]{} ")
_SLIGHT: Final = frozenset('frt-/\\"*')
_WIDE: Final = frozenset("mwMW@%")
_CAPITAL_EM: Final = 0.74
_DEFAULT_EM: Final = 0.62


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """A generous estimate of how wide ``text`` is drawn, in the SVG's units."""
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += 0.34
        elif char in _SLIGHT:
            ems += 0.42
        elif char in _WIDE:
            ems += 0.95
        elif char.isupper():
            ems += _CAPITAL_EM
        else:
            ems += _DEFAULT_EM
    return ems * font_size


def _fit(text: str, width: float) -> str:
    """``text`` cut to fit ``width`` with an ellipsis (unchanged when it fits)."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_label(label: str, width: float = LABEL_MAX_WIDTH) -> tuple[str, ...]:
    """The label as at most two lines, each no wider than ``width``: broken between words,
    the last line ending in an ellipsis when the words do not fit."""
    if text_width(label) <= width:
        return (label,)
    lines: list[str] = []
    words = label.split()
    current = ""
    for position, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if not current or text_width(candidate) <= width:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == MAX_LABEL_LINES - 1:
            current = " ".join(words[position:])
            break
    lines.append(current)
    return tuple(_fit(line, width) for line in lines[:MAX_LABEL_LINES])


@dataclass(frozen=True)
class Segment:
    label: str
    value: float
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class LabelLine:
    text: str
    y: float


@dataclass(frozen=True)
class BarRow:
    label: str
    y: float
    value_label: str
    value_x: float
    segments: tuple[Segment, ...]
    href: str | None = None
    lines: tuple[LabelLine, ...] = ()
    """The label as drawn: one line, or two when it is wide (the full label is the title)."""


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
    label_width: int = MIN_LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    font_size: int = FONT_SIZE


@dataclass(frozen=True)
class _Layout:
    """Where the bars start and how wide they may be, from the widest label and value."""

    label_width: int
    plot_width: float
    lines: tuple[tuple[str, ...], ...]
    ys: tuple[float, ...]
    height: int

    @classmethod
    def of(cls, labels: Sequence[str], value_labels: Sequence[str]) -> _Layout:
        lines = tuple(wrap_label(label) for label in labels)
        widest = max((text_width(line) for group in lines for line in group), default=0.0)
        label_width = max(MIN_LABEL_WIDTH, math.ceil(widest) + GAP * 2)
        widest_value = max((text_width(v) for v in value_labels), default=0.0)
        value_width = max(MIN_VALUE_WIDTH, math.ceil(widest_value) + GAP * 2)
        ys, y = [], float(TOP)
        for group in lines:
            height = ROW_HEIGHT + (len(group) - 1) * LINE_HEIGHT
            ys.append(y + (height - BAR_HEIGHT) / 2)
            y += height
        plot = WIDTH - label_width - value_width
        return cls(
            label_width,
            float(plot),
            lines,
            tuple(ys),
            int(y + TOP) if lines else 2 * TOP + ROW_HEIGHT,
        )

    def label_lines(self, index: int) -> tuple[LabelLine, ...]:
        group = self.lines[index]
        middle = self.ys[index] + BAR_HEIGHT / 2
        first = middle - (len(group) - 1) * LINE_HEIGHT / 2
        return tuple(LabelLine(t, round(first + i * LINE_HEIGHT, 2)) for i, t in enumerate(group))


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
    totals = [sum(values.values()) for _, values, _ in rows]
    if value_labels is None:
        value_labels = [f"n = {t}" if as_share else str(t) for t in totals]
    layout = _Layout.of([label for label, _, _ in rows], value_labels)
    largest = max(totals, default=0) or 1
    bar_rows = []
    for index, (label, values, href) in enumerate(rows):
        total = totals[index]
        scale = layout.plot_width / (total if as_share else largest) if total else 0.0
        x = float(layout.label_width)
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
                y=layout.ys[index],
                value_label=value_labels[index],
                value_x=round(x + GAP, 2),
                segments=tuple(segments),
                href=href,
                lines=layout.label_lines(index),
            )
        )
    names = legend_labels or {}
    legend = tuple((names.get(key, key), colours[key]) for key in order)
    return Chart(
        id,
        title,
        caption,
        tuple(bar_rows),
        legend,
        data_href,
        height=layout.height,
        label_width=layout.label_width,
    )


def percent_chart(
    id: str,
    title: str,
    caption: str,
    rows: Sequence[tuple[str, float, str | None]],
    *,
    data_href: str | None = None,
    unit_label: str = "%",
    colours: Sequence[str] | None = None,
) -> Chart:
    """Horizontal bars of percentages (0-100), one colour, or one per row from ``colours``."""
    if colours is not None and len(colours) != len(rows):
        raise ValueError(f"{len(colours)} colours for {len(rows)} rows")
    value_labels = [f"{percent:g}{unit_label}" for _, percent, _ in rows]
    layout = _Layout.of([label for label, _, _ in rows], value_labels)
    bar_rows = []
    for index, (label, percent, href) in enumerate(rows):
        width = layout.plot_width * max(0.0, min(percent, 100.0)) / 100.0
        start = float(layout.label_width)
        colour = colours[index] if colours is not None else BAR_COLOUR
        segment = Segment(label, percent, start, round(width, 2), colour)
        bar_rows.append(
            BarRow(
                label=label,
                y=layout.ys[index],
                value_label=value_labels[index],
                value_x=round(start + width + GAP, 2),
                segments=(segment,),
                href=href,
                lines=layout.label_lines(index),
            )
        )
    return Chart(
        id,
        title,
        caption,
        tuple(bar_rows),
        (),
        data_href,
        height=layout.height,
        label_width=layout.label_width,
    )


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
        "svg": render_svg(chart),
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
    return Markup(template.render(chart=chart, gap=GAP).strip())
