"""The page for an address that does not exist."""

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, path="/404", name="Not found", nav=False)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("This page does not exist"),
            html.P("The address may be mistyped, or the page may have moved."),
            dbc.Button("Go to the dashboard", href="/", color="primary"),
        ],
        className="py-5",
    )
