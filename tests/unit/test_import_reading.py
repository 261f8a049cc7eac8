"""Reading customer CSVs: encodings, delimiters, headers, line numbers, refusals."""

from __future__ import annotations

import pytest

from etl import reading
from etl.reading import open_rows
from etl.source import inspect_file
from workflow.errors import ErrorCode, WorkflowError


def write(tmp_path, data: bytes, name: str = "customers.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_of(path):
    header, chunks = open_rows(inspect_file(path))
    return header, list(chunks)


def refusal(path) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        rows_of(path)
    return caught.value


def test_a_utf8_file_with_bom_crlf_and_quoted_newlines_keeps_editor_line_numbers(tmp_path):
    path = write(
        tmp_path,
        "\ufeffEmail,Name,Phone,Country\r\n"
        'ann@example.com,"Smith, Ann",030 1234567,DE\r\n'
        "\r\n"
        'bob@example.com,"Bob\r\nJones",,FR\r\n'
        "cléo@example.com,Cléo,,FR\r\n".encode(),
    )
    header, chunks = rows_of(path)
    assert header.columns == {"email": 0, "full_name": 1, "phone": 2, "country": 3}
    assert chunks[0].lines == [2, 4, 6]
    assert chunks[0].values["full_name"] == ["Smith, Ann", "Bob\r\nJones", "Cléo"]
    assert inspect_file(path).encoding == "utf-8-sig"


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_sniffed_from_the_header(tmp_path, delimiter):
    line = delimiter.join(["E-mail", "Full Name", "Phone Number", "Country Code"])
    path = write(tmp_path, f"{line}\nann@example.com{delimiter}Ann{delimiter}{delimiter}DE\n".encode())
    header, chunks = rows_of(path)
    assert header.delimiter == delimiter
    assert chunks[0].values["email"] == ["ann@example.com"]


def test_first_and_last_name_columns_stand_in_for_a_full_name_and_extras_are_ignored(tmp_path):
    path = write(
        tmp_path, b"email_address,First Name,Surname,Country,Loyalty Tier\nann@x.com,Ann,Lee,DE,gold\n"
    )
    header, _ = rows_of(path)
    assert header.label("full_name") == "First Name + Surname"
    assert header.ignored == ("Loyalty Tier",)


def test_a_windows_1252_file_is_read_with_a_note(tmp_path):
    path = write(tmp_path, "email,name,country\nzoe@x.com,Zoë Müller,DE\n".encode("cp1252"))
    source = inspect_file(path)
    assert (source.encoding, source.note) == (
        "cp1252",
        "customers.csv is not UTF-8 (line 2); read it as Windows-1252.",
    )
    assert rows_of(path)[1][0].values["full_name"] == ["Zoë Müller"]


def test_rows_with_the_wrong_number_of_fields_are_kept_aside_but_trailing_empty_ones_are_fine(tmp_path):
    path = write(tmp_path, b"email,name,country\na@x.com,Ann,DE,,\nb@x.com,Bob\nc@x.com,Cy,DE,extra\n")
    _, chunks = rows_of(path)
    assert chunks[0].lines == [2]
    assert chunks[0].bad_rows == [(3, 2), (4, 4)]


def test_chunks_carry_on_the_line_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 2)
    path = write(tmp_path, b"email,name,country\n" + b"".join(b"u%d@x.com,U,DE\n" % i for i in range(5)))
    _, chunks = rows_of(path)
    assert [chunk.lines for chunk in chunks] == [[2, 3], [4, 5], [6]]


def test_chunks_are_large_and_get_smaller_towards_the_expected_end():
    sizes, done = [], 0
    while done < 1_000_000:
        sizes.append(min(reading.chunk_size(done, 1_000_000), 1_000_000 - done))
        done += sizes[-1]
    assert sizes == [10_000, 200_000, 200_000, 200_000, 195_000, 97_500, 48_750, 24_375, 20_000, 4_375]
    assert reading.chunk_size(10_000, None) == 200_000  # no estimate: large chunks to the end
    assert reading.chunk_size(990_000, 1_000_000) == reading.chunk_size(1_500_000, 1_000_000) == 20_000


def test_an_expected_row_count_only_changes_where_the_chunks_end(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "FIRST_CHUNK_ROWS", 2)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 4)
    monkeypatch.setattr(reading, "LAST_CHUNK_ROWS", 1)
    path = write(tmp_path, b"email,name,country\n" + b"".join(b"u%d@x.com,U,DE\n" % i for i in range(12)))
    _, chunks = open_rows(inspect_file(path), expected_rows=12)
    lines = [chunk.lines for chunk in chunks]
    assert [len(chunk) for chunk in lines] == [2, 4, 3, 2, 1]
    assert [line for chunk in lines for line in chunk] == list(range(2, 14))


@pytest.mark.parametrize(
    ("data", "message", "code"),
    [
        (b"", "customers.csv is empty (0 bytes); expected a header line and one customer per line.",
         ErrorCode.IMPORT_NO_ROWS),
        (b"\n\n  \n", "customers.csv has no header line, only blank lines; expected a header such as "
         "email,full_name,phone,country and one customer per line.", ErrorCode.IMPORT_NO_ROWS),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "customers.csv is not a CSV file: it contains binary data (a NUL "
         "byte at byte 5). Export the customers as CSV and try again.", ErrorCode.IMPORT_NOT_CSV),
        ("email,name\n".encode("utf-16"), "customers.csv is saved as UTF-16 or UTF-32; save it as CSV in UTF-8 "
         "and try again.", ErrorCode.IMPORT_NOT_CSV),
        ("email,name,country\nzoë@x.com,Zoë,DE\nzoe@x.com,Zoë,DE\n".encode()[:-18] + "Zoë,DE\n".encode("cp1252"),
         "customers.csv mixes text encodings: line 2 is UTF-8 but line 3 is not. Save the whole file as UTF-8 "
         "and try again.", ErrorCode.IMPORT_MIXED_ENCODINGS),
        (b"email,name,phone\nann@x.com,Ann,\n", "customers.csv has no country column. Expected: country (country, "
         "country code, country name...). Found: 'email', 'name', 'phone'. Nothing was imported.",
         ErrorCode.IMPORT_MISSING_COLUMNS),
        (b"email|name|country\nann@x.com|Ann|DE\n", "customers.csv has no e-mail and no full name and no country "
         "column. Expected: e-mail (email, e-mail, email address...); full name (full name, name, customer "
         "name...); country (country, country code, country name...). Found: 'email|name|country'. The header is "
         "a single column: fields must be separated by commas, semicolons or tabs (this file seems to use '|'). "
         "Nothing was imported.", ErrorCode.IMPORT_MISSING_COLUMNS),
        (b"ann@x.com,Ann,DE\n", "customers.csv: the first line holds customer data (an e-mail address or a long "
         "number), not column names. Add a header line such as email,full_name,phone,country. Nothing was "
         "imported.", ErrorCode.IMPORT_MISSING_COLUMNS),
        (b"Email,E-mail,name,country\n", "customers.csv: columns 'Email' and 'E-mail' both look like the email "
         "column; keep one of them. Nothing was imported.", ErrorCode.IMPORT_MISSING_COLUMNS),
    ],
)  # fmt: skip
def test_files_that_are_not_customer_csvs_are_refused_with_what_is_wrong(tmp_path, data, message, code):
    error = refusal(write(tmp_path, data))
    assert (error.message, error.code) == (message, code)


def test_a_missing_file_is_named(tmp_path):
    error = refusal(tmp_path / "nope.csv")
    assert error.message == f"{tmp_path / 'nope.csv'} does not exist; give the path of a CSV file."


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (
            "Kundennummer;E-Mail;Vorname;Nachname;Telefon;Land;Geburtsdatum;Bemerkung",
            {
                "email": 1,
                "first_name": 2,
                "last_name": 3,
                "phone": 4,
                "country": 5,
                "birth_date": 6,
                "notes": 7,
            },
        ),
        (
            "First Name,Last Name,Email,Default Address Country Code,Phone,Total Spent,Note",
            {"first_name": 0, "last_name": 1, "email": 2, "country": 3, "phone": 4, "notes": 6},
        ),
        ("Courriel,Nom complet,Pays", {"email": 0, "full_name": 1, "country": 2}),
    ],
)
def test_german_french_and_shop_export_headers_are_recognised(header, columns):
    delimiter = reading.sniff_delimiter(header)
    assert reading.map_header(header.split(delimiter), delimiter, "c.csv").columns == columns
