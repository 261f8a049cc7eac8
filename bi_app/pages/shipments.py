"""Shipments, for the clerk who moves them on: tabs of statuses with their
counts, the list (stuck ones stand out, and have a tab of their own), and a
shipment's timeline with a form offering only its legal next moves.

The view (status, page, filters) lives in the address bar; the list is
drawn by bi_app.callbacks.shipments, again after every move."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.access import may_do
from bi_app.components.shipments import parse_shipments_view
from bi_app.ids import shipments as ids

dash.register_page(
    __name__, path="/shipments", name="Shipments", title="Shipments · E-Commerce Command Center", order=30
)


def layout(**query: str | list[str]) -> html.Div:
    view = parse_shipments_view(query)
    flat = {k: ",".join(v) if isinstance(v, list) else v for k, v in query.items()}
    return html.Div(
        [
            dcc.Location(id=ids.SHIP_NAV, refresh="callback-nav"),
            dcc.Store(id=ids.SHIP_VIEW, data=flat),
            dcc.Store(id=ids.SHIP_SELECTED),
            dcc.Store(id=ids.SHIP_MOVED, data=0),
            html.H2("Shipments", className="mb-3"),
            _filters(view.query.order_id, view.query.customer, view.stuck_days),
            html.Div(id=ids.SHIP_NOTE),
            dbc.Card(
                dbc.CardBody(dcc.Loading(html.Div(id=ids.SHIP_LIST), delay_show=400)), className="shadow-sm"
            ),
            _modal(),
        ]
    )


def _filters(order_id: int | None, customer: str | None, stuck_days: int) -> dbc.Form:
    def field(label: str, control: dbc.Input, feedback: str, width: int | str) -> dbc.Col:
        return dbc.Col(
            [
                dbc.Label(label, html_for=control.id, className="small mb-0"),
                control,
                dbc.FormFeedback(id=feedback, type="invalid"),
            ],
            md=width,
        )

    return dbc.Form(
        dbc.Row(
            [
                field(
                    "Order number",
                    dbc.Input(
                        id=ids.SHIP_ORDER, value=str(order_id or ""), placeholder="e.g. 1042", size="sm"
                    ),
                    ids.SHIP_ORDER_FEEDBACK,
                    2,
                ),
                field(
                    "Customer",
                    dbc.Input(
                        id=ids.SHIP_CUSTOMER,
                        value=customer or "",
                        placeholder="name, e-mail or id",
                        size="sm",
                    ),
                    ids.SHIP_CUSTOMER_FEEDBACK,
                    3,
                ),
                field(
                    "Stuck after (days in one stage)",
                    dbc.Input(id=ids.SHIP_STUCK_DAYS, value=str(stuck_days), inputMode="numeric", size="sm"),
                    ids.SHIP_STUCK_DAYS_FEEDBACK,
                    2,
                ),
                dbc.Col(
                    [
                        dbc.Button("Apply", id=ids.SHIP_APPLY, color="primary", size="sm", type="submit"),
                        dcc.Link(
                            "Clear", href="/shipments", className="btn btn-sm btn-outline-secondary ms-2"
                        ),
                    ],
                    md="auto",
                    className="pt-3",
                ),
            ],
            className="g-2 align-items-start",
        ),
        id=f"{ids.SHIP_APPLY}-form",
        className="mb-3",
    )


def _modal() -> dbc.Modal:
    """One shipment: its details and timeline (filled by a callback), and the move form."""
    shipping = dbc.Collapse(
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label("Carrier", html_for=ids.SHIP_CARRIER),
                        dbc.Input(id=ids.SHIP_CARRIER, maxLength=100),
                        dbc.FormFeedback(id=ids.SHIP_CARRIER_FEEDBACK, type="invalid"),
                    ],
                    md=6,
                ),
                dbc.Col(
                    [
                        dbc.Label("Tracking number", html_for=ids.SHIP_TRACKING),
                        dbc.Input(id=ids.SHIP_TRACKING, maxLength=100),
                        dbc.FormFeedback(id=ids.SHIP_TRACKING_FEEDBACK, type="invalid"),
                    ],
                    md=6,
                ),
            ],
            className="g-2 mb-2",
        ),
        id=ids.SHIP_SHIPPING_FIELDS,
        is_open=False,
    )
    form = html.Div(
        [
            html.H6("Move it on", className="mt-3 fw-bold"),
            dbc.Label("Next status", className="small mb-1"),
            dbc.RadioItems(id=ids.SHIP_MOVE_TO, options=[], value=None, inline=True),
            html.Div(id=ids.SHIP_MOVE_TO_FEEDBACK, className="invalid-feedback d-block mb-2"),
            shipping,
            dbc.Label("Note (optional)", html_for=ids.SHIP_NOTE_INPUT, className="small mb-0"),
            dbc.Input(id=ids.SHIP_NOTE_INPUT, maxLength=500, className="mb-2"),
            dbc.Button("Move shipment", id=ids.SHIP_MOVE_SUBMIT, color="primary"),
        ],
        id=ids.SHIP_MOVE_FORM,
        hidden=not may_do("move_shipment"),  # managers and analysts follow shipments, clerks move them
    )
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=ids.SHIP_MODAL_TITLE)),
            dbc.ModalBody(
                [
                    html.Div(id=ids.SHIP_DETAIL),
                    html.Div(id=ids.SHIP_FINAL, className="mt-3"),
                    form,
                    html.Div(id=ids.SHIP_MOVE_RESULT, className="mt-3"),
                ]
            ),
        ],
        id=ids.SHIP_MODAL,
        size="lg",
        is_open=False,
        scrollable=True,
    )
