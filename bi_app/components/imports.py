"""Pure builders for the Imports page: an upload's progress and summary (the
table of past runs is bi_app.components.import_runs). Data in
(workflow.import_uploads.UploadStatus, workflow.import_history.ImportRun),
Dash components out; no database. Every value shown of a rejected row is
already masked by the engine."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from bi_app.formatting import DASH, format_count, local_time
from bi_app.ids import imports as ids
from bi_app.import_runner import format_size
from bi_app.routes.import_reports import report_href
from bi_app.theme import StateStyle
from etl.rules import RULES
from workflow.import_history import ImportRun
from workflow.import_uploads import UploadStatus, UploadSummary

# The theme's AA-contrast pairs (bi_app.theme), one per outcome.
OUTCOME_STYLE: dict[str, StateStyle] = {
    "committed": StateStyle("Committed", "#1e7e45", "#ffffff"),
    "dry_run": StateStyle("Dry run", "#1f5fa8", "#ffffff"),
    "over_threshold": StateStyle("Refused: too many rejects", "#8a5a00", "#ffffff"),
    "failed": StateStyle("Failed", "#b02a37", "#ffffff"),
    "running": StateStyle("Running", "#5c636a", "#ffffff"),
}
# The rules whose sentence names figures of one row: said generally in the tally.
_GENERAL_RULE_TEXT = {
    "field_count": "the row has more or fewer fields than the header",
    "email_duplicate": "repeats the e-mail of an earlier line; only the first is imported",
}


def outcome_badge(outcome: str, *, component_id: str | None = None) -> html.Span:
    style = OUTCOME_STYLE.get(outcome, StateStyle(outcome, "#5c636a", "#ffffff"))
    extra = {"id": component_id} if component_id else {}
    return html.Span(
        style.label,
        className="badge",
        style={"backgroundColor": style.background, "color": style.text},
        **extra,
    )


def rule_text(rule: str) -> str:
    """A rule's sentence without the figures of a particular row."""
    return _GENERAL_RULE_TEXT.get(rule) or RULES.get(rule, rule)


def share(rejected: int, read: int) -> str:
    """ "12.5 %" of the rows read (one decimal, as the CLI prints it)."""
    return f"{100 * rejected / read:.1f} %" if read else "0 %"


def starting_panel(file_name: str, size: int) -> html.Div:
    return progress_view(f"Checking {file_name} ({format_size(size)})…", 0)


def progress_view(text: str, percent: int) -> html.Div:
    return html.Div(
        [
            html.P(text, className="mb-2"),
            dbc.Progress(
                id=ids.IMPORTS_PROGRESS,
                value=max(percent, 3),
                label=f"{percent} %" if percent else "",
                striped=True,
                animated=True,
                style={"height": "1.5rem"},
            ),
        ]
    )


def status_panel(status: UploadStatus, tz: ZoneInfo) -> html.Div | dbc.Alert:
    """A running upload's progress, or its result once it has ended."""
    if status.stalled:
        return dbc.Alert(
            f"The import of {status.file_name} stopped without finishing: the server process running it "
            "ended. Nothing was imported; upload the file again.",
            color="danger",
            className="mb-0",
        )
    if status.state == "running":
        percent = int(100 * status.fraction_read)
        if status.fraction_read >= 1:
            text = f"Every row of {status.file_name} is read and validated; writing to the database…"
        else:
            text = (
                f"Reading and validating {status.file_name}: {format_size(status.bytes_read)} of "
                f"{format_size(status.size_bytes)}…"
            )
        return progress_view(text, percent)
    if status.state in ("refused", "failed"):
        return dbc.Alert(
            status.message or "The import did not run; nothing was written.",
            color="warning" if status.state == "refused" else "danger",
            className="mb-0",
        )
    return result_view(status, tz)


def headline(run: ImportRun, summary: UploadSummary) -> str:
    """One sentence: what happened to the customers, with the figures."""
    if run.outcome == "committed":
        return (
            f"Imported {run.file_name}: {format_count(summary.inserted)} customers added, "
            f"{format_count(summary.updated)} updated, {format_count(summary.unchanged)} already up to date"
            + (f"; {format_count(run.rows_rejected)} rows rejected." if run.rows_rejected else ".")
        )
    if run.outcome == "dry_run":
        text = f"Dry run of {run.file_name}, nothing written: {format_count(run.rows_valid)} rows would be loaded"
        return text + (f" and {format_count(run.rows_rejected)} rejected." if run.rows_rejected else ".")
    if run.outcome == "over_threshold":
        return (
            f"Refused, nothing written: {format_count(run.rows_rejected)} of {format_count(run.rows_read)} rows "
            f"({share(run.rows_rejected, run.rows_read)}) were rejected, more than the "
            f"{Decimal(summary.max_invalid_pct)} % allowed. Fix the rows listed in the reject report, "
            "or raise the limit."
        )
    return f"The import of {run.file_name} ended as {run.outcome}; nothing was written."


def result_view(status: UploadStatus, tz: ZoneInfo) -> html.Div:
    run, summary = status.run, status.summary
    if run is None or summary is None:  # finished rows always have both; said plainly if not
        return dbc.Alert(
            "The import finished, but its summary is missing.", color="warning", className="mb-0"
        )
    accent = OUTCOME_STYLE.get(run.outcome, OUTCOME_STYLE["failed"]).background
    parts: list = [
        html.Div(
            [
                outcome_badge(run.outcome, component_id=ids.IMPORTS_OUTCOME),
                html.Span(
                    f" Import run {run.id}, {local_time(run.finished_at, tz)} ({tz.key})",
                    className="text-muted small",
                ),
            ],
            className="mb-2",
        ),
        html.P(
            headline(run, summary),
            id=ids.IMPORTS_HEADLINE,
            className="fs-5 mb-3 ps-3",
            style={"borderLeft": f"4px solid {accent}"},
        ),
        counts_table(run, summary),
    ]
    parts += [dbc.Alert(f"Note: {note}", color="light", className="py-2 small") for note in summary.notes]
    if summary.rejects_by_rule:
        parts += [
            html.H6("Rejected, by column and rule", className="mt-3"),
            rejects_by_rule_table(summary.rejects_by_rule),
            html.H6("First rejected rows (values masked)", className="mt-3"),
            first_rejects_table(summary.first_rejects),
        ]
    if run.has_report:
        lines = format_count(summary.report_lines)
        parts.append(
            dbc.Button(
                f"Download the reject report ({lines} line{'s' if summary.report_lines != 1 else ''}, values masked)",
                id=ids.IMPORTS_REPORT_LINK,
                href=report_href(run.id),
                external_link=True,
                color="primary",
                outline=True,
                size="sm",
                className="mt-2",
            )
        )
    return html.Div(parts)


def counts_table(run: ImportRun, summary: UploadSummary) -> dbc.Table:
    would = "" if run.outcome == "committed" else "would be "
    rows = [
        ("Rows read", format_count(run.rows_read), ""),
        ("Valid", format_count(run.rows_valid), ""),
        (
            "Rejected",
            format_count(run.rows_rejected),
            f"{share(run.rows_rejected, run.rows_read)}; at most {Decimal(summary.max_invalid_pct)} % allowed",
        ),
        (f"{would}inserted".capitalize(), format_count(summary.inserted), ""),
        (f"{would}updated".capitalize(), format_count(summary.updated), ""),
        ("Unchanged", format_count(summary.unchanged), ""),
        ("Time", f"{summary.seconds:.1f} s", ""),
    ]
    body = [
        html.Tr(
            [
                html.Th(name, scope="row", className="fw-normal"),
                html.Td(value, className="text-end"),
                html.Td(note, className="text-muted small"),
            ]
        )
        for name, value, note in rows
    ]
    return dbc.Table(html.Tbody(body), id=ids.IMPORTS_COUNTS, size="sm", className="w-auto mb-2")


def rejects_by_rule_table(rejects: Sequence[tuple[str, str, int]]) -> dbc.Table:
    header = html.Thead(
        html.Tr(
            [html.Th("Column"), html.Th("Rule"), html.Th("Problem"), html.Th("Rows", className="text-end")]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(column),
                    html.Td(html.Code(rule)),
                    html.Td(rule_text(rule)),
                    html.Td(format_count(count), className="text-end"),
                ]
            )
            for column, rule, count in rejects
        ]
    )
    return dbc.Table(
        [header, body], id=ids.IMPORTS_REJECTS_BY_RULE, size="sm", hover=True, className="w-auto"
    )


def first_rejects_table(rejects: Sequence[tuple[int, str, str, str]]) -> dbc.Table:
    header = html.Thead(
        html.Tr(
            [
                html.Th("Line", className="text-end"),
                html.Th("Column"),
                html.Th("Problem"),
                html.Th("Value (masked)"),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(format_count(line), className="text-end"),
                    html.Td(column),
                    html.Td(problem),
                    html.Td(html.Code(masked) if masked else DASH),
                ]
            )
            for line, column, problem, masked in rejects
        ]
    )
    return dbc.Table([header, body], id=ids.IMPORTS_FIRST_REJECTS, size="sm", hover=True, className="w-auto")
