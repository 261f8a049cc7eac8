"""One order in full: what the order detail page shows.

Included: the order's balance and payment state (workflow.balances, judged
at `at`, default now), its customer (e-mail and phone masked unless
pii=True), its items with unit price and line total (quantity * unit price,
computed by the database), every payment and refund allocated to it (with
the part of the payment that went to this order), and every shipment it
had, oldest first, each with its timeline (workflow.shipments).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine

from workflow.balances import OrderBalance, balances_on
from workflow.clock import require_aware
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings.masking import email_sql, phone_sql
from workflow.listings.query import require_id
from workflow.shipments import Shipment, ShipmentEvent, shipment_timeline


@dataclass(frozen=True)
class DetailCustomer:
    customer_id: int
    full_name: str
    email: str  # masked unless pii
    phone: str | None  # masked unless pii
    country: str


@dataclass(frozen=True)
class DetailItem:
    item_id: int
    product_id: int
    sku: str
    product_name: str
    category: str
    quantity: int
    unit_price: Decimal  # the price when the order was placed
    line_total: Decimal  # quantity * unit_price


@dataclass(frozen=True)
class DetailPayment:
    payment_id: int
    kind: str  # payment or refund
    method: str
    reference: str | None
    received_at: datetime
    payment_amount: Decimal  # the whole payment, perhaps covering other orders too
    allocated: Decimal  # the part of it for this order
    recorded_by: str


@dataclass(frozen=True)
class DetailShipment:
    shipment: Shipment
    timeline: tuple[ShipmentEvent, ...]  # oldest first


@dataclass(frozen=True)
class OrderDetail:
    balance: OrderBalance  # total (by the database), paid, refunded, balance due, state
    cancelled_at: datetime | None
    customer: DetailCustomer
    items: tuple[DetailItem, ...]  # by item id
    payments: tuple[DetailPayment, ...]  # payments and refunds, by received time
    shipments: tuple[DetailShipment, ...]  # oldest first; the last is the current one

    @property
    def order_id(self) -> int:
        return self.balance.order_id


_ITEMS = """
SELECT i.id, i.product_id, p.sku, p.name, p.category, i.quantity, i.unit_price, i.quantity * i.unit_price
  FROM order_items AS i JOIN products AS p ON p.id = i.product_id
 WHERE i.order_id = %(order_id)s ORDER BY i.id
"""
_PAYMENTS = """
SELECT p.id, p.kind, p.method, p.reference, p.received_at, p.amount, a.amount, p.recorded_by
  FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id
 WHERE a.order_id = %(order_id)s ORDER BY p.received_at, p.id
"""


def order_detail(
    engine: Engine, order_id: int, *, at: datetime | None = None, pii: bool = False
) -> OrderDetail:
    """Everything about one order, read in one snapshot (shipment timelines
    excepted, read just after). An unknown order is refused."""
    if at is not None:
        require_aware(at, "at")
    require_id(order_id, "Order")
    params = {"order_id": order_id}
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        found = balances_on(conn, [order_id], at=at)
        if not found:
            raise WorkflowError(f"Order {order_id} does not exist.", ErrorCode.ORDER_NOT_FOUND)
        order = conn.exec_driver_sql(
            f"SELECT o.cancelled_at, c.id, c.full_name, {email_sql('c.email', pii=pii)}, "
            f"{phone_sql('c.phone', pii=pii)}, c.country "
            "FROM orders AS o JOIN customers AS c ON c.id = o.customer_id WHERE o.id = %(order_id)s",
            params,
        ).one()
        items = conn.exec_driver_sql(_ITEMS, params).all()
        payments = conn.exec_driver_sql(_PAYMENTS, params).all()
        shipment_rows = conn.exec_driver_sql(
            "SELECT id, order_id, status, carrier, tracking_number, created_at, updated_at "
            "FROM shipments WHERE order_id = %(order_id)s ORDER BY created_at, id",
            params,
        ).all()
    shipments = tuple(
        DetailShipment(Shipment(*row), tuple(shipment_timeline(engine, row.id))) for row in shipment_rows
    )
    return OrderDetail(
        balance=found[0],
        cancelled_at=order[0],
        customer=DetailCustomer(*order[1:]),
        items=tuple(DetailItem(*row) for row in items),
        payments=tuple(DetailPayment(*row) for row in payments),
        shipments=shipments,
    )
