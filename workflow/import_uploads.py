"""Customer imports started from the web: their progress, outcome and report,
shared by every web worker through the database (see
db/migrations/003_import_uploads.sql for why it is not kept in memory).

The life of an upload: `begin_upload` (state running) when a file has passed
the page's checks; `record_progress` about twice a second while the import
engine reads it (also the heartbeat); then `finish_upload` when the engine
recorded a run, or `end_upload` with the message of a refusal or failure.
`upload_status` is what the page polls. An upload still running whose
heartbeat is older than STALLED_AFTER lost its worker process; its import
transaction was rolled back with the connection, so nothing was written.
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any, BinaryIO

from sqlalchemy import Engine, func, insert, select, update

from workflow.db import transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.import_history import ImportRun, import_run
from workflow.tables import import_uploads

STALLED_AFTER = timedelta(seconds=60)
ENDINGS = ("refused", "failed")


@dataclass(frozen=True)
class UploadSummary:
    """What the page shows beside a run's import_runs counts: what the upsert
    did or, for a dry run or a refused import, would have done (import_runs
    then records zero); the options; rejects per (column, rule) with their count; the
    first rejected rows, masked (line, column, problem, masked value); the
    engine's notes; and how many lines the reject report has."""

    inserted: int
    updated: int
    unchanged: int
    max_invalid_pct: str
    dry_run: bool
    force: bool
    seconds: float
    rejects_by_rule: list[tuple[str, str, int]] = field(default_factory=list)
    first_rejects: list[tuple[int, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report_lines: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UploadSummary:
        values = dict(data)
        values["rejects_by_rule"] = [tuple(item) for item in values.get("rejects_by_rule", [])]
        values["first_rejects"] = [tuple(item) for item in values.get("first_rejects", [])]
        return cls(**values)


@dataclass(frozen=True)
class UploadStatus:
    id: int
    file_name: str
    size_bytes: int
    started_by: str
    started_at: datetime
    state: str  # running, finished, refused, failed
    bytes_read: int
    message: str | None
    stalled: bool  # running, but its worker stopped answering
    run: ImportRun | None
    summary: UploadSummary | None

    @property
    def done(self) -> bool:
        return self.state != "running" or self.stalled

    @property
    def fraction_read(self) -> float:
        return min(1.0, self.bytes_read / self.size_bytes) if self.size_bytes else 0.0


def begin_upload(engine: Engine, *, file_name: str, size_bytes: int, actor: str) -> int:
    """Record an upload about to be imported; returns its number."""
    if not actor.strip():
        raise WorkflowError("Say who is importing: the actor is blank.", ErrorCode.INVALID_ARGUMENT)
    with transaction(engine) as conn:
        return conn.execute(
            insert(import_uploads)
            .values(file_name=file_name, size_bytes=size_bytes, started_by=actor.strip())
            .returning(import_uploads.c.id)
        ).scalar_one()


def record_progress(engine: Engine, upload_id: int, bytes_read: int) -> None:
    """How far the engine has read the file; also the heartbeat."""
    with transaction(engine) as conn:
        conn.execute(
            update(import_uploads)
            .where(import_uploads.c.id == upload_id, import_uploads.c.state == "running")
            .values(bytes_read=func.greatest(import_uploads.c.bytes_read, bytes_read), updated_at=func.now())
        )


def pack_report(report: BinaryIO) -> bytes:
    """A reject report as stored: gzip-compressed (its lines repeat the same
    rules and sentences, so it shrinks about tenfold)."""
    packed = BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=6, mtime=0) as out:
        shutil.copyfileobj(report, out, 1 << 20)
    return packed.getvalue()


def finish_upload(
    engine: Engine, upload_id: int, *, run_id: int, summary: UploadSummary, report_gz: bytes | None
) -> None:
    """The engine recorded run `run_id`: keep its summary and packed report."""
    with transaction(engine) as conn:
        conn.execute(
            update(import_uploads)
            .where(import_uploads.c.id == upload_id)
            .values(
                state="finished",
                run_id=run_id,
                summary=summary.to_json(),
                report_gz=report_gz,
                bytes_read=import_uploads.c.size_bytes,
                updated_at=func.now(),
            )
        )


def end_upload(engine: Engine, upload_id: int, *, state: str, message: str) -> None:
    """The import was refused (nothing written, no run) or failed."""
    if state not in ENDINGS:
        raise ValueError(f"an upload ends as one of {ENDINGS}, not {state!r}")
    with transaction(engine) as conn:
        conn.execute(
            update(import_uploads)
            .where(import_uploads.c.id == upload_id)
            .values(state=state, message=message, updated_at=func.now())
        )


def upload_status(engine: Engine, upload_id: int) -> UploadStatus | None:
    """Where an upload stands, with its run when the engine recorded one."""
    stalled = (func.now() - import_uploads.c.updated_at > STALLED_AFTER).label("stalled")
    query = select(*(c for c in import_uploads.c if c.name != "report_gz"), stalled).where(
        import_uploads.c.id == upload_id
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return UploadStatus(
        id=row.id,
        file_name=row.file_name,
        size_bytes=row.size_bytes,
        started_by=row.started_by,
        started_at=row.started_at,
        state=row.state,
        bytes_read=row.bytes_read,
        message=row.message,
        stalled=row.state == "running" and bool(row.stalled),
        run=import_run(engine, row.run_id) if row.run_id is not None else None,
        summary=UploadSummary.from_json(row.summary) if row.summary is not None else None,
    )
