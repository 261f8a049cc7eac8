"""Payments page callbacks, the orders half: find a customer or type order
numbers, page through the customer's open orders and keep the selection
across pages. bi_app.callbacks.payments reads the selection's balance due
and records the payment.

The selection lives in a store, not in the table, so ticking orders on page
1 and page 40 of a big customer selects both.
"""

from __future__ import annotations

import logging

from dash import ALL, Input, Output, State, ctx, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import may_see_pii
from bi_app.callbacks import CallbackSet
from bi_app.figures.payments import customer_heading, customer_results, merge_selection, orders_table
from bi_app.ids import payments as ids
from bi_app.panels import alert, database_down
from bi_app.services import services
from workflow import payment_desk as desk
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import CustomerQuery, list_customers

CALLBACKS = CallbackSet()
log = logging.getLogger(__name__)
CUSTOMERS_SHOWN = 8
CHECK = {"type": ids.PAY_CHECK, "index": ALL}


@CALLBACKS.callback(
    Output(ids.PAY_CUSTOMER_RESULTS, "children"),
    Input(ids.PAY_CUSTOMER_SEARCH, "value"),
    prevent_initial_call=True,
)
def search_customers(text):
    if not (text or "").strip():
        return []
    ecc = services()
    try:
        query = CustomerQuery(search=text, sort="name", descending=False)
        found = list_customers(ecc.engine, query, pii=may_see_pii(), page_size=CUSTOMERS_SHOWN)
    except WorkflowError as exc:
        return alert(exc.message, "warning")
    except SQLAlchemyError:
        return database_down(log, "payments: the customer search failed")
    return customer_results(found, ecc.settings.currency)


@CALLBACKS.callback(
    Output(ids.PAY_CUSTOMER, "data"),
    Output(ids.PAY_SELECTION, "data", allow_duplicate=True),
    Output(ids.PAY_ORDER_NUMBERS, "invalid"),
    Output(ids.PAY_ORDER_NUMBERS_FEEDBACK, "children"),
    Output(ids.PAY_ORDER_FILTER, "value"),
    Output(ids.PAY_CUSTOMER_RESULTS, "children", allow_duplicate=True),
    Output(ids.PAY_RESULT, "children", allow_duplicate=True),
    Input({"type": ids.PAY_CUSTOMER_PICK, "index": ALL}, "n_clicks"),
    Input(ids.PAY_FIND_ORDERS, "n_clicks"),
    Input(ids.PAY_ORDER_NUMBERS, "n_submit"),
    State(ids.PAY_ORDER_NUMBERS, "value"),
    State(ids.PAY_CUSTOMER, "data"),
    prevent_initial_call=True,
)
def choose(_picks, _find, _submit, numbers, chosen):
    """A customer picked from the results (the selection is kept when it is
    the same customer), or orders typed by number (they become the selection
    and the results are put away). A new selection starts a new form."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        if not ctx.triggered[0]["value"]:  # a result just drawn, not clicked
            return (no_update,) * 7
        if chosen and chosen.get("id") == trigger["index"]:
            return (no_update,) * 7
        return {"id": trigger["index"]}, [], False, "", "", no_update, None
    try:
        found = desk.find_orders(services().engine, numbers, pii=may_see_pii())
    except WorkflowError as exc:
        return no_update, no_update, True, exc.message, no_update, no_update, no_update
    except SQLAlchemyError:
        return (
            no_update,
            no_update,
            False,
            "",
            no_update,
            database_down(log, "payments: the order lookup failed"),
            no_update,
        )
    return {"id": found.customer.id}, list(found.order_ids), False, "", "", [], None


@CALLBACKS.callback(
    Output(ids.PAY_CUSTOMER_HEADING, "children"),
    Output(ids.PAY_ORDERS, "children"),
    Output(ids.PAY_PAGER, "max_value"),
    Output(ids.PAY_PAGER, "active_page"),
    Output(ids.PAY_PAGER, "style"),
    Output(ids.PAY_ORDER_FILTER, "invalid"),
    Output(ids.PAY_ORDER_FILTER_FEEDBACK, "children"),
    Input(ids.PAY_CUSTOMER, "data"),
    Input(ids.PAY_PAGER, "active_page"),
    Input(ids.PAY_ORDER_FILTER, "value"),
    Input(ids.PAY_REFRESH, "data"),
    State(ids.PAY_SELECTION, "data"),
)
def show_orders(customer, page, search, _refresh, selection):
    hidden = {"display": "none"}
    if not customer:
        hint = html.Div(
            "Search for a customer, or type order numbers, to see the orders still to be paid.",
            className="text-muted py-3",
        )
        return html.H5("Open orders", className="mb-0"), hint, 1, 1, hidden, False, ""
    if ctx.triggered_id in (ids.PAY_CUSTOMER, ids.PAY_ORDER_FILTER) or not page:
        page = 1
    ecc = services()
    try:
        orders = desk.open_orders(ecc.engine, customer["id"], search=search, page=page, pii=may_see_pii())
    except WorkflowError as exc:
        if exc.code == ErrorCode.INVALID_ARGUMENT:
            return no_update, no_update, no_update, no_update, no_update, True, exc.message
        return html.H5("Open orders"), alert(exc.message, "warning"), 1, 1, hidden, False, ""
    except SQLAlchemyError:
        return (
            html.H5("Open orders"),
            database_down(log, "payments: the open orders could not be read"),
            1,
            1,
            hidden,
            False,
            "",
        )
    currency = ecc.settings.currency
    table = orders_table(orders, set(selection or ()), currency, ecc.settings.tz)
    pager_style = {} if orders.page_count > 1 else hidden
    heading = customer_heading(orders, currency)
    return heading, table, orders.page_count, orders.page, pager_style, False, ""


@CALLBACKS.callback(
    Output(ids.PAY_SELECTION, "data", allow_duplicate=True),
    Output(ids.PAY_RESULT, "children", allow_duplicate=True),
    Input(CHECK, "value"),
    State(CHECK, "id"),
    State(ids.PAY_SELECTION, "data"),
    prevent_initial_call=True,
)
def tick(values, check_ids, selection):
    """Merge this page's ticks into the selection; a new selection starts a
    new form, so the last receipt or refusal goes."""
    ticked = {check["index"]: bool(value) for check, value in zip(check_ids, values, strict=True)}
    merged = merge_selection(selection or [], ticked)
    return (merged, None) if merged != (selection or []) else (no_update, no_update)


@CALLBACKS.callback(
    Output(ids.PAY_SELECTION, "data", allow_duplicate=True),
    Output(ids.PAY_REFRESH, "data", allow_duplicate=True),
    Output(ids.PAY_RESULT, "children", allow_duplicate=True),
    Input(ids.PAY_CLEAR, "n_clicks"),
    State(ids.PAY_REFRESH, "data"),
    prevent_initial_call=True,
)
def clear_selection(_clicks, refresh):
    return [], (refresh or 0) + 1, None
