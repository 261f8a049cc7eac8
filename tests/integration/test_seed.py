"""Demo data on a real PostgreSQL: every money, stock and shipment invariant
holds, checked by SQL on the loaded rows; the same seed gives the same data;
a database with data, or a bad argument, is refused with nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from workflow.db import make_engine
from workflow.demo import SeedSummary, seed_demo_data
from workflow.demo import pgbinary as pg
from workflow.errors import ErrorCode, WorkflowError
from workflow.migrations import upgrade

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SMALL = {"orders": 2000, "days": 400, "seed": 7, "now": NOW, "progress": False}
# DESIGN.md: pending -> packed -> shipped -> in transit -> delivered; cancelled and returned are the ways out.
MOVES = {
    "pending": ("packed", "cancelled"), "packed": ("shipped", "cancelled"), "shipped": ("in_transit", "returned"),
    "in_transit": ("delivered", "returned"), "delivered": (), "cancelled": (), "returned": (),
}  # fmt: skip
LOADED_TABLES = (
    "products", "customers", "orders", "order_items", "stock_movements", "payments",
    "payment_allocations", "shipments", "shipment_events", "order_balances",
)  # fmt: skip

# Paid, refunded and total per order from the raw rows, not from order_balances.
ORDER_MONEY = """
    WITH totals AS (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY 1),
         moved AS (SELECT a.order_id,
                          coalesce(sum(a.amount) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
                          coalesce(sum(a.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
                     FROM payment_allocations a JOIN payments p ON p.id = a.payment_id GROUP BY 1)
    SELECT o.id, o.status, o.due_at, t.total, coalesce(m.paid, 0) AS paid, coalesce(m.refunded, 0) AS refunded
      FROM orders o JOIN totals t ON t.order_id = o.id LEFT JOIN moved m ON m.order_id = o.id
"""


@pytest.fixture(scope="module")
def seeded(pg_admin: Engine, pg_server_url: URL) -> Iterator[tuple[Engine, SeedSummary]]:
    """One database with the small demo data set, shared by the read-only tests."""
    name = f"ecc_seed_{os.getpid()}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url=pg_server_url.set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    summary = seed_demo_data(engine, **SMALL)
    yield engine, summary
    engine.dispose()
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def demo(seeded: tuple[Engine, SeedSummary]) -> Engine:
    return seeded[0]


def rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def scalar(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row, per table."""
    return {
        table: tuple(rows(engine, f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t")[0])
        for table in LOADED_TABLES
    }


def test_the_summary_counts_the_rows_in_the_database(seeded):
    engine, summary = seeded
    assert summary.rows["orders"] == 2000
    for table, count in summary.rows.items():
        assert scalar(engine, f"SELECT count(*) FROM {table}") == count
    assert summary.seconds > 0 and "generate" in summary.stages


def test_stock_on_hand_equals_the_sum_of_movements_per_product(demo):
    assert rows(demo, """
        SELECT p.id FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id
         GROUP BY p.id, p.stock_qty HAVING p.stock_qty <> coalesce(sum(m.quantity_delta), 0)""") == []
    assert scalar(demo, "SELECT min(stock_qty) FROM products") >= 0
    assert scalar(demo, "SELECT sum(stock_qty) FROM products") > 0


def test_running_stock_never_goes_below_zero_in_time_order(demo):
    assert scalar(demo, """
        SELECT min(running) FROM (
            SELECT sum(quantity_delta) OVER (PARTITION BY product_id ORDER BY at, id) AS running
              FROM stock_movements) r""") >= 0


def test_movement_ids_follow_time(demo):
    assert scalar(demo, """
        SELECT count(*) FROM (SELECT at, lag(at) OVER (ORDER BY id) AS before FROM stock_movements) m
         WHERE at < before""") == 0


def test_each_item_has_a_sale_movement_and_cancelled_items_come_back(demo):
    assert rows(demo, """
        SELECT i.id FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.order_id = i.order_id AND m.reason = 'sale'
                             AND m.product_id = i.product_id AND m.quantity_delta = -i.quantity
                             AND m.at = o.placed_at)
            OR (o.status = 'cancelled' AND NOT EXISTS (
                SELECT 1 FROM stock_movements m WHERE m.order_id = i.order_id AND m.reason = 'cancellation'
                   AND m.product_id = i.product_id AND m.quantity_delta = i.quantity
                   AND m.at = o.cancelled_at))""") == []
    assert scalar(demo, "SELECT count(*) FROM stock_movements WHERE reason = 'receipt' AND unit_cost IS NULL") == 0


def test_allocations_of_each_payment_sum_to_its_amount(demo):
    assert rows(demo, """
        SELECT p.id FROM payments p LEFT JOIN payment_allocations a ON a.payment_id = p.id
         GROUP BY p.id, p.amount HAVING coalesce(sum(a.amount), 0) <> p.amount""") == []
    assert scalar(demo, "SELECT min(amount) FROM payment_allocations") > 0


def test_no_order_is_paid_more_than_its_total_nor_refunded_more_than_paid(demo):
    assert rows(demo, f"SELECT id FROM ({ORDER_MONEY}) m WHERE paid > total OR refunded > paid") == []


def test_cancelled_orders_have_no_payments(demo):
    assert scalar(demo, """
        SELECT count(*) FROM payment_allocations a JOIN orders o ON o.id = a.order_id
         WHERE o.status = 'cancelled'""") == 0
    share = scalar(demo, "SELECT avg((status = 'cancelled')::int) FROM orders")
    assert 0.01 < share < 0.06


def test_a_payment_covers_orders_of_its_own_customer_only(demo):
    assert scalar(demo, """
        SELECT count(*) FROM payment_allocations a JOIN payments p ON p.id = a.payment_id
          JOIN orders o ON o.id = a.order_id WHERE o.customer_id <> p.customer_id""") == 0


def test_there_are_multi_order_payments_instalments_and_refunds(demo):
    assert scalar(demo, """SELECT count(*) FROM (SELECT payment_id FROM payment_allocations
                            GROUP BY 1 HAVING count(*) > 1) x""") > 0
    assert scalar(demo, """SELECT count(*) FROM (SELECT a.order_id FROM payment_allocations a
                            JOIN payments p ON p.id = a.payment_id AND p.kind = 'payment'
                            GROUP BY 1 HAVING count(*) = 2) x""") > 0
    refunds = scalar(demo, "SELECT count(*) FROM payments WHERE kind = 'refund'")
    assert 0.01 * 2000 < refunds < 0.04 * 2000


def test_refunds_come_after_the_payments_of_their_order(demo):
    assert scalar(demo, """
        SELECT count(*) FROM payment_allocations ra JOIN payments r ON r.id = ra.payment_id AND r.kind = 'refund'
          JOIN payment_allocations pa ON pa.order_id = ra.order_id
          JOIN payments p ON p.id = pa.payment_id AND p.kind = 'payment'
         WHERE p.received_at >= r.received_at""") == 0


def test_only_fully_paid_orders_have_shipments_past_pending(demo):
    assert rows(demo, f"""
        SELECT s.id FROM shipments s JOIN ({ORDER_MONEY}) m ON m.id = s.order_id
         WHERE s.status NOT IN ('pending', 'cancelled') AND m.paid <> m.total""") == []
    assert scalar(demo, """SELECT count(*) FROM shipments s JOIN orders o ON o.id = s.order_id
                            WHERE o.status = 'cancelled' AND s.status <> 'cancelled'""") == 0


def test_a_shipment_status_and_times_are_those_of_its_events(demo):
    assert rows(demo, """
        SELECT s.id FROM shipments s JOIN LATERAL (
            SELECT (array_agg(status ORDER BY at, id))[count(*)] AS last_status,
                   min(at) AS first_at, max(at) AS last_at FROM shipment_events e WHERE e.shipment_id = s.id) e ON true
         WHERE e.last_status IS DISTINCT FROM s.status OR e.first_at <> s.created_at OR e.last_at <> s.updated_at
        """) == []


def test_shipment_events_follow_the_allowed_moves_in_time_order(demo):
    moves = rows(demo, """
        SELECT DISTINCT before, status FROM (
            SELECT status, lag(status) OVER (PARTITION BY shipment_id ORDER BY id) AS before
              FROM shipment_events) e""")
    allowed = {(a, b) for a, targets in MOVES.items() for b in targets} | {(None, "pending")}
    assert {tuple(m) for m in moves} <= allowed
    assert scalar(demo, """
        SELECT count(*) FROM (SELECT at, lag(at) OVER (PARTITION BY shipment_id ORDER BY id) AS before
                                FROM shipment_events) e WHERE at < before""") == 0


def test_shipped_parcels_have_a_carrier_and_a_tracking_number(demo):
    assert scalar(demo, """SELECT count(*) FROM shipments WHERE status IN ('pending', 'packed', 'cancelled')
                            AND (carrier IS NOT NULL OR tracking_number IS NOT NULL)""") == 0


def test_every_shipment_status_is_present(demo):
    assert {r[0] for r in rows(demo, "SELECT DISTINCT status FROM shipments")} == set(MOVES)


def test_every_payment_state_is_present(demo):
    states = rows(demo, f"""
        SELECT CASE
                 WHEN refunded > 0 AND refunded = paid THEN 'refunded'
                 WHEN refunded > 0 THEN 'partially_refunded'
                 WHEN paid = total THEN 'paid'
                 WHEN paid < total AND :now > due_at THEN 'overdue'
                 WHEN paid > 0 THEN 'partially_paid'
                 ELSE 'unpaid' END AS state, count(*)
          FROM ({ORDER_MONEY}) m WHERE status = 'placed' GROUP BY 1""", now=NOW)
    counts = dict(states)  # type: ignore[arg-type]
    expected = {"refunded", "partially_refunded", "paid", "overdue", "partially_paid", "unpaid"}
    assert set(counts) == expected
    assert counts["paid"] > sum(counts.values()) / 2


def test_nothing_happens_after_now_and_customers_exist_before_their_orders(demo):
    latest = scalar(demo, """SELECT greatest(
        (SELECT max(created_at) FROM customers), (SELECT max(created_at) FROM products),
        (SELECT max(placed_at) FROM orders), (SELECT max(cancelled_at) FROM orders),
        (SELECT max(at) FROM stock_movements), (SELECT max(received_at) FROM payments),
        (SELECT max(recorded_at) FROM payments), (SELECT max(updated_at) FROM shipments),
        (SELECT max(at) FROM shipment_events))""")
    assert latest <= NOW
    assert scalar(demo, "SELECT min(placed_at) FROM orders") > NOW - timedelta(days=400)
    assert scalar(demo, """SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id
                            WHERE c.created_at >= o.placed_at""") == 0


def test_orders_have_one_to_five_distinct_products_at_the_product_price(demo):
    assert scalar(demo, """SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY order_id
                            HAVING count(*) <> count(DISTINCT product_id)) x""") == 0
    smallest, largest, mean = rows(demo, """SELECT min(n), max(n), avg(n) FROM (
        SELECT count(*) AS n FROM order_items GROUP BY order_id) x""")[0]
    assert (smallest, largest) == (1, 5) and 2.7 < mean < 3.3
    assert scalar(demo, """SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id
                            WHERE i.unit_price <> p.unit_price OR i.unit_cost <> p.unit_cost""") == 0
    assert scalar(demo, "SELECT count(*) FROM orders o WHERE NOT EXISTS "
                        "(SELECT 1 FROM order_items i WHERE i.order_id = o.id)") == 0


def test_order_ids_follow_time_and_orders_are_due_thirty_days_later(demo):
    assert scalar(demo, """SELECT count(*) FROM (SELECT placed_at, lag(placed_at) OVER (ORDER BY id) AS before
                            FROM orders) o WHERE placed_at < before""") == 0
    assert scalar(demo, "SELECT count(*) FROM orders WHERE due_at <> placed_at + interval '30 days'") == 0


def test_the_app_can_insert_after_the_demo_data(demo):
    with demo.connect() as conn:
        new_id = conn.execute(text("""INSERT INTO customers (email, full_name, country)
                                      VALUES ('new.one@example.com', 'New One', 'DE') RETURNING id""")).scalar_one()
        conn.rollback()
    assert new_id > 2000 // 5


def test_a_single_order_over_a_single_day_is_enough(db_engine):
    summary = seed_demo_data(db_engine, orders=1, days=1, now=NOW, progress=False)
    assert (summary.rows["orders"], summary.rows["products"], summary.rows["customers"]) == (1, 20, 20)
    assert scalar(db_engine, "SELECT count(*) FROM orders WHERE placed_at > :t", t=NOW - timedelta(days=1)) == 1


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(seeded, db_engine, fresh_database):
    engine, _ = seeded
    seed_demo_data(db_engine, **SMALL)
    assert fingerprint(db_engine) == fingerprint(engine)
    other = make_engine(url=fresh_database)
    try:
        upgrade(other)
        seed_demo_data(other, **(SMALL | {"seed": 8}))
        theirs, ours = fingerprint(other), fingerprint(engine)
        assert all(theirs[table] != ours[table] for table in LOADED_TABLES)
    finally:
        other.dispose()


def test_seeding_a_database_with_orders_is_refused_and_writes_nothing(db_engine):
    seed_demo_data(db_engine, orders=40, days=30, now=NOW, progress=False)
    before = fingerprint(db_engine)
    with pytest.raises(WorkflowError) as refused:
        seed_demo_data(db_engine, orders=10, days=30, now=NOW, progress=False)
    assert refused.value.code is ErrorCode.DATABASE_NOT_EMPTY
    assert refused.value.message.startswith(
        "The database already has 40 orders; demo data goes only into an empty database."
    )
    assert fingerprint(db_engine) == before


def test_seeding_a_database_with_customers_only_is_refused(db_engine):
    with db_engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (email, full_name, country) VALUES ('a@b.c', 'A B', 'DE')"))
    with pytest.raises(WorkflowError) as refused:
        seed_demo_data(db_engine, orders=10, now=NOW, progress=False)
    assert refused.value.code is ErrorCode.DATABASE_NOT_EMPTY
    assert refused.value.message.startswith("The database already has 1 customer;")
    assert scalar(db_engine, "SELECT count(*) FROM products") == 0


def test_a_database_without_the_schema_is_refused(fresh_database):
    engine = make_engine(url=fresh_database)
    try:
        with pytest.raises(WorkflowError) as refused:
            seed_demo_data(engine, orders=10, now=NOW, progress=False)
        assert refused.value.code is ErrorCode.SCHEMA_NOT_READY
        assert "run `ecc db upgrade` first" in refused.value.message
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"orders": 0}, "orders=0"),
        ({"orders": 5_000_001}, "orders=5000001"),
        ({"orders": 10, "days": 0}, "days=0"),
        ({"orders": 10, "days": 3651}, "days=3651"),
        ({"orders": 10, "seed": -1}, "seed=-1"),
        ({"orders": 10, "now": datetime(2026, 3, 1)}, "now=2026-03-01T00:00:00 has no time zone"),
    ],
)
def test_bad_arguments_are_refused_naming_the_value(db_engine, arguments, named):
    with pytest.raises(WorkflowError) as refused:
        seed_demo_data(db_engine, progress=False, **arguments)
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
    assert refused.value.message.startswith(named)
    assert "expected" in refused.value.message or "pass a timezone-aware" in refused.value.message
    assert scalar(db_engine, "SELECT count(*) FROM orders") == 0


def test_binary_copy_round_trips_money_text_times_and_nulls(db_engine):
    cents = np.array([0, 1, 99, 1250, 123456789012, 999999999999])
    with db_engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE t (m numeric(12,2), s text, at timestamptz, n bigint)"))
        cursor = conn.connection.driver_connection.cursor()
        fields = [
            pg.money(cents),
            pg.text(np.array([b"", b"a", "Zoë".encode(), b"x" * 40, b"", b"tab\there"]),
                    null=np.array([True, False, False, False, False, False])),
            pg.timestamptz(np.array([0, 946684800, 1772366400, 1, 2, 3])),
            pg.int8(np.arange(6), null=np.arange(6) == 3),
        ]  # fmt: skip
        with cursor.copy("COPY t FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(pg.SIGNATURE + pg.rows(fields) + pg.TRAILER)
        got = conn.execute(text("SELECT m::text, s, at, n FROM t")).all()
    assert [g[0] for g in got] == ["0.00", "0.01", "0.99", "12.50", "1234567890.12", "9999999999.99"]
    assert [g[1] for g in got] == [None, "a", "Zoë", "x" * 40, "", "tab\there"]
    assert got[2][2] == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert got[0][2] == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert [g[3] for g in got] == [0, 1, 2, None, 4, 5]
