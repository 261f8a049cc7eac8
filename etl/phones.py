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

import re
from functools import cache, lru_cache

import pandas as pd
import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

E164 = r"\+[1-9]\d{6,14}"
_E164 = re.compile(E164)
_SEPARATORS = str.maketrans("", "", " -.()/")
_CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)
_NATIONAL_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
                   "voicemail", "fixed_line")  # fmt: skip
_UNSTRIPPABLE = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)


# E.164 numbers found valid lately: validation checks the numbers that
# normalisation has just produced, so it need not parse them again. A cache
# of a pure answer, bounded to a few chunks' worth.
_RECENTLY_VALID: set[str] = set()
_RECENT_LIMIT = 500_000


def normalise_phones(values: pd.Series, regions: pd.Series) -> pd.Series:
    """E.164 for valid numbers; the value as given (trimmed) for invalid ones,
    so that validation rejects them; None stays None."""
    present = values.dropna()
    raw = present.tolist()
    e164 = to_e164(raw, regions.reindex(present.index).tolist())
    if len(_RECENTLY_VALID) > _RECENT_LIMIT:
        _RECENTLY_VALID.clear()
    _RECENTLY_VALID.update(number for number in e164 if number is not None)
    out = [raw[i] if number is None else number for i, number in enumerate(e164)]
    return pd.Series(out, index=present.index, dtype=object).reindex(values.index)


def valid_e164(values: pd.Series) -> pd.Series:
    """True where a value is already a valid number in E.164 form."""
    listed = values.tolist()
    known = [value in _RECENTLY_VALID for value in listed]
    unknown = [i for i, hit in enumerate(known) if not hit]
    if unknown:
        checked = to_e164([listed[i] for i in unknown], [None] * len(unknown))
        for i, out in zip(unknown, checked, strict=True):
            known[i] = out is not None and out == listed[i]
    return pd.Series(known, index=values.index)


def to_e164(values: list[str], regions: list[str | None]) -> list[str | None]:
    """E.164 of each value read with its region as the default (None: the
    number must start with +), or None where phonenumbers finds it invalid."""
    result: list[str | None] = [None] * len(values)
    by_code: dict[int, list[tuple[int, str]]] = {}
    for i, (value, region) in enumerate(zip(values, regions, strict=True)):
        parsed = _fast_parse(value, region)
        if parsed is None:
            result[i] = _slow(value, region)
        elif parsed[0]:
            by_code.setdefault(parsed[0], []).append((i, parsed[1]))
    for code, items in by_code.items():
        prefix = f"+{code}"
        for (i, nsn), ok in zip(items, _valid_for_code(code, [nsn for _, nsn in items]), strict=True):
            if ok and _E164.fullmatch(prefix + nsn):
                result[i] = prefix + nsn
    return result


def _fast_parse(value: str, region: str | None) -> tuple[int, str] | None:
    """(country calling code, national significant number) as phonenumbers
    would parse them, (0, "") for a value that cannot be a number at all, or
    None when the value needs phonenumbers itself."""
    compact = value.translate(_SEPARATORS)
    if compact[:1] == "+":
        digits = compact[1:]
        if not digits.isdigit() or not 7 <= len(digits) <= 15 or digits[0] == "0":
            return None
        code = digits[:1] if digits[:1] in _CODES else digits[:2] if digits[:2] in _CODES else digits[:3]
        rules = _rules(COUNTRY_CODE_TO_REGION_CODE[int(code)][0]) if code in _CODES else None
        nsn = digits[len(code) :]
        if rules is None or rules.prefix.match(nsn):
            return None
        return rules.code, nsn
    rules = _rules(region) if region else None
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
    if _test_number_length(stripped, rules.metadata) in _UNSTRIPPABLE:
        return rules.code, compact
    return rules.code, stripped


class _Rules:
    """What the fast path needs of one region's metadata, compiled once."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.metadata = metadata
        self.code = metadata.country_code
        self.code_text = str(metadata.country_code)
        self.idd = re.compile(metadata.international_prefix or "(?!)")
        pattern = metadata.national_prefix_for_parsing or "(?!)"
        self.prefix = re.compile(pattern)
        # A prefix that is simply cut off: no capturing groups, no rewriting.
        self.plain_prefix = self.prefix.groups == 0 and not metadata.national_prefix_transform_rule
        self.general = re.compile(metadata.general_desc.national_number_pattern or "(?!)")


@cache
def _rules(region: str) -> _Rules | None:
    """None for regions the fast path leaves to phonenumbers (unknown ones,
    non-geographic calling codes)."""
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    return None if metadata is None else _Rules(metadata)


def _valid_for_code(code: int, numbers: list[str]) -> list[bool]:
    """phonenumbers' is_valid_number for national significant numbers of one
    calling code: the first region (in metadata order) whose leading digits
    match decides; without leading digits, any region whose patterns match."""
    regions = COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1:
        return [_type_matches(regions[0], nsn) for nsn in numbers]
    result = [False] * len(numbers)
    undecided = list(range(len(numbers)))
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is None:
            continue
        leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
        still = []
        for i in undecided:
            if leading is not None:
                if leading.match(numbers[i]):
                    result[i] = _type_matches(region, numbers[i])
                else:
                    still.append(i)
            elif _type_matches(region, numbers[i]):
                result[i] = True
            else:
                still.append(i)
        undecided = still
    return result


def _type_matches(region: str, nsn: str) -> bool:
    pattern = _type_pattern(region, len(nsn))
    return pattern is not None and pattern.fullmatch(nsn) is not None


@lru_cache(maxsize=4096)
def _type_pattern(region: str, length: int) -> re.Pattern[str] | None:
    """One regex for 'matches the general description and at least one number
    type' of a region, for numbers of one length (phonenumbers checks each
    description's possible lengths before its pattern)."""
    metadata = PhoneMetadata.metadata_for_region(region, None)

    def fits(desc) -> bool:
        return (
            desc is not None
            and desc.national_number_pattern is not None
            and (not desc.possible_length or length in desc.possible_length)
        )

    if metadata is None or not fits(metadata.general_desc):
        return None
    names = _NATIONAL_TYPES if metadata.same_mobile_and_fixed_line_pattern else (*_NATIONAL_TYPES, "mobile")
    types = [
        getattr(metadata, name).national_number_pattern for name in names if fits(getattr(metadata, name))
    ]
    if not types:
        return None
    general = metadata.general_desc.national_number_pattern
    return re.compile(f"(?=(?:{general})\\Z)(?:{'|'.join(f'(?:{t})' for t in types)})")


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
