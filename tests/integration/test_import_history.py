"""Past import runs and their reject reports (workflow.import_history), and
web uploads run through the CLI's engine (bi_app.import_runner,
workflow.import_uploads), on a real PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from bi_app.import_runner import Tally, TrackedPath, Upload, start_import
from etl.importer import ImportOptions, import_customer_file
from workflow.errors import ErrorCode, WorkflowError
from workflow.import_history import import_run, list_import_runs, reject_report
from workflow.import_uploads import (
    STALLED_AFTER,
    begin_upload,
    record_progress,
    upload_status,
)

GOOD = (
    b"email,full_name,phone,country\nann@example.com,Ann Lee,+49 30 1234567,DE\nbob@example.com,Bob Ray,,FR\n"
)
# Four of six rows break a rule: a bad e-mail, a bad phone, an unknown country, a formula in the name.
BAD = (
    b"email,full_name,phone,country\n"
    b"cara@example.com,Cara Diaz,,ES\n"
    b"not-an-email,Dan Eve,,DE\n"
    b"erin@example.com,Erin Fox,12ab,US\n"
    b"finn@example.com,Finn Gray,,Atlantis\n"
    b"gus@example.com,=HYPERLINK(1),,FR\n"
    b"hana@example.com,Hana Ito,+81 3 1234 5678,JP\n"
)
QUIET = ImportOptions(progress=False, actor="cli:test")


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def run_upload(engine, name: str, data: bytes, **options) -> int:
    """Start a web import and wait for its thread to end; its upload number."""
    upload_id = start_import(engine, Upload(name, data), ImportOptions(actor="web", **options))
    for thread in threading.enumerate():
        if thread.name == f"import-upload-{upload_id}":
            thread.join(timeout=60)
    return upload_id


def test_runs_are_listed_newest_first_with_the_counts_import_runs_holds(db_engine, tmp_path):
    first = tmp_path / "first.csv"
    first.write_bytes(GOOD)
    import_customer_file(db_engine, first, QUIET)
    second = tmp_path / "second.csv"
    second.write_bytes(BAD)
    import_customer_file(db_engine, second, ImportOptions(progress=False, actor="cli:test", dry_run=True))
    listed = list_import_runs(db_engine)
    expected = rows(
        db_engine,
        "SELECT id, file_name, started_by, rows_read, rows_valid, rows_rejected, rows_inserted, rows_updated, "
        "outcome FROM import_runs ORDER BY started_at DESC, id DESC",
    )
    shown = [
        (r.id, r.file_name, r.started_by, r.rows_read, r.rows_valid, r.rows_rejected, r.rows_inserted,
         r.rows_updated, r.outcome)
        for r in listed
    ]  # fmt: skip
    assert shown == [tuple(row) for row in expected]
    assert [r.file_name for r in listed] == ["second.csv", "first.csv"]
    assert not any(r.has_report for r in listed)  # the CLI keeps its report on disk
    assert [r.file_name for r in list_import_runs(db_engine, limit=1)] == ["second.csv"]
    assert len(list_import_runs(db_engine, limit=0)) == 1  # at least one is always asked for


def test_a_run_without_a_stored_report_and_an_unknown_run_have_no_report(db_engine, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    summary = import_customer_file(
        db_engine, path, ImportOptions(progress=False, actor="cli:test", dry_run=True)
    )
    assert reject_report(db_engine, summary.result.run_id) is None
    assert reject_report(db_engine, 999_999) is None
    assert import_run(db_engine, 999_999) is None
    assert import_run(db_engine, summary.result.run_id).rows_rejected == 4


def test_a_web_import_of_a_good_file_commits_through_the_engine_and_records_its_run(db_engine):
    upload_id = run_upload(db_engine, "good.csv", GOOD)
    status = upload_status(db_engine, upload_id)
    assert (status.state, status.done, status.bytes_read, status.size_bytes) == (
        "finished", True, len(GOOD), len(GOOD),
    )  # fmt: skip
    assert rows(db_engine, "SELECT email, full_name, phone, country FROM customers ORDER BY email") == [
        ("ann@example.com", "Ann Lee", "+49301234567", "DE"),
        ("bob@example.com", "Bob Ray", None, "FR"),
    ]
    run = rows(db_engine, "SELECT id, outcome, rows_inserted, started_by FROM import_runs")
    assert run == [(status.run.id, "committed", 2, "web")]
    assert (status.summary.inserted, status.summary.updated, status.summary.report_lines) == (2, 0, 0)
    assert status.run.has_report is False  # nothing rejected, nothing to report
    assert rows(db_engine, "SELECT actor, action FROM audit_log") == [("web", "import_customers")]


def test_a_web_import_keeps_the_masked_report_of_its_rejected_rows(db_engine):
    upload_id = run_upload(db_engine, "bad.csv", BAD, max_invalid_pct=Decimal(100))
    status = upload_status(db_engine, upload_id)
    assert status.run.outcome == "committed" and status.run.has_report
    report = reject_report(db_engine, status.run.id)
    assert report.file_name == "bad.csv"
    lines = list(csv.reader(io.StringIO(report.content().decode("utf-8"))))
    assert lines[0] == ["line", "column", "rule", "problem", "value_masked"]
    by_line = {
        (int(line), column): (rule, problem, masked) for line, column, rule, problem, masked in lines[1:]
    }
    assert by_line[(3, "email")][:2] == ("email_syntax", "is not a valid e-mail address")
    assert by_line[(4, "phone")][0] == "phone_invalid"
    assert by_line[(5, "country")][0] == "country_unknown"
    assert by_line[(6, "full_name")][0] == "formula"
    raw = report.content().decode("utf-8")
    assert (
        "not-an-email" not in raw and "Atlantis" not in raw and "HYPERLINK" not in raw and "12ab" not in raw
    )
    assert not [cell for line in lines for cell in line if cell[:1] in ("=", "+", "-", "@")]
    assert status.summary.report_lines == len(lines) - 1 == 4
    assert sorted(status.summary.rejects_by_rule) == sorted(
        [("email", "email_syntax", 1), ("phone", "phone_invalid", 1), ("country", "country_unknown", 1),
         ("full_name", "formula", 1)]
    )  # fmt: skip
    assert rows(db_engine, "SELECT count(*) FROM customers") == [(2,)]


def test_a_web_import_over_the_limit_writes_no_customer_but_records_the_run_and_its_report(db_engine):
    upload_id = run_upload(db_engine, "bad.csv", BAD)  # 4 of 6 rejected, 5 % allowed
    status = upload_status(db_engine, upload_id)
    assert (status.run.outcome, status.run.rows_read, status.run.rows_rejected) == ("over_threshold", 6, 4)
    assert (status.summary.inserted, status.summary.max_invalid_pct) == (2, "5")  # what would have been
    assert rows(db_engine, "SELECT count(*) FROM customers") == [(0,)]
    assert reject_report(db_engine, status.run.id) is not None


def test_a_file_imported_before_is_refused_with_the_engines_message_and_no_run(db_engine):
    first = upload_status(db_engine, run_upload(db_engine, "good.csv", GOOD))
    again = upload_status(db_engine, run_upload(db_engine, "good.csv", GOOD))
    assert again.state == "refused" and again.run is None
    when = first.run.finished_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert again.message == (
        f"good.csv was already imported on {when} (import run {first.run.id}); nothing was written. "
        "Use --force to import it again (rows already up to date are left unchanged)."
    )
    assert rows(db_engine, "SELECT count(*) FROM import_runs") == [(1,)]
    forced = upload_status(db_engine, run_upload(db_engine, "good.csv", GOOD, force=True))
    assert (forced.run.outcome, forced.summary.unchanged) == ("committed", 2)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cols.csv", b"mail,phone\nann@example.com,1\n", "cols.csv has no full name and no country column"),
        ("nul.csv", b"email,full_name,country\n\0\0\n", "nul.csv is not a CSV file: it contains binary data"),
        ("empty.csv", b"", "empty.csv is empty (0 bytes)"),
    ],
)
def test_a_file_the_engine_refuses_as_such_writes_nothing_at_all(db_engine, name, data, message):
    with pytest.raises(WorkflowError) as refused:
        start_import(db_engine, Upload(name, data), ImportOptions(actor="web"))
    assert refused.value.message.startswith(message)
    for table in ("import_uploads", "import_runs", "customers", "audit_log"):
        assert rows(db_engine, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_progress_only_moves_forward_and_a_silent_upload_is_seen_as_stalled(db_engine):
    upload_id = begin_upload(db_engine, file_name="big.csv", size_bytes=1000, actor="web")
    record_progress(db_engine, upload_id, 600)
    record_progress(db_engine, upload_id, 400)  # a late beat never moves it back
    status = upload_status(db_engine, upload_id)
    assert (status.bytes_read, status.fraction_read, status.stalled, status.done) == (600, 0.6, False, False)
    with db_engine.begin() as conn:
        conn.execute(
            text("UPDATE import_uploads SET updated_at = now() - :age WHERE id = :id"),
            {"age": STALLED_AFTER + timedelta(seconds=1), "id": upload_id},
        )
    status = upload_status(db_engine, upload_id)
    assert (status.stalled, status.done) == (True, True)
    assert upload_status(db_engine, upload_id + 1) is None


def test_a_blank_actor_is_refused(db_engine):
    with pytest.raises(WorkflowError) as refused:
        begin_upload(db_engine, file_name="a.csv", size_bytes=1, actor=" ")
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT


def test_a_tracked_path_counts_the_furthest_byte_read_in_text_mode_only(tmp_path):
    path = TrackedPath(tmp_path / "a.csv")
    path.write_bytes(GOOD)
    path.tally = Tally()
    assert path.read_bytes() == GOOD and path.tally.bytes_read == 0  # binary reads are the engine's checks
    with path.open("r", encoding="utf-8", newline="") as file:
        file.readline()
        file.seek(0)
        assert file.read() == GOOD.decode()
    assert path.tally.bytes_read == len(GOOD)


def test_the_engine_reads_the_rows_through_the_path_it_is_given_so_progress_is_seen(db_engine, tmp_path):
    """The page's progress relies on this: etl opens the file with path.open()."""
    path = TrackedPath(tmp_path / "good.csv")
    path.write_bytes(GOOD)
    path.tally = Tally()
    import_customer_file(db_engine, path, QUIET)
    assert path.tally.bytes_read == len(GOOD)
