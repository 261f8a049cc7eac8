"""The shipment rollups (migration 008) kept by triggers equal a rebuild from
the base tables, and the shipments panel's figures read from them equal the
same figures computed straight from orders, shipments and events, after a
mix of writes: shipments created, moved through their stages, cancelled and
returned; orders cancelled; a customer moving country; another time zone."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, text

from tests.integration.shop import T0, Shop
from workflow.analytics import Filters, shipment_status_counts, stage_durations
from workflow.calendar import sync_business_timezone
from workflow.errors import WorkflowError
from workflow.orders import cancel_order
from workflow.shipment_rules import TRANSITIONS
from workflow.shipments import advance_shipment, create_shipment
from workflow.tables import customers, products, stock_movements

TABLES = {
    "shipment_facts": "SELECT shipment_id, day, country, categories, status FROM shipment_facts",
    "shipment_spans": "SELECT shipment_id, event_id, stage, spent_us, band, day, country, categories FROM shipment_spans",
    "shipment_status_daily": "SELECT country, category, day, status, shipments FROM shipment_status_daily "
    "WHERE shipments <> 0",
    # every key's count as a row of its own (a slot past an array's end counts zero)
    "shipment_stage_bands": "SELECT days, start, stage, band, 'all', 0, spans FROM shipment_stage_bands "
    "WHERE spans <> 0 UNION ALL SELECT days, start, stage, band, 'country', slot, n FROM shipment_stage_bands, "
    "unnest(by_country) WITH ORDINALITY AS c (n, slot) WHERE n <> 0 UNION ALL "
    "SELECT days, start, stage, band, 'category', slot, n FROM shipment_stage_bands, "
    "unnest(by_category) WITH ORDINALITY AS c (n, slot) WHERE n <> 0",
}

# The figures straight from the base tables, as the panel computed them before the rollups.
RAW_COUNTS = """
SELECT s.status, count(*) FROM orders o JOIN shipments s ON s.order_id = o.id JOIN customers c ON c.id = o.customer_id
 WHERE (o.placed_at AT TIME ZONE :tz)::date BETWEEN :start AND :end
   AND (cardinality(CAST(:countries AS text[])) = 0 OR c.country = ANY(:countries))
   AND (CAST(:category AS text) IS NULL OR EXISTS (SELECT 1 FROM order_items i JOIN products p ON p.id = i.product_id
                                                    WHERE i.order_id = o.id AND p.category = :category))
 GROUP BY 1
"""
RAW_STAGES = """
SELECT status, count(*),
       round(CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM spent)) / 86400 AS numeric), 2)
  FROM (SELECT e.status, lead(e.at) OVER (PARTITION BY e.shipment_id ORDER BY e.at, e.id) - e.at AS spent
          FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id JOIN orders o ON o.id = s.order_id
          JOIN customers c ON c.id = o.customer_id
         WHERE (o.placed_at AT TIME ZONE :tz)::date BETWEEN :start AND :end
           AND (cardinality(CAST(:countries AS text[])) = 0 OR c.country = ANY(:countries))
           AND (CAST(:category AS text) IS NULL OR EXISTS (
                SELECT 1 FROM order_items i JOIN products p ON p.id = i.product_id
                 WHERE i.order_id = o.id AND p.category = :category))) AS spans
 WHERE spent IS NOT NULL
 GROUP BY status
"""


def snapshot(engine: Engine) -> dict[str, set[tuple]]:
    with engine.connect() as conn:
        return {
            name: {tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in conn.execute(text(sql))}
            for name, sql in TABLES.items()
        }


def assert_rollups_equal_a_rebuild(engine: Engine) -> None:
    kept = snapshot(engine)
    with engine.begin() as conn:
        conn.execute(text("SELECT rebuild_shipment_rollups()"))
    rebuilt = snapshot(engine)
    for name in TABLES:
        assert kept[name] == rebuilt[name], f"{name}: the trigger-kept rows differ from a rebuild"
    assert rebuilt["shipment_facts"], "the writes left no shipment to compare"


def assert_figures_equal_raw(engine: Engine, filters: Filters, tz: str) -> None:
    params = {
        "tz": tz,
        "start": filters.start,
        "end": filters.end,
        "countries": list(filters.countries),
        "category": filters.category,
    }
    with engine.connect() as conn:
        raw_counts = dict(conn.execute(text(RAW_COUNTS), params).all())
        raw_stages = {r[0]: (r[1], r[2]) for r in conn.execute(text(RAW_STAGES), params)}
    counts = shipment_status_counts(engine, filters)
    assert {s: n for s, n in zip(counts["status"], counts["shipments"], strict=True) if n} == raw_counts, (
        filters
    )
    stages = stage_durations(engine, filters)
    got = {r.status: (r.shipments, r.median_days) for r in stages.itertuples(index=False)}
    assert got == raw_stages, filters


def more_customers_and_products(shop: Shop) -> tuple[list[int], list[int]]:
    """Customers in three more countries; products in two more categories."""
    with shop.engine.begin() as conn:
        people = (
            conn.execute(
                insert(customers).returning(customers.c.id),
                [
                    {"email": f"c{n}@example.com", "full_name": f"Customer {n}", "country": country}
                    for n, country in enumerate(["DE", "US", "US", "GB", "FR"])
                ],
            )
            .scalars()
            .all()
        )
        goods = (
            conn.execute(
                insert(products).returning(products.c.id),
                [
                    {
                        "sku": f"P-{n}",
                        "name": f"Thing {n}",
                        "category": category,
                        "unit_price": Decimal("3.00"),
                        "unit_cost": Decimal("1.00"),
                    }
                    for n, category in enumerate(["Books", "Garden", "Books"])
                ],
            )
            .scalars()
            .all()
        )
        conn.execute(
            insert(stock_movements),
            [
                {
                    "product_id": p,
                    "quantity_delta": 1000,
                    "reason": "receipt",
                    "unit_cost": Decimal("1.00"),
                    "at": T0 - timedelta(days=30),
                }
                for p in goods
            ],
        )
    return [shop.ann, shop.bob, *people], [shop.mug, shop.lamp, *goods]


def random_shipping(shop: Shop, rng: random.Random, steps: int) -> None:
    """Orders near local midnights, shipments created and moved on at odd
    moments (ties included), cancelled and returned; orders cancelled; a
    customer moving to another country."""
    people, goods = more_customers_and_products(shop)
    orders: list[int] = []
    ships: dict[int, tuple[str, object]] = {}  # shipment id -> (status, last event time)
    for step in range(steps):
        action = rng.choice(["order", "ship", "move", "move", "move", "cancel", "relocate"])
        try:
            if action == "order" or not orders:
                when = T0 + timedelta(
                    days=rng.randint(0, 20), hours=rng.choice([0, 4, 12, 23]), minutes=rng.choice([0, 30, 59])
                )
                lines = [(p, rng.randint(1, 3)) for p in rng.sample(goods, rng.randint(1, 3))]
                orders.append(shop.order(rng.choice(people), *lines, placed_at=when).id)
            elif action == "ship":
                order = rng.choice(orders)
                at = T0 + timedelta(days=21, minutes=rng.randint(0, 600))
                ship = create_shipment(shop.engine, order_id=order, actor="wh", at=at)
                ships[ship.id] = (ship.status, at)
            elif action == "move" and ships:
                sid = rng.choice(list(ships))
                status, last = ships[sid]
                moves = TRANSITIONS[status]
                if not moves:
                    continue
                to = rng.choice(moves)
                # the same moment now and then: a span of zero seconds
                at = last + timedelta(seconds=rng.choice([0, 61, 3600, 7 * 3600 + 13, 86400 * 2 + 5, 432]))
                advance_shipment(
                    shop.engine,
                    shipment_id=sid,
                    to_status=to,
                    actor="wh",
                    at=at,
                    carrier="DHL",
                    tracking_number=f"T{step}",
                    cash_on_delivery=True,
                )
                ships[sid] = (to, at)
            elif action == "cancel":
                cancel_order(shop.engine, order_id=rng.choice(orders), actor="t", at=T0 + timedelta(days=60))
                with shop.engine.connect() as conn:
                    for sid, status in conn.execute(text("SELECT id, status FROM shipments")):
                        if sid in ships:
                            ships[sid] = (status, max(ships[sid][1], T0 + timedelta(days=60)))
            elif action == "relocate":
                with shop.engine.begin() as conn:
                    conn.execute(
                        text("UPDATE customers SET country = :country WHERE id = :id"),
                        {"country": rng.choice(["DE", "US", "NL"]), "id": rng.choice(people)},
                    )
        except WorkflowError:
            pass  # a refused step writes nothing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trigger_kept_shipment_rollups_equal_a_rebuild_after_a_mix_of_writes(shop: Shop, seed: int):
    sync_business_timezone(shop.engine, "America/New_York")
    random_shipping(shop, random.Random(seed), steps=120)
    assert_rollups_equal_a_rebuild(shop.engine)


@pytest.mark.parametrize("seed", [4, 5])
def test_shipment_figures_equal_the_raw_queries_for_every_narrowing(shop: Shop, seed: int):
    sync_business_timezone(shop.engine, "Europe/Berlin")
    random_shipping(shop, random.Random(seed), steps=150)
    ranges = [
        (date(2026, 3, 2), date(2026, 3, 22)),  # Monday to Sunday: whole weeks only
        (date(2026, 3, 4), date(2026, 3, 19)),  # days at both ends of a whole week
        (date(2026, 3, 3), date(2026, 3, 6)),  # within one week
        (date(2026, 2, 1), date(2026, 4, 30)),
    ]
    narrowings = [
        (None, ()),
        ("Books", ()),
        ("Kitchen", ()),
        (None, ("US",)),
        (None, ("DE", "FR")),
        ("Books", ("US",)),
        ("Home", ("DE", "GB")),
    ]
    for start, end in ranges:
        for category, countries in narrowings:
            assert_figures_equal_raw(shop.engine, Filters(start, end, category, countries), "Europe/Berlin")


def test_a_new_time_zone_recounts_the_shipments_by_their_new_days(shop: Shop):
    random_shipping(shop, random.Random(9), steps=80)
    assert sync_business_timezone(shop.engine, "Asia/Tokyo") is True
    assert_rollups_equal_a_rebuild(shop.engine)
    assert_figures_equal_raw(shop.engine, Filters(date(2026, 3, 1), date(2026, 3, 31)), "Asia/Tokyo")


def test_the_median_of_an_even_count_lies_halfway_between_the_middle_spans(shop: Shop):
    """Four shipments packed after 1, 2, 4 and 8 hours: the median is 3 hours,
    0.125 days, shown as 0.13; none is in a band with another."""
    ships = []
    for hours in (1, 2, 4, 8):
        order = shop.order(shop.ann, (shop.mug, 1), placed_at=T0)
        ship = create_shipment(shop.engine, order_id=order.id, actor="wh", at=T0)
        advance_shipment(
            shop.engine, shipment_id=ship.id, to_status="packed", actor="wh", at=T0 + timedelta(hours=hours)
        )
        ships.append(ship.id)
    frame = stage_durations(shop.engine, Filters(date(2026, 3, 2), date(2026, 3, 2))).set_index("status")
    assert frame.loc["pending", "shipments"] == 4
    assert frame.loc["pending", "median_days"] == Decimal("0.13")
    counts = shipment_status_counts(
        shop.engine, Filters(date(2026, 3, 2), date(2026, 3, 2), "Kitchen", ("DE",))
    )
    assert dict(zip(counts["status"], counts["shipments"], strict=True))["packed"] == 4
