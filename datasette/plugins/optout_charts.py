"""Bar charts as plain data for the templates to draw as inline SVG, on the server.

The layout lives in ``results/svg_charts.py``, shared with ``optout report``; ``_chart.html``
writes the SVG here: no JavaScript, nothing fetched, every label escaped by Jinja.
"""

from results.svg_charts import (
    BAR_COLOUR,
    EFFECT_COLOURS,
    STATE_COLOURS,
    STATE_ORDER,
    BarRow,
    Chart,
    Segment,
    as_template_data,
    percent_chart,
    stacked_chart,
)

__all__ = [
    "BAR_COLOUR",
    "EFFECT_COLOURS",
    "STATE_COLOURS",
    "STATE_ORDER",
    "BarRow",
    "Chart",
    "Segment",
    "as_template_data",
    "percent_chart",
    "stacked_chart",
]
