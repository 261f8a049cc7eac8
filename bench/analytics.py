"""Each analytics function on the configured database, beside a raw-scan
query of the same figure over the raw tables, in the same run.

    python -m bench.analytics [--repeat 30]

Uses DATABASE_URL, else the embedded database in ./.ecc (seed it first with
`ecc seed --orders 1000000`). Filters are drawn at random (seeded): a 90-day
range ending within the data, and half the time a category or a country.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta

from sqlalchemy import Engine, text

from bench.timing import Timing, measure
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
from workflow.db import make_engine

RAW_DAILY = """
SELECT (o.placed_at AT TIME ZONE (SELECT timezone FROM business_calendar))::date AS day,
       sum(i.quantity * i.unit_price)
  FROM orders o JOIN order_items i ON i.order_id = o.id JOIN customers c ON c.id = o.customer_id
  JOIN products p ON p.id = i.product_id
 WHERE o.status = 'placed' AND o.placed_at >= CAST(:start AS timestamptz) AND o.placed_at < CAST(:after AS timestamptz)
   AND (CAST(:category AS text) IS NULL OR p.category = :category)
   AND (CAST(:country AS text) IS NULL OR c.country = :country)
 GROUP BY 1
"""
RAW_KPIS = """
SELECT count(DISTINCT o.id), sum(i.quantity * i.unit_price),
       (SELECT sum(CASE WHEN kind = 'payment' THEN amount ELSE -amount END) FROM payments
         WHERE received_at >= CAST(:start AS timestamptz) AND received_at < CAST(:after AS timestamptz))
  FROM orders o JOIN order_items i ON i.order_id = o.id JOIN customers c ON c.id = o.customer_id
  JOIN products p ON p.id = i.product_id
 WHERE o.status = 'placed' AND o.placed_at >= CAST(:start AS timestamptz) AND o.placed_at < CAST(:after AS timestamptz)
   AND (CAST(:category AS text) IS NULL OR p.category = :category)
   AND (CAST(:country AS text) IS NULL OR c.country = :country)
"""
RAW_TURNOVER = """
SELECT i.product_id, sum(i.quantity * i.unit_cost),
       (SELECT sum(m.quantity_delta) FROM stock_movements m WHERE m.product_id = i.product_id
          AND m.at >= CAST(:start AS timestamptz))
  FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
 WHERE o.status = 'placed' AND o.placed_at >= CAST(:start AS timestamptz) AND o.placed_at < CAST(:after AS timestamptz)
   AND (CAST(:category AS text) IS NULL OR p.category = :category)
 GROUP BY i.product_id
"""

# Shipments per status and the median time spent in each stage left, for
# orders placed in the period: straight over orders, shipments and events.
RAW_SHIPMENT_COUNTS = """
SELECT s.status, count(*)
  FROM shipments s JOIN orders o ON o.id = s.order_id JOIN customers c ON c.id = o.customer_id
 WHERE o.placed_at >= CAST(:start AS timestamptz) AND o.placed_at < CAST(:after AS timestamptz)
   AND (CAST(:country AS text) IS NULL OR c.country = :country)
   AND (CAST(:category AS text) IS NULL OR EXISTS (
        SELECT 1 FROM order_items i JOIN products p ON p.id = i.product_id
         WHERE i.order_id = o.id AND p.category = :category))
 GROUP BY 1
"""
RAW_STAGE_DURATIONS = """
SELECT status, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM next_at - at)) / 86400
  FROM (SELECT e.status, e.at, lead(e.at) OVER (PARTITION BY e.shipment_id ORDER BY e.at, e.id) AS next_at
          FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id
          JOIN orders o ON o.id = s.order_id JOIN customers c ON c.id = o.customer_id
         WHERE o.placed_at >= CAST(:start AS timestamptz) AND o.placed_at < CAST(:after AS timestamptz)
           AND (CAST(:country AS text) IS NULL OR c.country = :country)
           AND (CAST(:category AS text) IS NULL OR EXISTS (
                SELECT 1 FROM order_items i JOIN products p ON p.id = i.product_id
                 WHERE i.order_id = o.id AND p.category = :category))) spans
 WHERE next_at IS NOT NULL
 GROUP BY status
"""
# Live shipments whose last event is older than 3 days, oldest first: the
# current stage's start read from the events rather than a kept column.
RAW_STUCK = """
SELECT s.id, s.order_id, c.full_name, c.country, s.status, last.at
  FROM shipments s JOIN orders o ON o.id = s.order_id JOIN customers c ON c.id = o.customer_id
  JOIN LATERAL (SELECT max(at) AS at FROM shipment_events WHERE shipment_id = s.id) last ON true
 WHERE s.status IN ('pending', 'packed', 'shipped', 'in_transit') AND last.at < now() - interval '3 days'
   AND (CAST(:country AS text) IS NULL OR c.country = :country)
   AND (CAST(:category AS text) IS NULL OR EXISTS (
        SELECT 1 FROM order_items i JOIN products p ON p.id = i.product_id
         WHERE i.order_id = o.id AND p.category = :category))
 ORDER BY last.at, s.id
 LIMIT 50
"""


def raw_params(filters: Filters) -> dict[str, object]:
    """The raw queries' parameters for a Filters (one country at most)."""
    return {
        "start": filters.start,
        "after": filters.end + timedelta(days=1),
        "category": filters.category,
        "country": filters.countries[0] if filters.countries else None,
    }


def data_days(engine: Engine) -> tuple[date, date]:
    """The first and last business day with orders."""
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT min(day), max(day) FROM orders_daily")).one()
    if first is None:
        raise SystemExit("no orders: seed the database first, e.g. `ecc seed --orders 1000000`")
    return first, last


def random_filters(
    rng: random.Random, first: date, last: date, categories: list[str], countries: list[str]
) -> Filters:
    end = first + timedelta(days=rng.randint(89, max(89, (last - first).days)))
    end = min(end, last)
    narrowing = rng.random()
    return Filters(
        end - timedelta(days=89),
        end,
        category=rng.choice(categories) if narrowing < 0.25 else None,
        countries=(rng.choice(countries),) if 0.25 <= narrowing < 0.5 else (),
    )


def draw_filters(engine: Engine, count: int, seed: int = 7) -> list[Filters]:
    """`count` random filters within the data's days, categories and countries."""
    first, last = data_days(engine)
    with engine.connect() as conn:
        categories = conn.execute(text("SELECT DISTINCT category FROM products ORDER BY 1")).scalars().all()
        countries = conn.execute(text("SELECT DISTINCT country FROM customers ORDER BY 1")).scalars().all()
    rng = random.Random(seed)
    return [random_filters(rng, first, last, categories, countries) for _ in range(count)]


def run(engine: Engine, repeat: int, seed: int = 7) -> list[tuple[Timing, Timing | None]]:
    filters = draw_filters(engine, repeat + 1, seed)

    def raw(sql: str):
        def call(i: int) -> None:
            f = filters[i]
            with engine.connect() as conn:
                conn.execute(text(sql), raw_params(f)).all()

        return call

    results = [
        (
            measure("daily_revenue", lambda i: daily_revenue(engine, filters[i]), repeat),
            measure("  raw: items x orders by day", raw(RAW_DAILY), repeat),
        ),
        (
            measure("kpis (period + previous)", lambda i: kpis(engine, filters[i]), repeat),
            measure("  raw: items, orders, payments", raw(RAW_KPIS), repeat),
        ),
        (
            measure("turnover_by_product", lambda i: turnover_by_product(engine, filters[i]), repeat),
            measure("  raw: items + movements per product", raw(RAW_TURNOVER), repeat),
        ),
        (measure("turnover_by_category", lambda i: turnover_by_category(engine, filters[i]), repeat), None),
        (
            measure("shipment_status_counts", lambda i: shipment_status_counts(engine, filters[i]), repeat),
            None,
        ),
        (measure("stage_durations", lambda i: stage_durations(engine, filters[i]), repeat), None),
        (measure("stuck_shipments", lambda i: stuck_shipments(engine, filters[i]), repeat), None),
    ]
    return results


def report(results: list[tuple[Timing, Timing | None]]) -> str:
    lines = [
        "| figure | p50 ms | p95 ms | raw p50 ms | raw p95 ms | raw / ours (p50) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for ours, raw in results:
        if raw is None:
            lines.append(
                f"| {ours.name} | {ours.p50_ms:.1f} | {ours.p95_ms:.1f} | (no rollup; the query is the raw one) | | |"
            )
        else:
            lines.append(
                f"| {ours.name} | {ours.p50_ms:.1f} | {ours.p95_ms:.1f} | {raw.p50_ms:.1f} | {raw.p95_ms:.1f} "
                f"| {raw.p50_ms / ours.p50_ms:.1f}x |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30, help="calls per figure (default 30)")
    args = parser.parse_args()
    engine = make_engine()
    with engine.connect() as conn:
        orders = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    print(f"{orders:,} orders; {args.repeat} calls per figure, random 90-day filters\n")
    print(report(run(engine, args.repeat)))


if __name__ == "__main__":
    main()
