"""The masked reject report of an import run: /imports/<run_id>/rejects.csv.

The report is etl.report's CSV (line, column, rule, problem, value_masked:
values masked, cells that could start a spreadsheet formula written with a
leading '), kept in the database by the Imports page so that any worker, on
any host, can serve it. Sent as an attachment with a file name naming the
run, never cached. Runs from the CLI wrote their report to a file of their
own (--report) and have none here: the answer says so.
"""

from __future__ import annotations

import logging
import re

import flask
from flask import Response
from sqlalchemy.exc import SQLAlchemyError

from bi_app.services import services
from workflow.import_history import import_run, reject_report

log = logging.getLogger(__name__)

ENDPOINT = "import_reject_report"
RULE = "/imports/<int:run_id>/rejects.csv"


def register(server: flask.Flask) -> None:
    """Add the route (once, however often it is called)."""
    if ENDPOINT not in server.view_functions:
        server.add_url_rule(RULE, ENDPOINT, reject_report_csv, methods=["GET"])


def report_href(run_id: int) -> str:
    return f"/imports/{run_id}/rejects.csv"


def report_file_name(run_id: int, file_name: str) -> str:
    """ "rejects-run-12-customers.csv": ASCII only, so every browser keeps it."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:80]
    return f"rejects-run-{run_id}" + (f"-{stem}" if stem else "") + ".csv"


def reject_report_csv(run_id: int) -> Response:
    engine = services().engine
    try:
        report = reject_report(engine, run_id)
        run = import_run(engine, run_id) if report is None else None
    except SQLAlchemyError:
        log.exception("reject report of import run %s: database error", run_id)
        return _refuse(
            503, "The database did not answer, so the report cannot be sent now; try again shortly."
        )
    if report is None:
        if run is None:
            return _refuse(404, f"There is no import run {run_id}; see the Imports page for the past runs.")
        why = (
            "it rejected no row"
            if run.rows_rejected == 0
            else "it was not started from the Imports page (the CLI writes its report to the --report path)"
        )
        return _refuse(404, f"Import run {run_id} ({run.file_name}) has no reject report here: {why}.")
    return Response(
        report.chunks(),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{report_file_name(run_id, report.file_name)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _refuse(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
