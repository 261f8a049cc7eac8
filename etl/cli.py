"""`ecc import customers FILE.csv [--dry-run] [--max-invalid-pct P] [--report PATH] [--force]`.

bi_app.cli registers the command (add_import_parser, cmd_import). Exit
codes: 0 the import committed, or the dry run found nothing to reject;
1 refused or failed, nothing written (bad file or flag, already imported,
too many rejected rows, database error); 2 a usage error (argparse);
3 a dry run that would commit but found rejected rows.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from etl.importer import DEFAULT_MAX_INVALID_PCT, ImportOptions, ImportSummary, import_customer_file
from workflow.customers import is_over_threshold
from workflow.db import make_engine
from workflow.errors import ErrorCode, WorkflowError
from workflow.settings import Settings

EXIT_DRY_RUN_REJECTS = 3


def percentage(value: str) -> Decimal:
    """An argparse type: a percentage from 0 to 100 ("5", "2.5", "5%")."""
    try:
        number = Decimal(value.strip().removesuffix("%").strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100; got {value!r}")
    return number


def add_import_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import", help="import data from CSV files", description="Import data from CSV files."
    )
    kinds = parser.add_subparsers(dest="import_kind", required=True, metavar="KIND")
    customers = kinds.add_parser(
        "customers",
        help="import customers from a CSV file, validated before anything is written",
        description="Read a customer CSV (UTF-8 or Windows-1252; comma, semicolon or tab), normalise it "
        "(e-mails lowercased, phones to E.164, countries to ISO codes), validate every row, and insert or "
        "update the valid ones in one transaction. Rejected rows are explained with their values masked.",
        epilog="Exit codes: 0 committed (or a clean dry run); 1 refused or failed, nothing written; "
        "2 bad usage; 3 a dry run that found rejected rows.",
    )
    customers.add_argument(
        "file", type=Path, metavar="FILE.csv", help="the CSV file; its first line names the columns"
    )
    customers.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and report only; write no customer (the run is recorded)",
    )
    customers.add_argument(
        "--max-invalid-pct", type=percentage, default=DEFAULT_MAX_INVALID_PCT, metavar="P",
        help=f"refuse the whole import when more than P %% of the rows are rejected; default {DEFAULT_MAX_INVALID_PCT}",
    )  # fmt: skip
    customers.add_argument(
        "--report", type=Path, metavar="PATH", help="write every rejected row (masked) to this CSV"
    )
    customers.add_argument(
        "--force", action="store_true", help="import a file even if it was imported before"
    )


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    options = ImportOptions(
        max_invalid_pct=args.max_invalid_pct, dry_run=args.dry_run, force=args.force, report=args.report,
        actor=f"cli:{_user()}",
    )  # fmt: skip
    summary = import_customer_file(lambda: make_engine(settings), args.file, options)
    print(summary_text(summary))
    result = summary.result
    if result.outcome == "over_threshold" or (result.outcome == "dry_run" and _over(summary)):
        raise WorkflowError(
            f"{result.rows_rejected:,} of {result.rows_read:,} rows ({_share(summary)}) were rejected, more than "
            f"the {options.max_invalid_pct} % allowed; "
            + ("a real import would be refused." if options.dry_run else "nothing was imported. ")
            + ("" if options.dry_run else _next_step(options)),
            ErrorCode.IMPORT_OVER_THRESHOLD,
        )
    if result.outcome == "dry_run" and result.rows_rejected:
        print(
            f"ecc: dry run: {_rows(result.rows_rejected)} would be rejected; "
            f"a real import would load the other {result.rows_valid:,}.",
            file=sys.stderr,
        )
        return EXIT_DRY_RUN_REJECTS
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        return "unknown"


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _next_step(options: ImportOptions) -> str:
    if options.report is not None:
        return f"Fix the rows listed in {options.report}, or raise --max-invalid-pct."
    return "Run again with --report PATH to list every rejected row, fix them, or raise --max-invalid-pct."


def _over(summary: ImportSummary) -> bool:
    result = summary.result
    return is_over_threshold(result.rows_read, result.rows_rejected, summary.options.max_invalid_pct)


def _share(summary: ImportSummary) -> str:
    result = summary.result
    return f"{100 * result.rows_rejected / result.rows_read:.1f} %" if result.rows_read else "0 %"


def summary_text(summary: ImportSummary) -> str:
    """The summary table: counts, outcome, rejects by column and rule, the
    first rejected rows (masked) and where the report is."""
    result, options = summary.result, summary.options
    outcome = {
        "committed": "committed",
        "dry_run": "dry run, nothing written",
        "over_threshold": "refused, nothing written",
    }[result.outcome]
    would = "would be " if result.outcome != "committed" else ""
    rate = result.rows_read / summary.seconds if summary.seconds else 0
    lines = [
        f"Customer import of {summary.source.name} (SHA-256 {summary.source.sha256[:12]}...), "
        f"import run {result.run_id}: {outcome}",
        f"  {'rows read':<20}{result.rows_read:>12,}",
        f"  {'valid':<20}{result.rows_valid:>12,}",
        f"  {'rejected':<20}{result.rows_rejected:>12,}   ({_share(summary)}; at most {options.max_invalid_pct} % allowed)",
        f"  {(would + 'inserted'):<20}{result.inserted:>12,}",
        f"  {(would + 'updated'):<20}{result.updated:>12,}",
        f"  {'unchanged':<20}{result.unchanged:>12,}",
        f"  {'time':<20}{summary.seconds:>10.1f} s   ({rate:,.0f} rows/s)",
    ]
    log = summary.rejects
    if log.counts:
        lines.append("Rejected, by column and rule:")
        width = max(len(column) for column, _ in log.counts)
        for (column, rule), count in log.counts.most_common():
            lines.append(f"  {column:<{width}}  {rule:<24}{count:>10,}")
        lines.append("First rejected rows (values masked):")
        for reject in log.first:
            value = f": {reject.masked}" if reject.masked else ""
            lines.append(f"  line {reject.line:,}, {log.column(reject)}: {reject.problem}{value}")
        if options.report is not None:
            lines.append(f"Every rejected row is in {options.report}.")
        else:
            lines.append("Run again with --report PATH for every rejected row in a CSV file.")
    elif options.report is not None:
        lines.append(f"No rejected rows; {options.report} has only its header line.")
    return "\n".join(lines)
