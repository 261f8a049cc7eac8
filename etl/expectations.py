"""Custom Great Expectations expectations for customer imports.

Each is a ColumnMapExpectation whose pandas metric is a vectorised function
of this package; GE registers them when this module is imported. Like GE's
own map expectations they skip empty (null) values: required fields are
checked by ExpectColumnValuesToNotBeNull. Those that can, skip them
themselves (a missing value is None here, etl.normalise, and passes), so
that GE does not filter the whole chunk by the column's nulls for each of
the metrics it derives from the check (about a third of a suite run).

- ExpectColumnValuesToBeValidEmail, ExpectColumnValuesToBeValidName: the
  EMAIL and NAME patterns of etl.formats find the value (what GE's
  ExpectColumnValuesToMatchRegex with those patterns says, a column at a
  time: etl.formats).
- ExpectColumnValuesToBeCountryCodes: an ISO 3166 alpha-2 code (what GE's
  ExpectColumnValuesToBeInSet with the 249 codes says, without GE copying
  the set for each of its metrics).
- ExpectColumnValuesToBeValidPhoneNumber: E.164 form (`+`, 7 to 15 digits)
  of a number phonenumbers finds valid.
- ExpectColumnValuesToContainNoPersonalData: free text without payment card
  numbers, national-ID-like numbers, e-mail addresses or a leading
  spreadsheet formula character (see etl.pii).
- ExpectColumnValuesToBeIsoDates: real calendar dates written YYYY-MM-DD.
- ExpectColumnValuesToBePlausibleBirthDate: an ISO date (YYYY-MM-DD) on
  which a customer would today be 13 to 120 years old (UTC); values that
  are not ISO dates are left to the date-format expectation.
"""

from __future__ import annotations

import os
import re

os.environ["GX_ANALYTICS_ENABLED"] = "False"  # before great_expectations is imported

from collections.abc import Callable
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

from etl import columns, formats, phones, pii

MIN_AGE_YEARS = 13
MAX_AGE_YEARS = 120
FORMULA_START = r"^(?:[=+@|]|-\S)"
# What makes a free-text value worth a closer look, in joined text (etl.columns):
# two digits, an @, or a value starting like a formula: the NUL before a value
# followed by FORMULA_START (matching the NUL alone, so that no match takes the next one's).
_SUSPECTS = (re.compile(r"\d\d"), re.compile("@"), re.compile(r"\0(?=[=+@|]|-[^\s\0])"))
_EMAIL_IN_TEXT = re.compile(pii.EMAIL_IN_TEXT)
_FORMULA = re.compile(FORMULA_START)


def personal_data_kind(value: str) -> str | None:
    """Which kind of forbidden content a free-text value holds, most serious
    first: card_number, national_id, email_in_text, formula; or None."""
    if pii.card_numbers(value):
        return "card_number"
    if pii.national_ids(value):
        return "national_id"
    if _EMAIL_IN_TEXT.search(value):
        return "email_in_text"
    if _FORMULA.search(value):
        return "formula"
    return None


def clean_free_text(values: pd.Series) -> pd.Series:
    """True where a value holds none of personal_data_kind's findings; only
    values with two digits in a row, an @ or a formula start are looked at
    (found in the column's joined text, etl.columns)."""
    listed = values.tolist()
    result = np.ones(len(listed), dtype=bool)
    for i in np.flatnonzero(columns.matching(listed, _SUSPECTS)).tolist():
        result[i] = personal_data_kind(listed[i]) is None
    return pd.Series(result, index=values.index)


def iso_dates(values: pd.Series) -> pd.Series:
    """True where a value is a real calendar date written YYYY-MM-DD."""
    shaped = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}", na=False)
    return shaped & pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").notna()


def plausible_birth_dates(values: pd.Series, today: date | None = None) -> pd.Series:
    today = today or datetime.now(timezone.utc).date()
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    earliest = pd.Timestamp(today.replace(year=today.year - MAX_AGE_YEARS, day=min(today.day, 28)))
    latest = pd.Timestamp(today.replace(year=today.year - MIN_AGE_YEARS, day=min(today.day, 28)))
    return parsed.isna() | ((parsed >= earliest) & (parsed <= latest))


def _column_map_expectation(
    name: str, check: Callable[[pd.Series], pd.Series], doc: str, skips_nulls: bool = False
) -> type:
    """A GE ColumnMapExpectation class `name` whose pandas metric is `check`
    (a boolean Series, True where a value passes). `skips_nulls`: `check`
    gets the whole column, None included, and passes None (else GE gives it
    the non-null values only). Creating the classes registers the metric
    and the expectation with GE."""
    metric = f"column_values.ecc_{re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()}"

    def pandas(cls, column: pd.Series, **kwargs) -> pd.Series:
        return check(column)

    metric_fn = column_condition_partial(engine=PandasExecutionEngine)(pandas)
    attributes = {"condition_metric_name": metric, "_pandas": metric_fn}
    if skips_nulls:
        attributes["filter_column_isnull"] = False
    type(f"{name}Metric", (ColumnMapMetricProvider,), attributes)
    return type(
        f"ExpectColumnValuesTo{name}", (ColumnMapExpectation,), {"map_metric": metric, "__doc__": doc}
    )


def _by_values(check: Callable[[list[str]], np.ndarray]) -> Callable[[pd.Series], pd.Series]:
    """A Series check from a check of the values as a list, None passing
    (the check sees only the other values)."""

    def series_check(column: pd.Series) -> pd.Series:
        listed = column.tolist()
        if None not in listed:
            return pd.Series(check(listed), index=column.index)
        present = [i for i, value in enumerate(listed) if value is not None]
        passed = np.ones(len(listed), dtype=bool)
        if present:
            passed[present] = check([listed[i] for i in present])
        return pd.Series(passed, index=column.index)

    return series_check


def _values_check(check: Callable[[pd.Series], pd.Series]) -> Callable[[list[str]], np.ndarray]:
    return lambda values: check(pd.Series(values, dtype=object)).to_numpy()


ExpectColumnValuesToBeValidEmail = _column_map_expectation(
    "BeValidEmail",
    _by_values(formats.valid_emails),
    "Values are e-mail addresses (etl.formats.EMAIL).",
    skips_nulls=True,
)
ExpectColumnValuesToBeValidName = _column_map_expectation(
    "BeValidName", _by_values(formats.valid_names), "Values are names (etl.formats.NAME).", skips_nulls=True
)
ExpectColumnValuesToBeCountryCodes = _column_map_expectation(
    "BeCountryCodes",
    _by_values(formats.country_codes),
    "Values are ISO 3166 alpha-2 country codes.",
    skips_nulls=True,
)
ExpectColumnValuesToBeValidPhoneNumber = _column_map_expectation(
    "BeValidPhoneNumber",
    _by_values(_values_check(phones.valid_e164)),
    "Values are valid phone numbers written in E.164.",
    skips_nulls=True,
)
ExpectColumnValuesToContainNoPersonalData = _column_map_expectation(
    "ContainNoPersonalData",
    _by_values(_values_check(clean_free_text)),
    "Values hold no card number, national ID, e-mail address or formula.",
    skips_nulls=True,
)
ExpectColumnValuesToBeIsoDates = _column_map_expectation(
    "BeIsoDates", iso_dates, "Values are real calendar dates written YYYY-MM-DD."
)
ExpectColumnValuesToBePlausibleBirthDate = _column_map_expectation(
    "BePlausibleBirthDate", plausible_birth_dates, "ISO dates give an age of 13 to 120 years today."
)
