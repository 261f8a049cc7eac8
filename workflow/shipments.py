"""Shipments: the transition table, and the acts that move a parcel along it.

A shipment moves pending -> packed -> shipped -> in_transit -> delivered;
pending or packed may be cancelled, shipped or in_transit may come back
(returned). Every move is a shipment_events row with its time and actor, so the
time spent in each stage can be measured. Locks are taken order row first, then
shipment row, the same order as workflow.orders.cancel_order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from workflow.audit import record_audit
from workflow.db import transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.settings import Settings
from workflow.tables import order_balances, orders, shipment_events, shipments

STATUSES: tuple[str, ...] = (
    "pending",
    "packed",
    "shipped",
    "in_transit",
    "delivered",
    "cancelled",
    "returned",
)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("packed", "cancelled"),
    "packed": ("shipped", "cancelled"),
    "shipped": ("in_transit", "returned"),
    "in_transit": ("delivered", "returned"),
    "delivered": (),
    "cancelled": (),
    "returned": (),
}

# A shipment in one of these no longer counts as the order's shipment: a new one may be created.
CLOSED_WITHOUT_DELIVERY = ("cancelled", "returned")


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


# Pure rules ---------------------------------------------------------------


def _require_status(status: str) -> str:
    if status not in TRANSITIONS:
        raise WorkflowError(
            f"{status!r} is not a shipment status; expected one of: {', '.join(STATUSES)}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return status


def allowed_moves(status: str) -> tuple[str, ...]:
    """The statuses a shipment in `status` may move to next (empty once it is
    delivered, cancelled or returned). An unknown status is refused."""
    return TRANSITIONS[_require_status(status)]


def can_move(from_status: str, to_status: str) -> bool:
    """True when the transition table allows from_status -> to_status. Staying
    in the same status is not a move; unknown statuses are never allowed."""
    return to_status in TRANSITIONS.get(from_status, ())


def describe_moves(status: str) -> str:
    """'packed, cancelled', or 'nothing further' for a final status."""
    return ", ".join(allowed_moves(status)) or "nothing further"


def left_to_pay(total: Decimal, paid: Decimal) -> Decimal:
    """What is still owed on an order: total - paid. Refunds are not counted
    back: they follow returns and never reopen a balance (DESIGN.md)."""
    return max(total - paid, Decimal("0.00"))


def can_ship(total: Decimal, paid: Decimal, *, cash_on_delivery: bool = False) -> bool:
    """An order ships once paid in full, or at once when the shop collects cash on delivery."""
    return cash_on_delivery or left_to_pay(total, paid) == 0


def missing_shipping_details(carrier: str | None, tracking_number: str | None) -> tuple[str, ...]:
    """Which of carrier and tracking number are absent or blank."""
    missing = []
    if not (carrier or "").strip():
        missing.append("carrier")
    if not (tracking_number or "").strip():
        missing.append("tracking number")
    return tuple(missing)


def _utc(at: datetime | None) -> datetime:
    """`at` in UTC, or now; a naive datetime is refused because nobody knows its zone."""
    if at is None:
        return datetime.now(timezone.utc)
    if at.tzinfo is None or at.utcoffset() is None:
        raise WorkflowError(
            f"The time {at.isoformat(sep=' ')} has no time zone; give it in UTC (or with its offset).",
            ErrorCode.INVALID_ARGUMENT,
        )
    return at.astimezone(timezone.utc)


def _show(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _require_actor(actor: str) -> str:
    if not (actor or "").strip():
        raise WorkflowError("Say who is making this change: the actor is blank.", ErrorCode.INVALID_ARGUMENT)
    return actor.strip()


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


# Acts ---------------------------------------------------------------------


def create_shipment(engine: Engine, *, order_id: int, actor: str, at: datetime | None = None) -> Shipment:
    """Open the shipment of a placed order: a 'pending' shipment and its first
    event, at `at` (default now), plus an audit row. Refused for an unknown or
    cancelled order, a time before the order was placed, and an order that
    already has a shipment that is neither cancelled nor returned (a returned
    or cancelled one may be followed by a new one). Payment is not checked
    here: it is checked when the shipment moves to shipped."""
    actor = _require_actor(actor)
    moment = _utc(at)
    with transaction(engine) as conn:
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
                f"Order {order_id} was placed at {_show(order.placed_at)}; its shipment cannot be "
                f"created earlier ({_show(moment)}).",
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
                ErrorCode.INVALID_ARGUMENT,
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
    cash_on_delivery: bool = False,
) -> Shipment:
    """Move a shipment one step along the transition table at `at` (default
    now): one shipment_events row, the shipment's status and updated_at, and
    an audit row, in one transaction. The shipment row is locked, so two
    clerks moving it at once take turns and the second sees the first's move.

    Moving to shipped needs a carrier and a tracking number (trimmed; kept on
    the shipment afterwards; accepted on that move only) and an order paid in
    full (paid = total; refunds are not subtracted) unless `cash_on_delivery`
    is set, or `settings.cash_on_delivery` once Settings has that field
    (ECC_CASH_ON_DELIVERY). A cancelled order's shipment can only be
    cancelled. A move dated before the shipment's latest event is refused."""
    actor = _require_actor(actor)
    _require_status(to_status)
    moment = _utc(at)
    note = _clean(note)
    cash_on_delivery = cash_on_delivery or bool(getattr(settings, "cash_on_delivery", False))
    if to_status != "shipped" and (_clean(carrier) or _clean(tracking_number)):
        raise WorkflowError(
            f"A carrier and tracking number are entered when a shipment moves to shipped; "
            f"shipment {shipment_id} is moving to {to_status}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    with transaction(engine) as conn:
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
        current = conn.execute(select(shipments).where(shipments.c.id == shipment_id).with_for_update()).one()
        if not can_move(current.status, to_status):
            raise WorkflowError(
                f"Shipment {shipment_id} is {current.status} and cannot move to {to_status}; "
                f"it can move to: {describe_moves(current.status)}.",
                ErrorCode.ILLEGAL_SHIPMENT_MOVE,
            )
        if order.status == "cancelled" and to_status != "cancelled":
            raise WorkflowError(
                f"Order {order_id} is cancelled; shipment {shipment_id} can only be cancelled.",
                ErrorCode.ORDER_CANCELLED,
            )
        _check_not_before_last_event(conn, shipment_id, moment)
        values: dict[str, Any] = {"status": to_status, "updated_at": moment}
        if to_status == "shipped":
            values |= _shipping_details(shipment_id, carrier, tracking_number)
            if not can_ship(order.total, order.paid, cash_on_delivery=cash_on_delivery):
                raise WorkflowError(
                    f"Order {order_id} has {left_to_pay(order.total, order.paid)} left to pay; "
                    "it ships once paid in full.",
                    ErrorCode.ORDER_NOT_PAID,
                )
        conn.execute(
            insert(shipment_events).values(
                shipment_id=shipment_id, status=to_status, at=moment, actor=actor, note=note
            )
        )
        row = conn.execute(
            update(shipments).where(shipments.c.id == shipment_id).values(**values).returning(*shipments.c)
        ).one()
        record_audit(
            conn,
            actor=actor,
            action="shipment.advanced",
            entity="shipment",
            entity_id=shipment_id,
            details={
                "order_id": order_id,
                "from": current.status,
                "to": to_status,
                "at": moment.isoformat(),
                "note": note,
                "carrier": row.carrier,
                "tracking_number": row.tracking_number,
                "cash_on_delivery": cash_on_delivery if to_status == "shipped" else None,
            },
        )
        return Shipment(**row._mapping)


def _shipping_details(shipment_id: int, carrier: str | None, tracking_number: str | None) -> dict[str, str]:
    missing = missing_shipping_details(carrier, tracking_number)
    if missing:
        raise WorkflowError(
            f"Shipment {shipment_id} needs a carrier and a tracking number to ship; "
            f"missing: {' and '.join(missing)}.",
            ErrorCode.CARRIER_REQUIRED,
        )
    return {"carrier": (carrier or "").strip(), "tracking_number": (tracking_number or "").strip()}


def _check_not_before_last_event(conn: Connection, shipment_id: int, moment: datetime) -> None:
    last = conn.execute(
        select(func.max(shipment_events.c.at)).where(shipment_events.c.shipment_id == shipment_id)
    ).scalar()
    if last is not None and moment < last:
        raise WorkflowError(
            f"Shipment {shipment_id}'s last event is at {_show(last)}; a move at {_show(moment)} "
            "would be earlier. Enter a time at or after the last event.",
            ErrorCode.INVALID_ARGUMENT,
        )


def shipment_timeline(engine: Engine, shipment_id: int) -> list[ShipmentEvent]:
    """Every event of a shipment, oldest first (ties in time keep the order
    they were written in). An unknown shipment is refused."""
    with transaction(engine) as conn:
        if conn.execute(select(shipments.c.id).where(shipments.c.id == shipment_id)).first() is None:
            raise WorkflowError(f"Shipment {shipment_id} does not exist.", ErrorCode.SHIPMENT_NOT_FOUND)
        rows = conn.execute(
            select(shipment_events)
            .where(shipment_events.c.shipment_id == shipment_id)
            .order_by(shipment_events.c.at, shipment_events.c.id)
        ).all()
    return [ShipmentEvent(**row._mapping) for row in rows]
