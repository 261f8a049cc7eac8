"""The whole-column format checks give the answers of their regular expressions, value by value."""

from __future__ import annotations

import random
import re

from etl.countries import ALPHA_2
from etl.formats import EMAIL, NAME, country_codes, valid_emails, valid_names


def emails(count: int, seed: int) -> list[str]:
    """E-mail-like values built from the pieces the pattern cares about."""
    rng = random.Random(seed)
    local = ["ann", "a", "b.c", ".", "..", "_", "-", "+tag", "ü", "é", "٣", "x" * 63, "x" * 64, " ", "\n",
             "!", "#", "'", "(", '"', "\t", "\0", "ß", "1"]  # fmt: skip
    domain = ["example", "ex-ample", "-ex", "ex-", "ex_ample", "_x", "com", "c", "co", "de", "xn--p1ai", "1com",
              "com1", "ü", "例え", "a" * 61, "a" * 62, "a" * 63, "", "\n", " ", "@", "x-", "..", "ab12"]  # fmt: skip
    values = []
    for _ in range(count):
        if rng.random() < 0.5:  # built from pieces that are valid on their own
            labels = [rng.choice(["example", "ex-ample", "mañana", "com", "de"]) for _ in "ab"]
            value = rng.choice(["ann", "b.c", "x_y", "ü"]) + "@" + ".".join(labels)
        else:
            left = "".join(rng.choice(local) for _ in range(rng.randint(0, 3)))
            labels = [rng.choice(domain) for _ in range(rng.randint(0, 4))]
            at, dot = rng.choice(["@", "@", "@", "", "@@"]), rng.choice([".", ".", "-", "_"])
            value = left + at + dot.join(labels)
        if rng.random() < 0.05:
            value += rng.choice(["\n", " ", "\n\n", "@x.com"])
        if rng.random() < 0.03:
            value = value + "." + "a" * rng.randint(150, 260)
        values.append(value)
    return values


def test_valid_emails_gives_the_patterns_answer_for_each_value():
    email = re.compile(EMAIL)
    values = [*emails(20_000, seed=5), "ann@example.com", "a@b.co", "a@b.c", "a@bc", "@b.co", "a@b.co\n",
              "a@b.co\nx", "x\na@b.co", "a" * 64 + "@b.co", "a" * 65 + "@b.co", "a@" + "b" * 250 + ".co",
              "a@" + "b" * 248 + ".co", "ann@ex.ample.com", "ann@mañana.es", "ann@xn--80ak6aa92e.com", ""]  # fmt: skip
    expected = [email.search(value) is not None for value in values]
    assert valid_emails(values).tolist() == expected
    assert 1_000 < sum(expected) < len(values) - 1_000  # both answers are well represented


def test_valid_names_gives_the_patterns_answer_for_each_value():
    name = re.compile(NAME)
    rng = random.Random(7)
    pieces = ["Ann", "Smith", " ", "O'Neil", "-", "1", "٣", "@", "\x7f", "\x00", "\t", "\n", "é", "李", ".", "_"]  # fmt: skip
    values = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(20_000)]
    values += ["A", "Ab", "a" * 100, "a" * 101, "...", "Ann\n", "Ann Smith"] * 3  # repeated values too
    expected = [name.search(value) is not None for value in values]
    assert valid_names(values).tolist() == expected
    assert 1_000 < sum(expected) < len(values) - 1_000


def test_country_codes_are_the_iso_alpha_2_set():
    values = ["DE", "de", "XK", "EU", "GB", "", "DEU", *sorted(ALPHA_2)]
    assert country_codes(values).tolist() == [value in ALPHA_2 for value in values]
