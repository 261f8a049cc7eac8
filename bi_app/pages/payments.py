"""The clerk's payments page: find a customer's open orders (by customer or
by order numbers), tick the ones a transfer covers, and record the payment
with the exact balance due pre-filled. bi_app.callbacks.payments fills it.

The form's idempotency key is made here, when the form is rendered, and kept
in the tab's session storage: a double click, or a resubmit after a reload,
replays the first payment instead of recording a second; after a recorded
payment the callbacks issue a new key.

Query parameters (links from other pages): ?customer=<id> opens that
customer's open orders; ?orders=1042,1043 also selects those orders.
"""

from __future__ import annotations

import logging
import uuid

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import may_see_pii
from bi_app.formatting import currency_affixes
from bi_app.ids import payments as ids
from bi_app.panels import alert, database_down
from bi_app.services import services
from workflow.errors import WorkflowError
from workflow.payment_desk import MAX_REFERENCE_LENGTH, METHODS, find_orders

dash.register_page(
    __name__, path="/payments", name="Payments", title="Payments · E-Commerce Command Center", order=20
)

log = logging.getLogger(__name__)


def layout(**query: str | list[str]) -> html.Div:
    ecc = services()
    customer, selection, notes = _from_query(query)
    stores = [
        dcc.Store(id=ids.PAY_KEY, storage_type="session", data=uuid.uuid4().hex),
        dcc.Store(id=ids.PAY_CUSTOMER, data=customer),
        dcc.Store(id=ids.PAY_SELECTION, data=selection),
        dcc.Store(id=ids.PAY_BALANCES, data=[]),
        dcc.Store(id=ids.PAY_PREFILL, data={}),
        dcc.Store(id=ids.PAY_REFRESH, data=0),
    ]
    return html.Div(
        [
            *stores,
            html.Div(
                [
                    html.H2("Payments", className="mb-0"),
                    html.Span(
                        "Record money received for one or more orders of one customer.",
                        className="text-muted",
                    ),
                ],
                className="d-flex align-items-baseline gap-3 mb-3 flex-wrap",
            ),
            html.Div(notes, className="d-grid gap-2 mb-3") if notes else None,
            dbc.Row(
                [
                    dbc.Col([_finder(), _orders_card()], lg=7),
                    dbc.Col(_payment_form(ecc.settings.currency, ecc.today().isoformat()), lg=5),
                ],
                className="g-3",
            ),
        ]
    )


def _finder() -> dbc.Card:
    customer = html.Div(
        [
            dbc.Label("Customer", html_for=ids.PAY_CUSTOMER_SEARCH),
            dbc.Input(
                id=ids.PAY_CUSTOMER_SEARCH,
                type="search",
                placeholder="Name, e-mail or customer number",
                debounce=350,
                autocomplete="off",
            ),
            html.Div(id=ids.PAY_CUSTOMER_RESULTS, className="mt-2"),
        ]
    )
    numbers = html.Div(
        [
            dbc.Label("or order numbers", html_for=ids.PAY_ORDER_NUMBERS),
            dbc.InputGroup(
                [
                    dbc.Input(id=ids.PAY_ORDER_NUMBERS, placeholder="1042, 1043", autocomplete="off"),
                    dbc.Button("Find", id=ids.PAY_FIND_ORDERS, color="primary", outline=True, n_clicks=0),
                    dbc.FormFeedback(id=ids.PAY_ORDER_NUMBERS_FEEDBACK, type="invalid"),
                ],
                class_name="has-validation",
            ),
        ]
    )
    return dbc.Card(
        [
            dbc.CardHeader(html.H5("Find the orders", className="mb-0")),
            dbc.CardBody(dbc.Row([dbc.Col(customer, md=7), dbc.Col(numbers, md=5)], className="g-3")),
        ],
        className="mb-3 shadow-sm",
    )


def _orders_card() -> dbc.Card:
    header = dbc.Row(
        [
            dbc.Col(html.Div(id=ids.PAY_CUSTOMER_HEADING), className="me-auto"),
            dbc.Col(
                html.Div(
                    [
                        dbc.Input(
                            id=ids.PAY_ORDER_FILTER,
                            type="search",
                            placeholder="Order number starts with…",
                            debounce=350,
                            size="sm",
                            autocomplete="off",
                        ),
                        dbc.FormFeedback(id=ids.PAY_ORDER_FILTER_FEEDBACK, type="invalid"),
                    ]
                ),
                width="auto",
            ),
        ],
        className="align-items-center g-2",
    )
    footer = html.Div(
        [
            dbc.Pagination(
                id=ids.PAY_PAGER,
                max_value=1,
                active_page=1,
                fully_expanded=False,
                previous_next=True,
                first_last=True,
                size="sm",
                class_name="mb-0",
            ),
            dbc.Button(
                "Clear selection", id=ids.PAY_CLEAR, color="link", size="sm", n_clicks=0, class_name="ms-auto"
            ),
        ],
        className="d-flex align-items-center flex-wrap gap-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader(header),
            dbc.CardBody([dcc.Loading(html.Div(id=ids.PAY_ORDERS), delay_show=300), footer]),
        ],
        className="mb-3 shadow-sm",
    )


def _payment_form(currency: str, today: str) -> dbc.Card:
    prefix, suffix = currency_affixes(currency)
    amount_group = [dbc.InputGroupText(prefix.strip())] if prefix.strip() else []
    amount_group.append(
        dbc.Input(
            id=ids.PAY_AMOUNT, type="text", inputmode="decimal", autocomplete="off", class_name="text-end"
        )
    )
    if suffix.strip():
        amount_group.append(dbc.InputGroupText(suffix.strip()))
    amount_group.append(dbc.FormFeedback(id=ids.PAY_AMOUNT_FEEDBACK, type="invalid"))
    body = [
        html.Div(id=ids.PAY_SUMMARY, className="mb-3"),
        _field("Amount received", ids.PAY_AMOUNT, dbc.InputGroup(amount_group, class_name="has-validation")),
        html.Div(
            [
                html.Div("Split over the orders (oldest due date first)", className="form-label"),
                html.Div(id=ids.PAY_ALLOCATIONS, style={"maxHeight": "18rem", "overflowY": "auto"}),
                html.Div(id=ids.PAY_ALLOCATED, className="small text-muted"),
            ],
            className="mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(
                    _field(
                        "Method",
                        ids.PAY_METHOD,
                        dbc.Select(
                            id=ids.PAY_METHOD,
                            options=[{"label": label, "value": value} for value, label in METHODS.items()],
                            value="bank_transfer",
                        ),
                        ids.PAY_METHOD_FEEDBACK,
                    ),
                    md=6,
                ),
                dbc.Col(
                    _field(
                        "Date received",
                        ids.PAY_RECEIVED,
                        dbc.Input(id=ids.PAY_RECEIVED, type="date", value=today, max=today),
                        ids.PAY_RECEIVED_FEEDBACK,
                    ),
                    md=6,
                ),
            ],
            className="g-2",
        ),
        _field(
            "Reference (optional)",
            ids.PAY_REFERENCE,
            dbc.Input(
                id=ids.PAY_REFERENCE,
                placeholder="e.g. the bank's transfer reference",
                maxlength=MAX_REFERENCE_LENGTH + 50,  # longer is refused with a message, not cut silently
                autocomplete="off",
            ),
            ids.PAY_REFERENCE_FEEDBACK,
        ),
        dbc.Button("Record payment", id=ids.PAY_SUBMIT, color="primary", n_clicks=0, class_name="w-100 mb-3"),
        html.Div(id=ids.PAY_RESULT),
    ]
    return dbc.Card(
        [dbc.CardHeader(html.H5("Payment", className="mb-0")), dbc.CardBody(body)],
        className="shadow-sm",
    )


def _field(label: str, control_id: str, control, feedback_id: str | None = None) -> html.Div:
    feedback = [dbc.FormFeedback(id=feedback_id, type="invalid")] if feedback_id else []
    return html.Div([dbc.Label(label, html_for=control_id), control, *feedback], className="mb-3")


def _from_query(query: dict[str, str | list[str]]) -> tuple[dict | None, list[int], list]:
    """The customer and selection a link asks for, and notes on what was refused."""
    params = {k: ",".join(v) if isinstance(v, list) else v for k, v in query.items()}
    if params.get("orders"):
        try:
            found = find_orders(services().engine, params["orders"], pii=may_see_pii())
        except WorkflowError as exc:
            return None, [], [alert(exc.message, "warning")]
        except SQLAlchemyError:
            return None, [], [database_down(log, "payments: the linked orders could not be read")]
        return {"id": found.customer.id}, list(found.order_ids), []
    customer = (params.get("customer") or "").strip()
    if customer:
        if customer.isdigit() and len(customer) <= 18:
            return {"id": int(customer)}, [], []
        return None, [], [alert(f"Customer {customer!r} is not a customer number.", "warning")]
    return None, [], []
