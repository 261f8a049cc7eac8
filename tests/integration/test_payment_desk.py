"""The clerk's payment desk on a real PostgreSQL: open orders a page at a
time, orders typed by number, the selection's exact balance, and a checked
entry recorded through the payment rule. Expected figures come from SQL over
the raw rows or from the payment rule itself, never from the desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.integration.shop import T0, Shop
from workflow import payment_desk as desk
from workflow.balances import PaymentState
from workflow.errors import ErrorCode, WorkflowError
from workflow.orders import cancel_order
from workflow.payments import record_payment

NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


def pay(shop: Shop, order_ids, amount, key):
    return record_payment(
        shop.engine,
        order_ids=order_ids,
        amount=amount,
        method="card",
        received_at=T0 + timedelta(days=1),
        idempotency_key=key,
        actor="other clerk",
    )


def owed_by_sql(shop: Shop, order_ids) -> Decimal:
    with shop.engine.connect() as conn:
        return conn.execute(
            text("SELECT coalesce(sum(total - paid), 0) FROM order_balances WHERE order_id = ANY(:ids)"),
            {"ids": list(order_ids)},
        ).scalar_one()


def entry(amount: str, allocations: dict[int, str], **overrides) -> desk.PaymentEntry:
    return desk.PaymentEntry(
        amount=Decimal(amount),
        allocations={k: Decimal(v) for k, v in allocations.items()},
        method=overrides.get("method", "bank_transfer"),
        reference=overrides.get("reference"),
        received_at=overrides.get("received_at", NOW),
    )


@pytest.fixture
def ann_orders(shop: Shop):
    """Ann: an order paid in full, one partially paid, one unpaid, one
    cancelled; Bob: one unpaid order."""
    paid = shop.order(shop.ann, (shop.mug, 1))  # 12.50
    partly = shop.order(shop.ann, (shop.lamp, 1), placed_at=T0 + timedelta(days=1))  # 40.00
    unpaid = shop.order(shop.ann, (shop.mug, 2), placed_at=T0 + timedelta(days=2))  # 25.00
    cancelled = shop.order(shop.ann, (shop.mug, 1), placed_at=T0 + timedelta(days=3))
    cancel_order(shop.engine, order_id=cancelled.id, actor="test")
    bobs = shop.order(shop.bob, (shop.lamp, 2))
    pay(shop, [paid.id], "12.50", "paid-in-full")
    pay(shop, [partly.id], "15.00", "partly")
    return {
        "paid": paid.id,
        "partly": partly.id,
        "unpaid": unpaid.id,
        "cancelled": cancelled.id,
        "bob": bobs.id,
    }


def test_open_orders_are_the_unpaid_and_partially_paid_ones_oldest_due_first(shop, ann_orders):
    found = desk.open_orders(shop.engine, shop.ann)
    assert [b.order_id for b in found.balances.rows] == [ann_orders["partly"], ann_orders["unpaid"]]
    assert found.balances.total_count == 2
    assert found.balances.total_balance_due == owed_by_sql(shop, [ann_orders["partly"], ann_orders["unpaid"]])
    assert found.customer.full_name == "Ann Lee"
    assert found.customer.email == "a***@e***.com"  # masked unless the caller may see it


def test_a_page_past_the_end_shows_the_last_page(shop, ann_orders):
    found = desk.open_orders(shop.engine, shop.ann, page=9, page_size=1)
    assert (found.page, found.page_count) == (2, 2)
    assert [b.order_id for b in found.balances.rows] == [ann_orders["unpaid"]]


def test_searching_open_orders_by_the_start_of_the_number(shop, ann_orders):
    prefix = str(ann_orders["unpaid"])
    found = desk.open_orders(shop.engine, shop.ann, search=prefix)
    assert ann_orders["unpaid"] in [b.order_id for b in found.balances.rows]
    with pytest.raises(WorkflowError) as refused:
        desk.open_orders(shop.engine, shop.ann, search="12a")
    assert refused.value.code == ErrorCode.INVALID_ARGUMENT
    assert refused.value.message == "Order numbers are digits; '12a' is not the start of one."


def test_an_unknown_customer_is_refused(shop):
    with pytest.raises(WorkflowError) as refused:
        desk.open_orders(shop.engine, 999_999)
    assert refused.value.code == ErrorCode.CUSTOMER_NOT_FOUND
    assert refused.value.message == "Customer 999999 does not exist."


def test_a_customer_with_ten_thousand_open_orders_pages_and_searches(shop):
    with shop.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO orders (customer_id, placed_at, due_at) "
                "SELECT :c, :t + n * interval '1 minute', :t + n * interval '1 minute' + interval '30 days' "
                "FROM generate_series(1, 10000) AS n"
            ),
            {"c": shop.ann, "t": T0},
        )
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
                "SELECT id, :p, 1, 12.50, 5.00 FROM orders WHERE customer_id = :c"
            ),
            {"c": shop.ann, "p": shop.mug},
        )
        first_ids = (
            conn.execute(
                text("SELECT id FROM orders WHERE customer_id = :c ORDER BY due_at, id"), {"c": shop.ann}
            )
            .scalars()
            .all()
        )
    last = desk.open_orders(shop.engine, shop.ann, page=400)
    assert last.balances.total_count == 10_000
    assert last.page_count == 400
    assert [b.order_id for b in last.balances.rows] == first_ids[-25:]
    assert last.balances.total_balance_due == Decimal("125000.00")
    target = first_ids[4321]
    searched = desk.open_orders(shop.engine, shop.ann, search=str(target))
    assert target in [b.order_id for b in searched.balances.rows]
    assert all(str(b.order_id).startswith(str(target)) for b in searched.balances.rows)


def test_orders_typed_by_number_are_found_for_their_customer(shop, ann_orders):
    found = desk.find_orders(
        shop.engine, f"#{ann_orders['unpaid']}, {ann_orders['partly']} {ann_orders['unpaid']}"
    )
    assert found.customer.id == shop.ann
    assert found.order_ids == (ann_orders["unpaid"], ann_orders["partly"])


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("", ErrorCode.NO_ORDERS_SELECTED, "Type one or more order numbers, e.g. 1042, 1043."),
        (
            "10x, 11",
            ErrorCode.INVALID_ARGUMENT,
            "'10x' is not an order number; type numbers separated by commas, e.g. 1042, 1043.",
        ),
        ("999999", ErrorCode.ORDER_NOT_FOUND, "Order 999999 does not exist."),
    ],
)
def test_order_numbers_that_cannot_be_paid_are_refused(shop, ann_orders, typed, code, message):
    with pytest.raises(WorkflowError) as refused:
        desk.find_orders(shop.engine, typed)
    assert (refused.value.code, refused.value.message) == (code, message)


def test_orders_of_two_customers_or_with_nothing_to_pay_are_refused(shop, ann_orders):
    with pytest.raises(WorkflowError) as two:
        desk.find_orders(shop.engine, f"{ann_orders['unpaid']}, {ann_orders['bob']}")
    assert two.value.code == ErrorCode.ORDERS_OF_SEVERAL_CUSTOMERS
    assert two.value.message == (
        f"The orders belong to 2 customers ({shop.ann}, {shop.bob}); a payment covers orders of one customer."
    )
    with pytest.raises(WorkflowError) as settled:
        desk.find_orders(shop.engine, str(ann_orders["paid"]))
    assert settled.value.message == f"Order {ann_orders['paid']} has nothing left to pay."
    with pytest.raises(WorkflowError) as cancelled:
        desk.find_orders(shop.engine, str(ann_orders["cancelled"]))
    assert cancelled.value.code == ErrorCode.ORDER_CANCELLED


def test_the_selection_owes_what_the_database_says_and_is_listed_oldest_due_first(shop, ann_orders):
    chosen = [ann_orders["unpaid"], ann_orders["partly"], 999_999]
    due = desk.selection_due(shop.engine, chosen)
    assert [b.order_id for b in due.balances] == [ann_orders["partly"], ann_orders["unpaid"]]
    assert due.balance_due == owed_by_sql(shop, chosen) == Decimal("50.00")
    assert due.missing == (999_999,)


def test_a_cancelled_order_in_the_selection_owes_nothing(shop, ann_orders):
    due = desk.selection_due(shop.engine, [ann_orders["unpaid"], ann_orders["cancelled"]])
    assert due.balance_due == Decimal("25.00")


def test_a_checked_entry_is_recorded_by_the_rule_with_the_clerks_allocations(shop, ann_orders):
    partly, unpaid = ann_orders["partly"], ann_orders["unpaid"]
    receipt = desk.pay_selection(
        shop.engine,
        order_ids=[partly, unpaid],
        entry=entry("30.00", {partly: "5.00", unpaid: "25.00"}, reference="TR-1"),
        idempotency_key="desk-1",
        actor="clerk",
    )
    with shop.engine.connect() as conn:
        written = conn.execute(
            text(
                "SELECT a.order_id, a.amount FROM payment_allocations a JOIN payments p ON p.id = a.payment_id "
                "WHERE p.idempotency_key = 'desk-1' ORDER BY a.order_id"
            )
        ).all()
    assert [tuple(r) for r in written] == [(partly, Decimal("5.00")), (unpaid, Decimal("25.00"))]
    states = {b.order_id: b.state for b in receipt.balances}
    assert states[unpaid] == PaymentState.PAID
    assert receipt.payment.reference == "TR-1" and not receipt.payment.replayed


def test_the_same_key_twice_records_one_payment(shop, ann_orders):
    unpaid = ann_orders["unpaid"]
    form = entry("10.00", {unpaid: "10.00"})
    first = desk.pay_selection(
        shop.engine, order_ids=[unpaid], entry=form, idempotency_key="k", actor="clerk"
    )
    again = desk.pay_selection(
        shop.engine, order_ids=[unpaid], entry=form, idempotency_key="k", actor="clerk"
    )
    assert again.payment.replayed and again.payment.id == first.payment.id
    with shop.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM payments WHERE idempotency_key = 'k'")).scalar_one() == 1
        )
    assert owed_by_sql(shop, [unpaid]) == Decimal("15.00")


def test_paying_more_than_is_left_after_another_clerk_is_refused_and_writes_nothing(shop, ann_orders):
    unpaid = ann_orders["unpaid"]
    pay(shop, [unpaid], "5.00", "meanwhile")
    with pytest.raises(WorkflowError) as refused:
        desk.pay_selection(
            shop.engine,
            order_ids=[unpaid],
            entry=entry("25.00", {unpaid: "25.00"}),
            idempotency_key="stale",
            actor="clerk",
        )
    assert refused.value.code == ErrorCode.OVERPAYMENT
    assert refused.value.message == f"Order {unpaid} has 20.00 left to pay; 25.00 was entered."
    with shop.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM payments WHERE idempotency_key = 'stale'")).scalar_one()
            == 0
        )
