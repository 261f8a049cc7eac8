"""db/schema.sql: applies cleanly, agrees with workflow.tables, and refuses
every row that must never exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from workflow import tables
from workflow.migrations import upgrade


def test_upgrading_an_empty_database_applies_the_schema_and_a_second_upgrade_changes_nothing(fresh_database):
    engine = create_engine(fresh_database)
    first = upgrade(engine)
    migrations = sorted(p.stem for p in (Path(__file__).parents[2] / "db" / "migrations").glob("*.sql"))
    assert first.applied == ["000_schema", *migrations]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT version, applied_at FROM schema_migrations")).all()
    second = upgrade(engine)
    assert second.applied == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version, applied_at FROM schema_migrations")).all() == before
    assert set(inspect(engine).get_table_names()) == set(tables.metadata.tables)
    engine.dispose()


def test_every_table_of_the_design_exists_with_its_fixed_columns(db_engine: Engine):
    fixed = {
        "customers": "id email full_name phone country created_at",
        "products": "id sku name category unit_price unit_cost stock_qty active",
        "orders": "id customer_id status placed_at due_at",
        "order_items": "id order_id product_id quantity unit_price unit_cost",
        "payments": "id customer_id amount kind method reference received_at idempotency_key recorded_by",
        "payment_allocations": "payment_id order_id amount",
        "shipments": "id order_id status carrier tracking_number updated_at",
        "shipment_events": "id shipment_id status at actor note",
        "stock_movements": "id product_id quantity_delta reason unit_cost at order_id",
        "users": "id username role password_hash active",
        "audit_log": "id at actor action entity entity_id details",
        "import_runs": "id kind file_name file_sha256 started_at finished_at rows_read rows_valid "
        "rows_rejected rows_inserted rows_updated outcome",
    }
    inspector = inspect(db_engine)
    for table, columns in fixed.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        assert set(columns.split()) <= present, table


def test_sqlalchemy_tables_agree_with_schema_sql_on_columns_types_and_nullability(db_engine: Engine):
    inspector = inspect(db_engine)
    dialect = db_engine.dialect
    for name, table in tables.metadata.tables.items():
        reflected = {c["name"]: c for c in inspector.get_columns(name)}
        assert list(reflected) == [c.name for c in table.columns], f"{name}: column names or order differ"
        for column in table.columns:
            found = reflected[column.name]
            declared = column.type.compile(dialect=dialect)
            actual = found["type"].compile(dialect=dialect)
            assert actual == declared, f"{name}.{column.name}: schema.sql has {actual}, tables.py {declared}"
            assert found["nullable"] == column.nullable, f"{name}.{column.name}: nullability differs"
        primary = inspector.get_pk_constraint(name)["constrained_columns"]
        assert primary == [c.name for c in table.primary_key.columns], f"{name}: primary key differs"


def test_money_is_numeric_12_2_and_time_is_timestamptz_everywhere(db_engine: Engine):
    with db_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale "
                "FROM information_schema.columns WHERE table_schema = 'public'"
            )
        ).all()
    money = {(t, c) for t, c, d, p, s in rows if d == "numeric"}
    assert all((p, s) == (12, 2) for t, c, d, p, s in rows if d == "numeric")
    assert ("payments", "amount") in money and ("order_items", "unit_price") in money
    assert not [r for r in rows if r.data_type in ("timestamp without time zone", "real", "double precision")]


# --- the database refuses what must never be --------------------------------

SETUP = """
INSERT INTO customers (id, email, full_name, country) VALUES (1, 'ann@example.com', 'Ann Lee', 'DE');
INSERT INTO products (id, sku, name, category, unit_price, unit_cost) VALUES (1, 'SKU-1', 'Mug', 'Home', 9.90, 4.00);
INSERT INTO stock_movements (product_id, quantity_delta, reason, unit_cost) VALUES (1, 5, 'receipt', 4.00);
INSERT INTO orders (id, customer_id, placed_at, due_at) VALUES (1, 1, now(), now() + interval '30 days');
INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) VALUES (1, 1, 2, 9.90, 4.00);
INSERT INTO payments (id, customer_id, amount, kind, method, received_at, idempotency_key, recorded_by)
    VALUES (1, 1, 10.00, 'payment', 'card', now(), 'k1', 'clerk');
INSERT INTO shipments (id, order_id) VALUES (1, 1);
"""


@pytest.fixture
def raw_shop(db_engine: Engine) -> Engine:
    """One customer, one product with 5 in stock, one order, one payment, one shipment."""
    with db_engine.begin() as conn:
        for statement in SETUP.strip().split(";\n"):
            conn.execute(text(statement))
    return db_engine


REFUSED = {
    "an order without a customer": "INSERT INTO orders (customer_id, due_at) VALUES (999, now() + interval '1 day')",
    "an item without an order": "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
    "VALUES (999, 1, 1, 1, 1)",
    "an item without a product": "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
    "VALUES (1, 999, 1, 1, 1)",
    "an item of quantity zero": "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
    "VALUES (1, 1, 0, 1, 1)",
    "an item with a negative price": "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost)"
    " VALUES (1, 1, 1, -0.01, 1)",
    "a product with a negative price": "INSERT INTO products (sku, name, category, unit_price, unit_cost) "
    "VALUES ('S2', 'x', 'c', -1, 0)",
    "a product with a negative cost": "INSERT INTO products (sku, name, category, unit_price, unit_cost) "
    "VALUES ('S2', 'x', 'c', 1, -1)",
    "stock below zero": "INSERT INTO stock_movements (product_id, quantity_delta, reason, order_id) "
    "VALUES (1, -6, 'sale', 1)",
    "a stock level set by hand": "UPDATE products SET stock_qty = 100 WHERE id = 1",
    "an edited stock movement": "UPDATE stock_movements SET quantity_delta = 50",
    "a deleted stock movement": "DELETE FROM stock_movements",
    "a payment of zero": "INSERT INTO payments (customer_id, amount, kind, method, received_at, idempotency_key, "
    "recorded_by) VALUES (1, 0, 'payment', 'card', now(), 'k2', 'clerk')",
    "a negative payment": "INSERT INTO payments (customer_id, amount, kind, method, received_at, idempotency_key, "
    "recorded_by) VALUES (1, -5, 'payment', 'card', now(), 'k2', 'clerk')",
    "a payment kind outside its set": "INSERT INTO payments (customer_id, amount, kind, method, received_at, "
    "idempotency_key, recorded_by) VALUES (1, 5, 'gift', 'card', now(), 'k2', 'clerk')",
    "a repeated idempotency key": "INSERT INTO payments (customer_id, amount, kind, method, received_at, "
    "idempotency_key, recorded_by) VALUES (1, 5, 'payment', 'card', now(), 'k1', 'clerk')",
    "an allocation of zero": "INSERT INTO payment_allocations (payment_id, order_id, amount) VALUES (1, 1, 0)",
    "an allocation without a payment": "INSERT INTO payment_allocations (payment_id, order_id, amount) "
    "VALUES (999, 1, 1)",
    "an allocation without an order": "INSERT INTO payment_allocations (payment_id, order_id, amount) "
    "VALUES (1, 999, 1)",
    "an unknown order status": "UPDATE orders SET status = 'shipped'",
    "an unknown shipment status": "UPDATE shipments SET status = 'lost'",
    "a shipped parcel without carrier and tracking number": "UPDATE shipments SET status = 'shipped'",
    "an unknown shipment event status": "INSERT INTO shipment_events (shipment_id, status, actor) "
    "VALUES (1, 'teleported', 'x')",
    "an unknown user role": "INSERT INTO users (username, role, password_hash) VALUES ('bob', 'owner', 'h')",
    "a duplicate username": "INSERT INTO users (username, role, password_hash) VALUES ('ann', 'admin', 'h'), "
    "('ann', 'clerk', 'h')",
    "a duplicate email differing only in case": "INSERT INTO customers (email, full_name, country) "
    "VALUES ('ANN@Example.com', 'Ann Two', 'FR')",
    "a duplicate sku": "INSERT INTO products (sku, name, category, unit_price, unit_cost) "
    "VALUES ('SKU-1', 'x', 'c', 1, 0)",
    "a country that is not an ISO alpha-2 code": "INSERT INTO customers (email, full_name, country) "
    "VALUES ('bo@example.com', 'Bo', 'Germany')",
    "a phone number not in E.164": "UPDATE customers SET phone = '0049 30 1234567'",
    "a due date before the order was placed": "INSERT INTO orders (customer_id, placed_at, due_at) "
    "VALUES (1, now(), now() - interval '1 day')",
    "a cancelled order without its cancellation time": "UPDATE orders SET status = 'cancelled'",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_database_refuses(raw_shop: Engine, statement: str):
    with pytest.raises((IntegrityError, DBAPIError)), raw_shop.begin() as conn:
        conn.execute(text(statement))
    with raw_shop.connect() as conn:  # and the shop is as it was
        assert conn.execute(text("SELECT stock_qty FROM products WHERE id = 1")).scalar() == 5
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 1


def test_stock_on_hand_follows_the_movements_of_a_multi_row_insert(raw_shop: Engine):
    with raw_shop.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stock_movements (product_id, quantity_delta, reason, unit_cost, order_id) VALUES "
                "(1, 10, 'receipt', 4.00, NULL), (1, -2, 'sale', NULL, 1), (1, -3, 'adjustment', NULL, NULL)"
            )
        )
    with raw_shop.connect() as conn:
        stock, ledger = conn.execute(
            text("SELECT stock_qty, (SELECT sum(quantity_delta) FROM stock_movements) FROM products")
        ).one()
    assert stock == ledger == 10
