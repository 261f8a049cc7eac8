"""Whole-column text work: a column's values joined into one text, searched once.

Python's per-value loops cost about a tenth of a microsecond a call before
any work is done; a regular expression run over a chunk's values joined by
NUL (which an import file cannot hold: etl.source refuses it) finds the few
values that need attention at a few nanoseconds a character. The callers
then treat those values one by one, exactly as before, so the results are
the per-value ones (tests/unit/test_import_columns.py compares them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

SEP = "\0"


def joined(values: list[str]) -> str | None:
    """NUL, then the values each followed by NUL; None if a value holds a NUL
    (then the caller goes value by value)."""
    text = SEP + SEP.join(values) + SEP
    return text if text.count(SEP) == len(values) + 1 else None


def separators(values: list[str]) -> np.ndarray:
    """Where each value's closing NUL is in joined(values)."""
    return np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)) + 1)


def owners(ends: np.ndarray, positions: list[int]) -> np.ndarray:
    """Indices of the values at these positions of the joined text (`ends`
    from separators(); a position on a separator counts for the value after
    it, len(values) for the last one)."""
    return np.searchsorted(ends, np.array(positions, dtype=np.int64), side="right")


def matching(values: list[str], patterns: Iterable[re.Pattern[str]]) -> np.ndarray:
    """True for each value one of `patterns` finds something in (in the
    joined text: a pattern may use the separator to anchor a value's start
    or end). Every value when a value holds a NUL."""
    text = joined(values)
    found = np.zeros(len(values), dtype=bool)
    if text is None:
        found[:] = True
        return found
    positions = [match.start() for pattern in patterns for match in pattern.finditer(text)]
    if positions:
        hits = owners(separators(values), positions)
        found[hits[hits < len(values)]] = True
    return found
