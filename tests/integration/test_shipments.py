"""Shipments on a real PostgreSQL: creating one, moving it along the
transition table, the rules for shipping, the timeline, and two clerks at once."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, insert, select, text, update

from workflow.errors import ErrorCode, WorkflowError
from workflow.settings import Settings
from workflow.shipment_rules import STATUSES, allowed_moves
from workflow.shipments import Shipment, advance_shipment, create_shipment, shipment_timeline
from workflow.tables import (
    audit_log,
    customers,
    order_items,
    orders,
    payment_allocations,
    payments,
    products,
    shipment_events,
    shipments,
    stock_movements,
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
# How to reach each status from pending, one hour per move.
PATH_TO = {
    "pending": [],
    "packed": ["packed"],
    "shipped": ["packed", "shipped"],
    "in_transit": ["packed", "shipped", "in_transit"],
    "delivered": ["packed", "shipped", "in_transit", "delivered"],
    "cancelled": ["cancelled"],
    "returned": ["packed", "shipped", "returned"],
}
LEGAL_MOVES = [(a, b) for a in STATUSES for b in allowed_moves(a)]


# Business states, written with plain inserts --------------------------------


def _order(engine: Engine, *, paid: Decimal, cancelled: bool = False) -> int:
    """A placed order for 3 x Mug at 10.00 (total 30.00), with `paid` allocated to it."""
    with engine.begin() as conn:
        customer = conn.execute(
            insert(customers)
            .values(email=f"{uuid.uuid4().hex}@example.com", full_name="Ann Lee", country="DE")
            .returning(customers.c.id)
        ).scalar_one()
        product = conn.execute(
            insert(products)
            .values(
                sku=f"MUG-{uuid.uuid4().hex[:6]}",
                name="Mug",
                category="Kitchen",
                unit_price=Decimal("10.00"),
                unit_cost=Decimal("4.00"),
                stock_qty=0,
                active=True,
            )
            .returning(products.c.id)
        ).scalar_one()
        conn.execute(
            insert(stock_movements).values(
                product_id=product,
                quantity_delta=20,
                reason="receipt",
                unit_cost=Decimal("4.00"),
                at=T0 - 10 * HOUR * 24,
            )
        )
        order = conn.execute(
            insert(orders)
            .values(
                customer_id=customer, status="placed", placed_at=T0 - 24 * HOUR, due_at=T0 + 13 * 24 * HOUR
            )
            .returning(orders.c.id)
        ).scalar_one()
        conn.execute(
            insert(order_items).values(
                order_id=order,
                product_id=product,
                quantity=3,
                unit_price=Decimal("10.00"),
                unit_cost=Decimal("4.00"),
            )
        )
        if paid:
            payment = conn.execute(
                insert(payments)
                .values(
                    customer_id=customer,
                    amount=paid,
                    kind="payment",
                    method="transfer",
                    received_at=T0 - 12 * HOUR,
                    idempotency_key=uuid.uuid4().hex,
                    recorded_by="clerk",
                )
                .returning(payments.c.id)
            ).scalar_one()
            conn.execute(insert(payment_allocations).values(payment_id=payment, order_id=order, amount=paid))
        if cancelled:
            conn.execute(
                update(orders).where(orders.c.id == order).values(status="cancelled", cancelled_at=T0)
            )
    return order


@pytest.fixture
def order_paid_in_full(db_engine: Engine) -> int:
    return _order(db_engine, paid=Decimal("30.00"))


@pytest.fixture
def order_unpaid(db_engine: Engine) -> int:
    return _order(db_engine, paid=Decimal("0"))


@pytest.fixture
def order_partially_paid(db_engine: Engine) -> int:
    return _order(db_engine, paid=Decimal("17.50"))


@pytest.fixture
def order_cancelled(db_engine: Engine) -> int:
    return _order(db_engine, paid=Decimal("0"), cancelled=True)


@pytest.fixture
def shipment_pending(db_engine: Engine, order_paid_in_full: int) -> Shipment:
    return create_shipment(db_engine, order_id=order_paid_in_full, actor="ann", at=T0)


def _bring_to(engine: Engine, shipment_id: int, status: str) -> datetime:
    """Move a fresh shipment to `status`; return the time of its last event."""
    at = T0
    for step in PATH_TO[status]:
        at += HOUR
        details = {"carrier": "DHL", "tracking_number": "JD0001"} if step == "shipped" else {}
        advance_shipment(engine, shipment_id=shipment_id, to_status=step, actor="ann", at=at, **details)
    return at


def _ship(engine: Engine, shipment_id: int, at: datetime, **kw) -> Shipment:
    """Bob ships a packed shipment with DHL, tracking number JD0001, at `at`."""
    return advance_shipment(
        engine,
        shipment_id=shipment_id,
        to_status="shipped",
        actor="bob",
        carrier="DHL",
        tracking_number="JD0001",
        at=at,
        **kw,
    )


def _snapshot(engine: Engine, shipment_id: int) -> tuple:
    """Everything a move could write: the shipment row, its events, the audit log."""
    with engine.connect() as conn:
        return (
            conn.execute(select(shipments).where(shipments.c.id == shipment_id)).one(),
            conn.execute(select(func.count()).select_from(shipment_events)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
        )


def _refused(call, code: ErrorCode, message: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert caught.value.code is code
    assert caught.value.message == message


# Creating -------------------------------------------------------------------


def test_creating_a_shipment_writes_a_pending_shipment_its_first_event_and_an_audit_row(
    db_engine, order_paid_in_full
):
    shipment = create_shipment(db_engine, order_id=order_paid_in_full, actor="ann", at=T0)
    assert (shipment.order_id, shipment.status, shipment.carrier, shipment.tracking_number) == (
        order_paid_in_full,
        "pending",
        None,
        None,
    )
    assert shipment.created_at == shipment.updated_at == T0
    [event] = shipment_timeline(db_engine, shipment.id)
    assert (event.status, event.at, event.actor, event.note) == ("pending", T0, "ann", None)
    with db_engine.connect() as conn:
        audit = conn.execute(select(audit_log).where(audit_log.c.entity == "shipment")).one()
    assert (audit.actor, audit.action, audit.entity_id) == ("ann", "shipment.created", str(shipment.id))
    assert audit.details["order_id"] == order_paid_in_full


def test_creating_a_shipment_for_an_unknown_order_is_refused(db_engine):
    _refused(
        lambda: create_shipment(db_engine, order_id=999, actor="ann"),
        ErrorCode.ORDER_NOT_FOUND,
        "Order 999 does not exist.",
    )


def test_creating_a_shipment_for_a_cancelled_order_is_refused(db_engine, order_cancelled):
    _refused(
        lambda: create_shipment(db_engine, order_id=order_cancelled, actor="ann", at=T0),
        ErrorCode.ORDER_CANCELLED,
        f"Order {order_cancelled} is cancelled; a cancelled order is not shipped.",
    )


def test_creating_a_second_shipment_while_one_is_open_is_refused_naming_it(db_engine, shipment_pending):
    order_id = shipment_pending.order_id
    _refused(
        lambda: create_shipment(db_engine, order_id=order_id, actor="ann", at=T0),
        ErrorCode.SHIPMENT_ALREADY_OPEN,
        f"Order {order_id} already has shipment {shipment_pending.id} (pending); "
        "move that one on, or cancel it before creating another.",
    )


@pytest.mark.parametrize("closed", ["cancelled", "returned"])
def test_a_cancelled_or_returned_shipment_may_be_followed_by_a_new_one(db_engine, shipment_pending, closed):
    at = _bring_to(db_engine, shipment_pending.id, closed)
    again = create_shipment(db_engine, order_id=shipment_pending.order_id, actor="bob", at=at + HOUR)
    assert again.id != shipment_pending.id and again.status == "pending"


def test_creating_a_shipment_dated_before_the_order_was_placed_is_refused(db_engine, order_paid_in_full):
    _refused(
        lambda: create_shipment(db_engine, order_id=order_paid_in_full, actor="ann", at=T0 - 48 * HOUR),
        ErrorCode.INVALID_ARGUMENT,
        f"Order {order_paid_in_full} was placed at 2024-04-30 09:00:00 UTC; its shipment cannot be "
        "created earlier (2024-04-29 09:00:00 UTC).",
    )


# Moving ---------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL_MOVES)
def test_every_legal_move_updates_the_shipment_and_writes_an_event_and_an_audit_row(
    db_engine, shipment_pending, from_status, to_status
):
    at = _bring_to(db_engine, shipment_pending.id, from_status) + HOUR
    details = {"carrier": "UPS", "tracking_number": "1Z999"} if to_status == "shipped" else {}
    moved = advance_shipment(
        db_engine,
        shipment_id=shipment_pending.id,
        to_status=to_status,
        actor="bob",
        note="checked at the dock",
        at=at,
        **details,
    )
    assert (moved.status, moved.updated_at) == (to_status, at)
    last = shipment_timeline(db_engine, shipment_pending.id)[-1]
    assert (last.status, last.at, last.actor, last.note) == (to_status, at, "bob", "checked at the dock")
    with db_engine.connect() as conn:
        stored = conn.execute(select(shipments).where(shipments.c.id == shipment_pending.id)).one()
        audit = conn.execute(
            select(audit_log).where(audit_log.c.action == "shipment.advanced").order_by(audit_log.c.id.desc())
        ).first()
    assert (stored.status, stored.updated_at) == (to_status, at)
    assert (audit.actor, audit.entity_id) == ("bob", str(shipment_pending.id))
    assert (audit.details["from"], audit.details["to"]) == (from_status, to_status)


@pytest.mark.parametrize("from_status", STATUSES)
def test_every_illegal_move_is_refused_naming_the_allowed_ones_and_writes_nothing(
    db_engine, shipment_pending, from_status
):
    at = _bring_to(db_engine, shipment_pending.id, from_status) + HOUR
    allowed = ", ".join(allowed_moves(from_status)) or "nothing further"
    before = _snapshot(db_engine, shipment_pending.id)
    for to_status in (s for s in STATUSES if s not in allowed_moves(from_status)):
        details = {"carrier": "UPS", "tracking_number": "1Z999"} if to_status == "shipped" else {}
        _refused(
            lambda to_status=to_status, details=details: advance_shipment(
                db_engine, shipment_id=shipment_pending.id, to_status=to_status, actor="bob", at=at, **details
            ),
            ErrorCode.ILLEGAL_SHIPMENT_MOVE,
            f"Shipment {shipment_pending.id} is {from_status} and cannot move to {to_status}; "
            f"it can move to: {allowed}.",
        )
        assert _snapshot(db_engine, shipment_pending.id) == before


def test_moving_an_unknown_shipment_is_refused(db_engine):
    _refused(
        lambda: advance_shipment(db_engine, shipment_id=404, to_status="packed", actor="ann"),
        ErrorCode.SHIPMENT_NOT_FOUND,
        "Shipment 404 does not exist.",
    )


def test_moving_to_an_unknown_status_is_refused_listing_the_statuses(db_engine, shipment_pending):
    _refused(
        lambda: advance_shipment(db_engine, shipment_id=shipment_pending.id, to_status="lost", actor="ann"),
        ErrorCode.INVALID_ARGUMENT,
        "'lost' is not a shipment status; expected one of: "
        "pending, packed, shipped, in_transit, delivered, cancelled, returned.",
    )


@pytest.mark.parametrize(
    ("carrier", "tracking_number", "missing"),
    [
        (None, "1Z999", "carrier"),
        ("UPS", "   ", "tracking number"),
        ("", None, "carrier and tracking number"),
    ],
)
def test_shipping_without_a_carrier_or_tracking_number_is_refused_and_writes_nothing(
    db_engine, shipment_pending, carrier, tracking_number, missing
):
    at = _bring_to(db_engine, shipment_pending.id, "packed") + HOUR
    before = _snapshot(db_engine, shipment_pending.id)
    _refused(
        lambda: advance_shipment(
            db_engine,
            shipment_id=shipment_pending.id,
            to_status="shipped",
            actor="bob",
            carrier=carrier,
            tracking_number=tracking_number,
            at=at,
        ),
        ErrorCode.CARRIER_REQUIRED,
        f"Shipment {shipment_pending.id} needs a carrier and a tracking number to ship; missing: {missing}.",
    )
    assert _snapshot(db_engine, shipment_pending.id) == before


def test_carrier_and_tracking_number_are_trimmed_and_kept_until_delivery(db_engine, shipment_pending):
    sid = shipment_pending.id
    advance_shipment(db_engine, shipment_id=sid, to_status="packed", actor="ann", at=T0 + HOUR)
    advance_shipment(
        db_engine,
        shipment_id=sid,
        to_status="shipped",
        actor="ann",
        at=T0 + 2 * HOUR,
        carrier="  DHL ",
        tracking_number=" JD0001  ",
    )
    advance_shipment(db_engine, shipment_id=sid, to_status="in_transit", actor="ann", at=T0 + 3 * HOUR)
    delivered = advance_shipment(
        db_engine, shipment_id=sid, to_status="delivered", actor="ann", at=T0 + 4 * HOUR
    )
    assert (delivered.carrier, delivered.tracking_number) == ("DHL", "JD0001")


def test_a_carrier_given_on_a_move_other_than_shipping_is_refused(db_engine, shipment_pending):
    _refused(
        lambda: advance_shipment(
            db_engine, shipment_id=shipment_pending.id, to_status="packed", actor="ann", carrier="DHL"
        ),
        ErrorCode.INVALID_ARGUMENT,
        "A carrier and tracking number are entered when a shipment moves to shipped; "
        f"shipment {shipment_pending.id} is moving to packed.",
    )


@pytest.mark.parametrize(
    ("order_fixture", "left"), [("order_unpaid", "30.00"), ("order_partially_paid", "12.50")]
)
def test_shipping_an_order_not_paid_in_full_is_refused_with_the_balance_and_writes_nothing(
    db_engine, request, monkeypatch, order_fixture, left
):
    monkeypatch.delenv("ECC_CASH_ON_DELIVERY", raising=False)
    order_id = request.getfixturevalue(order_fixture)
    shipment = create_shipment(db_engine, order_id=order_id, actor="ann", at=T0)
    at = _bring_to(db_engine, shipment.id, "packed") + HOUR
    before = _snapshot(db_engine, shipment.id)
    _refused(
        lambda: _ship(db_engine, shipment.id, at),
        ErrorCode.ORDER_NOT_PAID,
        f"Order {order_id} has {left} left to pay; it ships once paid in full.",
    )
    assert _snapshot(db_engine, shipment.id) == before


@pytest.mark.parametrize(
    ("order_fixture", "keyword", "setting", "env", "ships"),
    [
        ("order_unpaid", True, False, "false", True),  # the keyword wins over settings and environment
        ("order_partially_paid", True, None, "false", True),
        ("order_unpaid", False, True, "true", False),
        ("order_unpaid", None, True, "false", True),  # settings when no keyword
        ("order_unpaid", None, False, "true", False),  # settings win over the environment
        ("order_unpaid", None, None, "true", True),  # ECC_CASH_ON_DELIVERY when neither is given
    ],
)
def test_an_order_not_paid_in_full_ships_when_cash_on_delivery_is_on_by_keyword_then_settings_then_env(
    db_engine, request, monkeypatch, order_fixture, keyword, setting, env, ships
):
    monkeypatch.setenv("ECC_CASH_ON_DELIVERY", env)
    settings = None if setting is None else Settings.from_env({"ECC_CASH_ON_DELIVERY": str(setting)})
    order_id = request.getfixturevalue(order_fixture)
    shipment = create_shipment(db_engine, order_id=order_id, actor="ann", at=T0)
    at = _bring_to(db_engine, shipment.id, "packed") + HOUR

    def ship() -> Shipment:
        return _ship(db_engine, shipment.id, at, settings=settings, cash_on_delivery=keyword)

    if not ships:
        _refused(
            ship,
            ErrorCode.ORDER_NOT_PAID,
            f"Order {order_id} has 30.00 left to pay; it ships once paid in full.",
        )
        return
    assert ship().status == "shipped"
    with db_engine.connect() as conn:
        audit = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert (audit.details["to"], audit.details["cash_on_delivery"]) == ("shipped", True)


def test_the_shipment_of_an_order_cancelled_behind_it_can_only_be_cancelled(db_engine, shipment_pending):
    with db_engine.begin() as conn:
        conn.execute(
            update(orders)
            .where(orders.c.id == shipment_pending.order_id)
            .values(status="cancelled", cancelled_at=T0)
        )
    _refused(
        lambda: advance_shipment(
            db_engine, shipment_id=shipment_pending.id, to_status="packed", actor="ann", at=T0 + HOUR
        ),
        ErrorCode.ORDER_CANCELLED,
        f"Order {shipment_pending.order_id} is cancelled; shipment {shipment_pending.id} can only be cancelled.",
    )
    cancelled = advance_shipment(
        db_engine, shipment_id=shipment_pending.id, to_status="cancelled", actor="ann", at=T0 + HOUR
    )
    assert cancelled.status == "cancelled"


def test_a_move_dated_before_the_last_event_is_refused(db_engine, shipment_pending):
    advance_shipment(
        db_engine, shipment_id=shipment_pending.id, to_status="packed", actor="ann", at=T0 + 2 * HOUR
    )
    _refused(
        lambda: advance_shipment(
            db_engine, shipment_id=shipment_pending.id, to_status="cancelled", actor="ann", at=T0 + HOUR
        ),
        ErrorCode.EVENT_OUT_OF_ORDER,
        f"Shipment {shipment_pending.id}'s last event is at 2024-05-01 11:00:00 UTC; moving it to "
        "cancelled at 2024-05-01 10:00:00 UTC would put it earlier. Enter a time at or after the last event.",
    )
    assert [e.status for e in shipment_timeline(db_engine, shipment_pending.id)] == ["pending", "packed"]


def test_a_naive_time_is_refused(db_engine, shipment_pending):
    _refused(
        lambda: advance_shipment(
            db_engine,
            shipment_id=shipment_pending.id,
            to_status="packed",
            actor="ann",
            at=datetime(2024, 5, 1, 10, 0),
        ),
        ErrorCode.INVALID_ARGUMENT,
        "at 2024-05-01T10:00:00 has no time zone; pass a timezone-aware time (e.g. in UTC).",
    )


def test_a_blank_actor_is_refused(db_engine, shipment_pending):
    _refused(
        lambda: advance_shipment(db_engine, shipment_id=shipment_pending.id, to_status="packed", actor=" "),
        ErrorCode.INVALID_ARGUMENT,
        "Say who is making this change: the actor is blank.",
    )


# Timeline -------------------------------------------------------------------


def test_the_timeline_lists_every_event_in_time_order_in_utc(db_engine, shipment_pending):
    berlin = timezone(timedelta(hours=2))
    sid = shipment_pending.id
    advance_shipment(db_engine, shipment_id=sid, to_status="packed", actor="ann", at=T0 + HOUR, note="boxed")
    advance_shipment(
        db_engine,
        shipment_id=sid,
        to_status="shipped",
        actor="bob",
        carrier="DHL",
        tracking_number="JD0001",
        at=(T0 + 2 * HOUR).astimezone(berlin),
    )
    advance_shipment(db_engine, shipment_id=sid, to_status="in_transit", actor="bob", at=T0 + 2 * HOUR)
    timeline = shipment_timeline(db_engine, sid)
    assert [(e.status, e.at, e.actor, e.note) for e in timeline] == [
        ("pending", T0, "ann", None),
        ("packed", T0 + HOUR, "ann", "boxed"),
        ("shipped", T0 + 2 * HOUR, "bob", None),
        ("in_transit", T0 + 2 * HOUR, "bob", None),
    ]
    assert all(e.at.utcoffset() == timedelta(0) for e in timeline)


def test_the_timeline_of_an_unknown_shipment_is_refused(db_engine):
    _refused(
        lambda: shipment_timeline(db_engine, 404),
        ErrorCode.SHIPMENT_NOT_FOUND,
        "Shipment 404 does not exist.",
    )


# Two clerks at once ---------------------------------------------------------


def _race(engine: Engine, lock_sql: str, act) -> list:
    """Hold a row lock, let two threads queue behind it, release it, and
    return what each thread got (a result or a WorkflowError)."""
    results: list = []

    def run() -> None:
        try:
            results.append(act())
        except WorkflowError as exc:
            results.append(exc)

    with engine.connect() as holder:
        holder.execute(text(lock_sql))
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        waiting = 0
        while waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
            with engine.connect() as probe:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
        assert waiting == 2, "both clerks should be waiting for the lock"
        holder.rollback()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_two_clerks_moving_the_same_shipment_at_once_exactly_one_succeeds(db_engine, shipment_pending):
    sid = shipment_pending.id
    results = _race(
        db_engine,
        f"SELECT id FROM shipments WHERE id = {sid} FOR UPDATE",
        lambda: advance_shipment(db_engine, shipment_id=sid, to_status="packed", actor="ann", at=T0 + HOUR),
    )
    moved = [r for r in results if isinstance(r, Shipment)]
    refused = [r for r in results if isinstance(r, WorkflowError)]
    assert len(moved) == 1 and len(refused) == 1
    assert refused[0].code is ErrorCode.ILLEGAL_SHIPMENT_MOVE
    assert refused[0].message == (
        f"Shipment {sid} is packed and cannot move to packed; it can move to: shipped, cancelled."
    )
    assert [e.status for e in shipment_timeline(db_engine, sid)] == ["pending", "packed"]


def test_two_clerks_creating_a_shipment_for_one_order_at_once_create_exactly_one(
    db_engine, order_paid_in_full
):
    results = _race(
        db_engine,
        f"SELECT id FROM orders WHERE id = {order_paid_in_full} FOR UPDATE",
        lambda: create_shipment(db_engine, order_id=order_paid_in_full, actor="ann", at=T0),
    )
    assert sorted(type(r).__name__ for r in results) == ["Shipment", "WorkflowError"]
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(shipments)).scalar_one() == 1
