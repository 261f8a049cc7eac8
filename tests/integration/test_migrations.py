"""`ecc db upgrade`: migrations apply once, in order, and a failing one leaves nothing behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from workflow.errors import ErrorCode, MigrationFailed
from workflow.migrations import DB_DIR, is_current, upgrade


@pytest.fixture
def db_dir(tmp_path: Path) -> Path:
    """A copy of db/ whose migrations folder a test may fill."""
    shutil.copy(DB_DIR / "schema.sql", tmp_path / "schema.sql")
    (tmp_path / "migrations").mkdir()
    return tmp_path


def write(db_dir: Path, name: str, sql: str) -> None:
    (db_dir / "migrations" / name).write_text(sql, encoding="utf-8")


def test_migrations_apply_once_each_in_number_order(fresh_database, db_dir):
    write(db_dir, "002_fill_notes.sql", "INSERT INTO notes (body) SELECT 'after ' || count(*) FROM notes;")
    write(
        db_dir,
        "001_add_notes.sql",
        "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n"
        "INSERT INTO notes (body) VALUES ('first');",
    )
    engine = create_engine(fresh_database)
    assert upgrade(engine, db_dir).applied == ["000_schema", "001_add_notes", "002_fill_notes"]
    assert upgrade(engine, db_dir).applied == []
    assert is_current(engine, db_dir)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all() == [
            "first",
            "after 1",
        ]
        versions = (
            conn.execute(text("SELECT version FROM schema_migrations ORDER BY version")).scalars().all()
        )
    assert versions == ["000_schema", "001_add_notes", "002_fill_notes"]
    engine.dispose()


def test_a_new_migration_is_applied_to_an_existing_database(fresh_database, db_dir):
    engine = create_engine(fresh_database)
    upgrade(engine, db_dir)
    write(db_dir, "001_add_index.sql", "CREATE INDEX customers_created_at_idx ON customers (created_at);")
    assert not is_current(engine, db_dir)
    assert upgrade(engine, db_dir).applied == ["001_add_index"]
    assert "customers_created_at_idx" in {i["name"] for i in inspect(engine).get_indexes("customers")}
    engine.dispose()


def test_a_failing_migration_rolls_back_whole_and_names_file_line_and_statement(fresh_database, db_dir):
    write(db_dir, "001_good.sql", "CREATE TABLE kept (id int);")
    write(
        db_dir,
        "002_broken.sql",
        "-- adds a table, then fails\nCREATE TABLE half (id int);\n\nALTER TABLE nowhere ADD COLUMN x int;\n",
    )
    engine = create_engine(fresh_database)
    with pytest.raises(MigrationFailed) as caught:
        upgrade(engine, db_dir)
    message = caught.value.message
    assert caught.value.code is ErrorCode.MIGRATION_FAILED
    assert "002_broken.sql failed at statement 2 (line 4: ALTER TABLE nowhere ADD COLUMN x int;)" in message
    assert 'relation "nowhere" does not exist' in message
    tables = set(inspect(engine).get_table_names())
    assert "kept" in tables and "half" not in tables
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_migrations")).scalars().all()
    assert sorted(versions) == ["000_schema", "001_good"]
    engine.dispose()


def test_percent_signs_and_dollar_quoted_bodies_run_as_written(fresh_database, db_dir):
    write(
        db_dir,
        "001_function.sql",
        "CREATE FUNCTION pct(x numeric) RETURNS text LANGUAGE plpgsql AS $$\n"
        "BEGIN RETURN format('%s %%', x); END $$;\n"
        "CREATE TABLE pcts AS SELECT pct(12.5) AS shown;",
    )
    engine = create_engine(fresh_database)
    upgrade(engine, db_dir)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT shown FROM pcts")).scalar() == "12.5 %"
    engine.dispose()


def test_a_badly_named_migration_is_refused_before_anything_runs(fresh_database, db_dir):
    write(db_dir, "add-thing.sql", "CREATE TABLE thing (id int);")
    engine = create_engine(fresh_database)
    with pytest.raises(MigrationFailed, match=r"add-thing.sql is not a valid migration name; expected NNN_"):
        upgrade(engine, db_dir)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_a_database_with_foreign_tables_and_no_bookkeeping_is_left_alone(fresh_database, db_dir):
    engine = create_engine(fresh_database)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE legacy (id int)"))
    with pytest.raises(MigrationFailed, match=r"already has tables \(legacy\) but no schema_migrations"):
        upgrade(engine, db_dir)
    assert inspect(engine).get_table_names() == ["legacy"]
    engine.dispose()


def test_a_migration_edited_after_it_was_applied_is_reported(fresh_database, db_dir):
    write(db_dir, "001_a.sql", "CREATE TABLE a (id int);")
    engine = create_engine(fresh_database)
    upgrade(engine, db_dir)
    write(db_dir, "001_a.sql", "CREATE TABLE a (id bigint);")
    result = upgrade(engine, db_dir)
    assert result.applied == [] and result.changed_after_apply == ["001_a.sql"]
    engine.dispose()
