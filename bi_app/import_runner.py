"""A customer CSV uploaded on the Imports page, run through the CLI's engine.

`parse_upload` reads dcc.Upload's data URL and refuses, before anything is
written: a file over the size limit, a name that is not .csv or .txt, and
content that is plainly not text (an image, a PDF, a spreadsheet workbook).
`start_import` then saves the bytes under the uploaded name in a private
temporary folder and runs the engine's own file checks there
(etl.source.inspect_file, etl.reading.open_rows: binary data, encodings, the
header and its columns), still writing nothing. Only a file that passes is
recorded (workflow.import_uploads) and imported, by
etl.importer.import_customer_file - the function behind `ecc import
customers`, with the same options (dry run, max invalid %, force) - in a
thread of the worker that received it, so that the callback answers at once.

Why a thread and not a synchronous callback: a 50 MB file takes several
seconds to validate and load, and the page must show how far it has got.
The progress cannot stay in this process (the page's polling requests reach
any gunicorn worker, on any host), so the thread writes it to the database
about twice a second; dcc.Interval polls it. The progress is the share of
the file the engine has read and validated (TrackedPath counts it; the
engine opens the file through the path it is given). If this worker dies,
the heartbeat stops, the page says the import was interrupted, and
PostgreSQL has rolled the import's transaction back.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

import flask
from sqlalchemy import Engine

from etl.importer import ImportOptions, ImportSummary, import_customer_file
from etl.reading import open_rows
from etl.source import inspect_file
from workflow.errors import ErrorCode, WorkflowError
from workflow.import_uploads import (
    UploadSummary,
    begin_upload,
    end_upload,
    finish_upload,
    pack_report,
    record_progress,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
LIMIT_CONFIG = "ECC_IMPORT_MAX_BYTES"  # a deployment (or a test) may lower or raise it
EXTENSIONS = (".csv", ".txt")
HEARTBEAT_SECONDS = 0.5
EXPECTED = (
    "Export the customers as CSV (UTF-8 or Windows-1252; comma-, semicolon- or tab-separated; a header "
    "line such as email,full_name,phone,country) and upload that. Nothing was imported."
)
# What a file starts with when it is plainly not text.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another Office file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
)


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def upload_limit() -> int:
    """The size limit in bytes for this app (MAX_UPLOAD_BYTES unless configured)."""
    return int(flask.current_app.config.get(LIMIT_CONFIG, MAX_UPLOAD_BYTES))


def format_size(size: int) -> str:
    """Bytes as a person reads them: "812 bytes", "4.2 KB", "50 MB"."""
    if size < 1024:
        return f"{size:,} byte" + ("" if size == 1 else "s")
    for unit, scale in (("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30)):
        if size < scale * 1024 or unit == "GB":
            value = size / scale
            return f"{value:.0f} {unit}" if value >= 100 or value == int(value) else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def safe_file_name(name: str | None) -> str:
    """The uploaded name without any folder part or control characters,
    at most 200 characters; "upload.csv" when nothing is left."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base[-200:] or "upload.csv"


def too_large_message(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {format_size(size)}; files up to {format_size(limit)} can be imported here. "
        "Split it into smaller files, or import it with `ecc import customers`. Nothing was imported."
    )


def parse_upload(contents: str | None, filename: str | None, limit: int) -> Upload:
    """The file in a dcc.Upload data URL ("data:<type>;base64,<bytes>"), or a
    WorkflowError saying what is wrong and what is expected."""
    name = safe_file_name(filename)
    if not contents:
        raise WorkflowError("Choose a CSV file to import first.", ErrorCode.INVALID_ARGUMENT)
    prefix, comma, encoded = contents.partition(",")
    if not comma or not prefix.startswith("data:") or not prefix.endswith(";base64"):
        raise WorkflowError(
            f"{name} did not arrive as a file upload; choose the file again.", ErrorCode.INVALID_ARGUMENT
        )
    approximate = len(encoded) * 3 // 4
    if approximate > limit + 3:  # refused before decoding
        raise WorkflowError(too_large_message(name, approximate, limit), ErrorCode.INVALID_ARGUMENT)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WorkflowError(
            f"{name} did not arrive whole; choose the file again.", ErrorCode.INVALID_ARGUMENT
        ) from None
    if len(data) > limit:
        raise WorkflowError(too_large_message(name, len(data), limit), ErrorCode.INVALID_ARGUMENT)
    check_looks_like_csv(name, data)
    return Upload(name, data)


def check_looks_like_csv(name: str, data: bytes) -> None:
    """Refuse a known binary format (whatever its name) and a name that is
    not .csv or .txt, each with the file named and what is expected."""
    kind = next((kind for signature, kind in _SIGNATURES if data.startswith(signature)), None)
    if kind is not None:
        raise WorkflowError(f"This is not a CSV file: {name} is {kind}. {EXPECTED}", ErrorCode.IMPORT_NOT_CSV)
    suffix = PurePath(name).suffix.lower()
    if suffix not in EXTENSIONS:
        found = f"the extension {suffix}" if suffix else "no extension"
        raise WorkflowError(
            f"This is not a CSV file: {name} has {found}; expected a .csv or .txt file. {EXPECTED}",
            ErrorCode.IMPORT_NOT_CSV,
        )


class Tally:
    """The furthest byte of the file the engine has read."""

    def __init__(self) -> None:
        self.bytes_read = 0


class _CountingFile(io.FileIO):
    def __init__(self, path: Path, tally: Tally) -> None:
        super().__init__(path, "r")
        self._tally = tally

    def readinto(self, buffer) -> int | None:
        count = super().readinto(buffer)
        if count:
            self._tally.bytes_read = max(self._tally.bytes_read, self.tell())
        return count


class TrackedPath(type(Path())):  # PosixPath or WindowsPath: Path itself cannot be instantiated as a base
    """A path whose text-mode reads are tallied in `tally` (the engine reads
    rows in text mode; its hashing and sniffing passes are binary and not
    counted). Paths derived from it (parent, resolve()) are not tracked."""

    tally: Tally | None = None

    def open(self, mode="r", buffering=-1, encoding=None, errors=None, newline=None):
        if "b" in mode or mode.strip("rt") or self.tally is None:
            return super().open(mode, buffering, encoding, errors, newline)
        raw = _CountingFile(self, self.tally)
        return io.TextIOWrapper(
            io.BufferedReader(raw, 1 << 16), encoding=encoding, errors=errors, newline=newline
        )


def start_import(engine: Engine, upload: Upload, options: ImportOptions) -> int:
    """Check the file as the engine will, record the upload and import it in
    a background thread; returns the upload's number for upload_status.
    A file the checks refuse raises WorkflowError and writes nothing."""
    folder = Path(tempfile.mkdtemp(prefix="ecc-import-"))
    try:
        path = TrackedPath(folder / upload.name)
        path.write_bytes(upload.data)
        _check_file(path)
        upload_id = begin_upload(
            engine, file_name=upload.name, size_bytes=len(upload.data), actor=options.actor
        )
        path.tally = Tally()
        options = ImportOptions(
            max_invalid_pct=options.max_invalid_pct,
            dry_run=options.dry_run,
            force=options.force,
            report=folder / f"rejects-{uuid.uuid4().hex}.csv",
            actor=options.actor,
            progress=False,
        )
        worker = threading.Thread(
            target=_run, args=(engine, upload_id, folder, path, options), name=f"import-upload-{upload_id}"
        )
        worker.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return upload_id


def _check_file(path: Path) -> None:
    """The engine's refusals of a file as such (not of its rows)."""
    source = inspect_file(path)
    _, chunks = open_rows(source)
    try:
        next(chunks, None)  # the first rows: a quoting error near the top is found now
    finally:
        chunks.close()


def _run(engine: Engine, upload_id: int, folder: Path, path: TrackedPath, options: ImportOptions) -> None:
    """The thread: import, then record the outcome; never raises."""
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(engine, upload_id, path.tally, stop), daemon=True)
    beat.start()
    try:
        try:
            summary = import_customer_file(engine, path, options)
        except WorkflowError as exc:
            failed = exc.code is ErrorCode.IMPORT_LOAD_FAILED
            end_upload(engine, upload_id, state="failed" if failed else "refused", message=exc.message)
            return
        finally:
            stop.set()
            beat.join()
        lines = sum(summary.rejects.counts.values())
        report_gz = None
        if lines and options.report is not None:
            with options.report.open("rb") as report:
                report_gz = pack_report(report)
        finish_upload(
            engine,
            upload_id,
            run_id=summary.result.run_id,
            summary=upload_summary(summary),
            report_gz=report_gz,
        )
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("import upload %s failed (reference %s)", upload_id, reference)
        try:
            end_upload(
                engine,
                upload_id,
                state="failed",
                message=(
                    f"The import stopped because of an error on our side (reference {reference}); "
                    "nothing was imported. Try again, or tell an administrator the reference."
                ),
            )
        except Exception:
            log.exception("import upload %s: its failure could not be recorded", upload_id)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _heartbeat(engine: Engine, upload_id: int, tally: Tally, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            record_progress(engine, upload_id, tally.bytes_read)
        except Exception:  # the import goes on; the page catches up at the next beat
            log.warning("import upload %s: progress not recorded", upload_id, exc_info=True)


def upload_summary(summary: ImportSummary) -> UploadSummary:
    """What the page shows of an engine summary (values already masked)."""
    result, options, log_ = summary.result, summary.options, summary.rejects
    return UploadSummary(
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        max_invalid_pct=str(options.max_invalid_pct),
        dry_run=options.dry_run,
        force=options.force,
        seconds=round(summary.seconds, 2),
        rejects_by_rule=[(column, rule, count) for (column, rule), count in log_.counts.most_common()],
        first_rejects=[(r.line, log_.column(r), r.problem, r.masked) for r in log_.first],
        notes=list(summary.notes),
        report_lines=sum(log_.counts.values()),
    )
