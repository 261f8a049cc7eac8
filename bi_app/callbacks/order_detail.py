"""Order detail callbacks: the refund form records one refund through
workflow.payments.record_refund (its messages beside the fields they are
about, nothing written on a refusal), then the detail re-renders from
workflow.listings.order_detail with a fresh form and idempotency key."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from dash import Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_actor, may_do, may_see_pii
from bi_app.callbacks import CallbackSet
from bi_app.figures.order_detail import detail_body
from bi_app.formatting import format_money
from bi_app.ids import orders as ids
from bi_app.panels import DATABASE_DOWN, alert
from bi_app.services import services
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import order_detail
from workflow.money import parse_amount
from workflow.payments import record_refund

CALLBACKS = CallbackSet()
log = logging.getLogger(__name__)

NOT_WRITTEN = "The refund could not be recorded because the database did not answer; nothing was written."
# Refusals about the amount are shown beside the amount field of a partial refund.
AMOUNT_CODES = (ErrorCode.INVALID_AMOUNT, ErrorCode.REFUND_EXCEEDS_PAID)

CALLBACKS.clientside(
    "function (kind) { return kind !== 'partial'; }",
    Output(ids.REFUND_AMOUNT, "disabled"),
    Input(ids.REFUND_KIND, "value"),
)


def refund_amounts(order_id: int, kind: str | None, amount: str | None) -> dict[int, Decimal] | None:
    """None for a full refund (everything refundable, as record_refund
    reads it under lock); {order: amount} for a partial one. Raises
    WorkflowError (INVALID_AMOUNT) for an amount that is missing or not money."""
    if kind != "partial":
        return None
    if amount is None or not str(amount).strip():
        raise WorkflowError("Enter the amount to refund, e.g. 12.50.", ErrorCode.INVALID_AMOUNT)
    return {order_id: parse_amount(amount, "The refund amount")}


@CALLBACKS.callback(
    Output(ids.REFUND_AMOUNT, "invalid"),
    Output(ids.REFUND_AMOUNT_FEEDBACK, "children"),
    Output(ids.REFUND_METHOD, "invalid"),
    Output(ids.REFUND_METHOD_FEEDBACK, "children"),
    Output(ids.REFUND_ALERT, "children"),
    Output(ids.REFUND_DONE, "data"),
    Input(ids.REFUND_SUBMIT, "n_clicks"),
    State(ids.ORDER_ID, "data"),
    State(ids.REFUND_KEY, "data"),
    State(ids.REFUND_KIND, "value"),
    State(ids.REFUND_AMOUNT, "value"),
    State(ids.REFUND_METHOD, "value"),
    State(ids.REFUND_REFERENCE, "value"),
    prevent_initial_call=True,
    running=[(Output(ids.REFUND_SUBMIT, "disabled"), True, False)],
)
def submit_refund(_clicks, order_id, key, kind, amount, method, reference):
    amount_error = method_error = None
    try:
        amounts = refund_amounts(order_id, kind, amount)
    except WorkflowError as exc:
        amounts, amount_error = None, exc.message
    if not (method or "").strip():
        method_error = "Choose how the money goes back to the customer."
    if amount_error or method_error:
        return bool(amount_error), amount_error, bool(method_error), method_error, None, no_update
    try:
        refund = record_refund(
            services().engine,
            order_ids=[order_id],
            method=method,
            received_at=datetime.now(UTC),
            idempotency_key=key,
            actor=current_actor(),
            amounts=amounts,
            reference=reference,
        )
    except WorkflowError as exc:
        if kind == "partial" and exc.code in AMOUNT_CODES:
            return True, exc.message, False, None, None, no_update
        return False, None, False, None, alert(exc.message, "warning"), no_update
    except SQLAlchemyError:
        log.exception("refund on order %s failed", order_id)
        return False, None, False, None, alert(NOT_WRITTEN), no_update
    done = {"payment_id": refund.id, "amount": str(refund.amount), "replayed": refund.replayed}
    return False, None, False, None, None, done


@CALLBACKS.callback(
    Output(ids.ORDER_BODY, "children"),
    Input(ids.REFUND_DONE, "data"),
    State(ids.ORDER_ID, "data"),
    prevent_initial_call=True,
)
def show_after_refund(done, order_id):
    ecc = services()
    try:
        detail = order_detail(ecc.engine, order_id, pii=may_see_pii())
    except WorkflowError as exc:
        return alert(exc.message, "warning")
    except SQLAlchemyError:
        log.exception("order detail %s: could not be read after a refund", order_id)
        return alert(f"The refund was recorded. {DATABASE_DOWN}", "warning")
    amount = format_money(Decimal(done["amount"]), ecc.settings.currency)
    notice = f"Refund of {amount} recorded (payment #{done['payment_id']})."
    return detail_body(
        detail,
        ecc.settings.currency,
        ecc.settings.tz,
        refund_key=uuid.uuid4().hex,
        may_pay=may_do("record_payment"),
        notice=notice,
    )
