"""Validating customer rows with the Great Expectations suite, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from etl import reading
from etl.normalise import normalise_chunk
from etl.reading import open_rows
from etl.source import inspect_file
from etl.validate import ChunkValidator, _batch_definition


def validate(tmp_path, text: str):
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    header, chunks = open_rows(inspect_file(path))
    validator = ChunkValidator(header)
    return [validator.validate(chunk) for chunk in chunks]


def rejects_of(tmp_path, text: str) -> list[tuple[int, str, str, str]]:
    return [(r.line, r.field, r.rule, r.masked) for out in validate(tmp_path, text) for r in out.rejects]


def test_clean_rows_come_out_normalised_and_nothing_is_rejected(tmp_path):
    (out,) = validate(
        tmp_path,
        "E-mail,Name,Phone,Country\n"
        " Ann@Example.COM ,  Ann   Smith ,030 1234567,Germany\n"
        "bob@example.org,Bob O'Neil,+1 (415) 555-2671,usa\n"
        "cleo@example.fr,Cléo,,FR\n",
    )
    assert out.rejects == []
    assert out.batch.rows == [
        ("ann@example.com", "Ann Smith", "+49301234567", "DE"),
        ("bob@example.org", "Bob O'Neil", "+14155552671", "US"),
        ("cleo@example.fr", "Cléo", None, "FR"),
    ]
    assert (out.batch.rows_read, out.batch.rows_rejected) == (3, 0)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",Ann,DE,", (2, "email", "required", "")),
        ("ann.example.com,Ann,DE,", (2, "email", "email_syntax", "a***")),
        ("ann@example,Ann,DE,", (2, "email", "email_syntax", "a***@e***")),
        ("ann@example.com,Ann,Atlantis,", (2, "country", "country_unknown", "A***")),
        ("ann@example.com,Ann,DE,+49 30 12", (2, "phone", "phone_invalid", "+4***12")),
        ("ann@example.com,Ann,DE,0000 1234512", (2, "phone", "phone_invalid", "*********12")),
        ("ann@example.com,Ann 2nd,DE,", (2, "full_name", "name_digits", "A*** ****")),
        ("ann@example.com,A,DE,", (2, "full_name", "name_length", "A***")),
        ("ann@example.com,...,DE,", (2, "full_name", "name_characters", "****")),
        ('ann@example.com,"=HYPERLINK(""http://x"")",DE,', (2, "full_name", "formula", "****")),
        ("ann@example.com,Ann 4111 1111 1111 1111,DE,", (2, "full_name", "card_number", "**************11")),
        ("ann@example.com,Ann 123-45-6789,DE,", (2, "full_name", "national_id", "*******89")),
        ("ann@example.com,Ann ann@example.com,DE,", (2, "full_name", "email_in_text", "a***@e***.com")),
    ],
)
def test_each_broken_rule_is_named_with_the_value_masked(tmp_path, row, expected):
    got = rejects_of(tmp_path, f"email,name,country,phone\n{row}\n")
    assert got == [expected]


def test_a_100000_character_name_is_too_long_and_is_not_echoed(tmp_path):
    got = rejects_of(tmp_path, f"email,name,country\nann@example.com,{'a' * 100_000},DE\n")
    assert got == [(2, "full_name", "name_length", "a*** (100,000 characters)")]


def test_notes_may_hold_digits_but_no_card_number_or_email(tmp_path):
    got = rejects_of(
        tmp_path,
        "email,name,country,notes\n"
        "a@example.com,Ann,DE,order 1042 arrived late\n"
        "b@example.com,Bob,DE,card 4111-1111-1111-1111\n"
        "c@example.com,Cy,DE,write to cy.lee@example.org\n",
    )
    assert got == [
        (3, "notes", "card_number", "**************11"),
        (4, "notes", "email_in_text", "c***@e***.org"),
    ]


def test_a_birth_date_must_be_a_real_date_of_someone_13_to_120(tmp_path):
    this_year = date.today().year
    got = rejects_of(
        tmp_path,
        "email,name,country,date of birth\n"
        "a@example.com,Ann,DE,1980-02-29\n"
        "b@example.com,Bob,DE,31.12.1975\n"
        "c@example.com,Cy,DE,1981-02-29\n"
        f"d@example.com,Di,DE,{this_year - 5}-01-01\n"
        "e@example.com,Ed,DE,1890-01-01\n",
    )
    assert got == [
        (4, "birth_date", "birth_date_format", "****"),
        (5, "birth_date", "birth_date_implausible", "****"),
        (6, "birth_date", "birth_date_implausible", "****"),
    ]


def test_an_email_repeated_in_a_later_chunk_is_rejected_and_the_first_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 2)
    outs = validate(
        tmp_path,
        "email,name,country\nann@example.com,Ann,DE\nbob@example.com,Bob,DE\nANN@example.com,Ann B,DE\n"
        "ann@example.com,Ann C,DE\n",
    )
    assert [row[0] for out in outs for row in out.batch.rows] == ["ann@example.com", "bob@example.com"]
    dupes = [(r.line, r.rule, r.first_line, r.problem) for out in outs for r in out.rejects]
    assert dupes == [
        (4, "email_duplicate", 2, "repeats the e-mail of line 2; only the first is imported"),
        (5, "email_duplicate", 2, "repeats the e-mail of line 2; only the first is imported"),
    ]


def test_several_problems_in_one_row_are_each_reported_once_per_column(tmp_path):
    got = rejects_of(tmp_path, "email,name,country\nbad,Eve 4111 1111 1111 1111,Narnia\n")
    assert got == [
        (2, "full_name", "card_number", "**************11"),
        (2, "email", "email_syntax", "b***"),
        (2, "country", "country_unknown", "N***"),
    ]


def test_great_expectations_keeps_no_results_of_its_own(tmp_path):
    validate(tmp_path, "email,name,country\nbad,Eve,DE\n")
    context = _batch_definition().data_asset.datasource.data_context
    assert context.validation_results_store.list_keys() == []


def test_empty_fields_are_only_required_never_malformed(tmp_path):
    # The format checks see the whole column, empty values (None) included, and must pass them:
    # an empty e-mail, name or country is "required" alone, an empty phone or note is fine.
    path = tmp_path / "customers.csv"
    path.write_text(
        "email,name,country,phone,notes\n"
        ",,,,a note\n"
        "ann@example.com,Ann,DE,,\n"
        "bad,Bo 4111 1111 1111 1111,Narnia,+49 30 12,=1+1\n",
        encoding="utf-8",
    )
    header, chunks = open_rows(inspect_file(path))
    validator = ChunkValidator(header)
    frame = normalise_chunk(next(chunks))
    frame["line_no"] = frame.index.to_numpy()
    frame["email_first_line"] = frame.index.to_numpy()
    got = sorted((r.line, r.field, r.rule) for r in validator._run_suite(frame))
    assert got == [
        (2, "country", "required"),
        (2, "email", "required"),
        (2, "full_name", "required"),
        (4, "country", "country_unknown"),
        (4, "email", "email_syntax"),
        (4, "full_name", "card_number"),
        (4, "full_name", "name_digits"),
        (4, "notes", "formula"),
        (4, "phone", "phone_invalid"),
    ]
