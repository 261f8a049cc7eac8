"""The admins' Imports page: upload a customer CSV, follow its validation
and loading, read the summary, download the masked reject report, and see
the past import runs (from this page and from `ecc import customers`).
The callbacks are in bi_app.callbacks.imports."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.ids import imports as ids
from bi_app.import_runner import format_size, upload_limit
from etl.importer import DEFAULT_MAX_INVALID_PCT

dash.register_page(
    __name__, path="/imports", name="Imports", title="Imports · E-Commerce Command Center", order=50
)

POLL_MS = 500


def layout(**_query: str) -> html.Div:
    limit = upload_limit()
    return html.Div(
        [
            dcc.Store(id=ids.IMPORTS_LIMIT, data=limit),
            dcc.Store(id=ids.IMPORTS_SIZE_CHECK),
            dcc.Store(id=ids.IMPORTS_TOO_LARGE),
            dcc.Store(id=ids.IMPORTS_UPLOAD_ID, storage_type="session"),
            dcc.Store(id=ids.IMPORTS_RUNS_REFRESH, data=0),
            dcc.Interval(id=ids.IMPORTS_POLL, interval=POLL_MS, disabled=True),
            html.H2("Import customers"),
            html.P(
                "Every row is validated before anything is written, as `ecc import customers` does. Valid rows "
                "are added or update the customer with the same e-mail, all in one transaction; nothing is "
                "written when more rows are rejected than allowed. Rejected values are shown masked.",
                className="text-muted",
                style={"maxWidth": "60rem"},
            ),
            dbc.Card(
                [dbc.CardHeader(html.H5("New import", className="mb-0")), dbc.CardBody(_form(limit))],
                className="mb-3 shadow-sm",
            ),
            dbc.Card(
                [
                    dbc.CardHeader(html.H5("Progress and summary", className="mb-0")),
                    dbc.CardBody(
                        html.Div(
                            html.P(
                                "Choose a file and press Import; its progress and summary appear here.",
                                className="text-muted mb-0",
                            ),
                            id=ids.IMPORTS_STATUS,
                        )
                    ),
                ],
                className="mb-3 shadow-sm",
            ),
            dbc.Card(
                [
                    dbc.CardHeader(html.H5("Past import runs", className="mb-0")),
                    dbc.CardBody(dcc.Loading(html.Div(id=ids.IMPORTS_RUNS), delay_show=300)),
                ],
                className="mb-3 shadow-sm",
            ),
        ]
    )


def _form(limit: int) -> dbc.Row:
    upload = dcc.Upload(
        id=ids.IMPORTS_UPLOAD,
        max_size=limit,
        multiple=False,
        children=html.Div(
            [
                html.Div([html.Strong("Drag a CSV file here"), " or ", html.A("choose one", href="#")]),
                html.Small(
                    f"A .csv or .txt file up to {format_size(limit)}; UTF-8 or Windows-1252; comma, semicolon "
                    "or tab between fields. The first line names the columns: email, full_name (or first and "
                    "last name), country (ISO code or name) and, if you have it, phone.",
                    className="text-muted d-block mt-1",
                ),
            ],
            className="p-4 text-center",
        ),
        style={"border": "2px dashed #95a5a6", "borderRadius": "0.5rem", "cursor": "pointer"},
        style_active={"border": "2px solid #18bc9c", "backgroundColor": "#eafaf6"},
    )
    options = html.Div(
        [
            dbc.Switch(
                id=ids.IMPORTS_DRY_RUN,
                value=False,
                className="mb-2",
                label=[
                    "Dry run: validate and report only, write no customer ",
                    html.Small("(--dry-run)", className="text-muted"),
                ],
            ),
            dbc.Label(
                "Refuse the whole import when more than this share of rows is rejected",
                html_for=ids.IMPORTS_MAX_INVALID,
                className="mb-1",
            ),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.IMPORTS_MAX_INVALID,
                        type="text",
                        inputmode="decimal",
                        value=str(DEFAULT_MAX_INVALID_PCT),
                        style={"maxWidth": "6rem"},
                    ),
                    dbc.InputGroupText("%"),
                    dbc.FormFeedback(id=ids.IMPORTS_MAX_INVALID_FEEDBACK, type="invalid"),
                ],
                className="mb-1 has-validation",
            ),
            html.Small("--max-invalid-pct; from 0 to 100", className="text-muted d-block mb-2"),
            dbc.Switch(
                id=ids.IMPORTS_FORCE,
                value=False,
                className="mb-3",
                label=[
                    "Import the file even if it was imported before ",
                    html.Small("(--force)", className="text-muted"),
                ],
            ),
            dbc.Button("Import", id=ids.IMPORTS_START, color="primary", disabled=True),
        ]
    )
    return dbc.Row(
        [
            dbc.Col(
                [
                    upload,
                    html.Div("No file chosen yet.", id=ids.IMPORTS_CHOSEN, className="mt-2 text-muted"),
                    html.Div(id=ids.IMPORTS_MESSAGE, className="mt-2"),
                ],
                lg=7,
            ),
            dbc.Col(options, lg=5),
        ],
        className="g-4",
    )
