"""The figures a manager reads, on small shops whose right answers are worked
out by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.integration.shop import T0, Shop
from workflow.analytics import (
    Filters,
    daily_revenue,
    kpis,
    shipment_status_counts,
    stage_durations,
    stuck_shipments,
    turnover_by_category,
    turnover_by_product,
)
from workflow.balances import PaymentState
from workflow.calendar import sync_business_timezone
from workflow.errors import ErrorCode, WorkflowError
from workflow.orders import cancel_order
from workflow.payments import record_payment, record_refund
from workflow.shipments import advance_shipment, create_shipment

D = Decimal
MARCH_2 = date(2026, 3, 2)


def pay(shop, order, amount, key, when):
    return record_payment(
        shop.engine,
        order_ids=[order.id],
        amount=amount,
        method="card",
        received_at=when,
        idempotency_key=key,
        actor="clerk",
    )


def test_an_order_at_23_30_local_time_counts_on_that_local_day(shop: Shop):
    sync_business_timezone(shop.engine, "Europe/Berlin")
    shop.order(shop.ann, (shop.mug, 1), placed_at=datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    shop.order(
        shop.ann, (shop.lamp, 1), placed_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    )  # 00:30 on the 3rd
    frame = daily_revenue(shop.engine, Filters(MARCH_2, date(2026, 3, 3)))
    assert list(frame["booked"]) == [D("12.50"), D("40.00")]


def test_daily_revenue_fills_empty_days_and_rolls_seven_days(shop: Shop):
    a = shop.order(shop.ann, (shop.mug, 2), placed_at=T0)  # 25.00 on Mar 2
    shop.order(shop.bob, (shop.lamp, 1), placed_at=T0 + timedelta(days=2))  # 40.00 on Mar 4
    shop.order(shop.ann, (shop.mug, 1), placed_at=T0 + timedelta(days=8))  # 12.50 on Mar 10
    cancelled = shop.order(shop.ann, (shop.lamp, 5), placed_at=T0 + timedelta(days=3))
    cancel_order(shop.engine, order_id=cancelled.id, actor="clerk")
    pay(shop, a, "25.00", "p1", T0 + timedelta(days=1))
    record_refund(
        shop.engine,
        order_ids=[a.id],
        amounts={a.id: "5.00"},
        method="card",
        received_at=T0 + timedelta(days=9),
        idempotency_key="r1",
        actor="clerk",
    )

    frame = daily_revenue(shop.engine, Filters(MARCH_2, date(2026, 3, 10)))
    assert list(frame["day"]) == [MARCH_2 + timedelta(days=n) for n in range(9)]
    assert list(frame["booked"]) == [
        D(x) for x in ["25.00", "0.00", "40.00", "0.00", "0.00", "0.00", "0.00", "0.00", "12.50"]
    ]
    # 7-day window on Mar 8 covers Mar 2..8 (65.00); on Mar 9, Mar 3..9 (40.00); on Mar 10, Mar 4..10 (52.50)
    assert list(frame["booked_7d_sum"])[6:] == [D("65.00"), D("40.00"), D("52.50")]
    assert list(frame["booked_7d_mean"])[6:] == [D("9.29"), D("5.71"), D("7.50")]
    collected = dict(zip(frame["day"], frame["collected"], strict=True))
    assert collected[date(2026, 3, 3)] == D("25.00")
    assert frame["collected"].sum() == D("25.00")  # the refund on Mar 11 is outside the range
    assert all(isinstance(v, Decimal) for v in frame["booked_7d_mean"])

    france = daily_revenue(shop.engine, Filters(MARCH_2, date(2026, 3, 10), countries=("fr",)))
    assert france["booked"].sum() == D("40.00") and france["collected"].sum() == D("0.00")
    home = daily_revenue(shop.engine, Filters(MARCH_2, date(2026, 3, 10), category="Home"))
    assert home["booked"].sum() == D("40.00")


def test_kpis_compare_a_period_with_the_one_before(shop: Shop):
    judged = T0 + timedelta(days=45)  # orders of Mar 2 are due Apr 1; judged Apr 16
    # previous period, Feb 23..Mar 1: one order of 40.00, paid in full
    early = shop.order(shop.bob, (shop.lamp, 1), placed_at=T0 - timedelta(days=3))
    pay(shop, early, "40.00", "e", T0 - timedelta(days=3))
    # this period, Mar 2..8: four orders
    paid = shop.order(shop.ann, (shop.mug, 2), placed_at=T0)  # 25.00 paid
    partial = shop.order(shop.ann, (shop.lamp, 1), placed_at=T0)  # 40.00, 10.00 paid, overdue by then
    shop.order(shop.bob, (shop.mug, 1), placed_at=T0 + timedelta(days=6))  # 12.50 unpaid, due Apr 7
    refunded = shop.order(shop.bob, (shop.mug, 4), placed_at=T0 + timedelta(days=1))  # 50.00
    pay(shop, paid, "25.00", "a", T0 + timedelta(days=1))
    pay(shop, partial, "10.00", "b", T0 + timedelta(days=1))
    pay(shop, refunded, "50.00", "c", T0 + timedelta(days=2))
    record_refund(
        shop.engine,
        order_ids=[refunded.id],
        method="card",
        received_at=T0 + timedelta(days=3),
        idempotency_key="d",
        actor="clerk",
    )

    result = kpis(shop.engine, Filters(MARCH_2, date(2026, 3, 8)), at=judged)
    now = result.current
    assert now.booked_revenue == D("127.50")
    assert now.collected_cash == D("35.00")  # 25 + 10 + 50 - 50
    assert now.orders == 4 and now.average_order_value == D("31.88")
    assert now.outstanding_balance == D("42.50")  # 30.00 + 12.50
    assert (now.overdue_count, now.overdue_amount) == (
        2,
        D("42.50"),
    )  # unpaid_recent is overdue too by Apr 16
    assert now.state_counts == {
        PaymentState.PAID: 1,
        PaymentState.OVERDUE: 2,
        PaymentState.REFUNDED: 1,
        PaymentState.PARTIALLY_REFUNDED: 0,
        PaymentState.PARTIALLY_PAID: 0,
        PaymentState.UNPAID: 0,
    }
    before = result.previous
    assert (before.booked_revenue, before.orders, before.collected_cash) == (D("40.00"), 1, D("40.00"))
    assert result.change("booked_revenue") == D("2.1875")
    judged_early = kpis(shop.engine, Filters(MARCH_2, date(2026, 3, 8)), at=T0 + timedelta(days=31, hours=1))
    assert judged_early.current.state_counts[PaymentState.UNPAID] == 1  # due Apr 7, not yet overdue
    assert judged_early.current.state_counts[PaymentState.OVERDUE] == 1

    kitchen = kpis(shop.engine, Filters(MARCH_2, date(2026, 3, 8), category="Kitchen"), at=judged).current
    assert (kitchen.orders, kitchen.booked_revenue, kitchen.outstanding_balance) == (
        3,
        D("87.50"),
        D("12.50"),
    )


def test_turnover_is_cost_of_goods_sold_over_average_inventory_at_cost(shop: Shop):
    # Mug: 100 in stock at cost 5.00 since Jan 31. 10 sold on Mar 6 (day 5 of Mar 2..11).
    shop.order(shop.ann, (shop.mug, 10), placed_at=T0 + timedelta(days=4))
    shop.order(shop.ann, (shop.lamp, 1), placed_at=T0 + timedelta(days=20))  # after the period
    frame = turnover_by_product(shop.engine, Filters(MARCH_2, date(2026, 3, 11))).set_index("sku")
    mug, lamp = frame.loc["MUG-1"], frame.loc["LAMP-1"]
    # end-of-day stock: 4 days at 100, 6 days at 90 -> average 94, worth 470.00
    assert (mug["cogs"], mug["average_stock"], mug["average_inventory_value"]) == (
        D("50.00"),
        D("94.00"),
        D("470.00"),
    )
    assert (mug["turnover"], mug["days_of_inventory"]) == (D("0.11"), D("94.0"))
    assert lamp["stock_at_end"] == 100 and lamp["turnover"] is None  # nothing sold in the period
    assert list(frame.index) == ["MUG-1", "LAMP-1"]  # highest turnover first
    categories = turnover_by_category(shop.engine, Filters(MARCH_2, date(2026, 3, 11))).set_index("category")
    assert categories.loc["Kitchen", "cogs"] == D("50.00") and categories.loc["Home", "cogs"] == D("0.00")


def test_shipments_by_status_stage_medians_and_the_stuck_ones(shop: Shop):
    orders = [shop.order(shop.ann, (shop.mug, 1), placed_at=T0) for _ in range(3)]
    for n, order in enumerate(orders):
        pay(shop, order, "12.50", f"s{n}", T0)
    ships = [
        create_shipment(shop.engine, order_id=o.id, actor="wh", at=T0 + timedelta(hours=1)) for o in orders
    ]
    advance_shipment(
        shop.engine,
        shipment_id=ships[0].id,
        to_status="packed",
        actor="wh",
        at=T0 + timedelta(days=1, hours=1),
    )
    advance_shipment(
        shop.engine,
        shipment_id=ships[1].id,
        to_status="packed",
        actor="wh",
        at=T0 + timedelta(days=3, hours=1),
    )
    advance_shipment(
        shop.engine,
        shipment_id=ships[1].id,
        to_status="shipped",
        actor="wh",
        carrier="DHL",
        tracking_number="T1",
        at=T0 + timedelta(days=4, hours=1),
    )
    period = Filters(MARCH_2, date(2026, 3, 8))
    counts = dict(zip(*shipment_status_counts(shop.engine, period).T.values, strict=True))
    assert (counts["pending"], counts["packed"], counts["shipped"], counts["delivered"]) == (1, 1, 1, 0)
    medians = stage_durations(shop.engine, period).set_index("status")
    assert medians.loc["pending", "median_days"] == D("2.00")  # 1 and 3 days
    assert medians.loc["packed", "median_days"] == D("1.00")
    stuck = stuck_shipments(shop.engine, period, older_than_days=3, at=T0 + timedelta(days=5, hours=1))
    assert list(stuck["shipment_id"]) == [ships[2].id, ships[0].id]  # pending 5 days, packed 4 days
    assert list(stuck["days_in_stage"]) == [D("5.0"), D("4.0")]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 3, 9), date(2026, 3, 2), "The range ends (2026-03-02) before it starts (2026-03-09)"),
        (date(2010, 1, 1), date(2026, 3, 2), "The range spans 5905 days; at most 3660 are shown at once."),
    ],
)
def test_a_bad_range_is_refused_with_what_is_expected(start, end, message):
    with pytest.raises(WorkflowError) as caught:
        Filters(start, end)
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
    assert message in caught.value.message
