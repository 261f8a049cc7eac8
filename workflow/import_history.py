"""Past import runs and their masked reject reports.

A run is a row of import_runs: what `ecc import customers` or the Imports
page recorded (committed, dry_run, over_threshold or failed; a file refused
before loading records no run). A run started from the web page keeps its
masked reject report in import_uploads (gzip-compressed, see
db/migrations/003_import_uploads.sql), so any web worker can hand it out; a
run from the CLI wrote its report to the path given with --report and has
none stored here.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Row, select

from workflow.tables import import_runs, import_uploads

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ImportRun:
    """One import_runs row, and whether a reject report is stored for it."""

    id: int
    kind: str
    file_name: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_valid: int
    rows_rejected: int
    rows_inserted: int
    rows_updated: int
    outcome: str  # running, committed, dry_run, over_threshold, failed
    has_report: bool


@dataclass(frozen=True)
class RejectReport:
    """A run's masked reject report (etl.report's CSV), still compressed."""

    run_id: int
    file_name: str  # of the imported file
    report_gz: bytes

    def chunks(self) -> Iterator[bytes]:
        """The CSV bytes, decompressed piece by piece (memory stays flat)."""
        inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # gzip framing
        for start in range(0, len(self.report_gz), _CHUNK):
            piece = inflate.decompress(self.report_gz[start : start + _CHUNK])
            if piece:
                yield piece
        rest = inflate.flush()
        if rest:
            yield rest

    def content(self) -> bytes:
        return b"".join(self.chunks())


def _runs_query():
    has_report = import_uploads.c.report_gz.is_not(None).label("has_report")
    return select(*import_runs.c, has_report).select_from(
        import_runs.outerjoin(import_uploads, import_uploads.c.run_id == import_runs.c.id)
    )


def run_from_row(row: Row) -> ImportRun:
    return ImportRun(
        id=row.id,
        kind=row.kind,
        file_name=row.file_name,
        started_by=row.started_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
        rows_read=row.rows_read,
        rows_valid=row.rows_valid,
        rows_rejected=row.rows_rejected,
        rows_inserted=row.rows_inserted,
        rows_updated=row.rows_updated,
        outcome=row.outcome,
        has_report=bool(row.has_report),
    )


def list_import_runs(engine: Engine, *, limit: int = DEFAULT_LIMIT) -> list[ImportRun]:
    """The latest `limit` runs of every kind and origin (CLI and web), newest
    started first; `limit` is kept within 1 to MAX_LIMIT."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = _runs_query().order_by(import_runs.c.started_at.desc(), import_runs.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [run_from_row(row) for row in conn.execute(query)]


def import_run(engine: Engine, run_id: int) -> ImportRun | None:
    """One run, or None when there is no run with that number."""
    with engine.connect() as conn:
        row = conn.execute(_runs_query().where(import_runs.c.id == run_id)).first()
    return None if row is None else run_from_row(row)


def reject_report(engine: Engine, run_id: int) -> RejectReport | None:
    """The stored masked reject report of a run, or None: no such run, or a
    run without a stored report (a CLI run, or one that failed while loading)."""
    query = (
        select(import_runs.c.id, import_runs.c.file_name, import_uploads.c.report_gz)
        .select_from(import_runs.join(import_uploads, import_uploads.c.run_id == import_runs.c.id))
        .where(import_runs.c.id == run_id, import_uploads.c.report_gz.is_not(None))
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else RejectReport(row.id, row.file_name, bytes(row.report_gz))
