"""The payment-state rollups of migration 007 equal the same figures worked
out from the raw rows after any mix of writes, their rebuild gives the same
rows, and the KPI cards' payment states equal payment_state() of every order
at any moment, the orders due on the moment's own day included."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from tests.integration.shop import T0, Shop
from tests.integration.test_rollups import random_business
from workflow.analytics import Filters, kpis
from workflow.balances import PaymentState
from workflow.calendar import sync_business_timezone
from workflow.payments import record_payment

TZ = "America/New_York"

# Each order's total, paid and refunded from its items and allocations, and
# its bucket by DESIGN.md's table (first match wins, 'paid' and the clock
# left out), written here independently of the migration.
_ORDERS = """
WITH totals AS (
    SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id
), money AS (
    SELECT a.order_id, coalesce(sum(a.amount) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
           coalesce(sum(a.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
      FROM payment_allocations a JOIN payments p ON p.id = a.payment_id GROUP BY a.order_id
), raw AS (
    SELECT o.id, o.status, o.placed_at, o.due_at, c.country, coalesce(t.total, 0) AS total,
           coalesce(m.paid, 0) AS paid, coalesce(m.refunded, 0) AS refunded
      FROM orders o JOIN customers c ON c.id = o.customer_id
      LEFT JOIN totals t ON t.order_id = o.id LEFT JOIN money m ON m.order_id = o.id
)
SELECT raw.*, CASE WHEN refunded > 0 AND refunded = paid THEN 'refunded'
                   WHEN refunded > 0 THEN 'partially_refunded'
                   WHEN paid = total THEN NULL
                   WHEN paid > 0 THEN 'partially_paid' ELSE 'unpaid' END AS bucket
  FROM raw WHERE status = 'placed'
"""
RAW = {
    "payment_states_daily": f"""
        SELECT (placed_at AT TIME ZONE :tz)::date, country, (due_at AT TIME ZONE :tz)::date, bucket,
               count(*), sum(total - paid)
          FROM ({_ORDERS}) s WHERE bucket IS NOT NULL GROUP BY 1, 2, 3, 4""",
    "category_payment_states_daily": f"""
        SELECT k.category, (placed_at AT TIME ZONE :tz)::date, country, (due_at AT TIME ZONE :tz)::date,
               bucket, count(*), sum(total - paid)
          FROM ({_ORDERS}) s
          JOIN (SELECT DISTINCT i.order_id, p.category FROM order_items i JOIN products p ON p.id = i.product_id) k
            ON k.order_id = s.id
         WHERE bucket IS NOT NULL GROUP BY 1, 2, 3, 4, 5""",
}
STORED = {  # summed over the shards that concurrent writers add
    "payment_states_daily": (
        "SELECT day, country, due_day, bucket, sum(orders), sum(balance_due) FROM payment_states_daily"
        " GROUP BY 1, 2, 3, 4"
    ),
    "category_payment_states_daily": (
        "SELECT category, day, country, due_day, bucket, sum(orders), sum(balance_due)"
        " FROM category_payment_states_daily GROUP BY 1, 2, 3, 4, 5"
    ),
}


def stored(engine: Engine) -> dict[str, set[tuple]]:
    """Each rollup's rows, leaving out those whose orders all moved on (count 0)."""
    with engine.connect() as conn:
        return {table: {tuple(r) for r in conn.execute(text(sql)) if r[-2]} for table, sql in STORED.items()}


def assert_rollups_match_raw(engine: Engine, tz: str) -> None:
    with engine.connect() as conn:
        raw = {table: {tuple(r) for r in conn.execute(text(sql), {"tz": tz})} for table, sql in RAW.items()}
    assert stored(engine) == raw
    assert raw["payment_states_daily"], "the business left no order needing attention: a weak test"


def more_business(shop: Shop, engine: Engine) -> None:
    """What random_business does not do: an order in two categories paid in
    part, items added to it in a later statement (as a bulk load may), and a
    due date moved."""
    both = shop.order(shop.ann, (shop.mug, 1), (shop.lamp, 1), placed_at=T0 + timedelta(days=3, hours=4))
    record_payment(
        engine,
        order_ids=[both.id],
        amount=Decimal("20.00"),
        method="card",
        received_at=T0 + timedelta(days=4),
        idempotency_key="both-1",
        actor="t",
    )
    only_mugs = shop.order(shop.bob, (shop.mug, 2), placed_at=T0 + timedelta(days=5))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
                "VALUES (:o, :lamp, 1, 40.00, 22.00), (:p, :lamp, 2, 40.00, 22.00)"
            ),
            {"o": both.id, "p": only_mugs.id, "lamp": shop.lamp},
        )
        conn.execute(
            text("UPDATE orders SET due_at = due_at + interval '9 days' WHERE id = :o"), {"o": only_mugs.id}
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_payment_state_rollups_equal_the_raw_figures_and_their_rebuild(shop: Shop, seed: int):
    sync_business_timezone(shop.engine, TZ)
    random_business(shop, random.Random(seed), steps=80)
    more_business(shop, shop.engine)
    assert_rollups_match_raw(shop.engine, TZ)
    kept = stored(shop.engine)
    with shop.engine.begin() as conn:
        conn.execute(text("SELECT rebuild_payment_states()"))
    assert stored(shop.engine) == kept


def test_a_new_business_time_zone_files_the_orders_again(shop: Shop):
    random_business(shop, random.Random(7), steps=40)
    assert_rollups_match_raw(shop.engine, "UTC")
    assert sync_business_timezone(shop.engine, "Asia/Kolkata") is True
    assert_rollups_match_raw(shop.engine, "Asia/Kolkata")


_STATES_AT = f"""
SELECT payment_state(s.status, s.total, s.paid, s.refunded, s.due_at, :at), count(*), sum(s.total - s.paid)
  FROM ({_ORDERS}) s
 WHERE (s.placed_at AT TIME ZONE :tz)::date BETWEEN :start AND :end
   AND (CAST(:country AS text) IS NULL OR s.country = :country)
   AND (CAST(:category AS text) IS NULL OR EXISTS (
        SELECT 1 FROM order_items i JOIN products p ON p.id = i.product_id
         WHERE i.order_id = s.id AND p.category = :category))
 GROUP BY 1
"""


def raw_states(engine: Engine, filters: Filters, at: datetime) -> tuple[dict, Decimal, Decimal]:
    """Orders per state, the balance still due and the overdue part, by
    payment_state() over each order of the period."""
    params = {
        "at": at,
        "tz": TZ,
        "start": filters.start,
        "end": filters.end,
        "country": filters.countries[0] if filters.countries else None,
        "category": filters.category,
    }
    counts = {state: 0 for state in PaymentState}
    owed = overdue = Decimal("0.00")
    with engine.connect() as conn:
        for state, count, balance in conn.execute(text(_STATES_AT), params):
            counts[PaymentState(state)] = count
            owed += balance
            overdue += balance if state == "overdue" else 0
    return counts, owed, overdue


def test_payment_states_on_the_cards_equal_payment_state_of_every_order_at_any_moment(shop: Shop):
    sync_business_timezone(shop.engine, TZ)
    random_business(shop, random.Random(5), steps=120)
    more_business(shop, shop.engine)
    edge = T0 + timedelta(days=33, hours=3)  # 08:00 in New York
    for hours in (-2, 0, 2):  # due that morning two hours before, at the very moment, two hours after
        shop.order(shop.ann, (shop.mug, 1), placed_at=edge - timedelta(days=30) + timedelta(hours=hours))
    moments = [
        T0 + timedelta(days=10),  # nothing due yet
        edge,
        T0 + timedelta(days=36, hours=14, minutes=29),
        T0 + timedelta(days=80),  # all due
    ]
    whole = (date(2026, 3, 1), date(2026, 3, 24))
    for at in moments:
        for filters in (
            Filters(*whole),
            Filters(date(2026, 3, 4), date(2026, 3, 12)),
            Filters(*whole, countries=("DE",)),
            Filters(*whole, category="Kitchen"),
            Filters(*whole, category="Home", countries=("FR",)),
        ):
            cards = kpis(shop.engine, filters, at=at).current
            counts, owed, overdue = raw_states(shop.engine, filters, at)
            assert cards.state_counts == counts, (at, filters)
            assert (cards.outstanding_balance, cards.overdue_amount) == (owed, overdue), (at, filters)
            assert cards.overdue_count == counts[PaymentState.OVERDUE]
