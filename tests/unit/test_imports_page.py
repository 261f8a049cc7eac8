"""The Imports page's pure parts: reading an upload, and the builders of its
progress, summary and past runs."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from dash import html

from bi_app.components.import_runs import runs_table
from bi_app.components.imports import headline, rule_text, status_panel
from bi_app.import_runner import Upload, format_size, parse_upload, safe_file_name
from bi_app.routes.import_reports import report_file_name
from workflow.errors import ErrorCode, WorkflowError
from workflow.import_history import ImportRun
from workflow.import_uploads import UploadStatus, UploadSummary

UTC = ZoneInfo("UTC")
CSV = b"email,full_name,country\nann@example.com,Ann Lee,DE\n"
WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc)


def data_url(data: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def refusal(contents, name, limit=1000) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        parse_upload(contents, name, limit)
    return refused.value


def texts(component) -> str:
    """Every string in a component tree, joined by spaces."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(texts(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else texts(children)


def find(component, component_id: str):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def run(outcome="committed", **changes) -> ImportRun:
    values = dict(
        id=7, kind="customers", file_name="shop.csv", started_by="web", started_at=WHEN, finished_at=WHEN,
        rows_read=200, rows_valid=190, rows_rejected=10, rows_inserted=150, rows_updated=30, outcome=outcome,
        has_report=True,
    )  # fmt: skip
    return ImportRun(**{**values, **changes})


def summary(**changes) -> UploadSummary:
    values = dict(
        inserted=150, updated=30, unchanged=10, max_invalid_pct="5", dry_run=False, force=False, seconds=1.25,
        rejects_by_rule=[("E-mail", "email_syntax", 10)],
        first_rejects=[(3, "E-mail", "is not a valid e-mail address", "a***@b***")], report_lines=10,
    )  # fmt: skip
    return UploadSummary(**{**values, **changes})


def status(state="finished", **changes) -> UploadStatus:
    values = dict(
        id=1, file_name="shop.csv", size_bytes=4 << 20, started_by="web", started_at=WHEN, state=state,
        bytes_read=1 << 20, message=None, stalled=False, run=run(), summary=summary(),
    )  # fmt: skip
    return UploadStatus(**{**values, **changes})


def test_a_csv_upload_is_read_back_byte_for_byte_under_its_own_name():
    assert parse_upload(data_url(CSV), "customers.csv", 1000) == Upload("customers.csv", CSV)
    assert parse_upload(data_url(CSV, "text/plain"), "export.TXT", 1000).name == "export.TXT"


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit():
    refused = refusal(data_url(b"x" * 3000), "big.csv", limit=2048)
    assert refused.message == (
        "big.csv is 2.9 KB; files up to 2 KB can be imported here. Split it into smaller files, or import it "
        "with `ecc import customers`. Nothing was imported."
    )
    assert parse_upload(data_url(b"a,b\n" * 512), "exact.csv", limit=2048).data == b"a,b\n" * 512


@pytest.mark.parametrize(
    ("name", "data", "start"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "This is not a CSV file: photo.png is a PNG image."),
        ("customers.csv", b"PK\x03\x04\x14\0", "This is not a CSV file: customers.csv is a ZIP archive "
         "(an Excel .xlsx workbook is one)."),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0", "This is not a CSV file: old.xls is an Excel 97-2003"),
        ("scan.csv", b"%PDF-1.7\n", "This is not a CSV file: scan.csv is a PDF document."),
        ("customers.xlsx", CSV, "This is not a CSV file: customers.xlsx has the extension .xlsx; expected a "
         ".csv or .txt file."),
        ("customers", CSV, "This is not a CSV file: customers has no extension; expected a .csv or .txt file."),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_csv_is_refused_naming_what_it_is_and_what_is_expected(name, data, start):
    refused = refusal(data_url(data, "application/octet-stream"), name)
    assert refused.code is ErrorCode.IMPORT_NOT_CSV
    assert refused.message.startswith(start)
    assert refused.message.endswith(
        "Export the customers as CSV (UTF-8 or Windows-1252; comma-, semicolon- or tab-separated; a header "
        "line such as email,full_name,phone,country) and upload that. Nothing was imported."
    )


def test_no_file_or_a_damaged_upload_is_refused_with_what_to_do():
    assert refusal(None, None).message == "Choose a CSV file to import first."
    assert (
        refusal("plain text", "a.csv").message
        == "a.csv did not arrive as a file upload; choose the file again."
    )
    assert (
        refusal("data:text/csv;base64,@@@", "a.csv").message
        == "a.csv did not arrive whole; choose the file again."
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\ann\\customers.csv", "customers.csv"),
        ("../../etc/passwd.csv", "passwd.csv"),
        ("bad\x00na\x1bme.csv", "badname.csv"),
        ("...", "upload.csv"),
        (None, "upload.csv"),
        (".hidden.csv", "hidden.csv"),
    ],
)
def test_an_uploaded_name_keeps_no_folder_and_no_control_character(given, kept):
    assert safe_file_name(given) == kept


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (1, "1 byte"), (1023, "1,023 bytes"), (2048, "2 KB"), (1536, "1.5 KB"),
     (50 * 1024 * 1024, "50 MB"), (123 * 1024 * 1024, "123 MB"), (3 * 1024**3, "3 GB")],
)  # fmt: skip
def test_sizes_read_as_a_person_says_them(size, shown):
    assert format_size(size) == shown


def test_the_headline_says_what_happened_to_the_customers_with_the_figures():
    assert headline(run(), summary()) == (
        "Imported shop.csv: 150 customers added, 30 updated, 10 already up to date; 10 rows rejected."
    )
    assert headline(run("dry_run"), summary()) == (
        "Dry run of shop.csv, nothing written: 190 rows would be loaded and 10 rejected."
    )
    assert headline(run("over_threshold", rows_rejected=25), summary(max_invalid_pct="2.5")) == (
        "Refused, nothing written: 25 of 200 rows (12.5 %) were rejected, more than the 2.5 % allowed. "
        "Fix the rows listed in the reject report, or raise the limit."
    )


def test_a_finished_upload_shows_counts_rejects_and_the_report_link():
    panel = status_panel(status(), UTC)
    shown = texts(panel)
    assert "Committed" in shown and "Import run 7, 2026-03-01 12:30 (UTC)" in shown
    assert "10 5.0 %; at most 5 % allowed" in shown
    assert find(panel, "imports-report-link").href == "/imports/7/rejects.csv"
    assert "Download the reject report (10 lines, values masked)" in shown
    assert "E-mail email_syntax is not a valid e-mail address 10" in texts(
        find(panel, "imports-rejects-by-rule")
    )
    assert "3 E-mail is not a valid e-mail address a***@b***" in texts(find(panel, "imports-first-rejects"))
    clean = status_panel(status(run=run(has_report=False, rows_rejected=0), summary=summary(rejects_by_rule=[],
                                first_rejects=[], report_lines=0)), UTC)  # fmt: skip
    assert find(clean, "imports-report-link") is None and find(clean, "imports-first-rejects") is None


def test_a_running_upload_shows_how_much_is_read_and_then_that_it_is_writing():
    running = status_panel(status("running", run=None, summary=None), UTC)
    assert find(running, "imports-progress").value == 25
    assert texts(running).startswith("Reading and validating shop.csv: 1 MB of 4 MB…")
    writing = status_panel(status("running", bytes_read=4 << 20, run=None, summary=None), UTC)
    assert texts(writing).startswith("Every row of shop.csv is read and validated; writing to the database…")


def test_a_refused_or_interrupted_upload_says_why_and_that_nothing_was_written():
    message = "shop.csv was already imported on 2026-03-01 12:30 UTC (import run 3); nothing was written."
    refused = status_panel(status("refused", run=None, summary=None, message=message), UTC)
    assert (texts(refused), refused.color) == (message, "warning")
    stalled = status_panel(status("running", stalled=True, run=None, summary=None), UTC)
    assert texts(stalled) == (
        "The import of shop.csv stopped without finishing: the server process running it ended. Nothing was "
        "imported; upload the file again."
    )


def test_the_past_runs_table_links_stored_reports_and_says_when_there_is_none():
    assert texts(runs_table([], UTC)) == "No import has run yet."
    table = runs_table([run(), run("dry_run", id=6, has_report=False, started_by="cli:ann"),
                        run(id=5, has_report=False, rows_rejected=0)], UTC)  # fmt: skip
    rows = table.children[1].children
    assert [row.id for row in rows] == ["imports-run-7", "imports-run-6", "imports-run-5"]
    assert texts(rows[0]) == "7 shop.csv 2026-03-01 12:30 web 200 190 10 150 30 Committed rejects.csv"
    assert rows[0].children[-1].children.href == "/imports/7/rejects.csv"
    assert texts(rows[1].children[-1]) == "not stored" and texts(rows[2].children[-1]) == "none"
    assert isinstance(rows[1].children[-1].children, html.Span)


def test_rules_with_figures_of_one_row_are_said_generally_in_the_tally():
    assert rule_text("email_duplicate") == "repeats the e-mail of an earlier line; only the first is imported"
    assert rule_text("field_count") == "the row has more or fewer fields than the header"
    assert rule_text("country_unknown") == "is not an ISO 3166 country code or a known country name"


def test_the_report_file_name_names_the_run_in_ascii():
    assert report_file_name(12, "customers.csv") == "rejects-run-12-customers.csv"
    assert report_file_name(3, "Kunden März 2026.CSV") == "rejects-run-3-Kunden_M_rz_2026.csv"
    assert report_file_name(4, '"; evil.csv') == "rejects-run-4-evil.csv"
    assert report_file_name(5, "...") == "rejects-run-5.csv"


def test_a_summary_survives_its_trip_through_json():
    original = summary(notes=["ignored columns the customers table does not have: Notes."])
    assert UploadSummary.from_json(original.to_json()) == original
