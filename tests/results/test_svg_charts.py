"""Bar and line charts drawn on the server: no label cut at the chart's edges, and one crawl
drawn as readable bars rather than dots on one another."""

from __future__ import annotations

import pytest
from parsel import Selector

from results.line_chart import percent_lines, render_line_chart
from results.svg_charts import (
    FONT_SIZE,
    LABEL_MAX_WIDTH,
    WIDTH,
    percent_chart,
    render_svg,
    stacked_chart,
    text_width,
    wrap_label,
)

LABELS = [
    "robots.txt",
    "IPTC Data Mining (image XMP)",
    "CAWG training-mining (image)",
    "cohere-training-data-crawler",
    "A label far too long to fit on one line of the chart, or even on two of its lines,"
    " however it is cut",
    "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
]


def _extent(x: float, width: float, anchor: str) -> tuple[float, float]:
    if anchor == "end":
        return x - width, x
    if anchor == "middle":
        return x - width / 2, x + width / 2
    return x, x + width


def _texts_inside(svg: Selector) -> list[str]:
    """The texts of the SVG that run past its viewBox, measured as the layout measures them."""
    width = float(svg.css("svg").attrib["viewbox"].split()[2])  # HTML parsing lowers names
    outside = []
    for text in svg.css("text"):
        anchor = text.attrib.get("text-anchor", "start")
        spans = text.css("tspan") or [text]
        for span in spans:
            content = "".join(span.xpath("./text()").getall())
            x = float(span.attrib.get("x", text.attrib["x"]))
            left, right = _extent(x, text_width(content), anchor)
            if left < 0 or right > width:
                outside.append(content)
    return outside


def _bars() -> Selector:
    chart = percent_chart("c", "T", "", [(label, 50.0, None) for label in LABELS])
    return Selector(text=str(render_svg(chart)))


def test_no_bar_label_or_value_runs_past_the_viewbox() -> None:
    assert _texts_inside(_bars()) == []


def test_stacked_chart_labels_and_long_values_stay_inside() -> None:
    rows = [(label, {"a": 3, "b": 1}, None) for label in LABELS]
    chart = stacked_chart(
        "c",
        "T",
        "",
        rows,
        ("a", "b"),
        {"a": "#000", "b": "#111"},
        as_share=False,
        value_labels=["1,234 of 5,678 sites (21.7 %)"] * len(rows),
    )
    assert _texts_inside(Selector(text=str(render_svg(chart)))) == []


def test_label_column_fits_the_widest_label_it_keeps_whole() -> None:
    chart = percent_chart("c", "T", "", [("IPTC Data Mining (image XMP)", 10.0, None)])
    assert chart.label_width >= text_width("IPTC Data Mining (image XMP)")
    label = Selector(text=str(render_svg(chart))).css("text.chart-label")
    assert label.xpath("./text()").get() == "IPTC Data Mining (image XMP)"


def test_a_wide_label_wraps_onto_two_lines_and_keeps_its_full_text_as_title() -> None:
    long = LABELS[4]
    lines = wrap_label(long)
    assert len(lines) == 2
    assert all(text_width(line) <= LABEL_MAX_WIDTH for line in lines)
    assert lines[-1].endswith("…")
    svg = _bars()
    wrapped = svg.css("text.chart-label")[4]
    assert len(wrapped.css("tspan")) == 2
    assert wrapped.css("title::text").get() == long


def test_a_word_wider_than_the_column_is_cut_with_an_ellipsis() -> None:
    (line,) = wrap_label(LABELS[5])
    assert line.endswith("…") and text_width(line) <= LABEL_MAX_WIDTH


def test_rows_with_two_line_labels_do_not_overlap_the_next_bar() -> None:
    chart = percent_chart("c", "T", "", [(label, 50.0, None) for label in LABELS])
    tops = [row.y for row in chart.rows]
    assert all(b - a >= chart.bar_height for a, b in zip(tops, tops[1:], strict=False))
    assert tops[-1] + chart.bar_height <= chart.height


def test_bar_charts_are_never_drawn_wider_than_their_layout() -> None:
    svg = _bars().css("svg")
    assert svg.attrib["width"] == str(WIDTH)
    assert svg.attrib["font-size"] == str(FONT_SIZE)


def _adoption(crawls: int) -> Selector:
    labels = [(f"crawl {i + 1}", f"2026-0{i + 1}-01") for i in range(crawls)]
    series = [
        ("any mechanism", "#000", [40.0] * crawls),
        ("robots.txt", "#111", [30.0] * crawls),
        ("IPTC Data Mining (image XMP)", "#222", [5.0] * crawls),
    ]
    chart = percent_lines("chart-adoption", "Over time", "", labels, series)
    return Selector(text=str(render_line_chart(chart)))


def test_one_crawl_is_drawn_as_one_labelled_bar_per_series() -> None:
    svg = _adoption(1)
    assert svg.css("circle") == [] and svg.css("polyline") == []
    assert len(svg.css("rect")) == 3
    assert svg.css("text.chart-value::text").getall() == ["40%", "30%", "5%"]
    assert svg.css("svg").attrib["font-size"] == str(FONT_SIZE)
    assert svg.css("svg").attrib["width"] == str(WIDTH)
    assert _texts_inside(svg) == []


def test_two_crawls_are_lines_with_a_point_per_crawl() -> None:
    svg = _adoption(2)
    assert len(svg.css("polyline")) == 3
    assert len(svg.css("circle")) == 6
    assert svg.css("svg").attrib["width"] == str(WIDTH)


@pytest.mark.parametrize("crawls", [2, 3, 12])
def test_line_chart_axis_labels_stay_inside(crawls: int) -> None:
    assert _texts_inside(_adoption(crawls)) == []
