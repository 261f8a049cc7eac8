"""Validating a chunk with Great Expectations and turning its findings into rejects.

The suite is defined here, in code, for the columns the file has; it runs on
an ephemeral (in-memory) context with analytics and progress bars off, so no
project folder, no network. GE's COMPLETE results list the line of every
unexpected value, without the value (exclude_unexpected_values): the value
for the report is re-read from the chunk and masked, and the result object
is dropped. Nothing GE returns is stored or printed.

Rules (see etl.rules for their wording): e-mail, full name and country
present; e-mail syntax; e-mail unique within the file (the first row with
an e-mail is kept, later ones are rejected); phone valid E.164; country an
ISO 3166 alpha-2 code; name 2 to 100 characters, at least one letter, no
digits, no control characters, no @; names and notes without card numbers,
national IDs, e-mail addresses or formulas; notes up to 1,000 characters;
date of birth a real date giving an age of 13 to 120 years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.execution_engine import pandas_execution_engine

from etl import expectations as ecc
from etl.duplicates import FirstSeen
from etl.normalise import normalise_chunk
from etl.pii import mask_value
from etl.reading import Header, RawChunk
from etl.rules import MAX_NAME, MAX_NOTES, Reject, first_per_field, mask_kind
from workflow.customers import CustomerBatch

_NAME_DIGITS = re.compile(r"\d")


# Every failing row's line (the frame's index, "line"), and not its value: GE lists the lines as
# {"line": [...]} and copies no value into its results, and skips the value counts it would otherwise
# compute for each expectation (about 15 ms a 200,000-row chunk).
_RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "return_unexpected_index_query": False,
    "exclude_unexpected_values": True,
    "partial_unexpected_count": 0,
}


@dataclass(frozen=True)
class ValidatedChunk:
    batch: CustomerBatch
    rejects: list[Reject]


@cache
def _batch_definition():
    # GE fingerprints every pandas batch by hashing all its values, a tenth of
    # the validation time here; nothing of a batch is stored, so skip it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("customer_import").add_dataframe_asset("chunk")
    return asset.add_batch_definition_whole_dataframe("whole chunk")


def build_suite(fields: set[str]) -> gx.ExpectationSuite:
    """The expectations for a file with these fields; each carries the field
    it reports on and the rule it stands for in `meta`."""
    _batch_definition()  # GE wants its context before a suite
    suite = gx.ExpectationSuite(name="customer_import")

    def add(expectation_class, field: str, rule: str, **kwargs) -> None:
        if "column_A" not in kwargs:
            kwargs["column"] = field
        suite.add_expectation(expectation_class(**kwargs, meta={"field": field, "rule": rule}))

    for field in ("email", "full_name", "country"):
        add(gxe.ExpectColumnValuesToNotBeNull, field, "required")
    add(ecc.ExpectColumnValuesToBeValidEmail, "email", "email_syntax")
    add(
        gxe.ExpectColumnPairValuesToBeEqual,
        "email",
        "email_duplicate",
        column_A="line_no",
        column_B="email_first_line",
    )
    add(ecc.ExpectColumnValuesToBeCountryCodes, "country", "country_unknown")
    add(ecc.ExpectColumnValuesToBeValidName, "full_name", "name_characters")
    add(ecc.ExpectColumnValuesToContainNoPersonalData, "full_name", "personal_data")
    if "phone" in fields:
        add(ecc.ExpectColumnValuesToBeValidPhoneNumber, "phone", "phone_invalid")
    if "notes" in fields:
        add(ecc.ExpectColumnValuesToContainNoPersonalData, "notes", "personal_data")
        add(gxe.ExpectColumnValueLengthsToBeBetween, "notes", "notes_length", max_value=MAX_NOTES)
    if "birth_date" in fields:
        add(ecc.ExpectColumnValuesToBeIsoDates, "birth_date", "birth_date_format")
        add(ecc.ExpectColumnValuesToBePlausibleBirthDate, "birth_date", "birth_date_implausible")
    return suite


class ChunkValidator:
    """Validates the chunks of one file in order (e-mail uniqueness spans them)."""

    def __init__(self, header: Header) -> None:
        fields = set(header.columns) | {"full_name"}
        self._suite = build_suite(fields)
        self._expected_width = len(header.names)
        self._first_seen = FirstSeen()

    def validate(self, chunk: RawChunk) -> ValidatedChunk:
        frame = normalise_chunk(chunk)
        frame["line_no"] = frame.index.to_numpy()
        frame["email_first_line"] = self._first_seen.first_lines(frame["email"])
        rejects = [
            Reject(line, "*", "field_count", "", found=found, expected=self._expected_width)
            for line, found in chunk.bad_rows
        ]
        rejects += self._run_suite(frame)
        rejects = first_per_field(rejects)
        bad_lines = {reject.line for reject in rejects}
        valid = frame[~frame.index.isin(bad_lines)] if bad_lines else frame
        # Missing values are None in these object columns (etl.normalise), never NaN.
        phones = valid["phone"].tolist() if "phone" in valid else [None] * len(valid)
        emails, names, countries = (valid[name].tolist() for name in ("email", "full_name", "country"))
        rows = list(zip(emails, names, phones, countries, strict=True))
        batch = CustomerBatch(rows=rows, rows_read=chunk.rows_read, rows_rejected=len(bad_lines))
        return ValidatedChunk(batch, rejects)

    def _run_suite(self, frame: pd.DataFrame) -> list[Reject]:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        results = batch.validate(self._suite, result_format=_RESULT_FORMAT)
        failed: list[tuple[str, str, list[int]]] = []
        for result in results.results:
            info = result.exception_info or {}
            if info.get("raised_exception"):
                # Never "valid because the check broke"; the message has no row values.
                raise RuntimeError(f"validation could not run: {info.get('exception_message')}")
            if not result.success:
                meta = result.expectation_config.meta
                lines = [
                    int(line)
                    for item in result.result.get("unexpected_index_list") or ()
                    for line in item["line"]
                ]
                failed.append((meta["field"], meta["rule"], lines))
        del results  # nothing of it is kept
        rejects = []
        for field, rule, lines in failed:
            values = frame.loc[lines, field].tolist()
            firsts = frame.loc[lines, "email_first_line"].tolist() if rule == "email_duplicate" else None
            for i, (line, value) in enumerate(zip(lines, values, strict=True)):
                rejects.append(_reject(field, rule, line, value, firsts[i] if firsts else None))
        return rejects


def _reject(field: str, rule: str, line: int, value: object, first_line: int | None) -> Reject:
    text = None if value is None or value != value else str(value)
    if rule == "personal_data":
        rule = ecc.personal_data_kind(text or "") or "name_characters"
    elif rule == "name_characters":
        rule = _name_rule(text or "")
    masked = "" if rule == "required" else mask_value(text, mask_kind(field, rule))
    return Reject(line, field, rule, masked, first_line=None if first_line is None else int(first_line))


def _name_rule(value: str) -> str:
    """Which name rule a value that failed the name pattern breaks."""
    if re.match(ecc.FORMULA_START, value):
        return "formula"
    if _NAME_DIGITS.search(value):
        return "name_digits"
    if not 2 <= len(value) <= MAX_NAME:
        return "name_length"
    return "name_characters"
