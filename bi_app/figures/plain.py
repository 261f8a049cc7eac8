"""Dashboard figures and large tables as plain dicts, the JSON the browser gets.

plotly.graph_objects validates every property, copies the layout's template
into each figure and converts it all back with `to_dict()`: 15-30 ms per
figure on the dashboard's server, more than the query behind it. The
builders write the dict themselves instead; the unit tests run each one
through `go.Figure(...)` so that a misspelt property still fails, in the
tests rather than on every request. Axis and legend titles are objects
(`{"text": ...}`), as Plotly.js 3 requires.

The same holds for a table of many rows built from Dash components: each
component object checks its properties when made and is walked by Dash's
JSON encoder when sent (a 50-row table: 13 ms to build, 5 ms to encode).
`component(...)` writes the JSON Dash would send for one; the unit tests
turn the dicts back into Dash components, so an unknown property fails
there, and check that Dash sends exactly the same JSON.
"""

from __future__ import annotations

from functools import cache
from typing import Any

Figure = dict[str, Any]
Component = dict[str, Any]
# The component libraries (as imported: html, dcc, dbc) and their JSON namespaces.
NAMESPACES = {
    "html": "dash_html_components",
    "dcc": "dash_core_components",
    "dbc": "dash_bootstrap_components",
}


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


def component(library: str, kind: str, children: Any = None, **props: Any) -> Component:
    """A Dash component as the JSON Dash sends for it:
    `component("html", "Td", "x", className="text-end")` is what
    `html.Td("x", className="text-end")` is sent as. Properties given as
    None are left out, as Dash leaves them out."""
    if children is not None:
        props = {"children": children, **props}
    return {
        "props": {name: value for name, value in props.items() if value is not None},
        "type": kind,
        "namespace": NAMESPACES[library],
    }


def html_element(kind: str, children: Any = None, **props: Any) -> Component:
    """`component("html", kind, ...)`: html.Td, html.Tr and the like."""
    return component("html", kind, children, **props)
