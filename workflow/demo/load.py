"""Load generated demo rows into an empty database.

The base tables are loaded as the bare tables would be, and the schema's
guarantees are applied afterwards, set-based (workflow.bulk): their
indexes, keys and foreign keys are set aside and their maintenance
triggers disabled; each table is emptied (it was already) and filled by one
binary COPY ... FREEZE, written in chunks that numpy encodes while a writer
thread sends the previous ones; the base tables' indexes are built and
analysed; the derived data that must be rebuilt in this transaction
(workflow.demo.derive.kept_in_load: stock on hand, the tables with foreign
keys) is rebuilt from them by its rebuild function; the derived tables'
indexes are built, every foreign key is added back and checked against
every row, the triggers are enabled again and the data version moves once.
The rest of the derived data is listed in derived_pending, for
workflow.demo.derive.rebuild_apart once this transaction has committed.
Tables go in foreign-key order and the stock ledger in time order, so the
data would pass the row-by-row checks too (the tests load it that way and
compare). Every identity sequence is moved past the largest id, so the
app's own inserts do not collide.

The caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import numpy as np
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection, text

from workflow import bulk
from workflow.data_version import move_data_version
from workflow.demo import derive
from workflow.demo import pgbinary as pg
from workflow.demo.generate import NULLABLE, DemoData
from workflow.derived import DERIVED, derived_tables, rebuild_all

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


def copy_demo_data(
    conn: Connection, data: DemoData, progress: Progress | None = None
) -> tuple[dict[str, float], list[str]]:
    """Load every table of `data` through `conn` into empty tables (see the
    module docstring); returns the seconds spent per stage and the derived
    data left to rebuild after the commit. `progress(stage, rows)` is called
    as chunks are written and as each stage starts."""
    report = progress or (lambda stage, rows: None)
    seconds: dict[str, float] = {}

    def stage(name: str) -> AbstractContextManager[None]:
        report(name, 0)
        return _timed(name, seconds)

    loaded = list(data.tables)
    with stage("prepare"):
        for setting in derive.MEMORY:
            conn.exec_driver_sql(setting)
        derived = derived_tables(conn)
        aside = bulk.set_aside(conn, loaded + derived)
        conn.exec_driver_sql(f"TRUNCATE {', '.join(loaded)}")  # empty already; lets COPY freeze the rows
    with conn.connection.driver_connection.cursor() as cursor:
        for table, columns in data.tables.items():
            with _timed(table, seconds):
                copy_table(cursor, table, columns, report, freeze=True)
    with stage("indexes"):
        bulk.restore_indexes(conn, aside, loaded)
    with stage("analyze"):
        conn.exec_driver_sql(f"ANALYZE {', '.join(loaded)}")
    kept = derive.kept_in_load(aside, derived)
    for name, took in rebuild_all(conn, lambda name: report(f"rebuilding {name}", 0), kept).items():
        seconds[f"rebuild {name}"] = took
    with stage("derived indexes"):
        bulk.restore_indexes(conn, aside, derived)
    with stage("foreign keys"):
        bulk.restore_foreign_keys(conn, aside)
    with stage("triggers, sequences, statistics"):
        bulk.restore_triggers(conn, aside)
        move_data_version(conn)  # the triggers that move it were off
        for table, columns in data.tables.items():
            if "id" in columns and len(columns["id"]):
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                    {"t": table, "v": int(columns["id"].max())},
                )
        conn.exec_driver_sql(f"ANALYZE {', '.join(['products', *derived_tables(conn, kept)])}")
        later = [name for name in DERIVED if name not in kept]
        derive.mark_pending(conn, later)
    return seconds, later


@contextmanager
def _timed(name: str, seconds: dict[str, float]) -> Iterator[None]:
    """Time the block into seconds[name]."""
    started = time.perf_counter()
    yield
    seconds[name] = time.perf_counter() - started


def copy_tables(conn: Connection, data: DemoData, progress: Progress | None = None) -> None:
    """COPY every table of `data` as it is, indexes, keys and triggers in
    place (what copy_demo_data avoids; the tests compare the two)."""
    report = progress or (lambda stage, rows: None)
    with conn.connection.driver_connection.cursor() as cursor:
        for table, columns in data.tables.items():
            copy_table(cursor, table, columns, report)


def copy_table(
    cursor: Any, table: str, columns: dict[str, np.ndarray], report: Progress, *, freeze: bool = False
) -> None:
    """One binary COPY statement for the whole table, written chunk by chunk
    while a writer thread sends the previous chunks. `freeze` writes the rows
    frozen (the table must have been created or truncated in this transaction)."""
    types = COLUMN_TYPES[table]
    if set(types) != set(columns):
        raise ValueError(f"{table}: the generator gives {sorted(columns)}, the loader knows {sorted(types)}")
    nullable = NULLABLE.get(table, ())
    count = len(next(iter(columns.values())))
    report(table, 0)
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY{', FREEZE' if freeze else ''})"
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
        report(f"{table} (checks)", 0)


def _nulls(values: np.ndarray) -> np.ndarray:
    """The generator's NULL: b"" in text, 0 in ids and times."""
    return values == (b"" if values.dtype.kind == "S" else 0)
