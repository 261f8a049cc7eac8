"""CSV rows in chunks, with the line each row starts on and its header mapped.

The delimiter is sniffed from the header line: comma, semicolon or tab,
whichever appears most outside quotes. Quoted fields may hold delimiters,
quotes ("") and line breaks; CRLF and LF line ends both work; blank lines
are skipped but counted, so line numbers are those an editor shows (the
header is line 1). Header names match case-, space- and punctuation-
insensitively, with the aliases in FIELD_ALIASES. Refused before any row is
read: no header line, a missing required column (listing the expected and
the found headers), two columns for one field. Extra columns are ignored
with a warning. A row with more fields than the header (other than empty
trailing ones) or fewer is kept aside as a field-count rejection.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter

from etl.source import SourceFile
from workflow.errors import ErrorCode, WorkflowError

# Rows a chunk: each chunk is one run of the Great Expectations suite, which
# costs about 50 ms whatever its size, so the chunks are large; the first is
# small so that the database starts loading early, and the last ones get
# smaller (when the file's size says how many rows are left) so that little
# is left to load once the last chunk is validated (see chunk_size).
CHUNK_ROWS = 200_000
FIRST_CHUNK_ROWS = 10_000
LAST_CHUNK_ROWS = 20_000
MAX_FIELD_CHARS = 1_000_000
REQUIRED = ("email", "full_name", "country")
# English first (the first three are quoted in messages), then German, French,
# Spanish, and the column names of common shop exports (Shopify's "Default
# Address Country Code"); matched without case, spaces or punctuation.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "customer email",
              "e-mail-adresse", "courriel", "correo", "correo electronico"),
    "full_name": ("full name", "name", "customer name", "customer", "contact name", "kundenname", "kunde",
                  "nom complet", "nombre completo"),
    "first_name": ("first name", "given name", "forename", "vorname", "prenom", "nombre"),
    "last_name": ("last name", "surname", "family name", "nachname", "familienname", "nom", "apellido",
                  "apellidos"),
    "phone": ("phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "cell phone", "telefon",
              "telefonnummer", "handy", "mobil", "telefono"),
    "country": ("country", "country code", "country name", "country iso", "default address country code",
                "land", "staat", "pays", "pais"),
    "birth_date": ("date of birth", "dob", "birth date", "birthday", "geburtsdatum", "date de naissance",
                   "fecha de nacimiento"),
    "notes": ("notes", "note", "comment", "comments", "remarks", "memo", "bemerkung", "bemerkungen",
              "kommentar", "notiz", "notizen", "remarque", "commentaire", "nota", "notas"),
}  # fmt: skip
LABELS = {"email": "e-mail", "full_name": "full name", "phone": "phone", "country": "country"}
_KEY_TO_FIELD = {
    re.sub(r"[\W_]+", "", alias): name for name, aliases in FIELD_ALIASES.items() for alias in aliases
}
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]  # as written in the file
    delimiter: str
    columns: dict[str, int]  # field -> position
    ignored: tuple[str, ...] = ()

    def label(self, name: str) -> str:
        """The header text the user sees for a field."""
        if name == "full_name" and "full_name" not in self.columns:
            return " + ".join(self.names[self.columns[part]] for part in ("first_name", "last_name"))
        return self.names[self.columns[name]] if name in self.columns else name


@dataclass
class RawChunk:
    """Rows of one chunk: `lines[i]` is where row i starts; `values[field][i]`
    its text (None for a field the file does not have); `bad_rows` holds
    (line, fields found) of rows with the wrong number of fields."""

    lines: list[int]
    values: dict[str, list[str | None]]
    bad_rows: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.lines) + len(self.bad_rows)


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def sniff_delimiter(line: str) -> str:
    outside_quotes = re.sub(r'"[^"]*"', "", line)
    counts = {delimiter: outside_quotes.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def map_header(names: list[str], delimiter: str, file_name: str) -> Header:
    columns: dict[str, int] = {}
    ignored = []
    for position, raw in enumerate(names):
        name = _KEY_TO_FIELD.get(_key(raw))
        if name is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if name in columns:
            raise WorkflowError(
                f"{file_name}: columns {names[columns[name]]!r} and {raw!r} both look like the "
                f"{name.replace('_', ' ')} column; keep one of them. Nothing was imported.",
                ErrorCode.IMPORT_MISSING_COLUMNS,
            )
        columns[name] = position
    has_name = "full_name" in columns or {"first_name", "last_name"} <= columns.keys()
    missing = [n for n in REQUIRED if n not in columns and not (n == "full_name" and has_name)]
    if missing and any("@" in name or re.search(r"\d{5}", name) for name in names):
        # Data where the header should be: its cells are not repeated back.
        raise WorkflowError(
            f"{file_name}: the first line holds customer data (an e-mail address or a long number), not "
            "column names. Add a header line such as email,full_name,phone,country. Nothing was imported.",
            ErrorCode.IMPORT_MISSING_COLUMNS,
        )
    if missing:
        raise WorkflowError(
            _missing_message(file_name, missing, names, delimiter), ErrorCode.IMPORT_MISSING_COLUMNS
        )
    return Header(tuple(n.strip() for n in names), delimiter, columns, tuple(ignored))


def _missing_message(file_name: str, missing: list[str], names: list[str], delimiter: str) -> str:
    wanted = "; ".join(f"{LABELS[n]} ({', '.join(FIELD_ALIASES[n][:3])}...)" for n in missing)
    found = ", ".join(repr(n.strip()) for n in names if n.strip()) or "none"
    message = f"{file_name} has no {' and no '.join(LABELS[n] for n in missing)} column. Expected: {wanted}. Found: {found}."
    if len(names) == 1:
        other = re.search(r"[|:^~#]", names[0])
        message += (
            " The header is a single column: fields must be separated by commas, semicolons or tabs"
            + (f" (this file seems to use {other.group()!r})." if other else ".")
        )
    return message + " Nothing was imported."


def chunk_size(rows_done: int, expected_rows: int | None) -> int:
    """Rows to read into the next chunk: FIRST_CHUNK_ROWS first, then
    CHUNK_ROWS; with an estimate of the file's rows, half of what is left
    once that is less than two chunks, but not below LAST_CHUNK_ROWS."""
    if rows_done == 0:
        return min(FIRST_CHUNK_ROWS, CHUNK_ROWS)
    if expected_rows is None:
        return CHUNK_ROWS
    return min(CHUNK_ROWS, max(LAST_CHUNK_ROWS, (expected_rows - rows_done + 1) // 2))


def open_rows(source: SourceFile, expected_rows: int | None = None) -> tuple[Header, Iterator[RawChunk]]:
    """Read the header now (raising its refusals) and return it with an
    iterator of chunks of the sizes chunk_size gives (`expected_rows`: an
    estimate of the rows in the file, or None)."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    text = source.path.open("r", encoding=source.encoding, newline="")
    try:
        first = _first_line(text)
        if first is None:
            raise WorkflowError(
                f"{source.name} has no header line, only blank lines; expected a header such as "
                "email,full_name,phone,country and one customer per line.",
                ErrorCode.IMPORT_NO_ROWS,
            )
        delimiter = sniff_delimiter(first)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        names = _read(reader, source.name)
        while not any(n.strip() for n in names):
            names = _read(reader, source.name)
        header = map_header(names, delimiter, source.name)
    except BaseException:
        text.close()
        raise
    return header, _chunks(text, reader, header, source.name, expected_rows)


def _first_line(text) -> str | None:
    return next((line for line in text if line.strip()), None)


def _read(reader, file_name: str) -> list[str]:
    try:
        return next(reader)
    except csv.Error as exc:
        raise _csv_error(file_name, reader.line_num, exc) from None


def _csv_error(file_name: str, line: int, exc: csv.Error) -> WorkflowError:
    return WorkflowError(
        f"{file_name} cannot be read as CSV near line {line:,}: {exc}. A quote may be missing; "
        "fix the file and try again. Nothing was imported.",
        ErrorCode.IMPORT_NOT_CSV,
    )


def _chunks(text, reader, header: Header, file_name: str, expected_rows: int | None) -> Iterator[RawChunk]:
    width = len(header.names)
    wanted = dict(header.columns)
    done = 0
    with text:
        while True:
            before = reader.line_num
            try:
                records = list(islice(reader, chunk_size(done, expected_rows)))
            except csv.Error as exc:
                raise _csv_error(file_name, reader.line_num, exc) from None
            if not records:
                return
            done += len(records)
            starts = _starts(records, before, reader.line_num)
            odd = _odd(records, width)
            lines, rows, bad = list(starts), records, []
            if odd:  # blank lines, rows of the wrong width, rows with an empty first field
                skip = set()
                for i in odd:
                    record = records[i]
                    if not any(cell.strip() for cell in record):
                        skip.add(i)  # a blank line, or one of only delimiters
                    elif len(record) != width and (
                        len(record) < width or any(cell.strip() for cell in record[width:])
                    ):
                        skip.add(i)
                        bad.append((starts[i], len(record)))
                lines = [line for i, line in enumerate(starts) if i not in skip]
                rows = [record for i, record in enumerate(records) if i not in skip]
            if not lines and not bad:
                continue
            # Every row kept has the header's width or more (empty cells after it).
            values = {name: list(map(itemgetter(position), rows)) for name, position in wanted.items()}
            yield RawChunk(lines, values, bad)


def _odd(records: list[list[str]], width: int) -> list[int]:
    """Rows of another width than the header's or with an empty first field
    (blank lines among them). Most chunks have none, which is checked on
    whole columns first."""
    if set(map(len, records)) == {width}:
        firsts = list(map(itemgetter(0), records))
        return [i for i, first in enumerate(firsts) if not first] if "" in firsts else []
    return [i for i, record in enumerate(records) if len(record) != width or not record[0]]


def _starts(records: list[list[str]], before: int, after: int) -> list[int]:
    """The line each record starts on. Most files have one record a line;
    a quoted field with line breaks makes its record span more lines."""
    if after - before == len(records):
        return list(range(before + 1, after + 1))
    starts, line = [], before + 1
    for record in records:
        starts.append(line)
        line += 1 + sum(cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in record)
    return starts
