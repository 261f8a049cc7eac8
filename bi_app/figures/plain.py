"""Dashboard figures as plain dicts, the JSON Plotly.js draws.

plotly.graph_objects validates every property, copies the layout's template
into each figure and converts it all back with `to_dict()`: 15-30 ms per
figure on the dashboard's server, more than the query behind it. The
builders write the dict themselves instead; the unit tests run each one
through `go.Figure(...)` so that a misspelt property still fails, in the
tests rather than on every request. Axis and legend titles are objects
(`{"text": ...}`), as Plotly.js 3 requires.
"""

from __future__ import annotations

from functools import cache
from typing import Any

Figure = dict[str, Any]


@cache
def _template(name: str) -> dict[str, Any]:
    """The named Plotly template (e.g. "plotly_white") as the dict
    `go.Figure(...).to_dict()` would embed: loaded once per process."""
    import plotly.io as pio  # the template registry loads its JSON on first use

    return pio.templates[name].to_plotly_json()


def plain_figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> Figure:
    """{"data": data, "layout": layout} with a template named in the layout
    (bi_app.theme.chart_layout's "plotly_white") replaced by the template
    itself, so the chart looks as it did through go.Figure. The template
    dict is shared between figures: treat it as read-only."""
    template = layout.get("template")
    if isinstance(template, str):
        layout = {**layout, "template": _template(template)}
    return {"data": data, "layout": layout}
