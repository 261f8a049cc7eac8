"""PostgreSQL binary COPY rows, encoded column-wise with numpy.

The demo loader writes millions of rows. Formatting them as CSV text in Python,
and parsing that text again in the server, would cost more than the load
itself; binary COPY sends integers, timestamps and NUMERIC values in their
wire form instead, and numpy builds a whole chunk of rows at once. Each column
becomes a (rows x (4 + width)) byte matrix whose first four bytes per row are
the big-endian field length (-1 for NULL); a keep-mask drops the padding of
variable-width text and the data bytes of NULLs, and the kept bytes, read row
by row, are exactly the COPY tuples.

Included: bigint, integer, boolean, text (UTF-8 bytes arrays), timestamptz
(from Unix seconds) and NUMERIC(p, 2) money (from integer cents, never float),
each with an optional NULL mask. Excluded: every other type, negative money,
any per-row Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
# PostgreSQL counts timestamps in microseconds from 2000-01-01 00:00 UTC.
_PG_EPOCH_UNIX_SECONDS = 946_684_800
_MAX_CENTS = 10**12


@dataclass(frozen=True)
class Field:
    """One encoded column of a chunk: `data` holds (rows, 4 + width) bytes,
    length prefix first; `keep` (same shape) marks the bytes that belong to
    the row, or is None when every byte does (fixed width, no NULL)."""

    data: np.ndarray
    keep: np.ndarray | None


def _be_int32(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=">i4").view(np.uint8).reshape(len(values), 4)


def _fixed(values: np.ndarray, dtype: str, null: np.ndarray | None) -> Field:
    values = np.ascontiguousarray(values, dtype=dtype)
    rows, width = len(values), values.dtype.itemsize
    data = np.empty((rows, 4 + width), dtype=np.uint8)
    data[:, 4:] = values.view(np.uint8).reshape(rows, width)
    if null is None or not null.any():
        data[:, :4] = np.array([width], dtype=">i4").view(np.uint8)
        return Field(data, None)
    data[:, :4] = _be_int32(np.where(null, -1, width))
    keep = np.ones(data.shape, dtype=bool)
    keep[null, 4:] = False
    return Field(data, keep)


def int8(values: np.ndarray, null: np.ndarray | None = None) -> Field:
    """bigint."""
    return _fixed(values, ">i8", null)


def int4(values: np.ndarray, null: np.ndarray | None = None) -> Field:
    """integer."""
    return _fixed(values, ">i4", null)


def boolean(values: np.ndarray, null: np.ndarray | None = None) -> Field:
    """boolean."""
    return _fixed(np.asarray(values, dtype=bool).astype(np.uint8), "u1", null)


def timestamptz(unix_seconds: np.ndarray, null: np.ndarray | None = None) -> Field:
    """timestamptz from whole seconds since 1970-01-01 00:00 UTC."""
    micros = (np.asarray(unix_seconds, dtype=np.int64) - _PG_EPOCH_UNIX_SECONDS) * 1_000_000
    return _fixed(micros, ">i8", null)


def money(cents: np.ndarray, null: np.ndarray | None = None) -> Field:
    """NUMERIC with scale 2 from non-negative integer cents below 10^12.

    Sent as four base-10000 digits with weight 2 and display scale 2; the
    server strips the leading zero digits, so 1250 cents arrive as 12.50."""
    cents = np.asarray(cents, dtype=np.int64)
    if len(cents) and (cents.min() < 0 or cents.max() >= _MAX_CENTS):
        raise ValueError(f"money() takes cents from 0 to {_MAX_CENTS - 1}")
    whole, fraction = np.divmod(cents, 100)
    words = np.empty((len(cents), 8), dtype=">i2")
    words[:, :4] = np.array([4, 2, 0, 2], dtype=">i2")  # ndigits, weight, sign (+), dscale
    words[:, 4] = whole // 100_000_000
    words[:, 5] = (whole // 10_000) % 10_000
    words[:, 6] = whole % 10_000
    words[:, 7] = fraction * 100
    return _fixed(words.view("V16").ravel(), "V16", null)


def text(values: np.ndarray, null: np.ndarray | None = None) -> Field:
    """text from a numpy bytes array ('S' dtype, UTF-8, no NUL bytes)."""
    values = np.ascontiguousarray(values)
    if values.dtype.kind != "S":
        raise TypeError(f"text() takes a bytes array, not {values.dtype}")
    rows, width = len(values), values.dtype.itemsize
    lengths = np.strings.str_len(values).astype(np.int32)
    data = np.zeros((rows, 4 + width), dtype=np.uint8)
    data[:, 4:] = values.view(np.uint8).reshape(rows, width)
    keep = np.ones((rows, 4 + width), dtype=bool)
    keep[:, 4:] = np.arange(width) < lengths[:, None]
    if null is not None:
        lengths = np.where(null, -1, lengths)
    data[:, :4] = _be_int32(lengths)
    return Field(data, keep)


def rows(fields: Sequence[Field]) -> bytes:
    """The binary COPY tuples of one chunk (no signature, no trailer): per row
    the field count, then each field."""
    count = len(fields[0].data)
    header = np.broadcast_to(np.array([len(fields)], dtype=">i2").view(np.uint8), (count, 2))
    matrix = np.concatenate([header, *(field.data for field in fields)], axis=1)
    if all(field.keep is None for field in fields):
        return matrix.tobytes()
    keeps = [np.ones((count, 2), dtype=bool)]
    keeps += [np.ones(f.data.shape, dtype=bool) if f.keep is None else f.keep for f in fields]
    return matrix[np.concatenate(keeps, axis=1)].tobytes()
