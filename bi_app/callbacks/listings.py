"""The analyst views' Apply: the filter form becomes the address, and the
page (which reads its query from the address) shows the new rows."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dash import ALL, MATCH, Input, Output, State, ctx

from bi_app.callbacks import CallbackSet
from bi_app.components.listing import APPLY, FILTER, LOCATION

CALLBACKS = CallbackSet()
KEPT = ("sort", "desc")


@CALLBACKS.callback(
    Output({"type": LOCATION, "view": MATCH}, "href"),
    Input({"type": APPLY, "view": MATCH}, "n_clicks"),
    State({"type": FILTER, "view": MATCH, "param": ALL}, "value"),
    State({"type": LOCATION, "view": MATCH}, "pathname"),
    State({"type": LOCATION, "view": MATCH}, "search"),
    prevent_initial_call=True,
)
def apply_filters(_clicks, values, pathname, search):
    """Back to page 1 with the form's filters; the sort is kept."""
    names = [item["id"]["param"] for item in ctx.states_list[0]]
    params = {k: v for k, v in parse_qsl((search or "").lstrip("?")) if k in KEPT}
    params.update(
        {
            name: str(value).strip()
            for name, value in zip(names, values, strict=True)
            if value not in (None, "")
        }
    )
    return (pathname or "/") + ("?" + urlencode(params) if params else "")
