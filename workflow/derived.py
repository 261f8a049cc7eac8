"""The derived data, and how to rebuild all of it at once.

Derived data is what the database keeps from the base tables (customers,
products, orders, order_items, payments, payment_allocations, shipments,
shipment_events, stock_movements, business_calendar) by its own triggers,
write by write: order balances, stock on hand, the daily rollups. Each name
in DERIVED has a SQL function `rebuild_<name>()` (db/migrations) that
empties it and refills it set-based from the base tables only, never from
another derived table, so they run in any order and each gives what the
triggers would have written (less any rollup row that went back to zero).

A bulk load that writes the base tables with the triggers disabled (the
demo seeder) calls every one of them afterwards. A new rollup adds its name
here, and nothing else: this list is the one place the seeder reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, text

__all__ = [
    "BASE_TABLES", "DERIVED", "TABLES", "derived_tables", "rebuild_all", "rebuild_function", "tables_of",
]  # fmt: skip

BASE_TABLES: tuple[str, ...] = (
    "customers", "products", "orders", "order_items", "payments", "payment_allocations",
    "shipments", "shipment_events", "stock_movements", "business_calendar",
)  # fmt: skip

# Each has rebuild_<name>() in the database. A name that is also a table's is
# that table (its indexes and triggers are set aside during a bulk load);
# product_stock is products.stock_qty. Longest rebuild first (seconds at 1M
# orders): the seed starts them in this order on two connections
# (workflow.demo.derive), so the longest does not start last.
DERIVED: tuple[str, ...] = (
    "shipment_rollups",  # 008, 011 (19 s): shipment_facts, shipment_spans, shipment_status_daily, shipment_stage_bands
    "product_stock_weeks",  # 009 (10 s): with product_stock_days and product_stock_weeks_closed
    "product_daily",  # 005_rebuild_derived.sql (6 s)
    "sales_daily",  # 005 (5 s)
    "payment_states",  # 007, 012 (4 s): payment_states_daily and category_payment_states_daily
    "order_balances",  # 005 (3 s)
    "orders_daily",  # 005 (3 s)
    "cash_daily",  # 005 (1 s)
    "product_stock",  # 005 (0.4 s): products.stock_qty
)


# Derived data kept in tables of other names than its own (the rest: one table of its name).
TABLES: dict[str, tuple[str, ...]] = {
    "payment_states": ("payment_states_daily", "category_payment_states_daily"),
    "shipment_rollups": ("shipment_facts", "shipment_spans", "shipment_status_daily", "shipment_stage_bands"),
    "product_stock_weeks": ("product_stock_weeks", "product_stock_days", "product_stock_weeks_closed"),
}


def rebuild_function(name: str) -> str:
    """The SQL function that rebuilds the derived data `name`."""
    return f"rebuild_{name}"


def tables_of(name: str) -> tuple[str, ...]:
    """The table names the derived data `name` would be kept in (product_stock's
    names no table: it is products.stock_qty; derived_tables checks)."""
    return TABLES.get(name, (name,))


def derived_tables(conn: Connection, names: Sequence[str] = DERIVED) -> list[str]:
    """The tables of the database that hold the derived data `names` (a bulk
    load sets their indexes aside while they are rebuilt, and builds them
    after); product_stock has none of its own."""
    tables = [table for name in names for table in tables_of(name)]
    found = conn.execute(
        text("SELECT name FROM unnest(CAST(:names AS text[])) AS name WHERE to_regclass(name) IS NOT NULL"),
        {"names": tables},
    )
    return list(found.scalars())


def rebuild_all(
    conn: Connection, before_each: Callable[[str], None] | None = None, names: Sequence[str] = DERIVED
) -> dict[str, float]:
    """Rebuild the derived data `names` (default: all) in `conn`'s
    transaction; seconds per name. `before_each(name)` is called as each one
    starts (for progress)."""
    seconds: dict[str, float] = {}
    for name in names:
        if before_each:
            before_each(name)
        started = time.perf_counter()
        conn.execute(text(f"SELECT {rebuild_function(name)}()"))
        seconds[name] = time.perf_counter() - started
    return seconds
