"""phonenumbers' metadata as regular expressions, compiled once per region or calling code.

Derived from the same PhoneMetadata phonenumbers validates with: the general
description and number-type patterns with their possible lengths, leading
digits of regions sharing a calling code, national and international dialling
prefixes. `international_pattern(code)` and `national_pattern(region)` match a
written number (separators removed) exactly when phonenumbers would parse it
to a valid number along the same path; anything they do not match is left to
the slower, exact per-number path in etl.phones.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

# Any one of them makes a number valid; the common ones first, since the first that matches ends the search.
_NATIONAL_TYPES = ("fixed_line", "voicemail", "uan", "pager", "personal_number", "voip", "shared_cost",
                   "toll_free", "premium_rate")  # fmt: skip
_UNSTRIPPABLE = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)


class Rules:
    """What the fast path needs of one region's metadata, compiled once."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.region = metadata.id
        self.code = metadata.country_code
        self.code_text = str(metadata.country_code)
        self.idd = re.compile(metadata.international_prefix or "(?!)")
        pattern = metadata.national_prefix_for_parsing or "(?!)"
        self.prefix = re.compile(pattern)
        # A prefix that is simply cut off: no capturing groups, no rewriting.
        self.plain_prefix = self.prefix.groups == 0 and not metadata.national_prefix_transform_rule
        self.general = re.compile(metadata.general_desc.national_number_pattern or "(?!)")


@cache
def rules_for(region: str) -> Rules | None:
    """None for regions the fast path leaves to phonenumbers (unknown ones,
    non-geographic calling codes)."""
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    return None if metadata is None else Rules(metadata)


@cache
def rules_for_digits(first_three: str) -> Rules | None:
    """The rules of the main region of the calling code that starts these
    digits (phonenumbers tries 1, 2, then 3 digits), or None."""
    if first_three[:1] == "0":
        return None
    code = next((first_three[:n] for n in (1, 2, 3) if first_three[:n] in CODES), None)
    return None if code is None else rules_for(COUNTRY_CODE_TO_REGION_CODE[int(code)][0])


@cache
def strippable_length(region: str, length: int) -> bool:
    """phonenumbers keeps a national prefix cut off only if what is left has
    a possible length; that depends on the length alone."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    return _test_number_length("0" * length, metadata) not in _UNSTRIPPABLE


def valid_for_code(code: int, numbers: list[str]) -> list[bool]:
    """phonenumbers' is_valid_number for national significant numbers of one
    calling code: the first region (in metadata order) whose leading digits
    match decides; without leading digits, any region whose patterns match."""
    regions = COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1:
        return [type_matches(regions[0], nsn) for nsn in numbers]
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
                    result[i] = type_matches(region, numbers[i])
                else:
                    still.append(i)
            elif type_matches(region, numbers[i]):
                result[i] = True
            else:
                still.append(i)
        undecided = still
    return result


def type_matches(region: str, nsn: str) -> bool:
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
    names = _NATIONAL_TYPES if metadata.same_mobile_and_fixed_line_pattern else ("mobile", *_NATIONAL_TYPES)
    types = [
        getattr(metadata, name).national_number_pattern for name in names if fits(getattr(metadata, name))
    ]
    if not types:
        return None
    general = metadata.general_desc.national_number_pattern
    return re.compile(f"(?=(?:{general})\\Z)(?:{'|'.join(f'(?:{t})' for t in types)})")


def _region_valid(region: str, lengths: frozenset[int]) -> str:
    """Regex source matching exactly the numbers of these lengths that
    type_matches accepts."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    possible = metadata.general_desc.possible_length if metadata else ()
    alternatives = [
        f"(?=\\d{{{length}}}\\Z){pattern.pattern}\\Z"
        for length in possible
        if length > 0 and length in lengths and (pattern := _type_pattern(region, length)) is not None
    ]
    return "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"


@lru_cache(maxsize=4096)
def _code_valid(code: int, lengths: frozenset[int]) -> str:
    """Regex source for valid_for_code on numbers of these lengths: regions
    in metadata order, the first whose leading digits match deciding alone."""
    regions = COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1:
        return _region_valid(regions[0], lengths)
    rest = "(?!)"
    for region in reversed(regions):
        metadata = PhoneMetadata.metadata_for_region(region, None)
        body = _region_valid(region, lengths)
        leading = metadata.leading_digits if metadata else None
        rest = f"(?:(?={leading})(?:{body})|(?!{leading}){rest})" if leading else f"(?:{body}|{rest})"
    return rest


def international_pattern(first_three: str, length: int) -> re.Pattern[str] | None:
    """For numbers of `length` characters: `+`, the calling code the digits
    start with, and a valid national number that does not start with the
    national prefix (phonenumbers would try to cut it off: that case takes
    the exact path). Numbers of one length need only the alternatives of
    that length (what keeps the pattern short and quick); compiled once per
    calling code and length."""
    rules = rules_for_digits(first_three)
    return None if rules is None else _international(rules.code, length)


@lru_cache(maxsize=4096)
def _international(code: int, length: int) -> re.Pattern[str]:
    rules = rules_for(COUNTRY_CODE_TO_REGION_CODE[code][0])
    national = frozenset({length - 1 - len(rules.code_text)})
    return re.compile(f"\\+{rules.code_text}(?!{rules.prefix.pattern}){_code_valid(code, national)}")


@lru_cache(maxsize=4096)
def national_pattern(region: str, length: int) -> re.Pattern[str] | None:
    """A number of `length` characters written without + in `region`: not
    starting with the international prefix or the calling code; either a
    national prefix phonenumbers cuts off (group 'cut', a length it keeps a
    cut for) or none (group 'whole'), then a valid national number. A prefix
    of digits only leaves one length for the cut number; any other prefix,
    every length up to `length`."""
    rules = rules_for(region) if region else None
    if rules is None:
        return None
    whole = _code_valid(rules.code, frozenset({length}))
    head = f"(?!{rules.idd.pattern})(?!{rules.code_text})"
    if not rules.plain_prefix:
        return re.compile(f"{head}(?!{rules.prefix.pattern})(?P<whole>{whole})")
    prefix = rules.prefix.pattern
    literal = prefix.isdigit() and prefix.isascii()
    rests = [length - len(prefix)] if literal else list(range(length + 1))
    cut_lengths = "|".join(
        f"\\d{{{n}}}" for n in rests if 2 <= n <= 17 and strippable_length(rules.region, n)
    )
    cut = _code_valid(rules.code, frozenset(rests)) if cut_lengths else "(?!)"
    return re.compile(
        f"{head}(?:(?>{prefix})(?P<cut>(?=(?:{cut_lengths or '(?!)'})\\Z){cut})"
        f"|(?!{prefix})(?P<whole>{whole}))"
    )
