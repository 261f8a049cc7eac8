"""The figure shown instead of a chart when there is nothing to draw: no
axes, no grid, one friendly sentence in the middle (and a hint below it), so
a manager never stares at an empty frame wondering whether it failed."""

from __future__ import annotations

from bi_app.figures.plain import Figure, plain_figure
from bi_app.theme import MUTED_TEXT, chart_layout

EMPTY_MARKER = "empty"


def empty_figure(message: str, hint: str | None = None) -> Figure:
    """A blank figure (a plain Plotly dict) saying `message` in its centre,
    with `hint` (what to try next, e.g. "Widen the date range.") in smaller
    muted text below. layout.meta is "empty", so callers and tests can tell
    it from a chart."""
    annotations = [
        {
            "text": message,
            "x": 0.5,
            "y": 0.55 if hint else 0.5,
            "showarrow": False,
            "font": {"size": 16},
            "name": "message",
        }
    ]
    if hint:
        annotations.append(
            {
                "text": hint,
                "x": 0.5,
                "y": 0.4,
                "showarrow": False,
                "font": {"size": 13, "color": MUTED_TEXT},
                "name": "hint",
            }
        )
    for annotation in annotations:
        annotation.update({"xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "middle"})
    layout = chart_layout(
        xaxis={"visible": False, "showgrid": False, "zeroline": False},
        yaxis={"visible": False, "showgrid": False, "zeroline": False},
        annotations=annotations,
        showlegend=False,
        meta=EMPTY_MARKER,
    )
    return plain_figure([], layout)


def is_empty_figure(figure: Figure) -> bool:
    """True for a figure made by empty_figure."""
    return figure["layout"].get("meta") == EMPTY_MARKER
