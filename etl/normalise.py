"""Raw CSV text to the values that are validated and loaded.

Every field is trimmed, and empty becomes None (missing). E-mails are
lowercased. Names have runs of whitespace collapsed to one space; a file
with first and last name columns instead of a full name gets them joined.
Countries become ISO alpha-2 codes (etl.countries), phones E.164 with the
row's country as the default region (etl.phones), dates of birth ISO
YYYY-MM-DD from YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY. A value that cannot be
normalised is kept as written (trimmed), so that validation rejects it and
the report can say what was wrong; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from etl.countries import normalise_countries
from etl.phones import normalise_phones
from etl.reading import RawChunk

_DATE_FORMATS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
)


def _trimmed(values: list[str | None]) -> list[str | None]:
    return [None if value is None else value.strip() or None for value in values]


def _names(values: list[str | None]) -> list[str | None]:
    return [None if value is None else " ".join(value.split()) or None for value in values]


def _iso_date(value: str) -> str:
    for pattern, (y, m, d) in _DATE_FORMATS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return date(int(match[y]), int(match[m]), int(match[d])).isoformat()
            except ValueError:
                return value
    return value


def normalise_chunk(chunk: RawChunk) -> pd.DataFrame:
    """One row per valid-width row of `chunk`, indexed by line ("line"),
    with the columns the file has among email, full_name, phone, country,
    birth_date, notes (object dtype, None for missing)."""
    raw = chunk.values
    columns: dict[str, list[str | None]] = {}
    columns["email"] = [None if v is None else v.strip().lower() or None for v in raw["email"]]
    if "full_name" in raw:
        columns["full_name"] = _names(raw["full_name"])
    else:
        columns["full_name"] = _names(
            [f"{first} {last}" for first, last in zip(raw["first_name"], raw["last_name"], strict=True)]
        )
    columns["country"] = normalise_countries(_trimmed(raw["country"]))
    if "phone" in raw:
        columns["phone"] = normalise_phones(_trimmed(raw["phone"]), columns["country"])
    if "birth_date" in raw:
        dates = _trimmed(raw["birth_date"])
        iso = {value: _iso_date(value) for value in dict.fromkeys(dates) if value is not None}
        columns["birth_date"] = [None if value is None else iso[value] for value in dates]
    if "notes" in raw:
        columns["notes"] = _trimmed(raw["notes"])
    index = pd.Index(np.fromiter(chunk.lines, dtype=np.int64, count=len(chunk.lines)), name="line")
    return pd.DataFrame(
        {name: np.array(values, dtype=object) for name, values in columns.items()}, index=index, dtype=object
    )
