"""Placing and cancelling orders: items keep their prices, stock moves through the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from tests.integration.shop import T0, Shop
from workflow.balances import PaymentState, order_balances_for
from workflow.errors import ErrorCode, WorkflowError
from workflow.orders import OrderLine, cancel_order, place_order
from workflow.payments import record_payment, record_refund
from workflow.shipments import advance_shipment, create_shipment, shipment_timeline
from workflow.tables import audit_log, order_items, products, shipment_events, shipments, stock_movements


def stock(shop: Shop, product: int) -> int:
    with shop.engine.connect() as conn:
        return conn.execute(select(products.c.stock_qty).where(products.c.id == product)).scalar_one()


def test_placing_an_order_copies_prices_takes_stock_and_sets_the_due_date(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 2), (shop.lamp, 1))
    assert order.total == Decimal("65.00")
    assert order.due_at == T0 + timedelta(days=30)
    assert (stock(shop, shop.mug), stock(shop, shop.lamp)) == (98, 99)
    with shop.engine.connect() as conn:
        sales = conn.execute(
            select(stock_movements.c.product_id, stock_movements.c.quantity_delta)
            .where(stock_movements.c.order_id == order.id, stock_movements.c.reason == "sale")
            .order_by(stock_movements.c.product_id)
        ).all()
        audit = conn.execute(select(audit_log.c.action, audit_log.c.entity_id)).all()
    assert sorted(sales) == sorted([(shop.mug, -2), (shop.lamp, -1)])
    assert audit == [("order.placed", str(order.id))]


def test_a_later_price_change_changes_no_past_order(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 2))
    with shop.engine.begin() as conn:
        conn.execute(update(products).where(products.c.id == shop.mug).values(unit_price=Decimal("99.00")))
    assert order_balances_for(shop.engine, [order.id])[0].total == Decimal("25.00")
    with shop.engine.connect() as conn:
        assert conn.execute(select(order_items.c.unit_price)).scalar_one() == Decimal("12.50")


def test_payment_terms_are_configurable(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 1), payment_terms_days=14)
    assert order.due_at == T0 + timedelta(days=14)


def test_lines_of_the_same_product_are_merged(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 1), (shop.mug, 2))
    assert [(i.product_id, i.quantity) for i in order.items] == [(shop.mug, 3)]


def count_rows(shop: Shop) -> tuple[int, ...]:
    with shop.engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("orders", "order_items", "stock_movements", "audit_log")
        )


@pytest.mark.parametrize(
    ("lines", "code", "message"),
    [
        (
            [("mug", 101)],
            ErrorCode.INSUFFICIENT_STOCK,
            "Not enough stock of MUG-1 (Mug): 100 available, 101 asked.",
        ),
        (
            [("lamp", 1), ("mug", 60), ("mug", 50)],
            ErrorCode.INSUFFICIENT_STOCK,
            "Not enough stock of MUG-1 (Mug): 100 available, 110 asked.",
        ),
        ([], ErrorCode.EMPTY_ORDER, "An order needs at least one line with a product and a quantity."),
        ([("mug", 0)], ErrorCode.INVALID_QUANTITY, "is not valid; expected a whole number of at least 1."),
        ([(999, 1)], ErrorCode.PRODUCT_NOT_FOUND, "Product 999 does not exist."),
    ],
)
def test_an_order_that_cannot_be_filled_is_refused_and_writes_nothing(shop: Shop, lines, code, message):
    before = count_rows(shop)
    resolved = [OrderLine(getattr(shop, p) if isinstance(p, str) else p, q) for p, q in lines]
    with pytest.raises(WorkflowError) as caught:
        place_order(shop.engine, customer_id=shop.ann, lines=resolved, actor="test", placed_at=T0)
    assert caught.value.code is code
    assert message in caught.value.message
    assert count_rows(shop) == before
    assert stock(shop, shop.mug) == 100


def test_an_inactive_product_or_unknown_customer_is_refused(shop: Shop):
    with shop.engine.begin() as conn:
        conn.execute(update(products).where(products.c.id == shop.lamp).values(active=False))
    with pytest.raises(WorkflowError, match=r"Product LAMP-1 \(Lamp\) is no longer sold") as caught:
        shop.order(shop.ann, (shop.lamp, 1))
    assert caught.value.code is ErrorCode.PRODUCT_INACTIVE
    with pytest.raises(WorkflowError, match=r"Customer 424242 does not exist\.") as caught:
        shop.order(424242, (shop.mug, 1))
    assert caught.value.code is ErrorCode.CUSTOMER_NOT_FOUND


def test_cancelling_an_unpaid_order_returns_its_stock(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 3))
    cancel_order(shop.engine, order_id=order.id, actor="clerk", at=T0 + timedelta(hours=2))
    assert stock(shop, shop.mug) == 100
    balance = order_balances_for(shop.engine, [order.id])[0]
    assert balance.status == "cancelled" and balance.state is None
    with shop.engine.connect() as conn:
        ledger = conn.execute(
            select(func.sum(stock_movements.c.quantity_delta)).where(stock_movements.c.product_id == shop.mug)
        ).scalar_one()
    assert ledger == 100


def test_an_order_with_money_on_it_is_cancelled_only_after_a_full_refund(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 2))
    record_payment(
        shop.engine,
        order_ids=[order.id],
        amount="10.00",
        method="card",
        received_at=T0,
        idempotency_key="p1",
        actor="clerk",
    )
    with pytest.raises(WorkflowError) as caught:
        cancel_order(shop.engine, order_id=order.id, actor="clerk")
    assert caught.value.code is ErrorCode.ORDER_NOT_CANCELLABLE
    assert (
        caught.value.message
        == f"Order {order.id} still holds 10.00 paid; refund it before cancelling the order."
    )
    record_refund(
        shop.engine, order_ids=[order.id], method="card", received_at=T0, idempotency_key="r1", actor="clerk"
    )
    assert order_balances_for(shop.engine, [order.id])[0].state is PaymentState.REFUNDED
    cancel_order(shop.engine, order_id=order.id, actor="clerk")
    assert stock(shop, shop.mug) == 100


def test_a_shipped_order_cannot_be_cancelled(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 1))
    with shop.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO shipments (order_id, status, carrier, tracking_number, created_at, updated_at) "
                f"VALUES ({order.id}, 'in_transit', 'DHL', 'X1', now(), now())"
            )
        )
    with pytest.raises(WorkflowError, match=r"cannot be cancelled: shipment \d+ is in transit\."):
        cancel_order(shop.engine, order_id=order.id, actor="clerk")
    assert stock(shop, shop.mug) == 99


def test_a_naive_time_is_refused(shop: Shop):
    with pytest.raises(WorkflowError, match="has no time zone") as caught:
        shop.order(shop.ann, (shop.mug, 1), placed_at=T0.replace(tzinfo=None))
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT


def shipment_rows(shop: Shop) -> tuple:
    with shop.engine.connect() as conn:
        return (
            conn.execute(select(shipments).order_by(shipments.c.id)).all(),
            conn.execute(select(shipment_events).order_by(shipment_events.c.id)).all(),
        )


def test_cancelling_an_order_before_its_pending_shipments_last_event_is_refused_and_writes_nothing(
    shop: Shop,
):
    order = shop.order(shop.ann, (shop.mug, 2))
    shipment = create_shipment(shop.engine, order_id=order.id, actor="ann", at=T0 + timedelta(hours=3))
    before = (count_rows(shop), shipment_rows(shop))
    with pytest.raises(WorkflowError) as caught:
        cancel_order(shop.engine, order_id=order.id, actor="clerk", at=T0 + timedelta(hours=2))
    assert caught.value.code is ErrorCode.EVENT_OUT_OF_ORDER
    assert caught.value.message == (
        f"Shipment {shipment.id}'s last event is at 2026-03-02 12:00:00 UTC; moving it to cancelled at "
        "2026-03-02 11:00:00 UTC would put it earlier. Enter a time at or after the last event."
    )
    assert (count_rows(shop), shipment_rows(shop)) == before
    assert order_balances_for(shop.engine, [order.id])[0].status == "placed"
    assert stock(shop, shop.mug) == 98


def test_cancelling_an_order_cancels_its_packed_shipment_with_an_event_by_the_same_clerk(shop: Shop):
    order = shop.order(shop.ann, (shop.mug, 2))
    shipment = create_shipment(shop.engine, order_id=order.id, actor="ann", at=T0 + timedelta(hours=1))
    advance_shipment(
        shop.engine, shipment_id=shipment.id, to_status="packed", actor="ann", at=T0 + timedelta(hours=2)
    )
    cancel_order(shop.engine, order_id=order.id, actor="clerk", at=T0 + timedelta(hours=2))
    last = shipment_timeline(shop.engine, shipment.id)[-1]
    assert (last.status, last.at, last.actor, last.note) == (
        "cancelled",
        T0 + timedelta(hours=2),
        "clerk",
        "order cancelled",
    )
    [stored] = shipment_rows(shop)[0]
    assert (stored.status, stored.updated_at) == ("cancelled", T0 + timedelta(hours=2))
    with shop.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.actor).order_by(audit_log.c.id)).all()
    assert actions[-2:] == [("shipment.advanced", "clerk"), ("order.cancelled", "clerk")]
    assert stock(shop, shop.mug) == 100
