"""Inventory: stock on hand per product with how fast it turned over the
last 90 days, the products running low, and the form that books goods in.

The products table's view (search, category, sort, page) lives in the
address bar; the table, the low-stock list and the picker are filled by
bi_app.callbacks.inventory, again after every receipt."""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.access import may_do
from bi_app.components.inventory import parse_inventory_view
from bi_app.ids import inventory as ids
from bi_app.panels import cached_filter_choices
from workflow.stock_views import LOW_COVER_DAYS, LOW_MIN_UNITS, SALES_WINDOW_DAYS, TURNOVER_DAYS

dash.register_page(
    __name__, path="/inventory", name="Inventory", title="Inventory · E-Commerce Command Center", order=40
)

log = logging.getLogger(__name__)


def layout(**query: str | list[str]) -> html.Div:
    view = parse_inventory_view(query)
    flat = {k: ",".join(v) if isinstance(v, list) else v for k, v in query.items()}
    return html.Div(
        [
            dcc.Location(id=ids.INV_NAV, refresh="callback-nav"),
            dcc.Store(id=ids.INV_VIEW, data=flat),
            dcc.Store(id=ids.INV_RECEIVED, data=0),
            html.H2("Inventory", className="mb-3"),
            html.Div(id=ids.INV_NOTE),
            dbc.Row(
                [dbc.Col(_receive_card(), lg=5), dbc.Col(_low_card(), lg=7)]
                if may_do("receive_stock")
                else [dbc.Col(_low_card())],
                className="g-3 mb-3",
            ),
            _stock_card(view.query.search, view.query.category),
        ]
    )


def _stock_card(search: str | None, category: str | None) -> dbc.Card:
    form = dbc.Form(
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Input(
                            id=ids.INV_SEARCH,
                            value=search or "",
                            placeholder="SKU or name",
                            type="search",
                            size="sm",
                        ),
                        dbc.FormFeedback(id=ids.INV_SEARCH_FEEDBACK, type="invalid"),
                    ],
                    md=5,
                ),
                dbc.Col(
                    dcc.Dropdown(
                        id=ids.INV_CATEGORY,
                        options=_categories(),
                        value=category,
                        placeholder="All categories",
                    ),
                    md=4,
                ),
                dbc.Col(
                    dbc.Button("Apply", id=ids.INV_APPLY, color="primary", size="sm", type="submit"),
                    md="auto",
                ),
            ],
            className="g-2 align-items-start",
        ),
        id=f"{ids.INV_APPLY}-form",
        className="mb-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H5("Stock on hand", className="mb-0"),
                    html.Small(
                        f"Sold, turnover and days of inventory over the last {TURNOVER_DAYS} days; "
                        "stock valued at the list unit cost.",
                        className="text-muted",
                    ),
                ]
            ),
            dbc.CardBody([form, dcc.Loading(html.Div(id=ids.INV_TABLE_BODY), delay_show=400)]),
        ],
        className="shadow-sm",
    )


def _receive_card() -> dbc.Card:
    def field(label: str, control, feedback: str, hint: str | None = None) -> html.Div:
        parts = [dbc.Label(label, html_for=control.id, className="mb-1"), control]
        parts.append(dbc.FormFeedback(id=feedback, type="invalid"))
        if hint:
            parts.append(dbc.FormText(hint))
        return html.Div(parts, className="mb-2")

    picker = html.Div(
        [
            dbc.Label("Product", html_for=ids.INV_PRODUCT, className="mb-1"),
            dcc.Dropdown(id=ids.INV_PRODUCT, options=[], placeholder="Type a SKU or a name", searchable=True),
            html.Div(id=ids.INV_PRODUCT_FEEDBACK, className="invalid-feedback d-block"),
            dbc.FormText(id=ids.INV_PRODUCT_INFO),
        ],
        className="mb-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader(html.H5("Receive stock", className="mb-0")),
            dbc.CardBody(
                dbc.Form(
                    [
                        picker,
                        dbc.Row(
                            [
                                dbc.Col(
                                    field(
                                        "Quantity",
                                        dbc.Input(
                                            id=ids.INV_QUANTITY, inputMode="numeric", placeholder="e.g. 12"
                                        ),
                                        ids.INV_QUANTITY_FEEDBACK,
                                    )
                                ),
                                dbc.Col(
                                    field(
                                        "Unit cost",
                                        dbc.Input(
                                            id=ids.INV_UNIT_COST, inputMode="decimal", placeholder="e.g. 4.20"
                                        ),
                                        ids.INV_UNIT_COST_FEEDBACK,
                                        "What one unit cost us.",
                                    )
                                ),
                            ],
                            className="g-2",
                        ),
                        field(
                            "Note (optional)",
                            dbc.Input(
                                id=ids.INV_RECEIVE_NOTE, maxLength=500, placeholder="supplier, delivery note…"
                            ),
                            f"{ids.INV_RECEIVE_NOTE}-feedback",
                        ),
                        dbc.Button("Receive", id=ids.INV_RECEIVE_SUBMIT, color="primary", type="submit"),
                        html.Div(id=ids.INV_RECEIVE_RESULT, className="mt-3"),
                    ],
                    id=f"{ids.INV_RECEIVE_SUBMIT}-form",
                )
            ),
        ],
        className="shadow-sm h-100",
    )


def _low_card() -> dbc.Card:
    days = dbc.InputGroup(
        [
            dbc.InputGroupText("covers fewer than"),
            dbc.Input(
                id=ids.INV_LOW_DAYS,
                value=str(LOW_COVER_DAYS),
                inputMode="numeric",
                debounce=True,
                style={"maxWidth": "4.5rem"},
            ),
            dbc.InputGroupText("days"),
            dbc.FormFeedback(id=ids.INV_LOW_DAYS_FEEDBACK, type="invalid"),
        ],
        size="sm",
        className="has-validation",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H5("Running low", className="mb-1"),
                    days,
                    html.Small(
                        f"Active products whose stock covers fewer days than that of their sales over the last "
                        f"{SALES_WINDOW_DAYS} days, or with fewer than {LOW_MIN_UNITS} units.",
                        className="text-muted d-block mt-1",
                    ),
                ]
            ),
            dbc.CardBody(
                dcc.Loading(html.Div(id=ids.INV_LOW_BODY, style={"maxHeight": "20rem", "overflowY": "auto"}))
            ),
        ],
        className="shadow-sm h-100",
    )


def _categories() -> list[str]:
    try:
        return list(cached_filter_choices().categories)
    except Exception:  # the table still works without the suggestions
        log.exception("inventory: the categories could not be read")
        return []
