"""E-mails seen earlier in the file, without keeping the e-mails themselves.

The file is validated chunk by chunk, so the rule "e-mail unique within the
file" needs to remember every e-mail of the chunks before. FirstSeen keeps
two 64-bit hashes of each (Python's keyed SipHash of the e-mail, and of the
e-mail with a suffix; 16 bytes an e-mail: 16 MB for a million customers, in
numpy arrays sorted by the first hash) and the line it first appeared on.
Two different e-mails would have to collide in all 128 bits to be taken for
one another: about 1 in 10^26 for a million-row file; the same holds
within a chunk, where the rows are sorted by their hashes.
"""

from __future__ import annotations

import operator
from itertools import repeat

import numpy as np
import pandas as pd

_SALT = "\x00ecc"  # a second, independent hash: Python's hash of the e-mail with a suffix


class FirstSeen:
    """For each row, the line of the first row of the file with its e-mail."""

    def __init__(self) -> None:
        # Every e-mail remembered so far: both hashes and its first line, sorted by the first hash.
        self._a = np.empty(0, dtype=np.int64)
        self._b = np.empty(0, dtype=np.int64)
        self._line = np.empty(0, dtype=np.int64)

    def first_lines(self, emails: pd.Series) -> np.ndarray:
        """`emails` indexed by line, in file order; returns the first line of
        each e-mail (a row's own line when it is the first or has none) and
        remembers the new ones."""
        lines = emails.index.to_numpy(dtype=np.int64)
        first = lines.copy()
        present = emails.notna().to_numpy()
        if not present.any():
            return first
        values = emails.to_numpy(dtype=object)[present]
        own_lines = lines[present]
        a = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
        b = np.fromiter(
            map(hash, map(operator.add, values, repeat(_SALT))), dtype=np.int64, count=len(values)
        )
        order = _by_hashes(a, b)
        a, b, own_lines = a[order], b[order], own_lines[order]
        # Within the chunk: each run of equal hashes starts at its first line.
        starts = np.ones(len(a), dtype=bool)
        starts[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        found = own_lines[starts][np.cumsum(starts) - 1]
        at = np.searchsorted(self._a, a)  # where each would go among the remembered ones
        earlier = self._earlier(a, b, at)
        found = np.where(earlier >= 0, earlier, found)
        new = starts & (earlier < 0)
        self._remember(at[new], a[new], b[new], own_lines[new])
        first_present = np.empty(len(order), dtype=np.int64)
        first_present[order] = found
        first[present] = first_present
        return first

    def _earlier(self, a: np.ndarray, b: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The remembered line of each (a, b), or -1; `a` sorted, `at` where
        each `a` is or would go among the remembered ones."""
        earlier = np.full(len(a), -1, dtype=np.int64)
        if not len(self._a):
            return earlier
        pos = at.clip(max=len(self._a) - 1)
        same_a = self._a[pos] == a
        hit = same_a & (self._b[pos] == b)
        earlier[hit] = self._line[pos[hit]]
        # Two remembered e-mails may share the first hash (about once in
        # 10^7 million-row files): look along that run for the second one.
        for i in np.flatnonzero(same_a & ~hit):
            j = pos[i] + 1
            while j < len(self._a) and self._a[j] == a[i]:
                if self._b[j] == b[i]:
                    earlier[i] = self._line[j]
                    break
                j += 1
        return earlier

    def _remember(self, at: np.ndarray, a: np.ndarray, b: np.ndarray, lines: np.ndarray) -> None:
        """Add new (a, b, line), `a` sorted and `at` their places among the
        remembered ones (np.searchsorted), keeping the arrays sorted by a."""
        placed = at + np.arange(len(at))  # their positions once merged
        kept = np.ones(len(self._a) + len(at), dtype=bool)
        kept[placed] = False
        self._a = _merged(self._a, a, kept, placed)
        self._b = _merged(self._b, b, kept, placed)
        self._line = _merged(self._line, lines, kept, placed)


def _merged(old: np.ndarray, new: np.ndarray, kept: np.ndarray, placed: np.ndarray) -> np.ndarray:
    out = np.empty(len(kept), dtype=old.dtype)
    out[kept] = old
    out[placed] = new
    return out


def _by_hashes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The order that sorts by a, then b, equal pairs in file order. Sorting
    by a alone is enough (and quicker) unless two different e-mails share
    their first hash."""
    order = np.argsort(a, kind="stable")
    sorted_a, sorted_b = a[order], b[order]
    if ((sorted_a[1:] == sorted_a[:-1]) & (sorted_b[1:] != sorted_b[:-1])).any():
        return np.lexsort((b, a))
    return order
