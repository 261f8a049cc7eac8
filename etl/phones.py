"""Phone numbers to E.164, vectorised, with the `phonenumbers` library's answers.

`phonenumbers.parse` + `is_valid_number` cost about 35 µs a number here, 35 s
for a million customers. So the common shapes take a fast path that applies
phonenumbers' own metadata (country calling codes, national prefixes,
possible lengths, number-type patterns) to whole columns:

- international: `+` and digits, with spaces, dashes, dots, slashes or
  parentheses between them (`+49 30 1234567`, `+1 (415) 555-2671`);
- national: digits and those separators, read with the row's country as the
  region (`030 1234567` in DE), where the national prefix needs no rewriting.

Everything else (letters, extensions, `00` dialling prefixes, national
prefixes that phonenumbers rewrites or that carry carrier codes, non-
geographic calling codes) goes to `phonenumbers` itself, once per distinct
(value, region). tests/unit/test_import_phones.py checks that both paths
give phonenumbers' answer. Valid here means: phonenumbers' is_valid_number,
and an E.164 form of 7 to 15 digits (what the customers table accepts).
"""

from __future__ import annotations

import operator
import re
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from itertools import repeat

import numpy as np
import pandas as pd
import phonenumbers

from etl.phone_patterns import (
    international_pattern,
    national_pattern,
    rules_for,
    rules_for_digits,
    strippable_length,
    valid_for_code,
)

E164 = r"\+[1-9]\d{6,14}"
_E164 = re.compile(E164)


def _compact(value: str) -> str:
    """Without the separators people write between digits (chained replace
    is three times faster than str.translate here)."""
    return (
        value.replace(" ", "")
        .replace("-", "")
        .replace(".", "")
        .replace("(", "")
        .replace(")", "")
        .replace("/", "")
    )


# E.164 numbers found valid in the last two chunks: validation checks the
# numbers that normalisation has just produced, so it need not parse them
# again. A cache of a pure answer; a number not in it is checked in full.
_RECENTLY_VALID: deque[set[str]] = deque([set()], maxlen=2)


def normalise_phones(values: list[str | None], regions: list[str | None]) -> list[str | None]:
    """E.164 for valid numbers; the value as given (trimmed) for invalid ones,
    so that validation rejects them; None stays None. `regions`: the rows'
    countries."""
    everyone = None not in values  # the common case, checked without a loop in Python
    present = range(len(values)) if everyone else [i for i, value in enumerate(values) if value is not None]
    if everyone:
        written, where = values, regions
    else:
        written, where = [values[i] for i in present], [regions[i] for i in present]
    e164 = to_e164(written, where)
    valid = set(e164)
    valid.discard(None)
    _RECENTLY_VALID.append(valid)
    if None in e164:  # invalid numbers are kept as written
        out = [number if number is not None else value for number, value in zip(e164, written, strict=True)]
    else:
        out = e164
    if everyone:
        return out
    result = list(values)
    for i, number in zip(present, out, strict=True):
        result[i] = number
    return result


def valid_e164(values: pd.Series) -> pd.Series:
    """True where a value is already a valid number in E.164 form."""
    listed = values.tolist()
    known = np.zeros(len(listed), dtype=bool)
    unknown, candidates = np.arange(len(listed)), listed
    for numbers in reversed(_RECENTLY_VALID):  # the latest chunk first
        found = np.fromiter(map(numbers.__contains__, candidates), dtype=bool, count=len(candidates))
        known[unknown[found]] = True
        unknown = unknown[~found]
        candidates = [listed[i] for i in unknown.tolist()]
    if candidates:
        checked = to_e164(candidates, [None] * len(candidates))
        for i, value, out in zip(unknown.tolist(), candidates, checked, strict=True):
            known[i] = out is not None and out == value
    return pd.Series(known, index=values.index)


def compact_all(values: list[str]) -> list[str]:
    """_compact of each value, done on the values joined into one text (a
    NUL cannot be in an import file; a value holding one is done alone)."""
    joined = "\0".join(values)
    if joined.count("\0") != len(values) - 1:
        return list(map(_compact, values))
    return _compact(joined).split("\0") if values else []


def to_e164(values: list[str], regions: list[str | None]) -> list[str | None]:
    """E.164 of each value read with its region as the default (None: the
    number must start with +), or None where phonenumbers finds it invalid.

    Numbers are grouped by calling code (written with +) or region (written
    without) and by length; each group is matched against one regex
    (etl.phone_patterns) that accepts exactly the valid numbers of the
    common shapes of that length. The rest
    take the exact path: _fast_parse and valid_for_code, else phonenumbers."""
    listed = compact_all(values)
    compact = np.array(listed, dtype=object)
    keys = [
        number[:4] if number[:1] == "+" else region or ""
        for number, region in zip(listed, regions, strict=True)
    ]
    result = np.full(len(values), None, dtype=object)
    rest: list[int] = []
    for key, length, members in _groups(keys, listed):
        international = key[:1] == "+"
        pattern = international_pattern(key[1:], length) if international else national_pattern(key, length)
        if pattern is None:
            rest += members.tolist()
            continue
        numbers = compact[members]
        matches = list(map(pattern.fullmatch, numbers))
        matched = np.fromiter(map(operator.is_not, matches, repeat(None)), dtype=bool, count=len(matches))
        rest += members[~matched].tolist()
        if international:
            e164 = numbers[matched]
        else:
            prefix = f"+{pattern_code(key)}"
            e164 = np.array(
                [prefix + (m["cut"] or m["whole"]) for m in matches if m is not None], dtype=object
            )
        e164_lengths = np.fromiter(map(len, e164), dtype=np.int64, count=len(e164))
        fits = (e164_lengths >= 8) & (e164_lengths <= 16)  # the pattern admits digits only
        result[members[matched]] = np.where(fits, e164, None)
    by_code: dict[int, list[tuple[int, str]]] = {}
    for i in rest:
        parsed = _fast_parse(values[i], regions[i])
        if parsed is None:
            result[i] = _slow(values[i], regions[i])
        elif parsed[0]:
            by_code.setdefault(parsed[0], []).append((i, parsed[1]))
    for code, items in by_code.items():
        prefix = f"+{code}"
        for (i, nsn), ok in zip(items, valid_for_code(code, [nsn for _, nsn in items]), strict=True):
            if ok and _E164.fullmatch(prefix + nsn):
                result[i] = prefix + nsn
    return result.tolist()


def _groups(keys: list[str], numbers: list[str]) -> Iterator[tuple[str, int, np.ndarray]]:
    """(key, length, positions) for each key and length of number that occur."""
    if not keys:
        return
    codes, uniques = pd.factorize(np.array(keys, dtype=object))
    lengths = np.fromiter(map(len, numbers), dtype=np.int64, count=len(numbers))
    groups = codes * (int(lengths.max()) + 1) + lengths
    order = np.argsort(groups, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(groups[order])) + 1):
        yield uniques[codes[members[0]]], int(lengths[members[0]]), members


def pattern_code(region: str) -> int:
    return rules_for(region).code


def _fast_parse(value: str, region: str | None) -> tuple[int, str] | None:
    """(country calling code, national significant number) as phonenumbers
    would parse them, (0, "") for a value that cannot be a number at all, or
    None when the value needs phonenumbers itself."""
    compact = _compact(value)
    if compact[:1] == "+":
        digits = compact[1:]
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            return None
        rules = rules_for_digits(digits[:3])
        if rules is None:
            return None
        nsn = digits[len(rules.code_text) :]
        if rules.prefix.match(nsn):
            return None
        return rules.code, nsn
    rules = rules_for(region) if region else None
    if rules is None or not compact.isdigit() or not 2 <= len(compact) <= 17:
        return None
    if rules.idd.match(compact) or compact.startswith(rules.code_text):
        return None
    matched = rules.prefix.match(compact)
    if matched is None:
        return rules.code, compact
    if not rules.plain_prefix:
        return None
    stripped = compact[matched.end() :]
    if rules.general.fullmatch(compact) and not rules.general.fullmatch(stripped):
        return rules.code, compact
    if not strippable_length(rules.region, len(stripped)):
        return rules.code, compact
    return rules.code, stripped


@lru_cache(maxsize=65536)
def _slow(value: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if _E164.fullmatch(e164) else None
