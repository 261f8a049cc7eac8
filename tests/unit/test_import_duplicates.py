"""E-mails repeated across the chunks of a file: FirstSeen against a plain dictionary."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from etl import duplicates
from etl.duplicates import FirstSeen


def chunk(first_line: int, emails: list[str | None]) -> pd.Series:
    return pd.Series(
        emails, index=pd.Index(range(first_line, first_line + len(emails)), name="line"), dtype=object
    )


def first_lines_by_dictionary(chunks: list[pd.Series]) -> list[list[int]]:
    """The answer computed the obvious way: every e-mail kept with its first line."""
    seen: dict[str, int] = {}
    return [
        [line if email is None else seen.setdefault(email, line) for line, email in c.items()] for c in chunks
    ]


def test_random_files_get_the_first_line_of_each_email_as_a_dictionary_would():
    rng = random.Random(7)
    for _ in range(300):
        pool = [f"u{i}@example.com" for i in range(rng.randint(1, 25))]
        chunks, line = [], 2
        for _ in range(rng.randint(1, 6)):
            emails = [rng.choice([*pool, None]) for _ in range(rng.randint(1, 12))]
            chunks.append(chunk(line, emails))
            line += len(emails) + rng.randint(0, 2)  # blank lines leave gaps
        seen = FirstSeen()
        got = [seen.first_lines(c).tolist() for c in chunks]
        assert got == first_lines_by_dictionary(chunks)


def test_a_chunk_whose_emails_were_all_seen_before_does_not_break_the_next_one():
    seen = FirstSeen()
    seen.first_lines(chunk(2, ["a@x.com", "b@x.com"]))
    assert seen.first_lines(chunk(4, ["b@x.com", "a@x.com"])).tolist() == [3, 2]
    assert seen.first_lines(chunk(6, ["c@x.com", "a@x.com", None])).tolist() == [6, 2, 8]


def test_emails_sharing_their_first_hash_are_still_told_apart(monkeypatch):
    """Two e-mails whose first 64-bit hashes collide are kept apart by the second."""
    real_hash = hash
    monkeypatch.setattr(
        duplicates, "hash", lambda value: 1 if "\x00" not in value else real_hash(value), raising=False
    )
    seen = FirstSeen()
    assert seen.first_lines(chunk(2, ["a@x.com", "b@x.com", "a@x.com"])).tolist() == [2, 3, 2]
    assert seen.first_lines(chunk(5, ["c@x.com", "b@x.com", "a@x.com", "c@x.com"])).tolist() == [5, 3, 2, 5]
    assert np.array_equal(seen.first_lines(chunk(9, ["d@x.com"])), [9])
