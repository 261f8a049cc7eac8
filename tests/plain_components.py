"""Plain component data (bi_app.figures.plain.component) back as Dash
components: each dict becomes the component its type names, made by its own
class, so an unknown property fails as it would in the app."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.figures.plain import NAMESPACES

_LIBRARIES = {NAMESPACES["html"]: html, NAMESPACES["dcc"]: dcc, NAMESPACES["dbc"]: dbc}


def as_dash(value: Any) -> Any:
    """`value` with every plain component in it made a Dash component."""
    if isinstance(value, list):
        return [as_dash(item) for item in value]
    if isinstance(value, dict) and {"props", "type", "namespace"} <= value.keys():
        kind = getattr(_LIBRARIES[value["namespace"]], value["type"])
        props = value["props"]
        return kind(**{name: as_dash(v) if name == "children" else v for name, v in props.items()})
    return value
