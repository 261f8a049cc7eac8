"""The reject report (CSV) and the tally of rejects for the console.

One report line per rejected (row, column): `line` (where the row starts
in the file, the header being line 1), `column` (the header as written in
the file; `*` for a row with the wrong number of fields), `rule`, `problem`
(a sentence) and `value_masked` (etl.pii masks; never the raw value). A
cell that would start with = + - or @ is written with a leading ' so that a
spreadsheet shows it as text instead of running it as a formula. The report
is written to a temporary file beside the target and renamed into place
when the import ends, so a report on disk is always complete.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from pathlib import Path

from etl.reading import Header
from etl.rules import Reject
from workflow.errors import ErrorCode, WorkflowError

COLUMNS = ("line", "column", "rule", "problem", "value_masked")
SHOWN_ON_CONSOLE = 10


def check_report_path(report: Path, source: Path) -> None:
    """Refuse, before anything is read, a report that could not be written
    or that would overwrite the import file."""
    if report.exists() and report.resolve() == source.resolve():
        raise WorkflowError(
            f"--report {report} is the file being imported; give another path for the report.",
            ErrorCode.IMPORT_REPORT_UNWRITABLE,
        )
    if report.is_dir():
        raise WorkflowError(
            f"--report {report} is a folder; give a file path such as {report / 'rejects.csv'}.",
            ErrorCode.IMPORT_REPORT_UNWRITABLE,
        )
    folder = report.parent if str(report.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise WorkflowError(
            f"--report {report}: the folder {folder} does not exist or is not writable.",
            ErrorCode.IMPORT_REPORT_UNWRITABLE,
        )


def _cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


class RejectLog:
    """Collects the rejects of a run: counts per (column, rule), the first
    few for the console, and every one in the report file if one was asked."""

    def __init__(self, header: Header, report: Path | None) -> None:
        self._header = header
        self.counts: Counter[tuple[str, str]] = Counter()
        self.first: list[Reject] = []
        self._target = report
        self._file = None
        if report is not None:
            handle, temporary = tempfile.mkstemp(prefix=f".{report.name}.", dir=report.parent or ".")
            self._temporary = Path(temporary)
            self._file = os.fdopen(handle, "w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(COLUMNS)

    def column(self, reject: Reject) -> str:
        return "*" if reject.field == "*" else self._header.label(reject.field)

    def add(self, rejects: list[Reject]) -> None:
        for reject in rejects:
            self.counts[(self.column(reject), reject.rule)] += 1
        self.first.extend(rejects[: SHOWN_ON_CONSOLE - len(self.first)])
        if self._file is not None:
            self._writer.writerows(
                (r.line, _cell(self.column(r)), r.rule, r.problem, _cell(r.masked)) for r in rejects
            )

    def close(self, keep: bool = True) -> None:
        """Put the report in place (or drop it when the run failed)."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        if keep:
            self._temporary.replace(self._target)
        else:
            self._temporary.unlink(missing_ok=True)
