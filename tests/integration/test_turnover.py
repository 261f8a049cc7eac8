"""Turnover per product and category equals the same figures worked out from
the raw rows (movements, items of placed orders), Decimal for Decimal, after
any mix of writes and for any range; and the running totals the triggers
keep equal the ones rebuilt from the base tables."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from tests.integration.shop import T0, Shop
from tests.integration.test_rollups import random_business
from workflow.analytics import Filters
from workflow.analytics.turnover import turnover_by_category, turnover_by_product, turnover_report
from workflow.calendar import business_today, sync_business_timezone
from workflow.inventory import adjust_stock, receive_stock

PRODUCT_COLUMNS = [
    "product_id", "sku", "name", "category", "sold_qty", "cogs", "stock_at_end", "average_stock",
    "average_inventory_value", "turnover", "days_of_inventory",
]  # fmt: skip
CATEGORY_COLUMNS = [
    "category",
    "sold_qty",
    "cogs",
    "average_inventory_value",
    "turnover",
    "days_of_inventory",
]

# Per product, straight from the raw rows: units and cost booked in the
# period, stock at its end, and the stock-days (the end-of-day stock of each
# of its days, summed), each day counted in the business time zone.
RAW_SUMS = """
WITH local_moves AS (
    SELECT product_id, (at AT TIME ZONE :tz)::date AS day, quantity_delta FROM stock_movements
), local_items AS (
    SELECT i.product_id, (o.placed_at AT TIME ZONE :tz)::date AS day, o.status, i.quantity, i.unit_cost
      FROM order_items i JOIN orders o ON o.id = i.order_id
)
SELECT p.id, p.sku, p.name, p.category, p.unit_cost,
       (SELECT coalesce(sum(quantity), 0) FROM local_items i
         WHERE i.product_id = p.id AND i.status = 'placed' AND i.day BETWEEN :start AND :end) AS sold,
       (SELECT coalesce(sum(quantity * unit_cost), 0) FROM local_items i
         WHERE i.product_id = p.id AND i.status = 'placed' AND i.day BETWEEN :start AND :end) AS cogs,
       (SELECT coalesce(sum(quantity_delta), 0) FROM local_moves m
         WHERE m.product_id = p.id AND m.day <= :end) AS stock_at_end,
       (SELECT coalesce(sum(m.quantity_delta), 0)
          FROM generate_series(CAST(:start AS date), CAST(:end AS date), interval '1 day') AS d (day)
          JOIN local_moves m ON m.product_id = p.id AND m.day <= d.day) AS stock_days,
       p.active
         OR EXISTS (SELECT 1 FROM local_moves m WHERE m.product_id = p.id AND m.day >= :start)
         OR EXISTS (SELECT 1 FROM local_items i WHERE i.product_id = p.id AND i.day >= :start) AS shown
  FROM products p
 WHERE CAST(:category AS text) IS NULL OR p.category = :category
"""


def half_up(value: Fraction, places: int) -> Decimal:
    """PostgreSQL's round(numeric, places): half away from zero."""
    scaled = abs(value) * 10**places
    digits = floor(scaled + Fraction(1, 2)) * (1 if value >= 0 else -1)
    return Decimal(digits).scaleb(-places)


def ratios(cogs: Fraction, value: Fraction, days: int) -> tuple[Decimal | None, Decimal | None]:
    turnover = half_up(cogs / value, 2) if cogs and value else None
    days_of_inventory = half_up(days * value / cogs, 1) if cogs else None
    return turnover, days_of_inventory


def expected(engine: Engine, filters: Filters, tz: str) -> tuple[list[tuple], list[tuple]]:
    """Rows of turnover_by_product and turnover_by_category, in their order,
    worked out with exact fractions from RAW_SUMS."""
    params = {"tz": tz, "start": filters.start, "end": filters.end, "category": filters.category}
    with engine.connect() as conn:
        rows = [r for r in conn.execute(text(RAW_SUMS), params) if r.shown]
    days = filters.days
    products, categories = [], {}
    for r in rows:
        average = Fraction(int(r.stock_days), days)
        value = average * Fraction(r.unit_cost)
        cogs = Fraction(r.cogs)
        products.append(
            (r.id, r.sku, r.name, r.category, Decimal(r.sold), Decimal(r.cogs), int(r.stock_at_end),
             half_up(average, 2), half_up(value, 2), *ratios(cogs, value, days))
        )  # fmt: skip
        sold, cost, worth = categories.get(r.category, (0, Decimal(0), Fraction(0)))
        categories[r.category] = (sold + r.sold, cost + r.cogs, worth + value)
    products.sort(key=lambda p: (p[9] is None, -(p[9] or 0), p[1]))
    by_category = [
        (name, Decimal(sold), cost, half_up(worth, 2), *ratios(Fraction(cost), worth, days))
        for name, (sold, cost, worth) in sorted(categories.items())
    ]  # fmt: skip
    return products, by_category


def assert_turnover_matches_raw(
    engine: Engine, filters: Filters, tz: str, shown_counts: tuple[int, ...] = (1, 10)
) -> None:
    by_product, by_category = turnover_by_product(engine, filters), turnover_by_category(engine, filters)
    assert list(by_product.columns) == PRODUCT_COLUMNS and list(by_category.columns) == CATEGORY_COLUMNS
    want_products, want_categories = expected(engine, filters, tz)
    assert [tuple(r) for r in by_product.itertuples(index=False)] == want_products, filters
    assert [tuple(r) for r in by_category.itertuples(index=False)] == want_categories, filters
    for shown in shown_counts:
        report = turnover_report(engine, filters, shown=shown)
        pd.testing.assert_frame_equal(report.by_category, by_category)
        fastest, slowest = fastest_and_slowest(want_products, shown)
        assert [tuple(r) for r in report.fastest.itertuples(index=False)] == fastest, (filters, shown)
        assert [tuple(r) for r in report.slowest.itertuples(index=False)] == slowest, (filters, shown)
        assert list(report.fastest.columns) == list(report.slowest.columns) == PRODUCT_COLUMNS


def fastest_and_slowest(products: list[tuple], shown: int) -> tuple[list[tuple], list[tuple]]:
    """The panel's two lists: turning fastest; and among the rest with stock
    left, unsold first (most value tied up first), then slowest turning."""
    sku, stock_at_end, value, turnover = 1, 6, 8, 9
    fastest = sorted((p for p in products if p[turnover] is not None), key=lambda p: (-p[turnover], p[sku]))
    fastest = fastest[:shown]
    rest = [p for p in products if p[stock_at_end] > 0 and p not in fastest]
    slowest = sorted(
        rest, key=lambda p: (0, -p[value], p[sku]) if p[turnover] is None else (1, p[turnover], p[sku])
    )
    return fastest, slowest[:shown]


STORED = (
    "SELECT 'week', week_end, product_id, stock, delta_day_sum, sold_qty, cogs FROM product_stock_weeks "
    "UNION ALL SELECT 'day', day, product_id, stock_delta, 0, sold_qty, cogs FROM product_stock_days"
)
THROUGH = "SELECT through FROM product_stock_weeks_closed"
LOCK_KEY = 248250377  # product_stock_weeks_close's advisory lock


def assert_weeks_equal_rebuilt(engine: Engine) -> None:
    with engine.begin() as conn:
        kept = (set(conn.execute(text(STORED)).all()), conn.execute(text(THROUGH)).scalar_one())
        conn.execute(text("SELECT rebuild_product_stock_weeks()"))
        rebuilt = (set(conn.execute(text(STORED)).all()), conn.execute(text(THROUGH)).scalar_one())
        conn.rollback()
    assert kept == rebuilt and rebuilt[0]


def ranges(today: date) -> list[Filters]:
    """Before any stock, single days, ranges across the writes, a quiet
    stretch, one ending today, one past today, one narrowed to a category."""
    first = T0.date()
    return [
        Filters(first - timedelta(days=45), first - timedelta(days=31)),
        Filters(first - timedelta(days=30), first - timedelta(days=30)),
        Filters(first, first),
        Filters(first - timedelta(days=3), first + timedelta(days=10)),
        Filters(first + timedelta(days=5), first + timedelta(days=40)),
        Filters(first + timedelta(days=19), first + timedelta(days=52)),
        Filters(first + timedelta(days=120), first + timedelta(days=150)),
        Filters(today - timedelta(days=89), today),
        Filters(today - timedelta(days=2), today + timedelta(days=5)),
        Filters(first - timedelta(days=30), today, category="Kitchen"),
        Filters(first + timedelta(days=2), first + timedelta(days=25), category="Home"),
    ]


def add_today(shop: Shop) -> None:
    """Writes at the database's clock: a receipt, an adjustment, an order."""
    receive_stock(shop.engine, product_id=shop.lamp, quantity=7, unit_cost=Decimal("21.00"), actor="t")
    adjust_stock(shop.engine, product_id=shop.mug, quantity_delta=-1, reason_note="broken", actor="t")
    shop.order(shop.bob, (shop.mug, 2), (shop.lamp, 1), placed_at=None)


@pytest.mark.parametrize("seed", [1, 2])
def test_turnover_equals_the_raw_figures_after_random_business(shop: Shop, seed: int):
    tz = "America/New_York"
    sync_business_timezone(shop.engine, tz)
    random_business(shop, random.Random(seed), steps=60)
    add_today(shop)
    with shop.engine.connect() as conn:
        today = business_today(conn)
    for filters in ranges(today):
        assert_turnover_matches_raw(shop.engine, filters, tz)
    assert_weeks_equal_rebuilt(shop.engine)


def test_inactive_products_show_only_when_they_moved_since_the_start(shop: Shop):
    random_business(shop, random.Random(5), steps=30)
    with shop.engine.begin() as conn:
        conn.execute(text("UPDATE products SET active = false WHERE id = :id"), {"id": shop.lamp})
        conn.execute(
            text(
                "INSERT INTO products (sku, name, category, unit_price, unit_cost, active) VALUES "
                "('VASE-1', 'Vase', 'Home', 30.00, 11.00, true), ('OLD-1', 'Old', 'Home', 1.00, 0.50, false)"
            )
        )
    late = Filters(T0.date() + timedelta(days=60), T0.date() + timedelta(days=70))
    skus = set(turnover_by_product(shop.engine, late)["sku"])
    assert skus == {"MUG-1", "VASE-1"}  # the lamp has not moved since; the old product never did
    for filters in [*ranges(date(2026, 6, 1)), late]:
        assert_turnover_matches_raw(shop.engine, filters, "UTC")


def test_multi_row_statements_back_dated_and_out_of_order_keep_the_totals(shop: Shop):
    day = T0 - timedelta(days=10)
    with shop.engine.begin() as conn:
        # One statement: several days of one product, later days first, and a same-day pair.
        conn.execute(
            text(
                "INSERT INTO stock_movements (product_id, quantity_delta, reason, unit_cost, at) VALUES "
                "(:mug, 5, 'receipt', 5.00, :d3), (:mug, 3, 'receipt', 5.00, :d1), "
                "(:lamp, 2, 'receipt', 22.00, :d1), (:mug, -2, 'adjustment', NULL, :d1), "
                "(:mug, 4, 'receipt', 5.00, :d0)"
            ),
            {
                "mug": shop.mug,
                "lamp": shop.lamp,
                "d0": day - timedelta(days=40),
                "d1": day,
                "d3": day + timedelta(days=3),
            },
        )
    placed = [
        shop.order(shop.ann, (shop.mug, 3), (shop.lamp, 2), placed_at=T0 + timedelta(days=n))
        for n in range(4)
    ]
    with shop.engine.begin() as conn:
        # An order recorded as already cancelled books nothing.
        order_id = conn.execute(
            text(
                "INSERT INTO orders (customer_id, status, placed_at, due_at, cancelled_at) "
                "VALUES (:c, 'cancelled', :at, :at, :at) RETURNING id"
            ),
            {"c": shop.bob, "at": T0 + timedelta(days=6)},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
                "VALUES (:o, :p, 9, 12.50, 5.00)"
            ),
            {"o": order_id, "p": shop.mug},
        )
        # Two orders cancelled in one statement, one of them placed again later.
        ids = [placed[0].id, placed[2].id]
        conn.execute(
            text("UPDATE orders SET status = 'cancelled', cancelled_at = now() WHERE id = ANY(:ids)"),
            {"ids": ids},
        )
    with shop.engine.begin() as conn:
        conn.execute(
            text("UPDATE orders SET status = 'placed', cancelled_at = NULL WHERE id = :id"),
            {"id": placed[2].id},
        )
    assert_weeks_equal_rebuilt(shop.engine)
    for filters in ranges(date(2026, 5, 1)):
        assert_turnover_matches_raw(shop.engine, filters, "UTC")


def test_a_new_business_time_zone_rebuilds_the_running_totals(shop: Shop):
    random_business(shop, random.Random(9), steps=40)
    assert sync_business_timezone(shop.engine, "Asia/Kolkata") is True
    assert_weeks_equal_rebuilt(shop.engine)
    for filters in ranges(date(2026, 5, 1)):
        assert_turnover_matches_raw(shop.engine, filters, "Asia/Kolkata")


def test_weeks_closed_late_give_the_same_figures_and_close_on_the_next_read(shop: Shop):
    random_business(shop, random.Random(11), steps=40)
    with shop.engine.begin() as conn:  # as if nobody had read turnover for five weeks
        conn.execute(text("UPDATE product_stock_weeks_closed SET through = through - 35"))
        conn.execute(text(f"DELETE FROM product_stock_weeks WHERE week_end > ({THROUGH})"))
        stale = conn.execute(text(THROUGH)).scalar_one()
    with shop.engine.connect() as writer:  # a write in flight: the weeks stay open
        writer.execute(text("SELECT pg_advisory_lock_shared(:k)"), {"k": LOCK_KEY})
        for filters in ranges(date(2026, 5, 1)):
            assert_turnover_matches_raw(shop.engine, filters, "UTC")
        with shop.engine.connect() as conn:
            assert conn.execute(text(THROUGH)).scalar_one() == stale
        writer.execute(text("SELECT pg_advisory_unlock_shared(:k)"), {"k": LOCK_KEY})
        writer.commit()
    receive_stock(shop.engine, product_id=shop.mug, quantity=3, unit_cost=Decimal("5.00"), actor="t",
                  at=T0 + timedelta(days=3))  # fmt: skip
    turnover_by_category(shop.engine, Filters(T0.date(), T0.date()))
    with shop.engine.connect() as conn:
        assert conn.execute(text(THROUGH)).scalar_one() == stale + timedelta(days=35)
    assert_weeks_equal_rebuilt(shop.engine)
