"""Payments page callbacks: find the orders, keep the selection across
pages, read its exact balance due, pre-fill and check the form, and record
the payment through workflow.payment_desk (which calls the payment rule).

The selection lives in a store, not in the table, so ticking orders on page
1 and page 40 of a big customer selects both. Allocations follow the amount
(oldest due date first) until the clerk edits one: they are re-derived only
while they still equal the last pre-fill.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from dash import ALL, Input, Output, State, ctx, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_actor, may_see_pii
from bi_app.callbacks import CallbackSet
from bi_app.figures.payments import (
    allocated_line,
    allocation_rows,
    balances_from_store,
    balances_to_store,
    customer_heading,
    customer_results,
    merge_selection,
    orders_table,
    receipt_card,
    refusal,
    selection_summary,
)
from bi_app.ids import payments as ids
from bi_app.panels import DATABASE_DOWN, alert
from bi_app.services import services
from workflow import payment_desk as desk
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import CustomerQuery, list_customers
from workflow.money import parse_amount

CALLBACKS = CallbackSet()
log = logging.getLogger(__name__)
CUSTOMERS_SHOWN = 8
ALLOCATION = {"type": ids.PAY_ALLOCATION, "index": ALL}
ALLOCATION_FEEDBACK = {"type": ids.PAY_ALLOCATION_FEEDBACK, "index": ALL}
CHECK = {"type": ids.PAY_CHECK, "index": ALL}
FIELDS_CHECKED_ON_SUBMIT = (ids.PAY_METHOD, ids.PAY_REFERENCE, ids.PAY_RECEIVED)


def _database_down(what: str) -> html.Div:
    log.exception("payments: %s failed", what)
    return alert(DATABASE_DOWN)


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
        return _database_down("customer search")
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
        return no_update, no_update, False, "", no_update, _database_down("order lookup"), no_update
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
        return html.H5("Open orders"), _database_down("open orders"), 1, 1, hidden, False, ""
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


@CALLBACKS.callback(
    Output(ids.PAY_METHOD, "invalid", allow_duplicate=True),
    Output(ids.PAY_REFERENCE, "invalid", allow_duplicate=True),
    Output(ids.PAY_RECEIVED, "invalid", allow_duplicate=True),
    Input(ids.PAY_METHOD, "value"),
    Input(ids.PAY_REFERENCE, "value"),
    Input(ids.PAY_RECEIVED, "value"),
    prevent_initial_call=True,
)
def forget_field_error(*_values):
    """A field the clerk changes loses its red mark until the next submit."""
    changed = ctx.triggered_id
    return tuple(False if field == changed else no_update for field in FIELDS_CHECKED_ON_SUBMIT)


@CALLBACKS.callback(
    Output(ids.PAY_SUMMARY, "children"),
    Output(ids.PAY_BALANCES, "data"),
    Output(ids.PAY_ALLOCATIONS, "children"),
    Output(ids.PAY_PREFILL, "data"),
    Output(ids.PAY_AMOUNT, "value"),
    Input(ids.PAY_SELECTION, "data"),
    Input(ids.PAY_REFRESH, "data"),
)
def show_selection(selection, _refresh):
    """The selection's balance due as the database has it now; the amount
    and the allocations pre-filled from it."""
    ecc = services()
    try:
        due = desk.selection_due(ecc.engine, selection or [])
    except SQLAlchemyError:
        return _database_down("selection balance"), [], [], {}, ""
    prefill = desk.prefill_allocations(due.balances, due.balance_due)
    rows = allocation_rows(due.balances, prefill, ecc.settings.currency, ecc.settings.tz)
    amount = str(due.balance_due) if prefill else ""
    return (
        selection_summary(due, ecc.settings.currency),
        balances_to_store(due.balances),
        rows,
        {str(k): str(v) for k, v in prefill.items()},
        amount,
    )


@CALLBACKS.callback(
    Output(ALLOCATION, "value"),
    Output(ids.PAY_PREFILL, "data", allow_duplicate=True),
    Input(ids.PAY_AMOUNT, "value"),
    State(ALLOCATION, "value"),
    State(ALLOCATION, "id"),
    State(ids.PAY_BALANCES, "data"),
    State(ids.PAY_PREFILL, "data"),
    prevent_initial_call=True,
)
def follow_amount(amount, values, allocation_ids, balances, prefill):
    """Re-derive the allocations, oldest due date first, for a new amount,
    unless the clerk has edited them by hand (they differ from the last pre-fill)."""
    unchanged = [no_update] * len(allocation_ids), no_update
    shown = {str(i["index"]): (v or "").strip() for i, v in zip(allocation_ids, values, strict=True)}
    if not allocation_ids or shown != (prefill or {}):
        return unchanged
    try:
        total = parse_amount(amount or "")
    except WorkflowError:
        return unchanged
    split = desk.prefill_allocations(balances_from_store(balances), total)
    new = {str(k): str(v) for k, v in split.items()}
    return [new.get(str(i["index"]), "0.00") for i in allocation_ids], new


@CALLBACKS.callback(
    Output(ids.PAY_AMOUNT, "invalid"),
    Output(ids.PAY_AMOUNT_FEEDBACK, "children"),
    Output(ALLOCATION, "invalid"),
    Output(ALLOCATION_FEEDBACK, "children"),
    Output(ids.PAY_ALLOCATED, "children"),
    Output(ids.PAY_ALLOCATED, "className"),
    Input(ids.PAY_AMOUNT, "value"),
    Input(ALLOCATION, "value"),
    State(ALLOCATION, "id"),
    State(ids.PAY_BALANCES, "data"),
)
def check_money(amount, values, allocation_ids, balances):
    """Messages beside the amount and each allocation, as the clerk types."""
    order_ids = [i["index"] for i in allocation_ids]
    if not order_ids:
        return False, "", [], [], "", "small text-muted"
    money = desk.check_money(amount, dict(zip(order_ids, values, strict=True)), balances_from_store(balances))
    per_order = [money.allocation_errors.get(oid, "") for oid in order_ids]
    mismatch = money.errors.get("allocations")
    line = mismatch or allocated_line(money.allocated, money.amount, services().settings.currency)
    return (
        "amount" in money.errors,
        money.errors.get("amount", ""),
        [bool(message) for message in per_order],
        per_order,
        line,
        "small text-danger" if mismatch else "small text-muted",
    )


@CALLBACKS.callback(
    Output(ids.PAY_RESULT, "children"),
    Output(ids.PAY_METHOD, "invalid"),
    Output(ids.PAY_METHOD_FEEDBACK, "children"),
    Output(ids.PAY_REFERENCE, "invalid"),
    Output(ids.PAY_REFERENCE_FEEDBACK, "children"),
    Output(ids.PAY_RECEIVED, "invalid"),
    Output(ids.PAY_RECEIVED_FEEDBACK, "children"),
    Output(ids.PAY_KEY, "data"),
    Output(ids.PAY_SELECTION, "data", allow_duplicate=True),
    Output(ids.PAY_REFRESH, "data", allow_duplicate=True),
    Output(ids.PAY_REFERENCE, "value"),
    Input(ids.PAY_SUBMIT, "n_clicks"),
    State(ids.PAY_AMOUNT, "value"),
    State(ALLOCATION, "value"),
    State(ALLOCATION, "id"),
    State(ids.PAY_METHOD, "value"),
    State(ids.PAY_REFERENCE, "value"),
    State(ids.PAY_RECEIVED, "value"),
    State(ids.PAY_BALANCES, "data"),
    State(ids.PAY_KEY, "data"),
    State(ids.PAY_REFRESH, "data"),
    running=[(Output(ids.PAY_SUBMIT, "disabled"), True, False)],
    prevent_initial_call=True,
)
def submit(_clicks, amount, values, allocation_ids, method, reference, received, balances, key, refresh):
    """Check every field; then record the payment under the form's key."""
    ecc = services()
    shown = balances_from_store(balances)
    check = desk.check_entry(
        amount=amount,
        allocations={i["index"]: v for i, v in zip(allocation_ids, values, strict=True)},
        balances=shown,
        method=method,
        reference=reference,
        received_on=received,
        now=datetime.now(ecc.settings.tz),
    )
    errors = check.errors
    fields = (
        "method" in errors,
        errors.get("method", ""),
        "reference" in errors,
        errors.get("reference", ""),
        "received" in errors,
        errors.get("received", ""),
    )
    if check.entry is None:
        message = errors.get("selection") or "Nothing was recorded: correct the fields marked in red."
        return alert(message, "warning"), *fields, no_update, no_update, no_update, no_update
    order_ids = [b.order_id for b in shown if b.status == "placed"]
    try:
        receipt = desk.pay_selection(
            ecc.engine, order_ids=order_ids, entry=check.entry, idempotency_key=key, actor=current_actor()
        )
    except WorkflowError as exc:
        return _refused(exc.message, order_ids), *fields, no_update, no_update, (refresh or 0) + 1, no_update
    except SQLAlchemyError:
        return _database_down("payment"), *fields, no_update, no_update, (refresh or 0) + 1, no_update
    except Exception:  # the last guard: a reference for the log, never a traceback for the clerk
        reference = uuid.uuid4().hex[:8]
        log.exception("payments: submit failed (reference %s)", reference)
        message = (
            f"The payment could not be confirmed because of an error on our side (reference {reference}). "
            "Submitting this form again is safe: it never records the same payment twice."
        )
        return alert(message), *fields, no_update, no_update, (refresh or 0) + 1, no_update
    # the next payment gets a key of its own and an empty reference
    card = receipt_card(receipt, ecc.settings.currency, ecc.settings.tz)
    return card, *fields, uuid.uuid4().hex, [], (refresh or 0) + 1, ""


def _refused(message: str, order_ids: list[int]):
    """The rule's message with the balance due as it is now."""
    ecc = services()
    try:
        due = desk.selection_due(ecc.engine, order_ids)
    except SQLAlchemyError:
        due = None
    return refusal(message, due, ecc.settings.currency)
