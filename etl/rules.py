"""The rules a customer row must pass, one name each, as the reject report shows them.

A row breaking several rules in one column is reported once for that
column, under the first rule in RULES order (the most serious: a card
number in a name is reported as a card number, not as digits in a name).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_NAME = 100
MAX_NOTES = 1_000

RULES: dict[str, str] = {
    "required": "is empty, but every customer needs it",
    "field_count": "the row has {found} fields; the header has {expected}",
    "card_number": "contains a payment card number",
    "national_id": "contains a national ID, social security or bank account number",
    "email_in_text": "contains an e-mail address",
    "formula": "starts like a spreadsheet formula (=, +, -, @ or |)",
    "email_syntax": "is not a valid e-mail address",
    "email_duplicate": "repeats the e-mail of line {first_line}; only the first is imported",
    "phone_invalid": "is not a valid phone number (read with the row's country when it has no +)",
    "country_unknown": "is not an ISO 3166 country code or a known country name",
    "name_digits": "contains digits",
    "name_length": f"must be 2 to {MAX_NAME} characters long",
    "name_characters": "must contain a letter and no control characters or @",
    "notes_length": f"is longer than {MAX_NOTES:,} characters",
    "birth_date_format": "is not a date (YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY)",
    "birth_date_implausible": "gives an age outside 13 to 120 years",
}
_PRIORITY = {rule: rank for rank, rule in enumerate(RULES)}
_PII_RULES = ("card_number", "national_id", "email_in_text")


@dataclass(frozen=True)
class Reject:
    """One broken rule: the line the row starts on, the field, the rule, the
    value already masked, and the figures its sentence needs."""

    line: int
    field: str
    rule: str
    masked: str
    first_line: int | None = None
    found: int | None = None
    expected: int | None = None

    @property
    def problem(self) -> str:
        return RULES[self.rule].format(first_line=self.first_line, found=self.found, expected=self.expected)


def priority(rule: str) -> int:
    return _PRIORITY[rule]


def mask_kind(field: str, rule: str) -> str:
    """How a value is masked: by the PII found in it, else by its field."""
    if rule in _PII_RULES:
        return rule
    return field if field in ("email", "phone") else "text"


def first_per_field(rejects: list[Reject]) -> list[Reject]:
    """The most serious reject of each (line, field), in line order."""
    best: dict[tuple[int, str], Reject] = {}
    for reject in rejects:
        key = (reject.line, reject.field)
        if key not in best or priority(reject.rule) < priority(best[key].rule):
            best[key] = reject
    return sorted(best.values(), key=lambda r: (r.line, r.field != "*", priority(r.rule)))
