"""Any sequence of payments and refunds keeps the money invariants, checked
by SQL over the raw rows, and agrees with a simple model of what is owed."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.integration.shop import T0, Shop
from workflow.errors import ErrorCode, WorkflowError
from workflow.payments import record_payment, record_refund

keys = itertools.count()
amounts = st.integers(min_value=1, max_value=6000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sets(st.integers(0, 2), min_size=1), amounts),
        st.tuples(st.just("refund"), st.integers(0, 2), st.none() | amounts),
    ),
    max_size=8,
)

INVARIANTS = {
    "a payment's allocations differ from its amount": """
        SELECT p.id FROM payments p JOIN payment_allocations a ON a.payment_id = p.id
        GROUP BY p.id HAVING sum(a.amount) <> max(p.amount)""",
    "an order is overpaid": """
        SELECT order_id FROM order_balances WHERE paid > total""",
    "an order is refunded more than was paid on it": """
        SELECT order_id FROM order_balances WHERE refunded > paid""",
    "a maintained balance differs from the raw rows": """
        SELECT o.id FROM orders o JOIN order_balances b ON b.order_id = o.id
        LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) i
               ON i.order_id = o.id
        LEFT JOIN (SELECT a.order_id,
                          coalesce(sum(a.amount) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
                          coalesce(sum(a.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
                     FROM payment_allocations a JOIN payments p ON p.id = a.payment_id GROUP BY a.order_id) m
               ON m.order_id = o.id
        WHERE b.total <> coalesce(i.total, 0) OR b.paid <> coalesce(m.paid, 0)
           OR b.refunded <> coalesce(m.refunded, 0)""",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_payments_and_refunds_keeps_every_money_invariant(shop: Shop, ops):
    orders = [
        shop.order(shop.ann, (shop.mug, 1)),
        shop.order(shop.ann, (shop.lamp, 1)),
        shop.order(shop.ann, (shop.mug, 2)),
    ]
    total = [o.total for o in orders]
    paid = [Decimal("0.00")] * 3
    refunded = [Decimal("0.00")] * 3
    for kind, target, amount in ops:
        key = f"prop-{next(keys)}"
        if kind == "pay":
            idx = sorted(target)
            owed = sum(total[i] - paid[i] for i in idx)
            try:
                payment = record_payment(
                    shop.engine,
                    order_ids=[orders[i].id for i in idx],
                    amount=amount,
                    method="card",
                    received_at=T0,
                    idempotency_key=key,
                    actor="p",
                )
            except WorkflowError as exc:
                assert exc.code is ErrorCode.OVERPAYMENT and amount > owed
                continue
            assert amount <= owed
            for a in payment.allocations:
                paid[[o.id for o in orders].index(a.order_id)] += a.amount
        else:
            refundable = paid[target] - refunded[target]
            try:
                r = record_refund(
                    shop.engine,
                    order_ids=[orders[target].id],
                    method="card",
                    received_at=T0,
                    idempotency_key=key,
                    actor="p",
                    amounts=None if amount is None else {orders[target].id: amount},
                )
            except WorkflowError as exc:
                assert exc.code is ErrorCode.REFUND_EXCEEDS_PAID
                assert refundable == 0 or (amount is not None and amount > refundable)
                continue
            assert r.amount == (refundable if amount is None else amount)
            refunded[target] += r.amount
    with shop.engine.connect() as conn:
        for broken, query in INVARIANTS.items():
            assert conn.execute(text(query)).all() == [], broken
        stored = conn.execute(
            text(
                "SELECT paid, refunded, total - paid FROM order_balances WHERE order_id = ANY(:ids) ORDER BY order_id"
            ),
            {"ids": [o.id for o in orders]},
        ).all()
    assert stored == [(paid[i], refunded[i], total[i] - paid[i]) for i in range(3)]
