"""Load generated demo rows into PostgreSQL with binary COPY, in one transaction.

Each table is one COPY statement, so each statement-level trigger of the
schema (products.stock_qty, order_balances, the daily rollups) runs once per
table; it is written in chunks that numpy encodes while a writer thread sends
the previous ones. Tables go in foreign-key order; the
stock ledger is in time order, so its running balance never dips below zero.
Afterwards every identity sequence is moved past the largest id, so the app's
own inserts do not collide, and the database is analysed.

The caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection

from workflow.demo import pgbinary as pg
from workflow.demo.generate import NULLABLE, DemoData

CHUNK_ROWS = 200_000

Encoder = Callable[..., pg.Field]
# Column types as in db/schema.sql, in the order the generator names them.
COLUMN_TYPES: dict[str, dict[str, Encoder]] = {
    "products": {"id": pg.int8, "sku": pg.text, "name": pg.text, "category": pg.text, "unit_price": pg.money,
                 "unit_cost": pg.money, "active": pg.boolean, "created_at": pg.timestamptz},
    "customers": {"id": pg.int8, "email": pg.text, "full_name": pg.text, "phone": pg.text, "country": pg.text,
                  "created_at": pg.timestamptz},
    "orders": {"id": pg.int8, "customer_id": pg.int8, "status": pg.text, "placed_at": pg.timestamptz,
               "due_at": pg.timestamptz, "cancelled_at": pg.timestamptz},
    "order_items": {"id": pg.int8, "order_id": pg.int8, "product_id": pg.int8, "quantity": pg.int4,
                    "unit_price": pg.money, "unit_cost": pg.money},
    "stock_movements": {"id": pg.int8, "product_id": pg.int8, "quantity_delta": pg.int4, "reason": pg.text,
                        "unit_cost": pg.money, "at": pg.timestamptz, "order_id": pg.int8, "actor": pg.text,
                        "note": pg.text},
    "payments": {"id": pg.int8, "customer_id": pg.int8, "amount": pg.money, "kind": pg.text, "method": pg.text,
                 "reference": pg.text, "received_at": pg.timestamptz, "idempotency_key": pg.text,
                 "recorded_by": pg.text, "recorded_at": pg.timestamptz},
    "payment_allocations": {"payment_id": pg.int8, "order_id": pg.int8, "amount": pg.money},
    "shipments": {"id": pg.int8, "order_id": pg.int8, "status": pg.text, "carrier": pg.text,
                  "tracking_number": pg.text, "created_at": pg.timestamptz, "updated_at": pg.timestamptz},
    "shipment_events": {"id": pg.int8, "shipment_id": pg.int8, "status": pg.text, "at": pg.timestamptz,
                        "actor": pg.text, "note": pg.text},
}  # fmt: skip

Progress = Callable[[str, int], None]


def copy_demo_data(conn: Connection, data: DemoData, progress: Progress | None = None) -> dict[str, float]:
    """COPY every table of `data` through `conn`, then fix sequences and
    analyse; returns the seconds spent per stage. `progress(stage, rows)` is
    called as chunks are written."""
    report = progress or (lambda stage, rows: None)
    seconds: dict[str, float] = {}
    with conn.connection.driver_connection.cursor() as cursor:
        for table, columns in data.tables.items():
            started = time.perf_counter()
            _copy(cursor, table, columns, report)
            seconds[table] = time.perf_counter() - started
        started = time.perf_counter()
        report("sequences and statistics", 0)
        for table, columns in data.tables.items():
            if "id" in columns and len(columns["id"]):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, int(columns["id"].max()))
                )
        cursor.execute("ANALYZE")  # also the tables the triggers filled (balances, rollups)
        seconds["analyze"] = time.perf_counter() - started
    return seconds


def _copy(cursor: Any, table: str, columns: dict[str, np.ndarray], report: Progress) -> None:
    """One COPY statement for the whole table, written chunk by chunk while
    a writer thread sends the previous chunks."""
    types = COLUMN_TYPES[table]
    if set(types) != set(columns):
        raise ValueError(f"{table}: the generator gives {sorted(columns)}, the loader knows {sorted(types)}")
    nullable = NULLABLE.get(table, ())
    count = len(next(iter(columns.values())))
    report(table, 0)
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        copy.write(pg.SIGNATURE)
        for start in range(0, count, CHUNK_ROWS):
            fields = []
            for name, values in columns.items():
                chunk = values[start : start + CHUNK_ROWS]
                fields.append(types[name](chunk, _nulls(chunk) if name in nullable else None))
            copy.write(pg.rows(fields))
            report(table, len(fields[0].data))
        copy.write(pg.TRAILER)
        # The server checks keys and runs the tables' triggers when the data ends.
        report(f"{table} (keys and triggers)", 0)


def _nulls(values: np.ndarray) -> np.ndarray:
    """The generator's NULL: b"" in text, 0 in ids and times."""
    return values == (b"" if values.dtype.kind == "S" else 0)
