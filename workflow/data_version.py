"""The data version: a number that every committed write to business data
moves forward (orders, items, payments, refunds, shipment moves, stock,
customers and their imports, the business time zone).

Triggers in db/migrations/001_data_version.sql advance it inside the
writing transaction, so the new number becomes visible exactly when the
write does. Caches put it in their keys and so never serve figures older
than the last committed write, in any process on any host.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text


def data_version(source: Engine | Connection) -> int:
    """The current data version (one indexed single-row read)."""
    if isinstance(source, Engine):
        with source.connect() as conn:
            return _read(conn)
    return _read(source)


def _read(conn: Connection) -> int:
    return int(conn.execute(text("SELECT version FROM data_version")).scalar_one())
