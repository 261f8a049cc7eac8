"""Phone numbers to E.164: the vectorised fast path agrees with phonenumbers."""

from __future__ import annotations

import random

import pandas as pd
import phonenumbers
import pytest

from etl.phones import _slow, normalise_phones, to_e164, valid_e164

REGIONS = ["DE", "US", "GB", "FR", "IT", "ES", "NL", "AT", "CH", "PL", "SE", "BE", "IE", "CA", "AU", "BR",
           "AR", "MX", "JP", "CN", "IN", "RU", "GG", "IM", "JE", "KZ", "VA", "NZ"]  # fmt: skip


def written_numbers(count: int, seed: int) -> list[tuple[str, str]]:
    """Numbers near real ones (example numbers with digits changed, cut or
    lengthened), written in international, national and mixed styles."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        region = rng.choice(REGIONS)
        kind = rng.choice([phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE])
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        nsn = "".join(
            c if rng.random() < 0.7 else str(rng.randrange(10))
            for c in phonenumbers.national_significant_number(example)
        )
        nsn = nsn[: rng.choice([-1, None, None])] + rng.choice(["", "", "5"])
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
        code = example.country_code
        style = rng.randrange(6)
        written = [f"+{code}{nsn}", f"+{code} {nsn[:3]} {nsn[3:]}", f"{prefix}{nsn}",
                   f"({prefix}{nsn[:2]}) {nsn[2:5]}-{nsn[5:]}", f"+{code} ({prefix or '0'}){nsn}",
                   f"00{code} {nsn}"][style]  # fmt: skip
        out.append((written, region))
    return out


# phonenumbers itself, uncached: parse with the region, is_valid_number,
# E.164 of at most 15 digits.
phonenumbers_answer = _slow.__wrapped__


def test_the_fast_path_gives_phonenumbers_answer_for_thousands_of_numbers():
    numbers = written_numbers(6000, seed=5)
    _slow.cache_clear()
    got = to_e164([value for value, _ in numbers], [region for _, region in numbers])
    expected = [phonenumbers_answer(value, region) for value, region in numbers]
    mismatches = [(n, g, e) for n, g, e in zip(numbers, got, expected, strict=True) if g != e]
    assert mismatches == []
    assert sum(e is not None for e in expected) > 2000  # both valid and invalid numbers were tried


@pytest.mark.parametrize(
    ("written", "region", "e164"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 (0)30 1234567", "DE", "+49301234567"),
        ("+1 (415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+44 7911 123456", None, "+447911123456"),
        ("12345", "DE", None),
        ("+1 555 0100", "US", None),
        ("call me", "DE", None),
    ],
)
def test_common_ways_of_writing_a_number(written, region, e164):
    assert to_e164([written], [region]) == [e164]


def test_invalid_numbers_are_kept_as_written_for_validation_to_reject():
    out = normalise_phones(["030 1234567", "+10000000000", None], ["DE", "US", "DE"])
    assert out == ["+49301234567", "+10000000000", None]
    assert valid_e164(pd.Series(out[:2], index=[2, 3], dtype=object)).tolist() == [True, False]


def test_only_the_exact_e164_form_counts_as_valid():
    assert valid_e164(pd.Series(["+49 30 1234567", "+49301234567"], dtype=object)).tolist() == [False, True]


def test_the_benchmark_files_numbers_get_phonenumbers_answer(tmp_path):
    """The numbers (and countries, as codes and names) of bench.import_customers' generated file."""
    import csv

    from bench.import_customers import generate
    from etl.countries import to_alpha_2

    path = tmp_path / "customers.csv"
    generate(path, 3000, seed=11)
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    values = [row["phone"] for row in rows]
    regions = [to_alpha_2(row["country"]) for row in rows]
    _slow.cache_clear()
    expected = [phonenumbers_answer(value, region) for value, region in zip(values, regions, strict=True)]
    assert to_e164(values, regions) == expected
    assert all(e is not None for e in expected)
