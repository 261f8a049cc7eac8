"""Order balances and payment states, computed by PostgreSQL.

total, paid and refunded come from order_balances (kept by triggers from the
items and allocations); the balance due is the SQL function balance_due():
total - paid, nothing for a cancelled order (a refund lowers the cash
collected but never reopens a balance); the state is the SQL function
payment_state(), the table of DESIGN.md, first match wins. No Python loop
adds up rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Select,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from workflow.tables import order_balances, orders


class PaymentState(str, Enum):
    """DESIGN.md's payment states, in the order the rule tests them."""

    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    PAID = "paid"
    OVERDUE = "overdue"
    PARTIALLY_PAID = "partially_paid"
    UNPAID = "unpaid"


OPEN_STATES = (PaymentState.UNPAID, PaymentState.PARTIALLY_PAID, PaymentState.OVERDUE)


@dataclass(frozen=True)
class OrderBalance:
    order_id: int
    customer_id: int
    status: str
    placed_at: datetime
    due_at: datetime
    total: Decimal
    paid: Decimal
    refunded: Decimal
    balance_due: Decimal  # 0.00 for a cancelled order
    state: PaymentState | None  # None for a cancelled order

    @property
    def refundable(self) -> Decimal:
        """Paid on this order and not yet given back."""
        return self.paid - self.refunded


@dataclass(frozen=True)
class BalancePage:
    rows: tuple[OrderBalance, ...]
    total_count: int
    total_balance_due: Decimal


def _balance_query(at: datetime | None) -> Select:
    moment = func.now() if at is None else at
    state = func.payment_state(
        orders.c.status,
        order_balances.c.total,
        order_balances.c.paid,
        order_balances.c.refunded,
        orders.c.due_at,
        moment,
    )
    return select(
        orders.c.id,
        orders.c.customer_id,
        orders.c.status,
        orders.c.placed_at,
        orders.c.due_at,
        order_balances.c.total,
        order_balances.c.paid,
        order_balances.c.refunded,
        func.balance_due(orders.c.status, order_balances.c.total, order_balances.c.paid).label("balance_due"),
        state.label("state"),
    ).join(order_balances, order_balances.c.order_id == orders.c.id)


def _to_balance(row) -> OrderBalance:
    return OrderBalance(
        order_id=row.id,
        customer_id=row.customer_id,
        status=row.status,
        placed_at=row.placed_at,
        due_at=row.due_at,
        total=row.total,
        paid=row.paid,
        refunded=row.refunded,
        balance_due=row.balance_due,
        state=PaymentState(row.state) if row.state else None,
    )


def balances_on(
    conn: Connection, order_ids: Iterable[int], *, at: datetime | None = None
) -> list[OrderBalance]:
    """Balances of the given orders on an open connection, by order id
    (unknown ids are simply absent)."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    query = _balance_query(at).where(orders.c.id.in_(ids)).order_by(orders.c.id)
    return [_to_balance(row) for row in conn.execute(query)]


def _lock_query(*, unless_key: bool) -> Select:
    """order_balances rows of the orders in :ids, locked FOR UPDATE in order id
    order and judged now; with `unless_key`, first the idempotency key :key's
    lock is taken (payment_key_unused(), migration 015, evaluated once before
    any row is locked), and nothing is locked or returned when a payment
    carries that key."""
    b = order_balances.c
    state = func.payment_state(b.status, b.total, b.paid, b.refunded, b.due_at, func.now())
    query = select(
        b.order_id.label("id"),
        b.customer_id,
        b.status,
        b.placed_at,
        b.due_at,
        b.total,
        b.paid,
        b.refunded,
        func.balance_due(b.status, b.total, b.paid).label("balance_due"),
        state.label("state"),
    ).where(b.order_id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
    if unless_key:
        query = query.where(select(func.payment_key_unused(bindparam("key"))).scalar_subquery())
    return query.order_by(b.order_id).with_for_update()


# Built once: a clerk's payment runs one of these, and building and hashing
# the construct again on every call cost more Python time than executing it
# (the payments load runs eight clerks' threads under one GIL).
_LOCK = _lock_query(unless_key=False)
_LOCK_UNLESS_KEY = _lock_query(unless_key=True)


def lock_balances(
    conn: Connection, order_ids: Iterable[int], *, unless_key: str | None = None
) -> list[OrderBalance]:
    """Lock the given orders' balance rows (FOR UPDATE, in order id order, so
    two writers never deadlock) and read them, judged now, in the same
    statement: from order_balances alone, which carries each order's
    customer, status and dates, so after waiting for another writer's lock
    the values returned are those it committed. Unknown ids are absent. With
    `unless_key`, the statement first waits for that idempotency key's
    transaction lock (so a second submission of a form waits for the first
    to finish), then locks and returns nothing when a payment carries the
    key: the key is looked up after the wait, so a first submission that
    committed is seen."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    if unless_key is None:
        rows = conn.execute(_LOCK, {"ids": ids})
    else:
        rows = conn.execute(_LOCK_UNLESS_KEY, {"ids": ids, "key": unless_key})
    return [_to_balance(row) for row in rows]


def order_balances_for(
    engine: Engine, order_ids: Iterable[int], *, at: datetime | None = None
) -> list[OrderBalance]:
    """Total, paid, refunded, balance due and payment state of any set of
    orders, judged at `at` (default: now), in order id order."""
    with engine.connect() as conn:
        return balances_on(conn, order_ids, at=at)


def customer_orders(
    engine: Engine,
    customer_id: int,
    *,
    states: Sequence[PaymentState] = OPEN_STATES,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
    at: datetime | None = None,
) -> BalancePage:
    """One page of a customer's orders in the given payment states (default:
    the open ones a clerk can take a payment for), oldest due date first,
    with the count and the balance due of all matching orders, not just the
    page. `search` narrows to order numbers starting with the given digits.
    Cancelled orders are excluded."""
    query = _balance_query(at).where(orders.c.customer_id == customer_id, orders.c.status == "placed")
    if search and search.strip().isdigit():
        query = query.where(cast(orders.c.id, Text).startswith(search.strip()))
    matching = query.subquery()
    filtered = select(matching).where(matching.c.state.in_([s.value for s in states]))
    counted = filtered.subquery()
    with engine.connect() as conn:
        summary = conn.execute(
            select(func.count(), func.coalesce(func.sum(counted.c.balance_due), 0)).select_from(counted)
        ).one()
        page = conn.execute(
            filtered.order_by(matching.c.due_at, matching.c.id).limit(limit).offset(offset)
        ).all()
    return BalancePage(tuple(_to_balance(r) for r in page), summary[0], summary[1])
