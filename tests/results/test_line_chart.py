"""The adoption line chart: geometry within the plot, labels thinned, labels escaped."""

from __future__ import annotations

import pytest

from results.line_chart import (
    BOTTOM,
    HEIGHT,
    LEFT,
    MAX_X_LABELS,
    RIGHT,
    TOP,
    WIDTH,
    percent_lines,
    render_line_chart,
)


def _chart(count: int, values: list[float] | None = None):  # type: ignore[no-untyped-def]
    labels = [(f"crawl {i}", f"2026-01-{i + 1:02d}") for i in range(count)]
    return percent_lines("c", "T", "caption", labels, [("all", "#000", values or [50.0] * count)])


def test_points_span_the_plot_from_left_to_right() -> None:
    xs = [p.x for p in _chart(3).lines[0].points]
    assert xs == [LEFT, (LEFT + WIDTH - RIGHT) / 2, WIDTH - RIGHT]


def test_one_crawl_is_a_point_in_the_middle() -> None:
    (point,) = _chart(1).lines[0].points
    assert point.x == LEFT + (WIDTH - LEFT - RIGHT) / 2


def test_zero_and_hundred_percent_touch_the_plot_edges() -> None:
    low, high = _chart(2, [0.0, 100.0]).lines[0].points
    assert (low.y, high.y) == (HEIGHT - BOTTOM, TOP)


def test_x_labels_are_thinned_but_keep_the_newest() -> None:
    labels = _chart(30).x_labels
    assert len(labels) <= MAX_X_LABELS + 1
    assert labels[-1][1] == "crawl 29" and labels[0][1] == "crawl 0"


def test_series_with_the_wrong_number_of_values_is_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        percent_lines("c", "T", "", [("a", ""), ("b", ""), ("c", "")], [("s", "#000", [1, 2])])


def test_labels_are_escaped_in_the_svg() -> None:
    chart = percent_lines("c", "<T>", "", [("<b>", "")], [("<script>", "#000", [10.0])])
    svg = str(render_line_chart(chart))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
