"""bigint_sum (migration 010), the turnover read's sum of whole numbers:
exact, 0 over no rows, and an error rather than a wrong total past bigint."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

BIG = 2**62


def total(engine: Engine, values: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT bigint_sum(v) FROM (VALUES {values}) AS t (v)")).scalar_one()


def test_bigint_sum_is_the_exact_total_as_a_bigint(db_engine: Engine):
    assert total(db_engine, f"({BIG}::bigint), (-3), ({BIG - 1})") == 2 * BIG - 4
    with db_engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT bigint_sum(v) FROM (VALUES (1::bigint)) AS t (v) WHERE v > 1")
            ).scalar_one()
            == 0
        )
        assert conn.execute(text("SELECT pg_typeof(bigint_sum(1::bigint))::text")).scalar_one() == "bigint"


def test_bigint_sum_past_the_bigint_range_is_an_error(db_engine: Engine):
    with pytest.raises(DBAPIError, match="bigint out of range"):
        total(db_engine, f"({BIG}::bigint), ({BIG})")
