"""Recording payments and refunds against one or more orders of one customer.

The selected orders are locked in id order inside the transaction, so two
clerks paying the same orders serialize (and never deadlock); the second sees
the first one's payment in the balances. A repeated idempotency key returns
the first payment and writes nothing. The database backs every rule with a
CHECK: no order overpaid, no order refunded more than was paid on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Connection, Engine, Numeric, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from workflow.balances import OrderBalance, lock_balances
from workflow.clock import require_aware
from workflow.db import in_transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.money import parse_amount
from workflow.payment_rules import (
    Allocation,
    allocate_as_given,
    allocate_oldest_due_first,
    refuse_unselected,
    too_much_message,
)
from workflow.tables import payment_allocations, payments


@dataclass(frozen=True)
class Payment:
    id: int
    customer_id: int
    kind: str  # 'payment' or 'refund'
    amount: Decimal
    method: str
    reference: str | None
    received_at: datetime
    idempotency_key: str
    recorded_by: str
    allocations: tuple[Allocation, ...]
    replayed: bool = False  # True when the idempotency key had been used: nothing was written


def record_payment(
    engine: Engine,
    *,
    order_ids: Sequence[int],
    amount: Decimal | str,
    method: str,
    received_at: datetime,
    idempotency_key: str,
    actor: str,
    reference: str | None = None,
    allocations: Mapping[int, Decimal | str] | None = None,
) -> Payment:
    """Record money received for one or more orders of one customer.

    The amount may be less than the selection's balance due (a partial
    payment), never more. It is allocated oldest due date first, or as the
    explicit `allocations` say (each at most that order's balance, together
    exactly the amount). Refused: no orders, unknown or cancelled orders,
    orders of several customers, a bad amount, more than is owed."""
    total = parse_amount(amount)
    explicit = {oid: parse_amount(v, f"Allocation to order {oid}") for oid, v in (allocations or {}).items()}
    entry = _check_entry(order_ids, method, reference, received_at, idempotency_key, actor)

    def allocate(selected: list[OrderBalance]) -> list[Allocation]:
        due = sum((b.balance_due for b in selected), Decimal("0.00"))
        if total > due:
            raise WorkflowError(too_much_message(selected, due, total), ErrorCode.OVERPAYMENT)
        if explicit:
            return allocate_as_given(selected, explicit, total)
        return allocate_oldest_due_first(selected, total)

    return _record(engine, "payment", order_ids, entry, allocate)


def record_refund(
    engine: Engine,
    *,
    order_ids: Sequence[int],
    method: str,
    received_at: datetime,
    idempotency_key: str,
    actor: str,
    amounts: Mapping[int, Decimal | str] | None = None,
    reference: str | None = None,
) -> Payment:
    """Give money back on one or more orders of one customer, in one call:
    without `amounts`, everything paid and not yet refunded on each order (a
    full refund); with them, each at most that order's refundable amount. A
    refund lowers the cash collected; it never reopens a balance."""
    explicit = {oid: parse_amount(v, f"Refund on order {oid}") for oid, v in (amounts or {}).items()}
    entry = _check_entry(order_ids, method, reference, received_at, idempotency_key, actor)

    def allocate(selected: list[OrderBalance]) -> list[Allocation]:
        refuse_unselected(explicit, {b.order_id: b for b in selected})
        split = []
        for balance in selected:
            asked = explicit.get(balance.order_id) if explicit else balance.refundable
            if asked is None or asked == 0:
                continue
            if asked > balance.refundable:
                raise WorkflowError(
                    f"Order {balance.order_id} has {balance.refundable} paid and not yet refunded; "
                    f"{asked} was asked.",
                    ErrorCode.REFUND_EXCEEDS_PAID,
                )
            split.append(Allocation(balance.order_id, asked))
        if not split:
            names = ", ".join(str(b.order_id) for b in selected)
            raise WorkflowError(
                f"Nothing was paid on order {names}, so there is nothing to refund.",
                ErrorCode.REFUND_EXCEEDS_PAID,
            )
        return split

    return _record(engine, "refund", order_ids, entry, allocate, allow_cancelled=True)


@dataclass(frozen=True)
class _Entry:
    """What the clerk typed about the money itself, checked and trimmed."""

    method: str
    reference: str | None
    received_at: datetime
    key: str
    actor: str


def _record(
    engine: Engine,
    kind: str,
    order_ids: Sequence[int],
    entry: _Entry,
    allocate: Callable[[list[OrderBalance]], list[Allocation]],
    *,
    allow_cancelled: bool = False,
) -> Payment:
    """The one path of payments and refunds: replay a used idempotency key,
    else lock the selected orders, let `allocate` split the money (or refuse),
    and write the payment, its allocations and the audit row. Four round
    trips: the transaction's BEGIN, the key's lock with the orders' locks and
    balances, the write, the commit."""

    def work(conn: Connection) -> Payment:
        # The key's lock makes a second submission of the same form wait for
        # the first; the key is looked up after that wait, so the first one's
        # payment is seen if it committed, and replayed.
        selected = lock_balances(conn, order_ids, unless_key=entry.key)
        if not selected:
            replay = _replay(conn, entry.key)
            if replay:
                return replay
        _check_selection(order_ids, selected, allow_cancelled=allow_cancelled)
        return _write(conn, kind, selected[0].customer_id, allocate(selected), entry)

    return in_transaction(engine, work)


def _check_entry(
    order_ids: Sequence[int], method: str, reference: str | None, received_at: datetime, key: str, actor: str
) -> _Entry:
    if not order_ids:
        raise WorkflowError("Select at least one order.", ErrorCode.NO_ORDERS_SELECTED)
    if not method or not method.strip():
        raise WorkflowError(
            "Say how the money was paid (e.g. bank transfer, card).", ErrorCode.INVALID_ARGUMENT
        )
    if not key or not key.strip():
        raise WorkflowError(
            "A payment needs an idempotency key; reload the form.", ErrorCode.INVALID_ARGUMENT
        )
    require_aware(received_at, "received_at")
    return _Entry(method.strip(), (reference or "").strip() or None, received_at, key, actor)


def _replay(conn: Connection, key: str) -> Payment | None:
    """The payment already recorded under this key, if any."""
    row = conn.execute(select(payments).where(payments.c.idempotency_key == key)).first()
    if row is None:
        return None
    split = conn.execute(
        select(payment_allocations.c.order_id, payment_allocations.c.amount)
        .where(payment_allocations.c.payment_id == row.id)
        .order_by(payment_allocations.c.order_id)
    ).all()
    return Payment(
        row.id,
        row.customer_id,
        row.kind,
        row.amount,
        row.method,
        row.reference,
        row.received_at,
        row.idempotency_key,
        row.recorded_by,
        tuple(Allocation(*a) for a in split),
        replayed=True,
    )


def _check_selection(
    order_ids: Sequence[int], selected: list[OrderBalance], *, allow_cancelled: bool
) -> None:
    """Refuse unknown orders, orders of several customers and (for a
    payment) cancelled orders, judged on the locked balances."""
    missing = sorted(set(order_ids) - {b.order_id for b in selected})
    if missing:
        raise WorkflowError(
            f"Order {', '.join(map(str, missing))} does not exist.", ErrorCode.ORDER_NOT_FOUND
        )
    customers_seen = sorted({b.customer_id for b in selected})
    if len(customers_seen) > 1:
        raise WorkflowError(
            f"The selected orders belong to {len(customers_seen)} customers "
            f"({', '.join(map(str, customers_seen))}); a payment covers orders of one customer.",
            ErrorCode.ORDERS_OF_SEVERAL_CUSTOMERS,
        )
    cancelled = [b.order_id for b in selected if b.status == "cancelled"]
    if cancelled and not allow_cancelled:
        raise WorkflowError(
            f"Order {', '.join(map(str, cancelled))} is cancelled and takes no payment.",
            ErrorCode.ORDER_CANCELLED,
        )


# The payment, its allocations and its audit row in one statement (one round
# trip). The triggers on payments and payment_allocations run at the end of
# the statement and see all three rows.
_WRITE = text(
    """
    WITH payment AS (
        INSERT INTO payments (customer_id, amount, kind, method, reference, received_at,
                              idempotency_key, recorded_by)
        VALUES (:customer_id, :amount, :kind, :method, :reference, :received_at, :key, :actor)
        RETURNING id
    ), allocated AS (
        INSERT INTO payment_allocations (payment_id, order_id, amount)
        SELECT payment.id, split.order_id, split.amount
          FROM payment, unnest(CAST(:order_ids AS bigint[]), CAST(:amounts AS numeric[])) AS split (order_id, amount)
    ), audited AS (
        INSERT INTO audit_log (actor, action, entity, entity_id, details)
        SELECT :actor, :action, 'payment', payment.id::text, :details FROM payment
    )
    SELECT id FROM payment
    """
).bindparams(
    bindparam("order_ids", type_=ARRAY(BigInteger)),
    bindparam("amounts", type_=ARRAY(Numeric(12, 2))),
    bindparam("details", type_=JSONB),
)


def _write(
    conn: Connection, kind: str, customer_id: int, split: Sequence[Allocation], entry: _Entry
) -> Payment:
    amount = sum((a.amount for a in split), Decimal("0.00"))
    payment_id = conn.execute(
        _WRITE,
        {
            "customer_id": customer_id,
            "amount": amount,
            "kind": kind,
            "method": entry.method,
            "reference": entry.reference,
            "received_at": entry.received_at,
            "key": entry.key,
            "actor": entry.actor,
            "order_ids": [a.order_id for a in split],
            "amounts": [a.amount for a in split],
            "action": f"{kind}.recorded",
            "details": {
                "customer_id": customer_id,
                "amount": str(amount),
                "method": entry.method,
                "allocations": {str(a.order_id): str(a.amount) for a in split},
            },
        },
    ).scalar_one()
    return Payment(
        payment_id,
        customer_id,
        kind,
        amount,
        entry.method,
        entry.reference,
        entry.received_at,
        entry.key,
        entry.actor,
        tuple(split),
    )
