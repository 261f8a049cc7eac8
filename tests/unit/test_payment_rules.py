"""The pure allocation rules, over many generated cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.balances import OrderBalance
from workflow.errors import ErrorCode, WorkflowError
from workflow.money import parse_amount
from workflow.payment_rules import allocate_as_given, allocate_oldest_due_first

T0 = datetime(2026, 1, 1, tzinfo=UTC)
cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c) / 100)


def open_order(order_id: int, due: int, balance: Decimal) -> OrderBalance:
    return OrderBalance(
        order_id,
        1,
        "placed",
        T0,
        T0 + timedelta(days=due),
        balance,
        Decimal("0.00"),
        Decimal("0.00"),
        balance,
        None,
    )


@st.composite
def selection_and_amount(draw):
    balances = draw(st.lists(cents, min_size=1, max_size=6))
    dues = draw(st.lists(st.integers(0, 60), min_size=len(balances), max_size=len(balances)))
    orders = [open_order(i + 1, d, b) for i, (d, b) in enumerate(zip(dues, balances, strict=True))]
    owed_cents = int(sum(balances, Decimal("0.00")) * 100)
    amount_cents = draw(st.integers(1, owed_cents)) if owed_cents else 0
    return orders, Decimal(amount_cents) / 100


@given(selection_and_amount())
def test_oldest_due_first_allocates_exactly_the_amount_within_each_balance(case):
    orders, amount = case
    if amount <= 0:
        return
    split = allocate_oldest_due_first(orders, amount)
    by_id = {o.order_id: o for o in orders}
    assert sum(a.amount for a in split) == amount
    assert all(Decimal("0") < a.amount <= by_id[a.order_id].balance_due for a in split)
    # every order but the last one touched is paid off, in due-date order
    ordered = [a.order_id for a in split]
    keys = [(by_id[i].due_at, i) for i in ordered]
    assert keys == sorted(keys)
    assert all(a.amount == by_id[a.order_id].balance_due for a in split[:-1])


def test_explicit_allocations_must_add_up_to_the_payment():
    orders = [open_order(1, 0, Decimal("10.00")), open_order(2, 5, Decimal("10.00"))]
    with pytest.raises(WorkflowError) as caught:
        allocate_as_given(orders, {1: Decimal("4.00"), 2: Decimal("5.00")}, Decimal("10.00"))
    assert caught.value.code is ErrorCode.ALLOCATION_MISMATCH
    assert caught.value.message == "The allocations add up to 9.00 but the payment is 10.00; make them equal."


@pytest.mark.parametrize(
    ("entered", "expected"),
    [("12.5", Decimal("12.50")), (" 7 ", Decimal("7.00")), (3, Decimal("3.00")), ("0.01", Decimal("0.01"))],
)
def test_amounts_as_clerks_type_them_are_read_exactly(entered, expected):
    assert parse_amount(entered) == expected


@pytest.mark.parametrize("entered", ["NaN", "Infinity", "1e400", "", "12,50", 1.5])
def test_amounts_that_are_not_money_are_refused(entered):
    with pytest.raises(WorkflowError) as caught:
        parse_amount(entered)
    assert caught.value.code is ErrorCode.INVALID_AMOUNT
