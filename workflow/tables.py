"""SQLAlchemy Core tables, mirroring db/schema.sql (the source of truth).

Only columns, types and nullability live here: constraints, indexes and
triggers are the DDL's job. tests/integration/test_schema.py reflects a
database built from schema.sql and proves the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

Money = Numeric(12, 2)
Timestamp = DateTime(timezone=True)


def _id() -> Column:
    return Column("id", BigInteger, primary_key=True)


customers = Table(
    "customers",
    metadata,
    _id(),
    Column("email", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("phone", Text),
    Column("country", CHAR(2), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

products = Table(
    "products",
    metadata,
    _id(),
    Column("sku", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("unit_cost", Money, nullable=False),
    Column("stock_qty", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    _id(),
    Column("product_id", BigInteger, nullable=False),
    Column("quantity_delta", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("unit_cost", Money),
    Column("at", Timestamp, nullable=False),
    Column("order_id", BigInteger),
    Column("actor", Text, nullable=False),
    Column("note", Text),
)

orders = Table(
    "orders",
    metadata,
    _id(),
    Column("customer_id", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("placed_at", Timestamp, nullable=False),
    Column("due_at", Timestamp, nullable=False),
    Column("cancelled_at", Timestamp),
)

order_items = Table(
    "order_items",
    metadata,
    _id(),
    Column("order_id", BigInteger, nullable=False),
    Column("product_id", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("unit_cost", Money, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    _id(),
    Column("customer_id", BigInteger, nullable=False),
    Column("amount", Money, nullable=False),
    Column("kind", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("reference", Text),
    Column("received_at", Timestamp, nullable=False),
    Column("idempotency_key", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
)

payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("payment_id", BigInteger, primary_key=True),
    Column("order_id", BigInteger, primary_key=True),
    Column("amount", Money, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    _id(),
    Column("order_id", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("carrier", Text),
    Column("tracking_number", Text),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

shipment_events = Table(
    "shipment_events",
    metadata,
    _id(),
    Column("shipment_id", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("actor", Text, nullable=False),
    Column("note", Text),
)

order_balances = Table(
    "order_balances",
    metadata,
    Column("order_id", BigInteger, primary_key=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("placed_at", Timestamp, nullable=False),
    Column("due_at", Timestamp, nullable=False),
    Column("total", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("refunded", Money, nullable=False),
)

business_calendar = Table(
    "business_calendar",
    metadata,
    Column("singleton", Boolean, primary_key=True),
    Column("timezone", Text, nullable=False),
)

sales_daily = Table(
    "sales_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("country", CHAR(2), primary_key=True),
    Column("category", Text, primary_key=True),
    Column("quantity", BigInteger, nullable=False),
    Column("revenue", Money, nullable=False),
    Column("cost", Money, nullable=False),
    Column("order_count", Integer, nullable=False),
)

orders_daily = Table(
    "orders_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("country", CHAR(2), primary_key=True),
    Column("order_count", Integer, nullable=False),
    Column("revenue", Money, nullable=False),
)

# Orders needing attention by placed day, country, due day and payment
# bucket (migration 007), for the KPI cards' payment-state counts.
payment_states_daily = Table(
    "payment_states_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("country", CHAR(2), primary_key=True),
    Column("due_day", Date, primary_key=True),
    Column("bucket", Text, primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("balance_due", Money, nullable=False),
    Column("shard", SmallInteger, primary_key=True),  # see cash_daily
)

category_payment_states_daily = Table(
    "category_payment_states_daily",
    metadata,
    Column("category", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("country", CHAR(2), primary_key=True),
    Column("due_day", Date, primary_key=True),
    Column("bucket", Text, primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("balance_due", Money, nullable=False),
    Column("shard", SmallInteger, primary_key=True),  # see cash_daily
)

product_daily = Table(
    "product_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("product_id", BigInteger, primary_key=True),
    Column("sold_qty", BigInteger, nullable=False),
    Column("revenue", Money, nullable=False),
    Column("cogs", Money, nullable=False),
    Column("stock_delta", BigInteger, nullable=False),
)

cash_daily = Table(
    "cash_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("country", CHAR(2), primary_key=True),
    Column("collected", Money, nullable=False),
    Column("refunded", Money, nullable=False),
    # 006: a day and country may have several rows; read the sum.
    Column("shard", SmallInteger, primary_key=True),
)

# Shipment rollups (db/migrations/008_shipment_rollups.sql, laid out again by
# 011_shipment_rollups_lean.sql): '' is every country or every category in
# shipment_status_daily; shipment_stage_bands keeps every key's count in one
# row, in arrays by slot. shipment_keys gives each country and category its
# slot (the facts and spans keep an order's categories as their slots). Their text keys
# compare bytewise (COLLATE "C"): the rebuild's sorts and index builds are
# cheaper.
Key = Text(collation="C")

shipment_keys = Table(
    "shipment_keys",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("slot", SmallInteger, nullable=False),
)

shipment_facts = Table(
    "shipment_facts",
    metadata,
    Column("shipment_id", BigInteger, primary_key=True),
    Column("day", Date, nullable=False),
    Column("country", CHAR(2), nullable=False),
    Column("categories", ARRAY(SmallInteger), nullable=False),
    Column("status", Text, nullable=False),
)

shipment_spans = Table(
    "shipment_spans",
    metadata,
    Column("shipment_id", BigInteger, primary_key=True),
    Column("event_id", BigInteger, primary_key=True),
    Column("stage", Key, nullable=False),
    Column("spent_us", BigInteger, nullable=False),
    Column("band", SmallInteger, nullable=False),
    Column("day", Date, nullable=False),
    Column("country", CHAR(2), nullable=False),
    Column("categories", ARRAY(SmallInteger), nullable=False),
)

shipment_status_daily = Table(
    "shipment_status_daily",
    metadata,
    Column("country", Key, primary_key=True),
    Column("category", Key, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("status", Key, primary_key=True),
    Column("shipments", Integer, nullable=False),
)

shipment_stage_bands = Table(
    "shipment_stage_bands",
    metadata,
    Column("days", SmallInteger, primary_key=True),
    Column("start", Date, primary_key=True),
    Column("stage", Key, primary_key=True),
    Column("band", SmallInteger, primary_key=True),
    Column("spans", Integer, nullable=False),
    Column("by_country", ARRAY(Integer), nullable=False),
    Column("by_category", ARRAY(Integer), nullable=False),
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("pii_access", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    _id(),
    Column("at", Timestamp, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text),
    Column("details", JSONB, nullable=False),
)

import_runs = Table(
    "import_runs",
    metadata,
    _id(),
    Column("kind", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", CHAR(64), nullable=False),
    Column("started_by", Text, nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp),
    Column("rows_read", Integer, nullable=False),
    Column("rows_valid", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("rows_inserted", Integer, nullable=False),
    Column("rows_updated", Integer, nullable=False),
    Column("outcome", Text, nullable=False),
)

# db/migrations/001_data_version.sql and 006_data_version_at_commit.sql:
# moved at commit by every writing transaction; the data version is the sum
# of the slots (workflow.data_version).
data_version = Table(
    "data_version",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", Timestamp, nullable=False),
)

# db/migrations/006_data_version_at_commit.sql: one row per writing
# transaction until it commits (the version then moves and the row goes).
data_version_pending = Table(
    "data_version_pending",
    metadata,
    Column("xact", BigInteger, primary_key=True),
)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Text, primary_key=True),
    Column("checksum", CHAR(64), nullable=False),
    Column("applied_at", Timestamp, nullable=False),
)

# db/migrations/003_import_uploads.sql: web imports' progress and reject reports.
import_uploads = Table(
    "import_uploads",
    metadata,
    _id(),
    Column("file_name", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("started_by", Text, nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("state", Text, nullable=False),
    Column("bytes_read", BigInteger, nullable=False),
    Column("message", Text),
    Column("run_id", BigInteger),
    Column("summary", JSONB),
    Column("report_gz", LargeBinary),
)

# db/migrations/004_users_sessions.sql: sessions (Redis caches them) and sign-in throttling.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id_hash", CHAR(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("last_seen_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp),
)

login_failures = Table(
    "login_failures",
    metadata,
    _id(),
    Column("at", Timestamp, nullable=False),
    Column("username", Text, nullable=False),
    Column("address", Text, nullable=False),
)

login_locks = Table(
    "login_locks",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("locked_until", Timestamp, nullable=False),
)

# db/migrations/009_product_stock_weeks.sql: per product, totals up to each
# week end and changes per day (kept by triggers), for turnover.
product_stock_weeks = Table(
    "product_stock_weeks",
    metadata,
    Column("week_end", Date, primary_key=True),
    Column("product_id", BigInteger, primary_key=True),
    Column("stock", BigInteger, nullable=False),
    Column("delta_day_sum", BigInteger, nullable=False),
    Column("sold_qty", BigInteger, nullable=False),
    Column("cogs", Money, nullable=False),
)

product_stock_days = Table(
    "product_stock_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("product_id", BigInteger, primary_key=True),
    Column("stock_delta", BigInteger, nullable=False),
    Column("sold_qty", BigInteger, nullable=False),
    Column("cogs", Money, nullable=False),
)

product_stock_weeks_closed = Table(
    "product_stock_weeks_closed",
    metadata,
    Column("singleton", Boolean, primary_key=True),
    Column("through", Date),
)

# db/migrations/017_derived_pending.sql: the derived data a bulk seed has
# still to rebuild after its load committed (workflow.demo.derive).
derived_pending = Table(
    "derived_pending",
    metadata,
    Column("name", Text, primary_key=True),
    Column("since", Timestamp, nullable=False),
)
