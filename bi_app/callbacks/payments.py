"""Payments page callbacks, the form half: read the selection's exact
balance due, pre-fill and check the form, and record the payment through
workflow.payment_desk (which calls the payment rule). The orders are found
and selected by bi_app.callbacks.payment_orders.

Allocations follow the amount (oldest due date first) until the clerk edits
one: they are re-derived only while they still equal the last pre-fill.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from dash import ALL, Input, Output, State, ctx, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_actor
from bi_app.callbacks import CallbackSet
from bi_app.figures.payments import (
    allocated_line,
    allocation_rows,
    balances_from_store,
    balances_to_store,
    receipt_card,
    refusal,
    selection_summary,
)
from bi_app.ids import payments as ids
from bi_app.panels import alert, database_down
from bi_app.services import services
from workflow import payment_desk as desk
from workflow.errors import WorkflowError
from workflow.money import parse_amount

CALLBACKS = CallbackSet()
log = logging.getLogger(__name__)
ALLOCATION = {"type": ids.PAY_ALLOCATION, "index": ALL}
ALLOCATION_FEEDBACK = {"type": ids.PAY_ALLOCATION_FEEDBACK, "index": ALL}
FIELDS_CHECKED_ON_SUBMIT = (ids.PAY_METHOD, ids.PAY_REFERENCE, ids.PAY_RECEIVED)


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
        return database_down(log, "payments: the selection's balance could not be read"), [], [], {}, ""
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
        return (
            database_down(log, "payments: the payment could not be recorded"),
            *fields,
            no_update,
            no_update,
            (refresh or 0) + 1,
            no_update,
        )
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
