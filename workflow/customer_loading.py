"""How `import_customers` writes its batches: an upsert, or the bulk fill of an empty table.

Upsert (customers already holds rows): each batch is COPYed into a temporary
staging table and merged with `INSERT ... ON CONFLICT ((lower(email))) DO
UPDATE`, sorted by e-mail so that the unique index is walked in order.

Fill (customers is empty when the import starts): nothing can conflict
(the batches' e-mails are unique across the file), so each batch is COPYed
straight into customers, and the secondary indexes are dropped first and
built again, by sorting (in parallel, PostgreSQL's maintenance workers),
after the last batch: for the case-insensitive e-mail and name indexes,
where every row lands on a random page, about 2.5 times less work for the
database than inserting into growing indexes; for created_at and country,
which grow at their end, the build after costs about half of keeping them
up to date row by row (which was 40 % of the server's COPY). The primary
key, a constraint's index, stays. The table is locked against every other
session for the whole run (an empty table has nobody to serve), the check
constraints still hold for every row, and the unique e-mail index is built
before the commit, so a duplicate still refuses the whole import. A rolled
back run (dry run, over the threshold, an error) rolls the dropped indexes
back with it. Fill is taken only when the lock is free at once; otherwise,
or when a row appeared meanwhile, the import upserts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg import errors as pg_errors
from psycopg import sql

from workflow import bulk

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from workflow.customers import CustomerBatch

# Index memory for the rebuilds: a million e-mails sort in memory with it.
FILL_MAINTENANCE_WORK_MEM = "256MB"
_STAGING = """
CREATE TEMPORARY TABLE import_customer_batch (
    email text NOT NULL, full_name text NOT NULL, phone text, country text NOT NULL
) ON COMMIT DROP
"""
_UPSERT = """
WITH upserted AS (
    INSERT INTO customers AS c (email, full_name, phone, country)
    SELECT email, full_name, phone, country FROM import_customer_batch ORDER BY lower(email)
    ON CONFLICT ((lower(email))) DO UPDATE
       SET full_name = EXCLUDED.full_name,
           phone = COALESCE(EXCLUDED.phone, c.phone),
           country = EXCLUDED.country
     WHERE (c.full_name, c.phone, c.country)
           IS DISTINCT FROM (EXCLUDED.full_name, COALESCE(EXCLUDED.phone, c.phone), EXCLUDED.country)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
"""


class Upsert:
    """Staging table + INSERT ... ON CONFLICT, one batch at a time."""

    mode = "upsert"

    def __init__(self, cursor) -> None:
        self._cursor = cursor
        cursor.execute("SET LOCAL work_mem = '64MB'")  # sort each batch by e-mail in memory
        cursor.execute(_STAGING)

    def load(self, batch: CustomerBatch) -> tuple[int, int]:
        """(inserted, updated) for one batch."""
        cursor = self._cursor
        cursor.execute("TRUNCATE import_customer_batch")
        with cursor.copy("COPY import_customer_batch (email, full_name, phone, country) FROM STDIN") as copy:
            copy.write(batch.copy_data)
        cursor.execute(_UPSERT)
        inserted, updated = cursor.fetchone()
        return inserted, updated

    def finish(self) -> None:
        pass


class Fill:
    """COPY straight into an empty, locked customers table; see the module docstring."""

    mode = "fill"

    def __init__(self, conn: Connection, cursor) -> None:
        self.cursor = cursor
        # The secondary indexes (those backing no constraint: a constraint's index cannot be
        # dropped on its own), dropped now and built by finish().
        self.aside = bulk.set_aside_indexes(conn, ["customers"])
        self._conn = conn

    def load(self, batch: CustomerBatch) -> tuple[int, int]:
        with self.cursor.copy("COPY customers (email, full_name, phone, country) FROM STDIN") as copy:
            copy.write(batch.copy_data)
        return self.cursor.rowcount, 0

    def finish(self) -> None:
        """Build the dropped indexes again, the unique one among them."""
        self.cursor.execute(
            sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(FILL_MAINTENANCE_WORK_MEM))
        )
        bulk.build_indexes(self._conn, self.aside)


def start_loading(conn: Connection) -> Upsert | Fill:
    """Fill when customers is empty and can be locked at once; else Upsert.
    Both write through a psycopg cursor of `conn`, in its transaction."""
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute("SELECT EXISTS (SELECT 1 FROM customers)")
    if not cursor.fetchone()[0]:
        cursor.execute("SAVEPOINT import_fill")
        try:
            cursor.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE NOWAIT")
        except pg_errors.LockNotAvailable:
            cursor.execute("ROLLBACK TO SAVEPOINT import_fill")
        else:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM customers)")
            if not cursor.fetchone()[0]:
                return Fill(conn, cursor)
            cursor.execute("ROLLBACK TO SAVEPOINT import_fill")  # a row came meanwhile: unlock, upsert
    return Upsert(cursor)
