"""The payment form's lookup for a customer with 10,000 open orders: the
first page of them with balances, beside a raw query that sums items and
allocations per order for the same page.

    python -m bench.payment_lookup [--repeat 30]

Adds (once) a customer 'bench-10k@example.com' with 10,000 unpaid orders of
one item each to the configured database: run it on a benchmark database.
"""

from __future__ import annotations

import argparse

from sqlalchemy import Engine, text

from bench.results import Figure, Target, timing_figure
from bench.timing import Timing, measure
from workflow.balances import customer_orders
from workflow.db import make_engine

MEASUREMENT = "3. payment lookup"
EMAIL = "bench-10k@example.com"
OPEN_ORDERS = 10_000

RAW_PAGE = """
SELECT o.id, o.due_at, t.total, coalesce(a.paid, 0), t.total - coalesce(a.paid, 0)
  FROM orders o
  JOIN LATERAL (SELECT sum(quantity * unit_price) AS total FROM order_items WHERE order_id = o.id) t ON true
  LEFT JOIN LATERAL (SELECT sum(pa.amount) FILTER (WHERE p.kind = 'payment') AS paid
                       FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
                      WHERE pa.order_id = o.id) a ON true
 WHERE o.customer_id = :customer AND o.status = 'placed' AND t.total > coalesce(a.paid, 0)
 ORDER BY o.due_at, o.id LIMIT 50
"""


def ensure_customer(engine: Engine) -> int:
    """The bench customer's id, creating it with its open orders if needed."""
    with engine.begin() as conn:
        found = conn.execute(text("SELECT id FROM customers WHERE email = :e"), {"e": EMAIL}).scalar()
        if found:
            return found
        customer = conn.execute(
            text(
                "INSERT INTO customers (email, full_name, country) VALUES (:e, 'Bench Ten-Thousand', 'DE') RETURNING id"
            ),
            {"e": EMAIL},
        ).scalar_one()
        product = conn.execute(
            text("SELECT id FROM products WHERE active ORDER BY stock_qty DESC LIMIT 1")
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO stock_movements (product_id, quantity_delta, reason, unit_cost, note) "
                "SELECT id, :n, 'receipt', unit_cost, 'bench-10k' FROM products WHERE id = :p"
            ),
            {"n": OPEN_ORDERS, "p": product},
        )
        conn.execute(
            text(
                "INSERT INTO orders (customer_id, placed_at, due_at) "
                "SELECT :c, now() - g * interval '1 hour', now() - g * interval '1 hour' + interval '30 days' "
                "FROM generate_series(1, :n) g"
            ),
            {"c": customer, "n": OPEN_ORDERS},
        )
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
                "SELECT o.id, p.id, 1, p.unit_price, p.unit_cost FROM orders o, products p "
                "WHERE o.customer_id = :c AND p.id = :p"
            ),
            {"c": customer, "p": product},
        )
        conn.execute(
            text(
                "INSERT INTO stock_movements (product_id, quantity_delta, reason, order_id, note) "
                "SELECT :p, -1, 'sale', id, 'bench-10k' FROM orders WHERE customer_id = :c"
            ),
            {"c": customer, "p": product},
        )
        return customer


def run(engine: Engine, repeat: int) -> tuple[Timing, Timing]:
    """customer_orders' first page for the 10,000-order customer, and the raw page query."""
    customer = ensure_customer(engine)
    ours = measure(
        "customer_orders (first page, count, total due)",
        lambda i: customer_orders(engine, customer, limit=50, offset=0),
        repeat,
    )

    def raw(i: int) -> None:
        with engine.connect() as conn:
            conn.execute(text(RAW_PAGE), {"customer": customer}).all()

    return ours, measure("raw: sums per order, first page only", raw, repeat)


def figure(ours: Timing, raw: Timing) -> Figure:
    return timing_figure(
        MEASUREMENT,
        f"lookup of a customer with {OPEN_ORDERS:,} open orders: first page, count and total due, p95",
        ours,
        raw,
        "raw page query p95 (first 50 only, no count or total)",
        Target("<=", 100, "ms"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    ours, baseline = run(make_engine(), args.repeat)
    print(f"a customer with {OPEN_ORDERS:,} open orders; {args.repeat} calls\n")
    print("| query | p50 ms | p95 ms |\n|---|---:|---:|")
    for t in (ours, baseline):
        print(f"| {t.name} | {t.p50_ms:.1f} | {t.p95_ms:.1f} |")


if __name__ == "__main__":
    main()
