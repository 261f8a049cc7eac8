"""Shipments: the acts that open a parcel's shipment and move it along the
transition table of workflow.shipment_rules.

Every move is a shipment_events row with its time and actor, so the time spent
in each stage can be measured. Locks are taken order row first, then shipment
row, the same order as workflow.orders.cancel_order, which cancels a shipment
through move_shipment_on like advance_shipment does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, func, insert, select, update

from workflow.audit import record_audit, require_actor
from workflow.clock import require_aware
from workflow.db import in_transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.settings import Settings
from workflow.shipment_rules import (
    CLOSED_WITHOUT_DELIVERY,
    can_ship,
    clean_text,
    left_to_pay,
    require_move,
    require_not_before,
    require_status,
    shipping_details,
    show_utc,
)
from workflow.tables import order_balances, orders, shipment_events, shipments


@dataclass(frozen=True)
class Shipment:
    id: int
    order_id: int
    status: str
    carrier: str | None
    tracking_number: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ShipmentEvent:
    id: int
    shipment_id: int
    status: str
    at: datetime
    actor: str
    note: str | None


def create_shipment(engine: Engine, *, order_id: int, actor: str, at: datetime | None = None) -> Shipment:
    """Open the shipment of a placed order: a 'pending' shipment and its first
    event, at `at` (default now), plus an audit row. Refused for an unknown or
    cancelled order, a time before the order was placed, and an order that
    already has a shipment that is neither cancelled nor returned (a returned
    or cancelled one may be followed by a new one). Payment is not checked
    here: it is checked when the shipment moves to shipped."""
    actor = require_actor(actor)
    if at is not None:
        require_aware(at, "at")

    def work(conn: Connection) -> Shipment:
        moment = at or conn.execute(select(func.now())).scalar_one()
        # The order row lock makes two clerks creating a shipment for one order take turns.
        order = conn.execute(
            select(orders.c.status, orders.c.placed_at)
            .where(orders.c.id == order_id)
            .with_for_update(key_share=True)
        ).first()
        if order is None:
            raise WorkflowError(f"Order {order_id} does not exist.", ErrorCode.ORDER_NOT_FOUND)
        if order.status == "cancelled":
            raise WorkflowError(
                f"Order {order_id} is cancelled; a cancelled order is not shipped.", ErrorCode.ORDER_CANCELLED
            )
        if moment < order.placed_at:
            raise WorkflowError(
                f"Order {order_id} was placed at {show_utc(order.placed_at)}; its shipment cannot be "
                f"created earlier ({show_utc(moment)}).",
                ErrorCode.INVALID_ARGUMENT,
            )
        existing = conn.execute(
            select(shipments.c.id, shipments.c.status)
            .where(shipments.c.order_id == order_id, shipments.c.status.not_in(CLOSED_WITHOUT_DELIVERY))
            .order_by(shipments.c.id)
        ).first()
        if existing is not None:
            raise WorkflowError(
                f"Order {order_id} already has shipment {existing.id} ({existing.status}); "
                "move that one on, or cancel it before creating another.",
                ErrorCode.SHIPMENT_ALREADY_OPEN,
            )
        row = conn.execute(
            insert(shipments)
            .values(order_id=order_id, status="pending", created_at=moment, updated_at=moment)
            .returning(*shipments.c)
        ).one()
        conn.execute(
            insert(shipment_events).values(shipment_id=row.id, status="pending", at=moment, actor=actor)
        )
        record_audit(
            conn,
            actor=actor,
            action="shipment.created",
            entity="shipment",
            entity_id=row.id,
            details={"order_id": order_id, "at": moment.isoformat()},
        )
        return Shipment(**row._mapping)

    return in_transaction(engine, work)


def advance_shipment(
    engine: Engine,
    *,
    shipment_id: int,
    to_status: str,
    actor: str,
    carrier: str | None = None,
    tracking_number: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    cash_on_delivery: bool | None = None,
) -> Shipment:
    """Move a shipment one step along the transition table at `at` (default
    now): see move_shipment_on for what is checked and written, in one
    transaction. The order row (shared) and then the shipment row are locked,
    so two clerks moving it at once take turns and the second sees the
    first's move. A cancelled order's shipment can only be cancelled.

    Moving to shipped needs an order paid in full (paid = total; refunds are
    not subtracted) unless the shop collects cash on delivery. Which says so,
    first that is given wins: the `cash_on_delivery` keyword (True or False),
    then `settings.cash_on_delivery`, then Settings.from_env() (the
    ECC_CASH_ON_DELIVERY variable) when neither is given."""
    actor = require_actor(actor)
    require_status(to_status)
    if at is not None:
        require_aware(at, "at")
    if to_status == "shipped" and cash_on_delivery is None:
        cash_on_delivery = (settings or Settings.from_env()).cash_on_delivery

    def work(conn: Connection) -> Shipment:
        order_id = conn.execute(select(shipments.c.order_id).where(shipments.c.id == shipment_id)).scalar()
        if order_id is None:
            raise WorkflowError(f"Shipment {shipment_id} does not exist.", ErrorCode.SHIPMENT_NOT_FOUND)
        # Order first (shared: it keeps the order from being cancelled under us), then the shipment.
        order = conn.execute(
            select(orders.c.status, order_balances.c.total, order_balances.c.paid)
            .join(order_balances, order_balances.c.order_id == orders.c.id)
            .where(orders.c.id == order_id)
            .with_for_update(of=orders, read=True)
        ).one()
        from_status = conn.execute(
            select(shipments.c.status).where(shipments.c.id == shipment_id).with_for_update()
        ).scalar_one()
        # The table is checked before the order so that a move that is never allowed says so first.
        require_move(shipment_id, from_status, to_status)
        if order.status == "cancelled" and to_status != "cancelled":
            raise WorkflowError(
                f"Order {order_id} is cancelled; shipment {shipment_id} can only be cancelled.",
                ErrorCode.ORDER_CANCELLED,
            )
        if to_status == "shipped" and not can_ship(
            order.total, order.paid, cash_on_delivery=cash_on_delivery
        ):
            raise WorkflowError(
                f"Order {order_id} has {left_to_pay(order.total, order.paid)} left to pay; "
                "it ships once paid in full.",
                ErrorCode.ORDER_NOT_PAID,
            )
        return move_shipment_on(
            conn,
            shipment_id=shipment_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            at=at or conn.execute(select(func.now())).scalar_one(),
            note=note,
            carrier=carrier,
            tracking_number=tracking_number,
            audit_details={"cash_on_delivery": cash_on_delivery} if to_status == "shipped" else None,
        )

    return in_transaction(engine, work)


def move_shipment_on(
    conn: Connection,
    *,
    shipment_id: int,
    from_status: str,
    to_status: str,
    actor: str,
    at: datetime,
    note: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
    audit_details: dict[str, object] | None = None,
) -> Shipment:
    """Move one shipment on `conn`, inside the caller's transaction; it takes
    no lock. The caller has locked the order row and then the shipment row
    (read as `from_status`) and checked what the move means for the order
    (paid, cancelled). Refused, writing nothing: a move the transition table
    does not allow, a time before the shipment's last event, shipping details
    missing on the move to shipped or given on another (see shipping_details).
    Writes the shipment's status and updated_at (and carrier and tracking
    number when it ships), one shipment_events row, and a 'shipment.advanced'
    audit row with `audit_details` added to its details."""
    actor = require_actor(actor)
    moment = require_aware(at, "at").astimezone(timezone.utc)
    note = clean_text(note)
    require_move(shipment_id, from_status, to_status)
    last = conn.execute(
        select(func.max(shipment_events.c.at)).where(shipment_events.c.shipment_id == shipment_id)
    ).scalar()
    require_not_before(shipment_id, to_status, last, moment)
    details = shipping_details(shipment_id, to_status, carrier, tracking_number)
    conn.execute(
        insert(shipment_events).values(
            shipment_id=shipment_id, status=to_status, at=moment, actor=actor, note=note
        )
    )
    row = conn.execute(
        update(shipments)
        .where(shipments.c.id == shipment_id)
        .values(status=to_status, updated_at=moment, **details)
        .returning(*shipments.c)
    ).one()
    record_audit(
        conn,
        actor=actor,
        action="shipment.advanced",
        entity="shipment",
        entity_id=shipment_id,
        details={
            "order_id": row.order_id,
            "from": from_status,
            "to": to_status,
            "at": moment.isoformat(),
            "note": note,
            "carrier": row.carrier,
            "tracking_number": row.tracking_number,
            **(audit_details or {}),
        },
    )
    return Shipment(**row._mapping)


def shipment_timeline(engine: Engine, shipment_id: int) -> list[ShipmentEvent]:
    """Every event of a shipment, oldest first (ties in time keep the order
    they were written in). An unknown shipment is refused."""
    with engine.connect() as conn:
        if conn.execute(select(shipments.c.id).where(shipments.c.id == shipment_id)).first() is None:
            raise WorkflowError(f"Shipment {shipment_id} does not exist.", ErrorCode.SHIPMENT_NOT_FOUND)
        rows = conn.execute(
            select(shipment_events)
            .where(shipment_events.c.shipment_id == shipment_id)
            .order_by(shipment_events.c.at, shipment_events.c.id)
        ).all()
    return [ShipmentEvent(**row._mapping) for row in rows]
