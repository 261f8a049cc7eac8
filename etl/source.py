"""The import file as bytes: does it exist, is it text, which encoding, its SHA-256.

One pass over the file computes the SHA-256 and checks it is UTF-8 (a BOM
is allowed and skipped). A file that is not UTF-8 is read as Windows-1252
(Latin-1 where Windows-1252 has no character for a byte), with a note; a
file where some lines are UTF-8 with non-ASCII characters and others are
not is refused as mixed encodings, naming one line of each, since no single
reading of it is right. Refused before anything is read into rows: a missing
or unreadable path, a folder, an empty (0-byte) file, UTF-16/32 files and
binary data (NUL bytes).
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import ErrorCode, WorkflowError

BLOCK = 1 << 20
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    size: int
    sha256: str
    encoding: str  # a Python codec name: utf-8-sig, cp1252 or latin-1
    note: str | None  # said to the user when the encoding was not UTF-8

    @property
    def name(self) -> str:
        return self.path.name


def inspect_file(path: Path) -> SourceFile:
    """Hash and classify `path`; raises WorkflowError for the refusals above."""
    if not path.exists():
        raise WorkflowError(
            f"{path} does not exist; give the path of a CSV file.", ErrorCode.IMPORT_FILE_UNREADABLE
        )
    if not path.is_file():
        raise WorkflowError(
            f"{path} is not a file; give the path of a CSV file.", ErrorCode.IMPORT_FILE_UNREADABLE
        )
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_error_at: int | None = None
    offset = 0
    try:
        with path.open("rb") as file:
            while block := file.read(BLOCK):
                if offset == 0:
                    _refuse_wide_encodings(path, block)
                nul = block.find(b"\0")
                if nul >= 0:
                    raise WorkflowError(
                        f"{path.name} is not a CSV file: it contains binary data (a NUL byte at byte "
                        f"{offset + nul:,}). Export the customers as CSV and try again.",
                        ErrorCode.IMPORT_NOT_CSV,
                    )
                digest.update(block)
                if utf8_error_at is None:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError as exc:
                        utf8_error_at = offset + exc.start
                offset += len(block)
            if utf8_error_at is None:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    utf8_error_at = offset
    except OSError as exc:
        raise WorkflowError(
            f"Cannot read {path}: {exc.strerror}. Check the path and its permissions.",
            ErrorCode.IMPORT_FILE_UNREADABLE,
        ) from None
    if offset == 0:
        raise WorkflowError(
            f"{path.name} is empty (0 bytes); expected a header line and one customer per line.",
            ErrorCode.IMPORT_NO_ROWS,
        )
    encoding, note = ("utf-8-sig", None) if utf8_error_at is None else _fallback_encoding(path)
    return SourceFile(path, offset, digest.hexdigest(), encoding, note)


def _refuse_wide_encodings(path: Path, block: bytes) -> None:
    if block.startswith(_UTF16_32_BOMS):
        raise WorkflowError(
            f"{path.name} is saved as UTF-16 or UTF-32; save it as CSV in UTF-8 and try again.",
            ErrorCode.IMPORT_NOT_CSV,
        )


def _fallback_encoding(path: Path) -> tuple[str, str]:
    """Not UTF-8: refuse mixed files, else Windows-1252 (or Latin-1)."""
    first_utf8 = first_other = None
    cp1252_ok = True
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                first_utf8 = first_utf8 or number
            except UnicodeDecodeError:
                first_other = first_other or number
                cp1252_ok = cp1252_ok and _decodes(line, "cp1252")
            if first_utf8 and first_other and not cp1252_ok:
                break
    if first_utf8 and first_other:
        raise WorkflowError(
            f"{path.name} mixes text encodings: line {first_utf8} is UTF-8 but line {first_other} is not. "
            "Save the whole file as UTF-8 and try again.",
            ErrorCode.IMPORT_MIXED_ENCODINGS,
        )
    encoding = "cp1252" if cp1252_ok else "latin-1"
    name = "Windows-1252" if cp1252_ok else "Latin-1"
    return encoding, f"{path.name} is not UTF-8 (line {first_other}); read it as {name}."


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
