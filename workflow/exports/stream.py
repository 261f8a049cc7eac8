"""Streaming a SELECT out of PostgreSQL as CSV, without holding it.

`COPY (SELECT ...) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING
'UTF8')` makes the file in the server, which sends it row by row as it
reads the rows: the database's own streaming cursor. psycopg hands over
one row at a time; rows are gathered into chunks of about CHUNK_BYTES and
passed on, so memory stays flat whatever the number of rows. COPY takes no
bind parameters: psycopg merges them into the statement client-side,
quoted as literals, so typed text never becomes SQL.

The export runs in its own read-only transaction, rolled back at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import BinaryIO

from sqlalchemy import Engine

CHUNK_BYTES = 1 << 20
EXPORT_WORK_MEM = "32MB"  # per sort or hash of the export's plan, in the database server
Progress = Callable[[int], None]


def stream_csv(
    engine: Engine, select_sql: str, params: Mapping[str, object], *, progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV of `select_sql` (header row first) in chunks of about
    CHUNK_BYTES. `progress(rows)` is called after each chunk with the rows
    sent so far, and once at the end with the exact total. Closing the
    iterator early stops the query."""
    statement = f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
            # Cell formats rely on ISO dates (workflow.exports.cells), whatever the server's default.
            cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            # A large export sorts and hashes whole tables: in memory rather than in temporary files.
            cursor.execute(f"SET LOCAL work_mem = '{EXPORT_WORK_MEM}'")
            with cursor.copy(statement, dict(params)) as copy:
                buffer = bytearray()
                rows = -1  # PostgreSQL sends the header and then each row as one message
                for data in copy:
                    buffer += data
                    rows += 1
                    if len(buffer) >= CHUNK_BYTES:
                        yield bytes(buffer)
                        buffer = bytearray()
                        if progress:
                            progress(rows)
                if buffer:
                    yield bytes(buffer)
            total = cursor.rowcount
        raw.rollback()
    if progress:
        progress(total)


def write_csv(
    engine: Engine,
    select_sql: str,
    params: Mapping[str, object],
    sink: BinaryIO,
    *,
    progress: Progress | None = None,
) -> int:
    """Write the CSV of `select_sql` to `sink`; the number of rows written (header excluded)."""
    written = 0

    def count(rows: int) -> None:
        nonlocal written
        written = rows
        if progress:
            progress(rows)

    for chunk in stream_csv(engine, select_sql, params, progress=count):
        sink.write(chunk)
    return written
