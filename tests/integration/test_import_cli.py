"""`ecc import customers` as an admin runs it: a corpus of bad files, exit codes, masking."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text

from bi_app.cli import main

GOOD = "ann@example.com,Ann Lee,+49 30 1234567,DE\nbob@example.com,Bob Ray,,FR\n"


@pytest.fixture
def ecc(db_url, monkeypatch, tmp_path, capsys):
    """Runs `ecc import customers` on a file written from bytes; returns
    (exit code, stdout, stderr's last line) and keeps all of stderr in
    `.stderr_seen`."""
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(name: str, data: bytes | None, *flags: str) -> tuple[int, str, str]:
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        code = main(["import", "customers", str(path), *flags])
        out, err = capsys.readouterr()
        run.stderr_seen.append(err)
        return code, out, (err.strip().splitlines() or [""])[-1]

    run.stderr_seen = []
    return run


def table(db_url: str, sql: str) -> list[tuple]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("zero.csv", b"", "zero.csv is empty (0 bytes); expected a header line and one customer per line."),
        ("blank.csv", b"\r\n\r\n", "blank.csv has no header line, only blank lines; expected a header such as "
         "email,full_name,phone,country and one customer per line."),
        ("header.csv", b"email,name,country\r\n", "header.csv has a header but no customer rows; nothing was imported."),
        ("garbage.csv", bytes(range(256)) * 8, "garbage.csv is not a CSV file: it contains binary data (a NUL byte "
         "at byte 0). Export the customers as CSV and try again."),
        ("pipes.csv", b"email|name|country\nann@x.com|Ann|DE\n", "pipes.csv has no e-mail and no full name and no "
         "country column. Expected: e-mail (email, e-mail, email address...); full name (full name, name, customer "
         "name...); country (country, country code, country name...). Found: 'email|name|country'. The header is a "
         "single column: fields must be separated by commas, semicolons or tabs (this file seems to use '|'). "
         "Nothing was imported."),
        ("no_country.csv", b"email,name\nann@x.com,Ann\n", "no_country.csv has no country column. Expected: country "
         "(country, country code, country name...). Found: 'email', 'name'. Nothing was imported."),
        ("mixed.csv", "email,name,country\nzoë@x.com,Zoë,DE\n".encode() + "zoe@y.com,Zoë,DE\n".encode("cp1252"),
         "mixed.csv mixes text encodings: line 2 is UTF-8 but line 3 is not. Save the whole file as UTF-8 and try "
         "again."),
        ("missing.csv", None, "{path} does not exist; give the path of a CSV file."),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_customer_csv_gets_one_line_and_nothing_is_written(
    ecc, db_url, tmp_path, name, data, message
):
    code, out, last = ecc(name, data)
    assert (code, out, last) == (1, "", "ecc: error: " + message.format(path=tmp_path / name))
    assert table(db_url, "SELECT count(*) FROM customers UNION ALL SELECT count(*) FROM import_runs") == [
        (0,),
        (0,),
    ]


@pytest.mark.parametrize(
    ("bad_row", "report_line"),
    [
        ("ann@example.com,Ann Twin,,DE", "4,email,email_duplicate,repeats the e-mail of line 2; only the first is imported,a***@e***.com"),
        ("carl(at)example.com,Carl,,DE", "4,email,email_syntax,is not a valid e-mail address,c***"),
        ("carl@example.com,Carl,+49 30 12,DE", "4,phone,phone_invalid,is not a valid phone number (read with the row's country when it has no +),'+4***12"),
        ("carl@example.com,Carl,,Narnia", "4,country,country_unknown,is not an ISO 3166 country code or a known country name,N***"),
        ("carl@example.com,Carl 4111 1111 1111 1111,,DE", "4,name,card_number,contains a payment card number,**************11"),
        ('carl@example.com,"=HYPERLINK(""http://evil.example"",""Carl"")",,DE', '4,name,formula,"starts like a spreadsheet formula (=, +, -, @ or |)",****'),
        ("carl@example.com," + "c" * 100_000 + ",,DE", "4,name,name_length,must be 2 to 100 characters long,\"c*** (100,000 characters)\""),
    ],
)  # fmt: skip
def test_a_bad_row_is_explained_in_the_report_and_only_the_good_rows_are_written(
    ecc, db_url, tmp_path, bad_row, report_line
):
    data = f"email,name,phone,country\n{GOOD}{bad_row}\n".encode()
    code, _, _ = ecc(
        "one_bad.csv", data, "--max-invalid-pct", "50", "--report", str(tmp_path / "rejects.csv")
    )
    assert code == 0
    assert (tmp_path / "rejects.csv").read_text().splitlines() == [
        "line,column,rule,problem,value_masked",
        report_line,
    ]
    assert table(db_url, "SELECT email FROM customers ORDER BY email") == [
        ("ann@example.com",),
        ("bob@example.com",),
    ]


def test_over_the_threshold_nothing_is_imported_and_the_command_says_so(ecc, db_url):
    code, out, last = ecc("bad.csv", f"email,name,phone,country\n{GOOD}carl(at)x.com,Carl,,DE\n".encode())
    assert code == 1
    assert last == (
        "ecc: error: 1 of 3 rows (33.3 %) were rejected, more than the 5 % allowed; nothing was imported. "
        "Run again with --report PATH to list every rejected row, fix them, or raise --max-invalid-pct."
    )
    assert "refused, nothing written" in out.splitlines()[0]
    assert table(db_url, "SELECT count(*) FROM customers") == [(0,)]
    assert table(db_url, "SELECT outcome, rows_rejected, rows_inserted FROM import_runs") == [
        ("over_threshold", 1, 0)
    ]


def test_a_dry_run_exits_0_when_clean_and_3_when_rows_would_be_rejected(ecc, db_url):
    assert ecc("clean.csv", f"email,name,phone,country\n{GOOD}".encode(), "--dry-run")[0] == 0
    code, out, last = ecc(
        "one_bad.csv",
        f"email,name,phone,country\n{GOOD}x,Xi,,DE\n".encode(),
        "--dry-run",
        "--max-invalid-pct",
        "50",
    )
    assert (code, last) == (
        3,
        "ecc: dry run: 1 row would be rejected; a real import would load the other 2.",
    )
    assert "  would be inserted              2\n" in out
    assert table(db_url, "SELECT count(*) FROM customers") == [(0,)]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (
            ["--max-invalid-pct", "150"],
            "argument --max-invalid-pct: expected a percentage from 0 to 100; got '150'",
        ),
        (
            ["--max-invalid-pct", "abc"],
            "argument --max-invalid-pct: expected a percentage from 0 to 100; got 'abc'",
        ),
        (
            ["--max-invalid-pct", "nan"],
            "argument --max-invalid-pct: expected a percentage from 0 to 100; got 'nan'",
        ),
    ],
)
def test_bad_flag_values_are_refused_before_anything_is_read(flags, expected, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["import", "customers", "customers.csv", *flags])
    assert exited.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_report_in_a_missing_folder_is_refused_before_anything_is_written(ecc, db_url, tmp_path):
    code, _, last = ecc(
        "c.csv", f"email,name,phone,country\n{GOOD}".encode(), "--report", str(tmp_path / "no" / "r.csv")
    )
    assert (code, last) == (
        1,
        f"ecc: error: --report {tmp_path / 'no' / 'r.csv'}: the folder {tmp_path / 'no'} does not exist or is not writable.",
    )
    assert table(db_url, "SELECT count(*) FROM customers UNION ALL SELECT count(*) FROM import_runs") == [
        (0,),
        (0,),
    ]


def test_the_import_command_has_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["import", "customers", "--help"])
    assert exited.value.code == 0
    assert "--max-invalid-pct P" in capsys.readouterr().out


def test_no_raw_email_phone_or_card_number_of_a_rejected_row_is_shown_logged_or_stored(
    ecc, db_url, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    secrets = ["eve.secret@example.com", "+49 30 9876543", "4111 1111 1111 1111", "frank@example", "+1 555 0100",
               "123-45-6789", "gina.private@example.org", "DE89 3704 0044 0532 0130 00", "4111111111111111"]  # fmt: skip
    data = (
        b"email,name,phone,country,notes\n"
        b"eve.secret@example.com,Eve 4111 1111 1111 1111,+49 30 9876543,DE,\n"
        b"frank@example,Frank,+49 30 9876543,DE,\n"
        b"gina.private@example.org,Gina,+1 555 0100,US,SSN 123-45-6789\n"
        b"hal@example.net,Hal,,DE,IBAN DE89 3704 0044 0532 0130 00 and eve.secret@example.com\n"
        b"ida@example.net,Ida,,Narnia,card 4111111111111111\n"
    )
    outputs = []
    for flags in (["--dry-run"], ["--max-invalid-pct", "100"], ["--force"]):
        report = tmp_path / f"report{len(outputs)}.csv"
        _, out, _ = ecc("pii.csv", data, *flags, "--report", str(report))
        outputs += [out, report.read_text()]
    outputs += ecc.stderr_seen
    outputs.append(caplog.text)
    tables = [
        name for (name,) in table(db_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    for name in tables:
        outputs += [row[0] for row in table(db_url, f"SELECT row_to_json(t)::text FROM {name} AS t")]
    found = [
        (secret, text)
        for text in outputs
        for secret in secrets
        if secret in text or secret.replace(" ", "") in text
    ]
    assert found == []
    assert table(db_url, "SELECT outcome FROM import_runs ORDER BY id") == [
        ("dry_run",),
        ("committed",),
        ("over_threshold",),
    ]


def test_a_database_without_the_schema_is_named_with_what_to_run(
    fresh_database, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    path = tmp_path / "c.csv"
    path.write_text(f"email,name,phone,country\n{GOOD}")
    assert main(["import", "customers", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        "ecc: error: The database has no customer tables yet; run `ecc db upgrade` first."
    )


def test_a_windows_1252_file_is_imported_with_a_note(ecc, db_url):
    code, _, _ = ecc("latin.csv", "email,name,country\nzoe@example.com,Zoë Müller,DE\n".encode("cp1252"))
    assert code == 0
    assert "note: latin.csv is not UTF-8 (line 2); read it as Windows-1252." in ecc.stderr_seen[-1]
    assert table(db_url, "SELECT full_name FROM customers") == [("Zoë Müller",)]


def test_a_report_over_the_imported_file_is_refused(ecc, tmp_path):
    path = tmp_path / "c.csv"
    code, _, last = ecc("c.csv", f"email,name,phone,country\n{GOOD}".encode(), "--report", str(path))
    assert (code, last) == (
        1,
        f"ecc: error: --report {path} is the file being imported; give another path for the report.",
    )
    assert path.read_text().startswith("email,name,phone,country\n")
