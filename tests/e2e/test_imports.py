"""The admins' Imports page in a real Chromium, each test on its own copy of the demo data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bi_app.import_runner import LIMIT_CONFIG
from bi_app.routes import import_reports
from etl.importer import ImportOptions, import_customer_file
from tests.live_app import LiveApp, app_of, sign_in


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Every test here acts as an admin, the one role that imports."""
    sign_in(page, app_of(request), "admin")


GOOD = (
    "E-mail;Full Name;Phone;Country\n"
    "Ada.Web@Example.ORG;Ada Webb;+44 20 7946 0958;United Kingdom\n"
    "ben.web@example.org;Ben Weber;030 1234567;DE\n"
    "cleo.web@example.org;Cléo Martin;;fr\n"
).encode()
# 3 of 5 rows rejected: over the default 5 % limit.
BAD = (
    b"email,full_name,phone,country\n"
    b"dora.web@example.org,Dora Lane,,US\n"
    b"eli.web(at)example.org,Eli Stone,,DE\n"
    b"fay.web@example.org,Fay Moss,555-CALL-NOW,US\n"
    b"gil.web@example.org,Gil Hart,,Narnia\n"
    b"hal.web@example.org,Hal Reed,,GB\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
FILE_INPUT = "#imports-upload input[type=file]"


@pytest.fixture
def app(demo_db_url) -> Iterator[LiveApp]:
    """The app on a demo database of this test's own, with the reject report route."""
    live = LiveApp(demo_db_url)
    import_reports.register(live.app.server)  # create_app will call it; registering twice is harmless
    with live:
        yield live


def count(app: LiveApp, table: str) -> int:
    with app.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def counts(app: LiveApp) -> dict[str, int]:
    return {table: count(app, table) for table in ("customers", "import_runs", "import_uploads", "audit_log")}


def open_page(page, app: LiveApp) -> None:
    page.goto(app.url + "/imports")
    page.wait_for_selector("#imports-runs-table")


def choose(page, name: str, data: bytes, mime: str = "text/csv") -> None:
    page.set_input_files(FILE_INPUT, files=[{"name": name, "mimeType": mime, "buffer": data}])


def watch_for_progress(page) -> None:
    """Remember whether the progress bar was ever on the page (it may show
    for a moment only: these files are small)."""
    page.evaluate(
        """() => {
            window.sawProgress = false;
            new MutationObserver(() => {
                if (document.getElementById("imports-progress")) { window.sawProgress = true; }
            }).observe(document.body, {childList: true, subtree: true});
        }"""
    )


def test_a_good_csv_shows_progress_then_its_summary_and_the_customers_exist(page, app) -> None:
    before = counts(app)
    open_page(page, app)
    choose(page, "shop-export.csv", GOOD)
    page.wait_for_selector("#imports-chosen:has-text('Ready to import: shop-export.csv')")
    watch_for_progress(page)
    page.click("#imports-start:not([disabled])")
    page.wait_for_selector("#imports-outcome:has-text('Committed')")
    assert page.evaluate("window.sawProgress") is True
    assert page.inner_text("#imports-headline") == (
        "Imported shop-export.csv: 3 customers added, 0 updated, 0 already up to date."
    )
    with app.engine.connect() as conn:
        added = conn.execute(
            text("SELECT email, full_name, phone, country FROM customers WHERE email LIKE '%.web@example.org' "
                 "ORDER BY email")
        ).all()  # fmt: skip
        run = conn.execute(
            text("SELECT id, file_name, outcome, rows_inserted, started_by FROM import_runs")
        ).one()
    assert [tuple(row) for row in added] == [
        ("ada.web@example.org", "Ada Webb", "+442079460958", "GB"),
        ("ben.web@example.org", "Ben Weber", "+49301234567", "DE"),
        ("cleo.web@example.org", "Cléo Martin", None, "FR"),
    ]
    assert tuple(run)[1:] == ("shop-export.csv", "committed", 3, "test-admin")
    assert counts(app)["customers"] == before["customers"] + 3
    page.wait_for_selector(f"#imports-run-{run.id}")
    cells = page.locator(f"#imports-run-{run.id} td").all_inner_texts()
    assert cells[1] == "shop-export.csv" and cells[4:10] == ["3", "3", "0", "3", "0", "Committed"]
    assert cells[10] == "none"


def test_a_bad_csv_shows_its_rejects_and_its_downloaded_report_is_masked(page, app, tmp_path: Path) -> None:
    before = counts(app)
    open_page(page, app)
    choose(page, "bad.csv", BAD)
    page.click("#imports-start:not([disabled])")
    page.wait_for_selector("#imports-outcome:has-text('Refused: too many rejects')")
    assert page.inner_text("#imports-headline") == (
        "Refused, nothing written: 3 of 5 rows (60.0 %) were rejected, more than the 5 % allowed. "
        "Fix the rows listed in the reject report, or raise the limit."
    )
    by_rule = page.locator("#imports-rejects-by-rule tbody tr").all_inner_texts()
    assert [row.split("\t")[:2] for row in by_rule] == [
        ["email", "email_syntax"], ["phone", "phone_invalid"], ["country", "country_unknown"],
    ]  # fmt: skip
    first = page.inner_text("#imports-first-rejects")
    assert "is not a valid e-mail address" in first and "eli.web" not in first and "Narnia" not in first
    with page.expect_download() as download:
        page.click("#imports-report-link")
    run_id = app.engine.connect().execute(text("SELECT max(id) FROM import_runs")).scalar_one()
    assert download.value.suggested_filename == f"rejects-run-{run_id}-bad.csv"
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    report = saved.read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["line", "column", "rule", "problem", "value_masked"]
    assert [(line[0], line[1], line[2]) for line in lines[1:]] == [
        ("3", "email", "email_syntax"), ("4", "phone", "phone_invalid"), ("5", "country", "country_unknown"),
    ]  # fmt: skip
    assert lines[1][3] == "is not a valid e-mail address" and lines[3][3].startswith("is not an ISO 3166")
    assert all(line[4] for line in lines[1:])  # a masked value on every line...
    for raw in ("eli.web", "example.org", "555-CALL-NOW", "CALL", "Narnia"):
        assert raw not in report  # ...and no raw one
    after = counts(app)
    assert (after["customers"], after["import_runs"]) == (before["customers"], before["import_runs"] + 1)
    page.wait_for_selector(f"#imports-run-{run_id} a")
    with page.expect_download() as again:
        page.click(f"#imports-run-{run_id} a")  # the past runs' link serves the same report
    again.value.save_as(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_text(encoding="utf-8") == report


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.png", PNG, "This is not a CSV file: photo.png is a PNG image."),
        ("customers.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40,
         "This is not a CSV file: customers.csv is a ZIP archive (an Excel .xlsx workbook is one)."),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_csv_is_refused_with_a_clear_message_and_writes_nothing(
    page, app, name, data, message
) -> None:
    before = counts(app)
    open_page(page, app)
    choose(page, name, data, mime="application/octet-stream")
    page.click("#imports-start:not([disabled])")
    page.wait_for_selector("#imports-message .alert")
    shown = page.inner_text("#imports-message")
    assert shown.startswith(message)
    assert "Export the customers as CSV" in shown and "Nothing was imported." in shown
    assert counts(app) == before  # a refused upload records no run and no upload
    assert page.is_disabled("#imports-start")  # the refused file is no longer chosen


def test_a_file_over_the_size_limit_is_refused_in_the_browser_and_writes_nothing(page, app) -> None:
    app.app.server.config[LIMIT_CONFIG] = 2048
    before = counts(app)
    open_page(page, app)
    assert "up to 2 KB" in page.inner_text("#imports-upload")
    big = b"email,full_name,country\n" + b"".join(
        b"big%d@example.org,Big Number,DE\n" % i for i in range(200)
    )
    choose(page, "big.csv", big)
    page.wait_for_selector("#imports-message .alert")
    assert page.inner_text("#imports-message") == (
        f"big.csv is {len(big) / 1024:.1f} KB; files up to 2 KB can be imported here. Split it into smaller "
        "files, or import it with `ecc import customers`. Nothing was imported."
    )
    assert page.is_disabled("#imports-start")
    assert counts(app) == before


def test_a_percentage_outside_0_to_100_is_refused_beside_the_field(page, app) -> None:
    before = counts(app)
    open_page(page, app)
    choose(page, "shop-export.csv", GOOD)
    page.fill("#imports-max-invalid-pct", "150")
    page.click("#imports-start:not([disabled])")
    page.wait_for_selector("#imports-max-invalid-pct.is-invalid")
    assert page.inner_text("#imports-max-invalid-pct-feedback") == (
        "Enter a percentage from 0 to 100, such as 5 or 2.5."
    )
    assert counts(app) == before


def test_the_past_runs_list_shows_cli_and_page_runs_newest_first(page, app, tmp_path: Path) -> None:
    path = tmp_path / "from-cli.csv"
    path.write_bytes(BAD)
    import_customer_file(app.engine, path, ImportOptions(progress=False, actor="cli:admin", dry_run=True))
    open_page(page, app)
    choose(page, "shop-export.csv", GOOD)
    page.click("#imports-dry-run")  # a dry run from the page too
    page.click("#imports-start:not([disabled])")
    page.wait_for_selector("#imports-outcome:has-text('Dry run')")
    with app.engine.connect() as conn:
        runs = conn.execute(
            text("SELECT id, file_name, started_by, rows_read, rows_rejected, outcome FROM import_runs "
                 "ORDER BY started_at DESC, id DESC")
        ).all()  # fmt: skip
    assert [(r.file_name, r.started_by, r.outcome) for r in runs] == [
        ("shop-export.csv", "test-admin", "dry_run"), ("from-cli.csv", "cli:admin", "dry_run"),
    ]  # fmt: skip
    page.wait_for_function("document.querySelectorAll('#imports-runs-table tbody tr').length === 2")
    shown = page.locator("#imports-runs-table tbody tr").all()
    for row, run in zip(shown, runs, strict=True):
        cells = row.locator("td").all_inner_texts()
        assert (cells[0], cells[1], cells[3], cells[4], cells[6], cells[9]) == (
            str(run.id), run.file_name, run.started_by, str(run.rows_read), str(run.rows_rejected), "Dry run",
        )  # fmt: skip
    assert shown[1].locator("td").all_inner_texts()[10] == "not stored"  # the CLI keeps its report on disk
