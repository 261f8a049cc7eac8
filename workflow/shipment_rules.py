"""Shipment rules without a database: the transition table and the guards
every move goes through.

A shipment moves pending -> packed -> shipped -> in_transit -> delivered;
pending or packed may be cancelled, shipped or in_transit may come back
(returned). workflow.shipments applies these rules inside its transactions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from workflow.errors import ErrorCode, WorkflowError

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

# Still on its way: a shipment in one of these can be stuck.
LIVE_STATUSES: tuple[str, ...] = ("pending", "packed", "shipped", "in_transit")
# A live shipment is stuck once its current stage has lasted more than this
# many days (the shipments page lets the clerk choose from 1 to MAX_STUCK_DAYS).
DEFAULT_STUCK_DAYS = 3
MAX_STUCK_DAYS = 365
_DAY_SECONDS = 86_400


def stuck_days(status: str, seconds_in_stage: float, older_than_days: int) -> Decimal | None:
    """How many days (one decimal) a live shipment has spent in its current
    stage when that is more than `older_than_days`; None when it is not stuck
    (closed, or moved recently enough)."""
    if status not in LIVE_STATUSES or seconds_in_stage <= older_than_days * _DAY_SECONDS:
        return None
    return (Decimal(repr(seconds_in_stage)) / _DAY_SECONDS).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def stuck_sql(status: str, since: str, older_than_days: str, at: str = "now()") -> str:
    """The stuck rule as a SQL condition over the given expressions (a
    shipment's status, the start of its current stage, the days and the
    moment, e.g. bound parameters): what `stuck_days` says in Python."""
    live = ", ".join(f"'{s}'" for s in LIVE_STATUSES)
    return f"{status} IN ({live}) AND {since} < {at} - make_interval(days => {older_than_days})"


def require_stuck_days(days: int) -> int:
    """`days` when it is a whole number of days from 1 to MAX_STUCK_DAYS."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_STUCK_DAYS:
        raise WorkflowError(
            f"A shipment counts as stuck after 1 to {MAX_STUCK_DAYS} days in one stage, not {days!r}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return days


def require_status(status: str) -> str:
    """`status` itself when it is one of STATUSES; anything else is refused, listing them."""
    if status not in TRANSITIONS:
        raise WorkflowError(
            f"{status!r} is not a shipment status; expected one of: {', '.join(STATUSES)}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return status


def allowed_moves(status: str) -> tuple[str, ...]:
    """The statuses a shipment in `status` may move to next (empty once it is
    delivered, cancelled or returned). An unknown status is refused."""
    return TRANSITIONS[require_status(status)]


def can_move(from_status: str, to_status: str) -> bool:
    """True when the transition table allows from_status -> to_status. Staying
    in the same status is not a move; unknown statuses are never allowed."""
    return to_status in TRANSITIONS.get(from_status, ())


def describe_moves(status: str) -> str:
    """'packed, cancelled', or 'nothing further' for a final status."""
    return ", ".join(allowed_moves(status)) or "nothing further"


def require_move(shipment_id: int, from_status: str, to_status: str) -> None:
    """Refuse a move the transition table does not allow, naming the moves that are."""
    if not can_move(from_status, to_status):
        raise WorkflowError(
            f"Shipment {shipment_id} is {from_status} and cannot move to {to_status}; "
            f"it can move to: {describe_moves(from_status)}.",
            ErrorCode.ILLEGAL_SHIPMENT_MOVE,
        )


def require_not_before(
    shipment_id: int, to_status: str, last_event_at: datetime | None, at: datetime
) -> None:
    """Refuse a move dated before the shipment's latest event (a move at the
    same instant is allowed), so the timeline and time-in-stage stay in order."""
    if last_event_at is not None and at < last_event_at:
        raise WorkflowError(
            f"Shipment {shipment_id}'s last event is at {show_utc(last_event_at)}; moving it to "
            f"{to_status} at {show_utc(at)} would put it earlier. Enter a time at or after the last event.",
            ErrorCode.EVENT_OUT_OF_ORDER,
        )


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


def shipping_details(
    shipment_id: int, to_status: str, carrier: str | None, tracking_number: str | None
) -> dict[str, str]:
    """The carrier and tracking number to store with a move, trimmed. They are
    entered on the move to shipped, where both are required, and on no other
    move (they stay on the shipment afterwards); anything else is refused."""
    if to_status != "shipped":
        if clean_text(carrier) or clean_text(tracking_number):
            raise WorkflowError(
                f"A carrier and tracking number are entered when a shipment moves to shipped; "
                f"shipment {shipment_id} is moving to {to_status}.",
                ErrorCode.INVALID_ARGUMENT,
            )
        return {}
    missing = missing_shipping_details(carrier, tracking_number)
    if missing:
        raise WorkflowError(
            f"Shipment {shipment_id} needs a carrier and a tracking number to ship; "
            f"missing: {' and '.join(missing)}.",
            ErrorCode.CARRIER_REQUIRED,
        )
    return {"carrier": (carrier or "").strip(), "tracking_number": (tracking_number or "").strip()}


def clean_text(text: str | None) -> str | None:
    """Free text trimmed, or None when it is absent or blank."""
    return (text or "").strip() or None


def show_utc(at: datetime) -> str:
    """A time as a clerk reads it in a message: '2024-05-01 09:00:00 UTC'."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
