"""Payments and refunds: exact balances from the database, no overpayment
under concurrency, one payment per idempotency key."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.integration.shop import T0, Shop
from workflow.balances import PaymentState, customer_orders, order_balances_for
from workflow.errors import ErrorCode, WorkflowError
from workflow.payments import record_payment, record_refund


def pay(shop: Shop, order_ids, amount, key, **kw):
    return record_payment(
        shop.engine,
        order_ids=order_ids,
        amount=amount,
        method="bank transfer",
        received_at=T0 + timedelta(days=1),
        idempotency_key=key,
        actor="clerk",
        **kw,
    )


def refund(shop: Shop, order_ids, key, **kw):
    return record_refund(
        shop.engine,
        order_ids=order_ids,
        method="bank transfer",
        received_at=T0 + timedelta(days=2),
        idempotency_key=key,
        actor="clerk",
        **kw,
    )


def balance(shop: Shop, order_id, at=None):
    return order_balances_for(shop.engine, [order_id], at=at)[0]


def test_a_payment_is_allocated_oldest_due_date_first(shop: Shop):
    old = shop.order(shop.ann, (shop.mug, 2))  # 25.00, due T0+30d
    new = shop.order(shop.ann, (shop.lamp, 1), placed_at=T0 + timedelta(days=3))  # 40.00
    payment = pay(shop, [new.id, old.id], "30.00", "k1")
    assert [(a.order_id, a.amount) for a in payment.allocations] == [
        (old.id, Decimal("25.00")),
        (new.id, Decimal("5.00")),
    ]
    assert (balance(shop, old.id, T0).state, balance(shop, new.id, T0).state) == (
        PaymentState.PAID,
        PaymentState.PARTIALLY_PAID,
    )
    assert balance(shop, new.id).balance_due == Decimal("35.00")


def test_explicit_allocations_are_kept_as_given(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    b = shop.order(shop.ann, (shop.lamp, 1))
    payment = pay(shop, [a.id, b.id], "30.00", "k1", allocations={a.id: "5.00", b.id: "25.00"})
    assert {x.order_id: x.amount for x in payment.allocations} == {
        a.id: Decimal("5.00"),
        b.id: Decimal("25.00"),
    }


@pytest.mark.parametrize(
    ("amount", "allocations", "code", "message"),
    [
        ("25.01", None, ErrorCode.OVERPAYMENT, "Order {a} has 25.00 left to pay; 25.01 was entered."),
        ("0", None, ErrorCode.INVALID_AMOUNT, "Amount must be more than 0.00; 0 was entered."),
        ("-5", None, ErrorCode.INVALID_AMOUNT, "Amount must be more than 0.00; -5 was entered."),
        ("12.345", None, ErrorCode.INVALID_AMOUNT, "Amount 12.345 has more than two decimals"),
        ("ten", None, ErrorCode.INVALID_AMOUNT, "Amount 'ten' is not a number; enter e.g. 12.50."),
        (
            "20.00",
            {"a": "15.00", "x": "5.00"},
            ErrorCode.ALLOCATION_MISMATCH,
            "is not among the selected orders",
        ),
        (
            "20.00",
            {"a": "15.00"},
            ErrorCode.ALLOCATION_MISMATCH,
            "The allocations add up to 15.00 but the payment is 20.00; make them equal.",
        ),
    ],
)
def test_a_bad_payment_is_refused_with_a_clerks_message_and_writes_nothing(
    shop, amount, allocations, code, message
):
    a = shop.order(shop.ann, (shop.mug, 2))  # 25.00
    resolved = None
    if allocations is not None:
        resolved = {(a.id if k == "a" else 999): v for k, v in allocations.items()}
    with pytest.raises(WorkflowError) as caught:
        pay(shop, [a.id], amount, "k1", allocations=resolved)
    assert caught.value.code is code
    assert message.format(a=a.id) in caught.value.message
    with shop.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM payments")).scalar_one() == 0


def test_an_allocation_above_an_orders_balance_is_refused(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    b = shop.order(shop.ann, (shop.lamp, 1))
    with pytest.raises(WorkflowError) as caught:
        pay(shop, [a.id, b.id], "30.00", "k1", allocations={a.id: "26.00", b.id: "4.00"})
    assert caught.value.code is ErrorCode.OVERPAYMENT
    assert caught.value.message == f"Order {a.id} has 25.00 left to pay; 26.00 was allocated to it."


def test_several_orders_together_report_their_joint_balance(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    b = shop.order(shop.ann, (shop.lamp, 1))
    with pytest.raises(WorkflowError) as caught:
        pay(shop, [b.id, a.id], "70.00", "k1")
    assert (
        caught.value.message == f"Orders {a.id}, {b.id} have 65.00 left to pay together; 70.00 was entered."
    )


def test_orders_of_two_customers_or_cancelled_orders_take_no_payment(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 1))
    b = shop.order(shop.bob, (shop.mug, 1))
    with pytest.raises(WorkflowError) as caught:
        pay(shop, [a.id, b.id], "1.00", "k1")
    assert caught.value.code is ErrorCode.ORDERS_OF_SEVERAL_CUSTOMERS
    assert "belong to 2 customers" in caught.value.message
    from workflow.orders import cancel_order

    cancel_order(shop.engine, order_id=a.id, actor="clerk")
    with pytest.raises(WorkflowError, match=f"Order {a.id} is cancelled and takes no payment.") as caught:
        pay(shop, [a.id], "1.00", "k2")
    assert caught.value.code is ErrorCode.ORDER_CANCELLED
    with pytest.raises(WorkflowError, match=r"Order 999 does not exist\.") as caught:
        pay(shop, [999], "1.00", "k3")
    assert caught.value.code is ErrorCode.ORDER_NOT_FOUND


def test_submitting_the_same_form_twice_records_one_payment(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    first = pay(shop, [a.id], "10.00", "form-123")
    second = pay(shop, [a.id], "10.00", "form-123")
    assert second.id == first.id and second.replayed and not first.replayed
    assert balance(shop, a.id).paid == Decimal("10.00")


def test_a_refund_lowers_cash_but_never_reopens_the_balance(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    pay(shop, [a.id], "25.00", "p1")
    r = refund(shop, [a.id], "r1", amounts={a.id: "5.00"})
    assert r.kind == "refund" and r.amount == Decimal("5.00")
    after = balance(shop, a.id)
    assert (after.paid, after.refunded, after.balance_due) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    assert after.state is PaymentState.PARTIALLY_REFUNDED
    with pytest.raises(WorkflowError) as caught:
        refund(shop, [a.id], "r2", amounts={a.id: "20.01"})
    assert caught.value.code is ErrorCode.REFUND_EXCEEDS_PAID
    assert caught.value.message == f"Order {a.id} has 20.00 paid and not yet refunded; 20.01 was asked."
    full = refund(shop, [a.id], "r3")
    assert full.amount == Decimal("20.00")
    assert balance(shop, a.id).state is PaymentState.REFUNDED


def test_a_cancelled_order_owes_nothing_on_every_screen_whatever_was_paid_on_it(shop: Shop):
    """Paid in part, refunded, then cancelled: total 25.00 and paid 10.00 stay
    on record, but nothing is owed, in the payment rules' balances, the
    orders listing and the customer's figures alike."""
    from workflow.listings.customers import CustomerQuery, list_customers
    from workflow.listings.orders import OrderQuery, list_orders
    from workflow.orders import cancel_order

    kept = shop.order(shop.ann, (shop.lamp, 1))  # 40.00, stays open
    gone = shop.order(shop.ann, (shop.mug, 2))  # 25.00
    pay(shop, [gone.id], "10.00", "p1")
    refund(shop, [gone.id], "r1")
    cancel_order(shop.engine, order_id=gone.id, actor="clerk")
    after = balance(shop, gone.id)
    assert (after.status, after.total, after.paid, after.balance_due, after.state) == (
        "cancelled",
        Decimal("25.00"),
        Decimal("10.00"),
        Decimal("0.00"),
        None,
    )
    rows = {r.order_id: r for r in list_orders(shop.engine, OrderQuery(customer_id=shop.ann)).rows}
    assert (rows[gone.id].balance_due, rows[kept.id].balance_due) == (Decimal("0.00"), Decimal("40.00"))
    (ann,) = list_customers(shop.engine, CustomerQuery(search="ann@example.com"), pii=True).rows
    assert ann.balance_due == Decimal("40.00")


def test_a_refund_on_an_order_with_nothing_paid_is_refused(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    with pytest.raises(WorkflowError, match=f"Nothing was paid on order {a.id}") as caught:
        refund(shop, [a.id], "r1")
    assert caught.value.code is ErrorCode.REFUND_EXCEEDS_PAID


def test_every_row_of_the_payment_state_table_at_its_boundaries(shop: Shop):
    """DESIGN.md's table, first match wins, judged at a chosen moment."""
    due = T0 + timedelta(days=30)
    unpaid = shop.order(shop.ann, (shop.mug, 2))
    partial = shop.order(shop.ann, (shop.mug, 2))
    paid = shop.order(shop.ann, (shop.mug, 2))
    part_refunded = shop.order(shop.ann, (shop.mug, 2))
    refunded = shop.order(shop.ann, (shop.mug, 2))
    pay(shop, [partial.id], "0.01", "a")
    pay(shop, [paid.id], "25.00", "b")
    pay(shop, [part_refunded.id], "25.00", "c")
    refund(shop, [part_refunded.id], "d", amounts={part_refunded.id: "24.99"})
    pay(shop, [refunded.id], "10.00", "e")  # partly paid, then all of it given back
    refund(shop, [refunded.id], "f")

    def state(order, at):
        return balance(shop, order.id, at=at).state

    assert state(unpaid, due) is PaymentState.UNPAID  # exactly at the due date: not yet overdue
    assert state(unpaid, due + timedelta(microseconds=1)) is PaymentState.OVERDUE
    assert state(partial, due) is PaymentState.PARTIALLY_PAID
    assert state(partial, due + timedelta(seconds=1)) is PaymentState.OVERDUE
    assert state(paid, due + timedelta(days=99)) is PaymentState.PAID
    assert state(part_refunded, due + timedelta(days=99)) is PaymentState.PARTIALLY_REFUNDED
    assert (
        state(refunded, due + timedelta(days=99)) is PaymentState.REFUNDED
    )  # refunded = paid wins over overdue


def test_sixteen_clerks_paying_the_same_orders_at_once_never_overpay(shop: Shop):
    orders = [shop.order(shop.ann, (shop.mug, 1)) for _ in range(3)]  # 3 x 12.50 = 37.50 owed
    ids = [o.id for o in orders]
    outcomes: list[object] = []
    start = threading.Barrier(16)

    def clerk(n: int) -> None:
        start.wait()
        try:
            outcomes.append(pay(shop, list(reversed(ids)) if n % 2 else ids, "5.00", f"clerk-{n}"))
        except WorkflowError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorded = [o for o in outcomes if not isinstance(o, WorkflowError)]
    refused = [o for o in outcomes if isinstance(o, WorkflowError)]
    assert len(recorded) == 7  # 7 x 5.00 = 35.00 fits in 37.50; the 8th would overpay
    assert all(e.code is ErrorCode.OVERPAYMENT for e in refused) and len(refused) == 9
    assert sum(b.paid for b in order_balances_for(shop.engine, ids)) == Decimal("35.00")


def test_the_payment_form_lookup_pages_a_customers_open_orders_with_balances(shop: Shop):
    orders = [shop.order(shop.ann, (shop.mug, 1), placed_at=T0 + timedelta(hours=h)) for h in range(5)]
    pay(shop, [orders[0].id], "12.50", "p")
    shop.order(shop.bob, (shop.mug, 1))
    page = customer_orders(shop.engine, shop.ann, limit=3, at=T0)
    assert page.total_count == 4 and page.total_balance_due == Decimal("50.00")
    assert [r.order_id for r in page.rows] == [o.id for o in orders[1:4]]
    assert customer_orders(shop.engine, shop.ann, limit=3, offset=3, at=T0).rows[0].order_id == orders[4].id


def test_the_same_form_submitted_twice_at_once_records_one_payment_and_replays_it(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))  # 25.00: the second full payment would overpay
    key = "form-twice"
    outcomes: list[object] = []
    with shop.engine.connect() as holder:  # holds the key so both submissions queue on it
        holder.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
        threads = [
            threading.Thread(target=lambda: outcomes.append(pay(shop, [a.id], "25.00", key))) for _ in "ab"
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            waiting = holder.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar_one()
            if waiting == 2:
                break
            time.sleep(0.01)
        holder.rollback()
    for t in threads:
        t.join()
    first, second = sorted(outcomes, key=lambda p: p.replayed)
    assert first.id == second.id and not first.replayed and second.replayed
    assert second.allocations == first.allocations
    assert balance(shop, a.id).paid == Decimal("25.00")


def test_a_payment_writes_its_audit_row_with_the_allocations(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2))
    b = shop.order(shop.ann, (shop.lamp, 1), placed_at=T0 + timedelta(days=1))
    payment = pay(shop, [a.id, b.id], "30.00", "audited")
    with shop.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, action, details FROM audit_log WHERE entity = 'payment' AND entity_id = :id"),
            {"id": str(payment.id)},
        ).all()
    assert [tuple(r) for r in rows] == [
        (
            "clerk",
            "payment.recorded",
            {
                "customer_id": shop.ann,
                "amount": "30.00",
                "method": "bank transfer",
                "allocations": {str(a.id): "25.00", str(b.id): "5.00"},
            },
        )
    ]


CASH_BY_DAY = text(
    "SELECT day, country, sum(collected), sum(refunded) FROM cash_daily GROUP BY 1, 2 ORDER BY 1, 2"
)
RAW_CASH_BY_DAY = text(
    "SELECT (p.received_at AT TIME ZONE bc.timezone)::date, c.country, "
    "coalesce(sum(p.amount) FILTER (WHERE p.kind = 'payment'), 0), "
    "coalesce(sum(p.amount) FILTER (WHERE p.kind = 'refund'), 0) "
    "FROM payments p JOIN customers c ON c.id = p.customer_id CROSS JOIN business_calendar bc "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)


def test_payments_of_one_day_and_country_do_not_wait_for_each_other_and_cash_adds_up(shop: Shop):
    a, b, c = (shop.order(shop.ann, (shop.mug, 2)) for _ in range(3))
    with shop.engine.connect() as first, shop.engine.connect() as second:
        for conn in (first, second):
            conn.execute(text("SET lock_timeout = '2s'"))
        for conn, order, key in ((first, a, "one"), (second, b, "two")):
            conn.execute(
                text(
                    "WITH p AS (INSERT INTO payments (customer_id, amount, kind, method, received_at, "
                    "idempotency_key, recorded_by) VALUES (:c, 10.00, 'payment', 'cash', :at, :k, 'clerk') "
                    "RETURNING id) INSERT INTO payment_allocations (payment_id, order_id, amount) "
                    "SELECT id, :o, 10.00 FROM p"
                ),
                {"c": shop.ann, "at": T0 + timedelta(days=1), "k": key, "o": order.id},
            )  # the second one waited for the first one's commit before migration 006
        second.commit()
        first.commit()
    pay(shop, [c.id], "7.50", "three")  # nobody else writing: no new row for the day
    refund(shop, [a.id], "back", amounts={a.id: "2.00"})
    with shop.engine.connect() as conn:
        day = conn.execute(
            text("SELECT (CAST(:at AS timestamptz) AT TIME ZONE timezone)::date FROM business_calendar"),
            {"at": T0 + timedelta(days=1)},
        ).scalar_one()
        assert conn.execute(CASH_BY_DAY).all() == conn.execute(RAW_CASH_BY_DAY).all()
        rows = conn.execute(
            text("SELECT count(*) FROM cash_daily WHERE day = :d AND country = 'DE'"), {"d": day}
        ).scalar_one()
        assert rows == 2  # two payments were open at once, no more
        conn.execute(text("SELECT rebuild_rollups()"))
        assert conn.execute(CASH_BY_DAY).all() == conn.execute(RAW_CASH_BY_DAY).all()
        conn.rollback()
    with shop.engine.connect() as conn:
        expected = [(Decimal("27.50"), Decimal("0.00"))]
        assert (
            conn.execute(
                text(
                    "SELECT sum(collected), sum(refunded) FROM cash_daily WHERE day = :d AND country = 'DE'"
                ),
                {"d": day},
            ).all()
            == expected
        )
