"""One order in full (workflow.listings.order_detail): items, money,
payments and refunds, shipment timeline and the refund form. An unknown or
non-numeric order number gets a friendly page, never a traceback."""

from __future__ import annotations

import logging
import uuid

import dash
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import may_do, may_see_pii
from bi_app.figures.order_detail import detail_body, order_not_found
from bi_app.ids import orders as ids
from bi_app.orders_url import PATH
from bi_app.panels import alert, database_down
from bi_app.services import services
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import order_detail

MAX_ORDER_ID = 2**63 - 1  # bigint


def title(order_id: str | None = None) -> str:
    return f"Order {order_id} · E-Commerce Command Center"


dash.register_page(
    __name__, path_template=PATH + "/<order_id>", name="Order", title=title, nav=False, order=11
)

log = logging.getLogger(__name__)


def layout(order_id: str | None = None, **_query: str | list[str]) -> html.Div:
    shown = str(order_id or "").strip()
    if not (shown.isascii() and shown.isdigit()) or not 1 <= int(shown) <= MAX_ORDER_ID:
        return order_not_found(shown or "(no number)")
    ecc = services()
    try:
        detail = order_detail(ecc.engine, int(shown), pii=may_see_pii())
    except WorkflowError as exc:
        if exc.code == ErrorCode.ORDER_NOT_FOUND:
            return order_not_found(shown)
        return alert(exc.message, "warning")
    except SQLAlchemyError:
        return database_down(log, f"order detail {shown}: the order could not be read")
    return html.Div(
        [
            dcc.Store(id=ids.ORDER_ID, data=detail.order_id),
            dcc.Store(id=ids.REFUND_DONE),
            html.Div(
                detail_body(
                    detail,
                    ecc.settings.currency,
                    ecc.settings.tz,
                    refund_key=uuid.uuid4().hex if may_do("refund") else None,
                    may_pay=may_do("record_payment"),
                ),
                id=ids.ORDER_BODY,
            ),
        ]
    )
