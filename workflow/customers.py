"""Bulk customer import: the loading side (validation lives at the edge, in etl).

`import_customers` takes batches of rows that have already passed validation
and writes them in ONE transaction: each batch is COPYed into a temporary
staging table and upserted into customers with
`INSERT ... ON CONFLICT ((lower(email))) DO UPDATE` (into an empty table,
COPYed straight in: workflow.customer_loading), the import_runs row and
the audit entry are added, and the transaction commits only if the share of
rejected rows is within the limit and this is not a dry run. Otherwise
everything is rolled back and only the import_runs row is written, with the
outcome (dry_run, over_threshold or failed) and zero rows inserted or updated.

Included in an update: full_name, country, and phone when the file gives one
(an empty phone keeps the stored one). Excluded: the stored e-mail's spelling
(the key, compared case-insensitively) and created_at. A row whose values
equal the stored ones is left alone (counted as unchanged), so importing the
same file twice changes nothing the second time.

Nothing here logs, stores or raises a message containing a row's values: the
database's DETAIL lines (which quote the key) are never passed on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DBAPIError, ProgrammingError

from workflow.audit import record_audit
from workflow.customer_loading import Fill, Upsert, start_loading
from workflow.db import transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.tables import import_runs

KIND = "customers"
_LOCK_KEY = 0x0ECC_1C  # one customer import at a time (pg_try_advisory_xact_lock)
_NULL = "\\N"
_NOTHING_WRITTEN = {"inserted": 0, "updated": 0}


@dataclass(frozen=True)
class CustomerBatch:
    """A validated slice of the file: `rows` the valid ones, (email,
    full_name, phone or None, country), e-mails unique across the file;
    `rows_read` all its data rows, `rows_rejected` those failing a rule. The
    COPY text is made with the batch, in the validating thread, so that the
    loading thread only sends bytes instead of waiting for the GIL."""

    rows: Sequence[tuple[str, str, str | None, str]]
    rows_read: int
    rows_rejected: int
    copy_data: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "copy_data", copy_text(self.rows))


def copy_text(rows: Sequence[tuple[str | None, str | None, str | None, str | None]]) -> bytes:
    """Rows of 4 values in COPY's text format (tab-separated, \\N for NULL).
    Values with a tab, line break or backslash are escaped; the common case
    of none is checked on the whole text at once, and rows without a NULL
    are joined without looking at each value."""
    try:
        text = "\n".join(map("\t".join, rows)) + "\n" if rows else ""
        nulls = 0
    except TypeError:  # a NULL (None), or a value that is not text: written one by one below
        n = _NULL
        text = "".join(
            [
                f"{n if a is None else a}\t{n if b is None else b}\t{n if c is None else c}\t{n if d is None else d}\n"
                for a, b, c, d in rows
            ]
        )
        nulls = sum(row.count(None) for row in rows)
    clean = (
        text.count("\\") == nulls
        and text.count("\t") == 3 * len(rows)
        and text.count("\n") == len(rows)
        and "\r" not in text
    )
    if not clean:
        text = "".join(["\t".join(_NULL if v is None else _escape(v) for v in row) + "\n" for row in rows])
    return text.encode("utf-8")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class ImportSource:
    file_name: str
    file_sha256: str


@dataclass(frozen=True)
class PreviousImport:
    run_id: int
    finished_at: datetime


@dataclass(frozen=True)
class ImportResult:
    """What a run did. `inserted`/`updated`/`unchanged` are what the upsert
    did (for a dry run or a refused import: what it would have done; the
    import_runs row then records zero)."""

    run_id: int
    outcome: str  # committed, dry_run, over_threshold
    rows_read: int
    rows_valid: int
    rows_rejected: int
    inserted: int
    updated: int
    started_at: datetime
    finished_at: datetime

    @property
    def unchanged(self) -> int:
        return self.rows_valid - self.inserted - self.updated


def is_over_threshold(rows_read: int, rows_rejected: int, max_invalid_pct: Decimal) -> bool:
    """True when rejected rows exceed `max_invalid_pct` percent of the rows
    read (exactly at the limit is allowed; an empty file is never over)."""
    return rows_read > 0 and Decimal(rows_rejected) * 100 > max_invalid_pct * rows_read


def find_committed_import(engine: Engine, file_sha256: str) -> PreviousImport | None:
    """The latest committed import of a file with this SHA-256 (dry runs,
    refused and failed runs do not count)."""
    try:
        with engine.connect() as conn:
            return _committed_import(conn, file_sha256)
    except ProgrammingError as exc:
        if isinstance(exc.orig, pg_errors.UndefinedTable):
            raise WorkflowError(
                "The database has no customer tables yet; run `ecc db upgrade` first.",
                ErrorCode.SCHEMA_NOT_READY,
            ) from None
        raise


def describe(previous: PreviousImport) -> str:
    """'on 2026-03-01 12:00 UTC (import run 7)'."""
    when = previous.finished_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"on {when} (import run {previous.run_id})"


def already_imported_error(file_name: str, previous: PreviousImport) -> WorkflowError:
    return WorkflowError(
        f"{file_name} was already imported {describe(previous)}; nothing was written. "
        "Use --force to import it again (rows already up to date are left unchanged).",
        ErrorCode.IMPORT_ALREADY_DONE,
    )


def import_customers(
    engine: Engine,
    batches: Iterable[CustomerBatch],
    *,
    source: ImportSource,
    actor: str,
    max_invalid_pct: Decimal,
    dry_run: bool = False,
    force: bool = False,
) -> ImportResult:
    """Load every batch in one transaction and record the run (see the module
    docstring for what commits). Refuses, writing nothing: another customer
    import running at the same time, and a file already imported (same
    SHA-256) unless `force` or `dry_run`. A database refusal rolls everything back,
    records a 'failed' run and raises IMPORT_LOAD_FAILED without quoting
    any row."""
    started_at = datetime.now(timezone.utc)
    counts = {"read": 0, "valid": 0, "rejected": 0, "inserted": 0, "updated": 0}
    loading = False
    try:
        with transaction(engine) as conn:
            _lock_and_check(conn, source, force or dry_run)
            loading = True
            loader = start_loading(conn)
            for batch in batches:
                _load_batch(loader, batch, counts)
            loader.finish()
            over = is_over_threshold(counts["read"], counts["rejected"], max_invalid_pct)
            outcome = "dry_run" if dry_run else "over_threshold" if over else "committed"
            if outcome == "committed":
                run_id = _record_run(conn, source, actor, started_at, counts, outcome)
                record_audit(
                    conn, actor=actor, action="import_customers", entity="import_runs", entity_id=run_id,
                    details={"file_name": source.file_name, "file_sha256": source.file_sha256, **counts},
                )  # fmt: skip
            else:
                conn.rollback()
    except Exception as exc:
        if loading:
            _record_failure(engine, source, actor, started_at, counts)
        if isinstance(exc, DBAPIError | psycopg.Error):
            raise WorkflowError(
                f"The database refused the import: {_primary_message(exc)}. Nothing was imported.",
                ErrorCode.IMPORT_LOAD_FAILED,
            ) from None
        raise
    if outcome != "committed":
        with transaction(engine) as conn:
            run_id = _record_run(conn, source, actor, started_at, counts | _NOTHING_WRITTEN, outcome)
    return ImportResult(
        run_id=run_id, outcome=outcome, rows_read=counts["read"], rows_valid=counts["valid"],
        rows_rejected=counts["rejected"], inserted=counts["inserted"], updated=counts["updated"],
        started_at=started_at, finished_at=datetime.now(timezone.utc),
    )  # fmt: skip


def _lock_and_check(conn: Connection, source: ImportSource, force: bool) -> None:
    if not conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({_LOCK_KEY})").scalar_one():
        raise WorkflowError(
            "Another customer import is running right now; nothing was written. "
            "Try again when it has finished.",
            ErrorCode.IMPORT_BUSY,
        )
    previous = None if force else _committed_import(conn, source.file_sha256)
    if previous is not None:
        raise already_imported_error(source.file_name, previous)


def _load_batch(loader: Upsert | Fill, batch: CustomerBatch, counts: dict[str, int]) -> None:
    counts["read"] += batch.rows_read
    counts["rejected"] += batch.rows_rejected
    counts["valid"] += len(batch.rows)
    if not batch.rows:
        return
    inserted, updated = loader.load(batch)
    counts["inserted"] += inserted
    counts["updated"] += updated


def _committed_import(conn: Connection, file_sha256: str) -> PreviousImport | None:
    row = conn.execute(
        select(import_runs.c.id, import_runs.c.finished_at)
        .where(
            import_runs.c.kind == KIND,
            import_runs.c.file_sha256 == file_sha256,
            import_runs.c.outcome == "committed",
        )
        .order_by(import_runs.c.finished_at.desc())
        .limit(1)
    ).first()
    return None if row is None else PreviousImport(row.id, row.finished_at)


def _record_run(conn: Connection, source: ImportSource, actor: str, started_at: datetime,
                counts: dict[str, int], outcome: str) -> int:  # fmt: skip
    return conn.execute(
        insert(import_runs)
        .values(
            kind=KIND, file_name=source.file_name, file_sha256=source.file_sha256, started_by=actor,
            started_at=started_at, finished_at=datetime.now(timezone.utc), rows_read=counts["read"],
            rows_valid=counts["valid"], rows_rejected=counts["rejected"], rows_inserted=counts["inserted"],
            rows_updated=counts["updated"], outcome=outcome,
        )
        .returning(import_runs.c.id)
    ).scalar_one()  # fmt: skip


def _record_failure(engine: Engine, source: ImportSource, actor: str, started_at: datetime,
                    counts: dict[str, int]) -> None:  # fmt: skip
    """Best effort: a failed run is recorded when the database still answers."""
    try:
        with transaction(engine) as conn:
            _record_run(conn, source, actor, started_at, counts | _NOTHING_WRITTEN, "failed")
    except (DBAPIError, psycopg.Error):
        pass


def _primary_message(exc: DBAPIError | psycopg.Error) -> str:
    """The first line of the server's message, never its DETAIL (which quotes values)."""
    error = exc.orig if isinstance(exc, DBAPIError) else exc
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(error).splitlines()[0]
    return primary.rstrip(".")
