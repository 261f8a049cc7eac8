"""Customer import into a real PostgreSQL: round trip, upsert, threshold, dry run, re-import, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from etl.importer import ImportOptions, import_customer_file
from workflow.customers import CustomerBatch, ImportSource, import_customers
from workflow.errors import ErrorCode, WorkflowError

QUIET = ImportOptions(progress=False)


def clean_file(tmp_path, rows: int):
    """`rows` customers written the ways shops export them, and what the
    database must hold afterwards."""
    lines, expected = ["E-mail;Full Name;Phone Number;Country"], set()
    for i in range(rows):
        name = "Zoë " + "".join(chr(97 + (i // 26**k) % 26) for k in range(3)) + " O'Neil-Müller"
        if i % 2:
            phone, e164, country, code = [f"+49 30 {1000000 + i}", f"030 {1000000 + i}", f"+4930{1000000 + i}"][i % 3], f"+4930{1000000 + i}", ["DE", "Germany", "deu"][i % 3], "DE"  # fmt: skip
        else:
            phone, e164, country, code = f"(415) 555-{i % 10000:04d}", f"+1415555{i % 10000:04d}", ["US", "usa"][i % 4 // 2], "US"  # fmt: skip
        if i % 7 == 0:
            phone, e164 = "", None
        lines.append(f"  Customer.{i}@Example.COM ;{name};{phone};{country}")
        expected.add((f"customer.{i}@example.com", name, e164, code))
    path = tmp_path / "clean.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path, expected


def stored(engine) -> set[tuple]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT email, full_name, phone, country FROM customers")).all())


def runs(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT outcome, rows_read, rows_valid, rows_rejected, rows_inserted, rows_updated, file_name "
                 "FROM import_runs ORDER BY id")
        ).all()  # fmt: skip


def test_a_clean_10000_row_file_round_trips_exactly(db_engine, tmp_path):
    path, expected = clean_file(tmp_path, 10_000)
    summary = import_customer_file(db_engine, path, QUIET)
    assert (summary.result.outcome, summary.result.inserted, summary.result.updated) == (
        "committed",
        10_000,
        0,
    )
    assert stored(db_engine) == expected
    assert runs(db_engine) == [("committed", 10_000, 10_000, 0, 10_000, 0, "clean.csv")]
    with db_engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action, entity, details FROM audit_log")).one()
    assert audit.action == "import_customers" and audit.details["inserted"] == 10_000


def test_importing_the_same_file_again_is_refused_unless_forced_and_then_changes_nothing(db_engine, tmp_path):
    path, _ = clean_file(tmp_path, 10_000)
    first = import_customer_file(db_engine, path, QUIET)
    with db_engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM customers ORDER BY id")).all()
    with pytest.raises(WorkflowError) as caught:
        import_customer_file(db_engine, path, QUIET)
    when = first.result.finished_at.strftime("%Y-%m-%d %H:%M UTC")
    assert caught.value.code is ErrorCode.IMPORT_ALREADY_DONE
    assert caught.value.message == (
        f"clean.csv was already imported on {when} (import run {first.result.run_id}); nothing was written. "
        "Use --force to import it again (rows already up to date are left unchanged)."
    )
    again = import_customer_file(db_engine, path, ImportOptions(progress=False, force=True))
    assert (again.result.inserted, again.result.updated, again.result.unchanged) == (0, 0, 10_000)
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM customers ORDER BY id")).all() == before


def test_an_upsert_updates_name_country_and_phone_but_keeps_a_phone_the_file_leaves_empty(
    db_engine, tmp_path
):
    with db_engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (email, full_name, phone, country) VALUES "
                          "('Ann@Example.com', 'Ann Old', '+49301111111', 'DE'), "
                          "('bob@example.com', 'Bob', '+49302222222', 'DE')"))  # fmt: skip
    path = tmp_path / "update.csv"
    path.write_text(
        "email,name,phone,country\nann@example.com,Ann New,,AT\nbob@example.com,Bob,+49 30 3333333,DE\n"
    )
    result = import_customer_file(db_engine, path, QUIET).result
    assert (result.inserted, result.updated) == (0, 2)
    assert stored(db_engine) == {
        ("Ann@Example.com", "Ann New", "+49301111111", "AT"),
        ("bob@example.com", "Bob", "+49303333333", "DE"),
    }


def test_too_many_rejected_rows_write_no_customer_and_record_the_refusal(db_engine, tmp_path):
    path = tmp_path / "mostly_bad.csv"
    path.write_text(
        "email,name,country\n"
        + "".join(f"u{i}@example.com,Una,DE\n" for i in range(18))
        + "bad,Xavier,DE\nworse,Yan,ZZ\n"
    )
    result = import_customer_file(db_engine, path, QUIET).result
    assert (result.outcome, result.rows_read, result.rows_rejected) == ("over_threshold", 20, 2)
    assert stored(db_engine) == set()
    assert runs(db_engine) == [("over_threshold", 20, 18, 2, 0, 0, "mostly_bad.csv")]
    limit = import_customer_file(db_engine, path, ImportOptions(progress=False, max_invalid_pct=Decimal(10)))
    assert limit.result.outcome == "committed"  # exactly at the limit is allowed


def test_a_dry_run_writes_no_customer_and_says_what_an_import_would_do(db_engine, tmp_path):
    path, _ = clean_file(tmp_path, 50)
    result = import_customer_file(db_engine, path, ImportOptions(progress=False, dry_run=True)).result
    assert (result.outcome, result.inserted) == ("dry_run", 50)
    assert stored(db_engine) == set()
    assert runs(db_engine) == [("dry_run", 50, 50, 0, 0, 0, "clean.csv")]
    assert import_customer_file(db_engine, path, QUIET).result.inserted == 50  # a dry run is not an import


def test_a_dry_run_of_a_file_already_imported_still_validates_it(db_engine, tmp_path):
    path, _ = clean_file(tmp_path, 20)
    import_customer_file(db_engine, path, QUIET)
    summary = import_customer_file(db_engine, path, ImportOptions(progress=False, dry_run=True))
    assert (summary.result.outcome, summary.result.unchanged) == ("dry_run", 20)
    assert summary.notes[-1].startswith("clean.csv was already imported on ")
    assert summary.notes[-1].endswith("; a real import needs --force.")


def test_a_second_import_at_the_same_time_is_refused(db_engine):
    with db_engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(x'0ECC1C'::int)"))
        with pytest.raises(WorkflowError) as caught:
            import_customers(
                db_engine, [], source=ImportSource("b.csv", "0" * 64), actor="t", max_invalid_pct=Decimal(5)
            )
        other.execute(text("SELECT pg_advisory_unlock_all()"))
    assert caught.value.code is ErrorCode.IMPORT_BUSY
    assert caught.value.message == (
        "Another customer import is running right now; nothing was written. Try again when it has finished."
    )
    assert runs(db_engine) == []


def test_a_database_refusal_rolls_back_records_a_failed_run_and_quotes_no_value(db_engine):
    batches = [
        CustomerBatch(rows=[("ok@example.com", "Ok", None, "DE")], rows_read=1, rows_rejected=0),
        CustomerBatch(rows=[("eve@example.com", "Eve", "0301234567", "DE")], rows_read=1, rows_rejected=0),
    ]
    with pytest.raises(WorkflowError) as caught:
        import_customers(
            db_engine, batches, source=ImportSource("c.csv", "a" * 64), actor="t", max_invalid_pct=Decimal(5)
        )
    assert caught.value.code is ErrorCode.IMPORT_LOAD_FAILED
    assert caught.value.message == (
        'The database refused the import: new row for relation "customers" violates check constraint '
        '"customers_phone_check". Nothing was imported.'
    )
    assert stored(db_engine) == set()
    assert runs(db_engine) == [("failed", 2, 2, 0, 0, 0, "c.csv")]
