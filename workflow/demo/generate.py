"""Deterministic demo data as numpy columns: pure, vectorised, no I/O.

`generate(orders=..., days=..., seed=..., now=...)` returns every row the
demo database gets, table by table, in the order they must be loaded: the same
arguments always give the same data. Ids are 1..n in each table, in time order
where the table has a time. Money is integer cents, times are whole Unix
seconds (UTC), text is UTF-8 bytes. NULL is b"" in a text column and 0 in a
nullable id or time column (NULLABLE lists them).

Included: products, customers, orders, order_items, stock_movements, payments,
payment_allocations, shipments, shipment_events. Excluded: users, audit_log,
import_runs (left empty), order_balances and products.stock_qty (the
database's triggers derive them from the rows above).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from workflow.demo.catalog import make_catalog, product_count
from workflow.demo.customers import assign_customers, customer_count, make_customers
from workflow.demo.payments import receive_payments
from workflow.demo.refunds import add_refunds
from workflow.demo.sales import make_sales
from workflow.demo.shipping import make_shipping
from workflow.demo.stock import make_ledger
from workflow.demo.timeline import DAY, order_times
from workflow.errors import ErrorCode, WorkflowError

MAX_ORDERS = 5_000_000
MAX_DAYS = 3650
ACTOR = b"demo-seed"

Columns = dict[str, np.ndarray]

NULLABLE: dict[str, tuple[str, ...]] = {
    "customers": ("phone",),
    "orders": ("cancelled_at",),
    "stock_movements": ("order_id", "note"),
    "shipments": ("carrier", "tracking_number"),
    "shipment_events": ("note",),
}


@dataclass(frozen=True)
class DemoData:
    """The generated rows: table name -> column name -> values, in load order."""

    tables: dict[str, Columns]

    def row_counts(self) -> dict[str, int]:
        return {name: len(next(iter(columns.values()))) for name, columns in self.tables.items()}


def check_arguments(orders: int, days: int, seed: int, now: datetime | None) -> None:
    """Refuse what the generator cannot honour, naming the value and the range."""
    if isinstance(orders, bool) or not isinstance(orders, int) or not 1 <= orders <= MAX_ORDERS:
        raise WorkflowError(
            f"orders={orders!r} is not possible; expected a whole number from 1 to {MAX_ORDERS:,}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise WorkflowError(
            f"days={days!r} is not possible; expected a whole number of days from 1 to {MAX_DAYS}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise WorkflowError(
            f"seed={seed!r} is not possible; expected a whole number of 0 or more.", ErrorCode.INVALID_ARGUMENT
        )
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise WorkflowError(
            f"now={now.isoformat()} has no time zone; pass a timezone-aware time (e.g. in UTC).",
            ErrorCode.INVALID_ARGUMENT,
        )


def unix_seconds(moment: datetime | None) -> int:
    """Whole seconds since 1970-01-01 UTC (now when None), rounded down."""
    moment = moment or datetime.now(timezone.utc)
    return int(moment.timestamp() // 1)


def generate(*, orders: int, days: int = 730, seed: int = 1, now: datetime | None = None) -> DemoData:
    """The demo rows for `orders` orders over the `days` days up to `now`."""
    check_arguments(orders, days, seed, now)
    rng = np.random.default_rng(seed)
    end = unix_seconds(now)
    start = end - days * DAY
    placed_at = order_times(rng, orders, days, end)
    catalog = make_catalog(rng, product_count(orders), start, end)
    people = make_customers(rng, customer_count(orders), placed_at, start)
    sales = make_sales(rng, catalog, assign_customers(rng, people, placed_at), placed_at, end)
    receipts = receive_payments(rng, sales, end)
    shipping = make_shipping(rng, sales, receipts.paid_in_full_at, end)
    money = add_refunds(rng, sales, receipts, shipping, end)
    ledger = make_ledger(catalog, sales, shipping.returned_at, start, end)

    def ids(count: int) -> np.ndarray:
        return np.arange(1, count + 1, dtype=np.int64)

    def constant(value: bytes, count: int) -> np.ndarray:
        return np.full(count, value, dtype=f"S{len(value)}")

    n_items, n_moves, n_pay = len(sales.item_order), len(ledger.at), len(money.amount)
    n_ship, n_events = len(shipping.order), len(shipping.event_at)
    tables: dict[str, Columns] = {
        "products": {
            "id": ids(len(catalog)), "sku": catalog.sku, "name": catalog.name, "category": catalog.category,
            "unit_price": catalog.price_cents, "unit_cost": catalog.cost_cents, "active": catalog.active,
            "created_at": catalog.created_at,
        },
        "customers": {
            "id": ids(len(people)), "email": people.email, "full_name": people.full_name, "phone": people.phone,
            "country": people.country, "created_at": people.created_at,
        },
        "orders": {
            "id": ids(orders), "customer_id": sales.customer + 1,
            "status": np.where(sales.cancelled, b"cancelled", b"placed"), "placed_at": sales.placed_at,
            "due_at": sales.due_at, "cancelled_at": sales.cancelled_at,
        },
        "order_items": {
            "id": ids(n_items), "order_id": sales.item_order + 1, "product_id": sales.item_product + 1,
            "quantity": sales.item_quantity, "unit_price": sales.item_price, "unit_cost": sales.item_cost,
        },
        "stock_movements": {
            "id": ids(n_moves), "product_id": ledger.product + 1, "quantity_delta": ledger.quantity_delta,
            "reason": ledger.reason, "unit_cost": ledger.unit_cost, "at": ledger.at, "order_id": ledger.order + 1,
            "actor": constant(ACTOR, n_moves), "note": ledger.note,
        },
        "payments": {
            "id": ids(n_pay), "customer_id": money.customer + 1, "amount": money.amount, "kind": money.kind,
            "method": money.method, "reference": money.reference, "received_at": money.received_at,
            "idempotency_key": money.idempotency_key, "recorded_by": constant(ACTOR, n_pay),
            "recorded_at": money.recorded_at,
        },
        "payment_allocations": {
            "payment_id": money.alloc_payment + 1, "order_id": money.alloc_order + 1, "amount": money.alloc_amount,
        },
        "shipments": {
            "id": ids(n_ship), "order_id": shipping.order + 1, "status": shipping.status,
            "carrier": shipping.carrier, "tracking_number": shipping.tracking_number,
            "created_at": shipping.created_at, "updated_at": shipping.updated_at,
        },
        "shipment_events": {
            "id": ids(n_events), "shipment_id": shipping.event_shipment + 1, "status": shipping.event_status,
            "at": shipping.event_at, "actor": shipping.event_actor, "note": shipping.event_note,
        },
    }  # fmt: skip
    return DemoData(tables)
