"""Whole-column searches give the per-value answers."""

from __future__ import annotations

import random
import re

import pandas as pd

from etl.columns import matching
from etl.expectations import FORMULA_START, clean_free_text, personal_data_kind

SUSPECT = re.compile(rf"\d\d|@|{FORMULA_START}")  # the per-value test the column search replaces


def free_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = ["Ann", "Smith", " ", "  ", "\t", "-", "=", "+", "@", "|", "1", "42", "4111 1111 1111 1111",
              "123-45-6789", "DE89 3704 0044 0532 0130 00", "ann@example.com", "Müller", "\n", "٣٤", "x"]  # fmt: skip
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(count)]


def test_clean_free_text_gives_the_per_value_answer():
    values = [*free_texts(5000, seed=3), "-", "- x", "-x", "=SUM(A1)", "@home", "a@b", "12", "1 2"]
    expected = [SUSPECT.search(v) is None or personal_data_kind(v) is None for v in values]
    got = clean_free_text(pd.Series(values, index=range(10, 10 + len(values)), dtype=object))
    assert got.tolist() == expected
    assert got.index.tolist() == list(range(10, 10 + len(values)))
    assert 0 < sum(expected) < len(values)


def test_the_search_finds_each_value_with_a_match_and_only_those():
    values = ["ab", "", "a1", "11", "x11y", "", "9"]
    assert matching(values, [re.compile(r"\d\d")]).tolist() == [False, False, False, True, True, False, False]
    assert matching(values, [re.compile(r"\0a")]).tolist() == [True, False, True, False, False, False, False]
    assert matching(values, [re.compile(r"\d\0")]).tolist() == [False, False, True, True, False, False, True]


def test_a_value_holding_a_nul_makes_every_value_a_candidate():
    assert matching(["a", "b\0c"], [re.compile("z")]).tolist() == [True, True]
