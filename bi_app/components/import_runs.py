"""Pure builder for the Imports page's table of past runs: data in
(workflow.import_history.ImportRun), Dash components out; no database."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from bi_app.components.imports import outcome_badge
from bi_app.formatting import format_count, local_time
from bi_app.ids import imports as ids
from bi_app.routes.import_reports import report_href
from workflow.import_history import ImportRun

RUN_COLUMNS = (
    "Run",
    "File",
    "Started",
    "By",
    "Read",
    "Valid",
    "Rejected",
    "Inserted",
    "Updated",
    "Outcome",
    "Reject report",
)
_NUMERIC = {"Run", "Read", "Valid", "Rejected", "Inserted", "Updated"}


def runs_table(runs: Sequence[ImportRun], tz: ZoneInfo) -> dbc.Table | dbc.Alert:
    """Past runs, newest first as given; a note when there are none."""
    if not runs:
        return dbc.Alert("No import has run yet.", color="light", className="mb-0", id=ids.IMPORTS_RUNS_TABLE)
    header = html.Thead(
        html.Tr(
            [
                html.Th(
                    f"Started ({tz.key})" if c == "Started" else c,
                    className="text-end" if c in _NUMERIC else "",
                )
                for c in RUN_COLUMNS
            ]
        )
    )
    return dbc.Table(
        [header, html.Tbody([_run_row(run, tz) for run in runs])],
        id=ids.IMPORTS_RUNS_TABLE,
        size="sm",
        hover=True,
        responsive=True,
        className="mb-0",
    )


def _run_row(run: ImportRun, tz: ZoneInfo) -> html.Tr:
    if run.has_report:
        report = html.A("rejects.csv", href=report_href(run.id))
    else:
        report = html.Span(
            "none" if run.rows_rejected == 0 else "not stored",
            title=""
            if run.rows_rejected == 0
            else "Runs from the CLI write their report to the --report path.",
            className="text-muted",
        )
    numbers = (run.rows_read, run.rows_valid, run.rows_rejected, run.rows_inserted, run.rows_updated)
    return html.Tr(
        [
            html.Td(str(run.id), className="text-end"),
            html.Td(run.file_name, className="text-break"),
            html.Td(local_time(run.started_at, tz), className="text-nowrap"),
            html.Td(run.started_by),
            *(html.Td(format_count(n), className="text-end") for n in numbers),
            html.Td(outcome_badge(run.outcome)),
            html.Td(report),
        ],
        id=f"imports-run-{run.id}",
    )
