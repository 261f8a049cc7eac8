"""The seed's rebuilds after its commit (workflow.demo.derive): each name
rebuilt on its own connection gives what the single transaction gave; a
failure there still leaves empty tables and the schema whole; a seed that
was stopped before the end is finished by the next one."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from tests.integration.test_seed_derived import SMALL, catalog, derived_data, scalar
from workflow.data_version import data_version
from workflow.demo import finish_seed, seed_demo_data
from workflow.demo.derive import pending
from workflow.derived import DERIVED, rebuild_all


def test_names_rebuilt_apart_have_no_foreign_key_and_the_rest_are_rebuilt_in_the_load(db_engine: Engine):
    summary = seed_demo_data(db_engine, progress=False, **SMALL)
    apart = {stage.removeprefix("rebuild ").removesuffix(" (after commit)")
             for stage in summary.stages if stage.endswith("(after commit)")}  # fmt: skip
    in_load = {stage.removeprefix("rebuild ") for stage in summary.stages
               if stage.startswith("rebuild ") and "after commit" not in stage}  # fmt: skip
    assert apart and in_load and apart | in_load == set(DERIVED) and not apart & in_load
    with db_engine.connect() as conn:
        tables_with_keys = set(conn.execute(text(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f'")).scalars())  # fmt: skip
        assert pending(conn) == []
    assert "shipment_rollups" in apart  # the longest rebuild is one of them
    assert not {"product_daily", "product_stock_days", "product_stock_weeks"} - tables_with_keys
    assert {"product_daily", "product_stock_weeks", "product_stock"} <= in_load


def test_what_the_connections_rebuild_equals_one_transactions_rebuild(db_engine: Engine):
    seed_demo_data(db_engine, progress=False, **SMALL)
    seeded = derived_data(db_engine)
    with db_engine.begin() as conn:
        rebuild_all(conn)
    assert derived_data(db_engine) == seeded
    assert scalar(db_engine, "SELECT count(*) FROM shipment_spans") > 0


def test_a_rebuild_failing_after_the_commit_leaves_the_tables_empty_and_the_schema_whole(db_engine: Engine):
    with db_engine.begin() as conn:  # one of the rebuilds left to the connections breaks
        conn.execute(text("""CREATE OR REPLACE FUNCTION rebuild_cash_daily() RETURNS void LANGUAGE plpgsql
                             AS $$ BEGIN RAISE EXCEPTION 'cash rebuild broken'; END $$"""))  # fmt: skip
    before = catalog(db_engine)
    with pytest.raises(Exception, match="cash rebuild broken"):
        seed_demo_data(db_engine, progress=False, **SMALL)
    assert catalog(db_engine) == before
    for table in ("orders", "order_items", "shipment_events", "order_balances", "product_daily",
                  "shipment_spans", "sales_daily", "derived_pending"):  # fmt: skip
        assert scalar(db_engine, f"SELECT count(*) FROM {table}") == 0, table
    with pytest.raises(Exception, match="cash rebuild broken"):  # not refused as a database with orders
        seed_demo_data(db_engine, progress=False, **SMALL)


def test_the_next_seed_finishes_the_rebuilds_a_stopped_seed_left(db_engine: Engine):
    seed_demo_data(db_engine, progress=False, **SMALL)
    whole = derived_data(db_engine)
    with db_engine.begin() as conn:  # as if the process had been killed before these two committed
        conn.execute(text("TRUNCATE sales_daily, shipment_facts, shipment_spans, shipment_status_daily, "
                          "shipment_stage_bands"))  # fmt: skip
        conn.execute(text("INSERT INTO derived_pending (name) VALUES ('sales_daily'), ('shipment_rollups')"))
    version = data_version(db_engine)  # what a dashboard cached the half-seeded figures under
    summary = seed_demo_data(db_engine, progress=False, **SMALL)
    assert summary.finished == ("shipment_rollups", "sales_daily")
    assert data_version(db_engine) > version
    assert derived_data(db_engine) == whole
    assert scalar(db_engine, "SELECT count(*) FROM derived_pending") == 0
    assert finish_seed(db_engine) == ()
    with pytest.raises(Exception, match="already has 1,500 orders"):  # finished: a seed is refused again
        seed_demo_data(db_engine, progress=False, **SMALL)
