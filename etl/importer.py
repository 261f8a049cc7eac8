"""`import_customer_file`: read, normalise, validate and load one customer CSV.

The file is checked whole before anything is written (exists, is text, its
encoding and SHA-256, a header with the required columns, at least one row;
a report path that can be written; not already imported unless forced).
Then chunks (sized by etl.reading.chunk_size) are read and validated in a
background thread while the database loads the previous chunk
(workflow.customers.import_customers, one transaction), with a progress
bar in rows/s on stderr. Rejects go to the
report as they are found; memory stays at a few chunks whatever the size of
the file.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from pathlib import Path

from sqlalchemy import Engine
from tqdm import tqdm

from etl.reading import Header, RawChunk, open_rows
from etl.report import RejectLog, check_report_path
from etl.source import SourceFile, inspect_file
from etl.validate import ChunkValidator
from workflow.customers import (
    CustomerBatch,
    ImportResult,
    ImportSource,
    already_imported_error,
    describe,
    find_committed_import,
    import_customers,
)
from workflow.errors import ErrorCode, WorkflowError

DEFAULT_MAX_INVALID_PCT = Decimal(5)


@dataclass(frozen=True)
class ImportOptions:
    max_invalid_pct: Decimal = DEFAULT_MAX_INVALID_PCT
    dry_run: bool = False
    force: bool = False
    report: Path | None = None
    actor: str = "cli"
    progress: bool = True


@dataclass(frozen=True)
class ImportSummary:
    """What the console shows: the file, its header, the run and the rejects
    (counts per column and rule, the first few, all masked)."""

    source: SourceFile
    header: Header
    result: ImportResult
    rejects: RejectLog
    seconds: float
    notes: tuple[str, ...]
    options: ImportOptions


def import_customer_file(
    engine: Engine | Callable[[], Engine], path: Path, options: ImportOptions
) -> ImportSummary:
    """Import one file (see the module docstring). `engine` may be a function
    making one, so that a bad file is refused before connecting."""
    started = time.perf_counter()
    source = inspect_file(path)
    if options.report is not None:
        check_report_path(options.report, path)
    expected_rows = _estimate_rows(source)
    header, chunks = open_rows(source, expected_rows)
    try:
        first, engine, notes = _before_loading(engine, source, header, chunks, options)
    except BaseException:
        chunks.close()  # closes the file
        raise
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    rejects = RejectLog(header, options.report)
    validator = ChunkValidator(header)
    bar = tqdm(
        total=expected_rows, unit="rows", unit_scale=True, desc=f"importing {source.name}",
        file=sys.stderr, disable=not options.progress, dynamic_ncols=True, leave=False,
    )  # fmt: skip

    def batches() -> Iterator[CustomerBatch]:
        for chunk in chain([first], chunks):
            validated = validator.validate(chunk)
            rejects.add(validated.rejects)
            bar.update(chunk.rows_read)
            yield validated.batch

    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived strings: collections would cost more than the import's cycles
    try:
        result = import_customers(
            engine, prefetch(batches()), source=ImportSource(source.name, source.sha256), actor=options.actor,
            max_invalid_pct=options.max_invalid_pct, dry_run=options.dry_run, force=options.force,
        )  # fmt: skip
    except BaseException:
        rejects.close(keep=False)
        raise
    finally:
        bar.close()
        if gc_was_enabled:
            gc.enable()
    rejects.close()
    return ImportSummary(
        source, header, result, rejects, time.perf_counter() - started, tuple(notes), options
    )


def _before_loading(
    engine: Engine | Callable[[], Engine],
    source: SourceFile,
    header: Header,
    chunks: Iterator[RawChunk],
    options: ImportOptions,
) -> tuple[RawChunk, Engine, list[str]]:
    """The last refusals before anything is written: no rows, or a file
    already imported (a dry run only notes it). Returns the first chunk, the
    engine and the notes for the user."""
    first = next(chunks, None)
    if first is None:
        raise WorkflowError(
            f"{source.name} has a header but no customer rows; nothing was imported.",
            ErrorCode.IMPORT_NO_ROWS,
        )
    notes = [source.note] if source.note else []
    if header.ignored:
        notes.append(f"ignored columns the customers table does not have: {', '.join(header.ignored)}.")
    engine = engine if isinstance(engine, Engine) else engine()
    previous = None if options.force else find_committed_import(engine, source.sha256)
    if previous is not None and not options.dry_run:
        raise already_imported_error(source.name, previous)
    if previous is not None:
        notes.append(f"{source.name} was already imported {describe(previous)}; a real import needs --force.")
    return first, engine, notes


def _estimate_rows(source: SourceFile) -> int:
    """Rows in the file, from the line length of its first 64 KB."""
    with source.path.open("rb") as file:
        sample = file.read(1 << 16)
    return max(1, round(source.size / max(1, len(sample) / max(1, sample.count(b"\n")))) - 1)


_DONE = object()


def prefetch(items: Iterable, depth: int = 1) -> Iterator:
    """Produce `items` in a background thread, up to `depth` ahead of the
    consumer, so that validating the next chunk overlaps loading this one
    (the database works while Python waits for it). An exception in the
    producer is raised in the consumer; closing the iterator stops it."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((_DONE, exc))

    worker = threading.Thread(target=produce, name="import-validate", daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
