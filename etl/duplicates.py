"""E-mails seen earlier in the file, without keeping the e-mails themselves.

The file is validated chunk by chunk, so the rule "e-mail unique within the
file" needs to remember every e-mail of the chunks before. FirstSeen keeps
two 64-bit hashes of each (Python's keyed SipHash of the e-mail, and of the
e-mail with a suffix; 16 bytes an e-mail: 16 MB for a million customers, in
sorted numpy blocks) and the line it first appeared on. Two different e-mails would have to collide in all 128 bits to be
taken for one another: about 1 in 10^26 for a million-row file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_SALT = "\x00ecc"  # a second, independent hash: Python's hash of the e-mail with a suffix


class FirstSeen:
    """For each row, the line of the first row of the file with its e-mail."""

    def __init__(self) -> None:
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def first_lines(self, emails: pd.Series) -> np.ndarray:
        """`emails` indexed by line, in file order; returns the first line of
        each e-mail (a row's own line when it is the first or has none) and
        remembers the new ones."""
        lines = emails.index.to_numpy(dtype=np.int64)
        first = lines.copy()
        present = emails.notna().to_numpy()
        if not present.any():
            return first
        values = emails[present].tolist()
        own_lines = lines[present]
        a = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
        b = np.fromiter((hash(value + _SALT) for value in values), dtype=np.int64, count=len(values))
        # Within the chunk: the first line of each e-mail.
        chunk_first: dict[str, int] = {}
        found = np.fromiter(
            (
                chunk_first.setdefault(value, line)
                for value, line in zip(values, own_lines.tolist(), strict=True)
            ),
            dtype=np.int64,
            count=len(values),
        )
        # Before the chunk: the line remembered for the same two hashes.
        earlier = np.full(len(values), -1, dtype=np.int64)
        for block_a, block_b, block_line in self._blocks:
            pos = np.searchsorted(block_a, a).clip(max=len(block_a) - 1)
            hit = (block_a[pos] == a) & (block_b[pos] == b) & (earlier < 0)
            earlier[hit] = block_line[pos[hit]]
        found = np.where(earlier >= 0, earlier, found)
        first[present] = found
        new = (earlier < 0) & (found == own_lines)
        order = np.argsort(a[new], kind="stable")
        self._blocks.append((a[new][order], b[new][order], own_lines[new][order]))
        return first
