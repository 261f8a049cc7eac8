"""Placing and cancelling orders.

An order, its items and its stock movements are written in one transaction.
Items copy the product's unit price and unit cost at that moment, so a later
price change changes no past order. The order's total is computed by the
database from its items (order_balances); nobody types it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, insert, literal, select, update

from workflow.audit import record_audit
from workflow.clock import require_aware
from workflow.db import in_transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.shipments import move_shipment_on
from workflow.tables import (
    customers,
    order_balances,
    order_items,
    orders,
    products,
    shipments,
    stock_movements,
)

DEFAULT_PAYMENT_TERMS_DAYS = 30
SHIPPED_STATUSES = ("shipped", "in_transit", "delivered", "returned")


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class PlacedItem:
    product_id: int
    sku: str
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal


@dataclass(frozen=True)
class PlacedOrder:
    id: int
    customer_id: int
    placed_at: datetime
    due_at: datetime
    total: Decimal
    items: tuple[PlacedItem, ...]


def place_order(
    engine: Engine,
    *,
    customer_id: int,
    lines: Sequence[OrderLine],
    actor: str,
    placed_at: datetime | None = None,
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS,
) -> PlacedOrder:
    """Place an order: items at today's prices and costs, stock taken through
    'sale' movements, due date = placed_at + payment terms. Lines naming the
    same product are merged. Refuses, writing nothing: an empty order, a
    quantity below 1, an unknown customer or product, an inactive product,
    and not enough stock (naming the product, what is available and what was
    asked)."""
    wanted = _merge_lines(lines)
    if placed_at is not None:
        require_aware(placed_at, "placed_at")

    def work(conn: Connection) -> PlacedOrder:
        if conn.execute(select(customers.c.id).where(customers.c.id == customer_id)).first() is None:
            raise WorkflowError(f"Customer {customer_id} does not exist.", ErrorCode.CUSTOMER_NOT_FOUND)
        stock = _lock_products(conn, wanted)
        moment = placed_at or conn.execute(select(func.now())).scalar_one()
        order_id = conn.execute(
            insert(orders)
            .values(
                customer_id=customer_id,
                placed_at=moment,
                due_at=moment + timedelta(days=payment_terms_days),
            )
            .returning(orders.c.id)
        ).scalar_one()
        items = tuple(
            PlacedItem(pid, row.sku, qty, row.unit_price, row.unit_cost)
            for pid, qty in wanted.items()
            for row in [stock[pid]]
        )
        conn.execute(
            insert(order_items),
            [
                {
                    "order_id": order_id,
                    "product_id": i.product_id,
                    "quantity": i.quantity,
                    "unit_price": i.unit_price,
                    "unit_cost": i.unit_cost,
                }
                for i in items
            ],
        )
        conn.execute(
            insert(stock_movements),
            [
                {
                    "product_id": i.product_id,
                    "quantity_delta": -i.quantity,
                    "reason": "sale",
                    "at": moment,
                    "order_id": order_id,
                    "actor": actor,
                }
                for i in items
            ],
        )
        total, due_at = conn.execute(
            select(order_balances.c.total, orders.c.due_at)
            .join(orders, orders.c.id == order_balances.c.order_id)
            .where(order_balances.c.order_id == order_id)
        ).one()
        record_audit(
            conn,
            actor=actor,
            action="order.placed",
            entity="order",
            entity_id=order_id,
            details={
                "customer_id": customer_id,
                "total": str(total),
                "items": [{"product_id": i.product_id, "quantity": i.quantity} for i in items],
            },
        )
        return PlacedOrder(order_id, customer_id, moment, due_at, total, items)

    return in_transaction(engine, work)


def _merge_lines(lines: Sequence[OrderLine]) -> dict[int, int]:
    if not lines:
        raise WorkflowError(
            "An order needs at least one line with a product and a quantity.", ErrorCode.EMPTY_ORDER
        )
    merged: dict[int, int] = {}
    for line in lines:
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
            raise WorkflowError(
                f"Quantity {line.quantity!r} for product {line.product_id} is not valid; "
                "expected a whole number of at least 1.",
                ErrorCode.INVALID_QUANTITY,
            )
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    return merged


def _lock_products(conn: Connection, wanted: dict[int, int]) -> dict:
    """Lock the products in id order (so concurrent orders never deadlock)
    and check each is known, active and in stock."""
    rows = conn.execute(
        select(
            products.c.id,
            products.c.sku,
            products.c.name,
            products.c.unit_price,
            products.c.unit_cost,
            products.c.stock_qty,
            products.c.active,
        )
        .where(products.c.id.in_(sorted(wanted)))
        .order_by(products.c.id)
        .with_for_update()
    ).all()
    found = {row.id: row for row in rows}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise WorkflowError(
            f"Product {', '.join(map(str, missing))} does not exist.", ErrorCode.PRODUCT_NOT_FOUND
        )
    for pid, qty in wanted.items():
        row = found[pid]
        if not row.active:
            raise WorkflowError(
                f"Product {row.sku} ({row.name}) is no longer sold; remove it from the order.",
                ErrorCode.PRODUCT_INACTIVE,
            )
        if row.stock_qty < qty:
            raise WorkflowError(
                f"Not enough stock of {row.sku} ({row.name}): {row.stock_qty} available, {qty} asked.",
                ErrorCode.INSUFFICIENT_STOCK,
            )
    return found


def cancel_order(engine: Engine, *, order_id: int, actor: str, at: datetime | None = None) -> None:
    """Cancel a placed order while nothing of it has shipped and everything
    paid on it has been refunded. Its stock comes back through 'cancellation'
    movements, and a pending or packed shipment is cancelled with it at `at`
    (default now) through workflow.shipments.move_shipment_on, note 'order
    cancelled'; so `at` before that shipment's last event is refused
    (EVENT_OUT_OF_ORDER) and nothing is written."""
    if at is not None:
        require_aware(at, "at")

    def work(conn: Connection) -> None:
        # Lock order: the order row first, then its shipments (as workflow.shipments does).
        order = conn.execute(
            select(orders.c.status, order_balances.c.paid, order_balances.c.refunded)
            .join(order_balances, order_balances.c.order_id == orders.c.id)
            .where(orders.c.id == order_id)
            .with_for_update(of=orders, key_share=True)
        ).first()
        if order is None:
            raise WorkflowError(f"Order {order_id} does not exist.", ErrorCode.ORDER_NOT_FOUND)
        if order.status == "cancelled":
            raise WorkflowError(f"Order {order_id} is already cancelled.", ErrorCode.ORDER_NOT_CANCELLABLE)
        held = order.paid - order.refunded
        if held > 0:
            raise WorkflowError(
                f"Order {order_id} still holds {held} paid; refund it before cancelling the order.",
                ErrorCode.ORDER_NOT_CANCELLABLE,
            )
        live = conn.execute(
            select(shipments.c.id, shipments.c.status)
            .where(shipments.c.order_id == order_id, shipments.c.status != "cancelled")
            .order_by(shipments.c.id)
            .with_for_update()
        ).all()
        gone = [s for s in live if s.status in SHIPPED_STATUSES]
        if gone:
            raise WorkflowError(
                f"Order {order_id} cannot be cancelled: shipment {gone[0].id} is {gone[0].status.replace('_', ' ')}.",
                ErrorCode.ORDER_NOT_CANCELLABLE,
            )
        moment = at or conn.execute(select(func.now())).scalar_one()
        for shipment in live:
            move_shipment_on(
                conn,
                shipment_id=shipment.id,
                from_status=shipment.status,
                to_status="cancelled",
                actor=actor,
                at=moment,
                note="order cancelled",
            )
        conn.execute(
            update(orders).where(orders.c.id == order_id).values(status="cancelled", cancelled_at=moment)
        )
        conn.execute(
            insert(stock_movements).from_select(
                ["product_id", "quantity_delta", "reason", "at", "order_id", "actor"],
                select(
                    order_items.c.product_id,
                    order_items.c.quantity,
                    literal("cancellation"),
                    literal(moment),
                    order_items.c.order_id,
                    literal(actor),
                ).where(order_items.c.order_id == order_id),
            )
        )
        record_audit(conn, actor=actor, action="order.cancelled", entity="order", entity_id=order_id)

    in_transaction(engine, work)
