"""The refund form of the order detail: full or partial, in one step.
Pure builder: an OrderDetail and the idempotency key in, the form out; the
callback in bi_app.callbacks.order_detail records the refund."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.ids import orders as ids
from workflow.listings import OrderDetail
from workflow.payment_desk import METHODS

# Payment methods as a clerk reads them (one list, in workflow); a refund
# offers the way the money came in first.
PAYMENT_METHODS = METHODS
MAX_REFERENCE = 200


def refund_form(detail: OrderDetail, money: Callable[[Decimal], str], key: str) -> html.Div:
    """Full refund (everything paid and not yet refunded) or partial (an
    amount up to that), how the money goes back, an optional reference.
    `key` is the idempotency key made when this form was rendered, so the
    same form submitted twice records one refund. Nothing refundable: a
    sentence instead of the form."""
    b = detail.balance
    if b.refundable <= 0:
        text = (
            "Everything paid on this order has been refunded."
            if b.refunded > 0
            else "Nothing has been paid on this order, so there is nothing to refund."
        )
        return html.P(text, className="mb-0 text-muted")
    paid_by = [p.method for p in reversed(detail.payments) if p.kind == "payment"]
    methods = list(dict.fromkeys([*paid_by, *PAYMENT_METHODS]))
    return html.Div(
        [
            dcc.Store(id=ids.REFUND_KEY, data=key),
            html.P([html.Strong(money(b.refundable)), " paid and not yet refunded."], className="mb-2"),
            dbc.RadioItems(
                id=ids.REFUND_KIND,
                options=[
                    {"label": f"Full refund ({money(b.refundable)})", "value": "full"},
                    {"label": "Partial refund", "value": "partial"},
                ],
                value="full",
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Label("Amount to refund", html_for=ids.REFUND_AMOUNT),
                    dbc.Input(
                        id=ids.REFUND_AMOUNT,
                        type="text",
                        inputMode="decimal",
                        disabled=True,
                        placeholder=f"at most {b.refundable}",
                        autoComplete="off",
                    ),
                    dbc.FormFeedback(id=ids.REFUND_AMOUNT_FEEDBACK, type="invalid"),
                ],
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Label("Paid back by", html_for=ids.REFUND_METHOD),
                    dbc.Select(
                        id=ids.REFUND_METHOD,
                        options=[{"label": PAYMENT_METHODS.get(m, m), "value": m} for m in methods],
                        value=methods[0],
                    ),
                    dbc.FormFeedback(id=ids.REFUND_METHOD_FEEDBACK, type="invalid"),
                ],
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Label("Reference (optional)", html_for=ids.REFUND_REFERENCE),
                    dbc.Input(
                        id=ids.REFUND_REFERENCE,
                        type="text",
                        maxLength=MAX_REFERENCE,
                        placeholder="e.g. return RMA-1042",
                    ),
                ],
                className="mb-3",
            ),
            dbc.Button("Record refund", id=ids.REFUND_SUBMIT, color="primary"),
            html.Div(id=ids.REFUND_ALERT, className="mt-2"),
        ]
    )
