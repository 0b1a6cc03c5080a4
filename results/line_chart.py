"""A line chart of percentages over crawls, laid out on the server and written as inline SVG.

Written by hand for the same reasons as ``svg_charts.py`` (no installed library draws SVG on
the server without scripts, fetched assets or random ids): a few lines and dots are little
arithmetic. Every label is escaped by Jinja's autoescaping when the SVG is written.

One crawl makes no line: its dots would sit on one another in the middle of an empty plot.
It is drawn as one labelled bar per series instead (``svg_charts.percent_chart``), and the
lines appear from the second crawl on. Either way the SVG is never drawn wider than its
``WIDTH``, so its text stays at ``FONT_SIZE``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import jinja2
from markupsafe import Markup

from results.svg_charts import FONT_SIZE, Chart, percent_chart, render_svg, text_width

WIDTH: Final = 640
HEIGHT: Final = 240
LEFT: Final = 46
RIGHT: Final = 40
TOP: Final = 12
BOTTOM: Final = 40
MAX_X_LABELS: Final = 8
Y_TICKS: Final = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: tuple[Point, ...]
    width: float = 2.0

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of the SVG polyline."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class LineChart:
    id: str
    title: str
    caption: str
    lines: tuple[Line, ...]
    x_labels: tuple[tuple[float, str, str, str], ...]
    """Per labelled crawl: x, label, sublabel and the text-anchor that keeps both inside."""
    y_ticks: tuple[tuple[float, str], ...]
    data_href: str | None = None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        return tuple((line.label, line.colour) for line in self.lines)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def _x(index: int, count: int) -> float:
    plot = WIDTH - LEFT - RIGHT
    if count <= 1:
        return round(LEFT + plot / 2, 2)
    return round(LEFT + plot * index / (count - 1), 2)


def _y(percent: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot * (1 - max(0.0, min(percent, 100.0)) / 100.0), 2)


def _x_label(x: float, label: str, sub: str) -> tuple[float, str, str, str]:
    """An x label anchored so that neither of its lines runs past the chart's edges."""
    half = max(text_width(label), text_width(sub)) / 2
    if x - half < 0:
        return (x, label, sub, "start")
    if x + half > WIDTH:
        return (x, label, sub, "end")
    return (x, label, sub, "middle")


def percent_lines(
    id: str,
    title: str,
    caption: str,
    x_labels: Sequence[tuple[str, str]],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    data_href: str | None = None,
) -> LineChart:
    """Lines of percentages (0-100), one value per x label; ``x_labels`` are (label, sublabel)
    pairs and ``series`` are (label, colour, values); the first series is drawn thicker."""
    count = len(x_labels)
    lines = []
    for index, (label, colour, values) in enumerate(series):
        if len(values) != count:
            raise ValueError(f"series {label!r} has {len(values)} values for {count} labels")
        points = tuple(
            Point(_x(i, count), _y(v), v, f"{label}, {x_labels[i][0]}: {v:g}%")
            for i, v in enumerate(values)
        )
        lines.append(Line(label, colour, points, 3.0 if index == 0 else 1.5))
    step = max(1, math.ceil(count / MAX_X_LABELS))
    shown = {i for i in range(0, count, step)} | ({count - 1} if count else set())
    labels = tuple(_x_label(_x(i, count), *x_labels[i]) for i in sorted(shown))
    ticks = tuple((_y(t), f"{t}%") for t in Y_TICKS)
    return LineChart(id, title, caption, tuple(lines), labels, ticks, data_href)


_SVG: Final = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<svg class="chart-svg line-chart-svg" viewBox="0 0 {{ c.width }} {{ c.height }}" \
width="{{ c.width }}" height="{{ c.height }}" font-size="{{ font_size }}" role="img" \
aria-label="{{ c.title }}" xmlns="http://www.w3.org/2000/svg">
{% for y, label in c.y_ticks %}<line x1="{{ c.plot_left }}" x2="{{ c.plot_right }}" \
y1="{{ y }}" y2="{{ y }}" stroke="#ddd" stroke-width="1"/>\
<text class="chart-label" x="{{ c.plot_left - 6 }}" y="{{ y }}" text-anchor="end" \
dominant-baseline="central">{{ label }}</text>
{% endfor %}{% for x, label, sub, anchor in c.x_labels %}<text class="chart-label" \
x="{{ x }}" y="{{ c.plot_bottom + 14 }}" text-anchor="{{ anchor }}">{{ label }}</text>\
<text class="chart-caption" x="{{ x }}" y="{{ c.plot_bottom + 28 }}" \
text-anchor="{{ anchor }}">{{ sub }}</text>
{% endfor %}{% for line in c.lines %}<g class="chart-line" data-series="{{ line.label }}">\
<polyline fill="none" stroke="{{ line.colour }}" stroke-width="{{ line.width }}" \
points="{{ line.polyline }}"/>{% for p in line.points %}<circle cx="{{ p.x }}" cy="{{ p.y }}" \
r="{{ line.width + 1 }}" fill="{{ line.colour }}"><title>{{ p.label }}</title></circle>\
{% endfor %}</g>
{% endfor %}</svg>"""
)


def render_line_chart(chart: LineChart) -> Markup:
    """The chart as one inline ``<svg>`` element: no script, no link to anything outside.
    With one crawl, one bar per series (see the module docstring)."""
    if chart.lines and all(len(line.points) == 1 for line in chart.lines):
        return render_svg(one_crawl_bars(chart))
    return Markup(_SVG.render(c=chart, font_size=FONT_SIZE))


def one_crawl_bars(chart: LineChart) -> Chart:
    """A chart of one crawl as bars: per series its share, in the series' colour."""
    return percent_chart(
        chart.id + "-bars",
        chart.title,
        chart.caption,
        [(line.label, line.points[0].value, None) for line in chart.lines],
        data_href=chart.data_href,
        colours=[line.colour for line in chart.lines],
    )
