"""Migration 013's customers: the cheaper phone check refuses exactly what the old one did, and the one
e-mail index serves uniqueness, lookups and prefix search."""

from __future__ import annotations

import random

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

E164 = r"^\+[1-9][0-9]{6,14}$"  # the check as schema.sql wrote it


def phone_like_values(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = ["+", "0", "1", "4", "9", "12345", " ", "-", "٣", "x", "\n", "+49", "00"]
    values = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(count)]
    values += [
        "+" + "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 17))) for _ in range(count)
    ]
    values += ["+0" + "1" * 10, "+1234567", "+123456", "+123456789012345", "+1234567890123456", ""]
    return values


def test_the_phone_check_refuses_exactly_what_the_e164_pattern_refuses(db_engine: Engine):
    values = phone_like_values(1500, seed=13)
    refused, expected = [], []
    with db_engine.connect() as conn:
        query = text("SELECT v, v ~ :p FROM unnest(CAST(:vs AS text[])) AS v")
        e164 = dict(conn.execute(query, {"p": E164, "vs": values}).all())
        for i, value in enumerate(values):
            conn.execute(text("SAVEPOINT one"))
            try:
                conn.execute(
                    text(
                        "INSERT INTO customers (email, full_name, phone, country) VALUES (:e, 'Ann', :p, 'DE')"
                    ),
                    {"e": f"c{i}@example.com", "p": value},
                )
                refused.append(False)
            except IntegrityError:  # the check refused it
                refused.append(True)
            conn.execute(text("ROLLBACK TO SAVEPOINT one"))
            expected.append(not e164[value])
        conn.rollback()
    assert refused == expected
    assert 50 < sum(refused) < len(values) - 50  # both answers are well represented


def test_one_email_index_keeps_emails_unique_and_serves_lookups_and_prefix_search(db_engine: Engine):
    with db_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO customers (email, full_name, country) "
                 "SELECT 'user' || g || '@example.com', 'U', 'DE' FROM generate_series(1, 20000) AS g")
        )  # fmt: skip
        conn.execute(text("ANALYZE customers"))
    with db_engine.connect() as conn:
        indexes = conn.execute(
            text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'customers' AND indexdef LIKE '%lower(email)%'"
            )
        ).scalars()
        assert list(indexes) == ["customers_email_lower_key"]
        for query in (
            "SELECT id FROM customers WHERE lower(email) = 'user7@example.com'",
            "SELECT id FROM customers WHERE lower(email) LIKE 'user7%'",
        ):
            plan = " ".join(row[0] for row in conn.execute(text(f"EXPLAIN {query}")))
            assert "customers_email_lower_key" in plan, query
        upsert = conn.execute(
            text("INSERT INTO customers (email, full_name, country) VALUES ('USER7@example.com', 'Seven', 'FR') "
                 "ON CONFLICT ((lower(email))) DO UPDATE SET full_name = EXCLUDED.full_name RETURNING full_name")
        ).scalar_one()  # fmt: skip
        assert upsert == "Seven"
        conn.rollback()
