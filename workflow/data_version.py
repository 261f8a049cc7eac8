"""The data version: a number that every committed write to business data
moves forward (orders, items, payments, refunds, shipment moves, stock,
customers and their imports, the business time zone).

Triggers (db/migrations/001_data_version.sql, 006_data_version_at_commit.sql)
move it inside the writing transaction, at its commit, so the new number
becomes visible exactly when the write does, and writers do not wait for
each other's open transactions. It is the sum of 64 counter rows (a writer
moves one), read in one statement. Caches put it in their keys and so never
serve figures older than the last committed write, in any process on any
host.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

# The one statement that reads it; workflow.sessions reads it beside a session.
SQL = "SELECT sum(version)::bigint FROM data_version"
_READ = text(SQL)
# For writes made with the triggers off (a bulk seed): one slot of the sum moves.
_MOVE = text("UPDATE data_version SET version = version + 1, changed_at = now() WHERE slot = 0")


def data_version(source: Engine | Connection) -> int:
    """The current data version (one read of a one-page table)."""
    if isinstance(source, Engine):
        with source.connect() as conn:
            return _read(conn)
    return _read(source)


def _read(conn: Connection) -> int:
    return int(conn.execute(_READ).scalar_one())


def move_data_version(conn: Connection) -> None:
    """Move the data version once, in `conn`'s transaction: for writes made
    with the triggers that move it disabled (workflow.demo)."""
    conn.execute(_MOVE)
