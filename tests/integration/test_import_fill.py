"""An import into an empty customers table (the bulk fill): same rows as an upsert, same indexes after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from workflow.customers import CustomerBatch, ImportSource, import_customers
from workflow.errors import ErrorCode, WorkflowError

ROWS = [
    (
        f"customer.{i}@example.com",
        f"Customer {chr(65 + i % 26)}",
        None if i % 3 else f"+4930{1000000 + i}",
        "DE",
    )
    for i in range(2500)
]


def batches(rows: list[tuple], size: int = 1000) -> list[CustomerBatch]:
    return [CustomerBatch(rows[k : k + size], rows_read=len(rows[k : k + size]), rows_rejected=0)
            for k in range(0, len(rows), size)]  # fmt: skip


def load(engine, rows: list[tuple], **options):
    options = {"max_invalid_pct": Decimal(5), **options}
    return import_customers(
        engine, batches(rows), source=ImportSource("f.csv", "f" * 64), actor="t", **options
    )


def stored(engine) -> set[tuple]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT email, full_name, phone, country FROM customers")).all())


def indexes(engine) -> set[tuple]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customers'")
            ).all()
        )


def test_a_fill_stores_what_an_upsert_stores_and_keeps_every_index(db_engine):
    before = indexes(db_engine)
    result = load(db_engine, ROWS)
    assert (result.outcome, result.inserted, result.updated) == ("committed", 2500, 0)
    assert stored(db_engine) == set(ROWS)
    assert indexes(db_engine) == before
    with db_engine.connect() as conn:
        invalid = conn.execute(text("SELECT count(*) FROM pg_index WHERE indrelid = 'customers'::regclass "
                                    "AND NOT (indisvalid AND indisready)")).scalar_one()  # fmt: skip
        plan = conn.execute(
            text("EXPLAIN SELECT id FROM customers WHERE lower(email) = 'customer.7@example.com'")
        )
        assert invalid == 0 and "customers_email_lower" in " ".join(row[0] for row in plan)


def test_an_upsert_into_a_table_with_customers_stores_the_same_rows(db_engine):
    with db_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO customers (email, full_name, country) VALUES ('old@example.com', 'Old', 'AT')")
        )
    result = load(db_engine, ROWS)
    assert (result.inserted, result.updated) == (2500, 0)
    assert stored(db_engine) == {*ROWS, ("old@example.com", "Old", None, "AT")}


def test_a_dry_run_fill_writes_nothing_and_leaves_the_indexes(db_engine):
    before = indexes(db_engine)
    result = load(db_engine, ROWS, dry_run=True)
    assert (result.outcome, result.inserted) == ("dry_run", 2500)
    assert stored(db_engine) == set()
    assert indexes(db_engine) == before


def test_a_repeated_email_is_still_refused_by_the_unique_index_and_nothing_is_written(db_engine):
    before = indexes(db_engine)
    rows = [*ROWS, ("CUSTOMER.7@example.com", "Again", None, "DE")]
    with pytest.raises(WorkflowError) as caught:
        load(db_engine, rows)
    assert caught.value.code is ErrorCode.IMPORT_LOAD_FAILED
    assert caught.value.message == (
        'The database refused the import: could not create unique index "customers_email_lower_key". '
        "Nothing was imported."
    )
    assert stored(db_engine) == set()
    assert indexes(db_engine) == before


def test_an_import_does_not_wait_for_a_reader_of_the_empty_table(db_engine):
    with db_engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM customers"))  # holds its lock until the transaction ends
        result = load(db_engine, ROWS)
        reader.rollback()
    assert (result.outcome, result.inserted) == ("committed", 2500)
    assert stored(db_engine) == set(ROWS)
