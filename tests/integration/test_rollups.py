"""The daily rollups equal the same figures computed from the raw rows, after
any mix of writes, in any business time zone."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from tests.integration.shop import T0, Shop
from workflow.calendar import sync_business_timezone
from workflow.errors import WorkflowError
from workflow.inventory import adjust_stock, receive_stock
from workflow.orders import cancel_order
from workflow.payments import record_payment, record_refund

RAW = {
    "sales_daily": """
        SELECT (o.placed_at AT TIME ZONE :tz)::date, c.country, p.category, sum(i.quantity),
               sum(i.quantity * i.unit_price), sum(i.quantity * i.unit_cost), count(DISTINCT o.id)
          FROM order_items i JOIN orders o ON o.id = i.order_id JOIN customers c ON c.id = o.customer_id
          JOIN products p ON p.id = i.product_id
         WHERE o.status = 'placed' GROUP BY 1, 2, 3""",
    "orders_daily": """
        SELECT (o.placed_at AT TIME ZONE :tz)::date, c.country, count(DISTINCT o.id), sum(i.quantity * i.unit_price)
          FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id
         WHERE o.status = 'placed' GROUP BY 1, 2""",
    "product_daily": """
        SELECT day, product_id, sum(sold), sum(revenue), sum(cogs), sum(delta) FROM (
            SELECT (o.placed_at AT TIME ZONE :tz)::date AS day, i.product_id, i.quantity AS sold,
                   i.quantity * i.unit_price AS revenue, i.quantity * i.unit_cost AS cogs, 0 AS delta
              FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'placed'
            UNION ALL
            SELECT (m.at AT TIME ZONE :tz)::date, m.product_id, 0, 0, 0, m.quantity_delta FROM stock_movements m
        ) facts GROUP BY 1, 2""",
    "cash_daily": """
        SELECT (p.received_at AT TIME ZONE :tz)::date, c.country,
               coalesce(sum(p.amount) FILTER (WHERE p.kind = 'payment'), 0),
               coalesce(sum(p.amount) FILTER (WHERE p.kind = 'refund'), 0)
          FROM payments p JOIN customers c ON c.id = p.customer_id GROUP BY 1, 2""",
}
STORED = {
    "sales_daily": "SELECT day, country, category, quantity, revenue, cost, order_count FROM sales_daily",
    "orders_daily": "SELECT day, country, order_count, revenue FROM orders_daily",
    "product_daily": "SELECT day, product_id, sold_qty, revenue, cogs, stock_delta FROM product_daily",
    "cash_daily": "SELECT day, country, sum(collected), sum(refunded) FROM cash_daily GROUP BY day, country",
}


def assert_rollups_match_raw(engine: Engine, tz: str) -> None:
    with engine.connect() as conn:
        for table, raw in RAW.items():
            expected = {
                tuple(r)
                for r in conn.execute(text(raw), {"tz": tz})
                if any(r[2 if table != "sales_daily" else 3 :])
            }
            stored = {
                tuple(r)
                for r in conn.execute(text(STORED[table]))
                if any(r[2 if table != "sales_daily" else 3 :])
            }
            assert stored == expected, f"{table} differs from the raw rows"
        stock = conn.execute(
            text(
                "SELECT count(*) FROM products p WHERE stock_qty <> "
                "(SELECT coalesce(sum(quantity_delta), 0) FROM stock_movements m WHERE m.product_id = p.id)"
            )
        ).scalar_one()
        assert stock == 0, "stock on hand differs from the sum of movements"


def random_business(shop: Shop, rng: random.Random, steps: int) -> None:
    """Orders near local midnights, cancellations, payments, refunds, receipts, adjustments."""
    placed: list[int] = []
    for step in range(steps):
        when = T0 + timedelta(
            days=rng.randint(0, 20),
            hours=rng.choice([0, 3, 4, 5, 12, 23]),
            minutes=rng.choice([0, 29, 30, 59]),
        )
        action = rng.choice(
            ["order", "order", "order", "cancel", "pay", "pay", "refund", "receive", "adjust"]
        )
        customer = rng.choice([shop.ann, shop.bob])
        try:
            if action == "order" or not placed:
                lines = [(p, rng.randint(1, 3)) for p in rng.sample([shop.mug, shop.lamp], rng.randint(1, 2))]
                placed.append(shop.order(customer, *lines, placed_at=when).id)
            elif action == "cancel":
                cancel_order(
                    shop.engine, order_id=rng.choice(placed), actor="t", at=when + timedelta(days=30)
                )
            elif action == "pay":
                order = rng.choice(placed)
                record_payment(
                    shop.engine,
                    order_ids=[order],
                    amount=Decimal(rng.randint(1, 4000)) / 100,
                    method="card",
                    received_at=when,
                    idempotency_key=f"p{step}",
                    actor="t",
                )
            elif action == "refund":
                record_refund(
                    shop.engine,
                    order_ids=[rng.choice(placed)],
                    method="card",
                    received_at=when,
                    idempotency_key=f"r{step}",
                    actor="t",
                )
            elif action == "receive":
                receive_stock(
                    shop.engine,
                    product_id=rng.choice([shop.mug, shop.lamp]),
                    quantity=rng.randint(1, 20),
                    unit_cost=Decimal("5.00"),
                    actor="t",
                    at=when,
                )
            else:
                adjust_stock(
                    shop.engine,
                    product_id=rng.choice([shop.mug, shop.lamp]),
                    quantity_delta=rng.choice([-2, -1, 1, 2]),
                    reason_note="stock count",
                    actor="t",
                    at=when,
                )
        except WorkflowError:
            pass  # a refused step (overpayment, nothing to refund, not cancellable) writes nothing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_the_raw_figures_after_random_business(shop: Shop, seed: int):
    sync_business_timezone(shop.engine, "America/New_York")
    random_business(shop, random.Random(seed), steps=80)
    assert_rollups_match_raw(shop.engine, "America/New_York")


def test_changing_the_business_time_zone_rebuilds_the_rollups(shop: Shop):
    random_business(shop, random.Random(7), steps=40)
    assert_rollups_match_raw(shop.engine, "UTC")
    assert sync_business_timezone(shop.engine, "Asia/Kolkata") is True
    assert_rollups_match_raw(shop.engine, "Asia/Kolkata")
    assert sync_business_timezone(shop.engine, "Asia/Kolkata") is False
