"""Personal data in import files: finding it where it must not be, and masking it.

Detectors (over one text value): payment card numbers (13 to 19 digits, spaces or dashes allowed between
them, passing the Luhn check), national-ID-like numbers (US social security
numbers written 123-45-6789 or 123 45 6789, UK National Insurance numbers,
IBANs passing their mod-97 check) and e-mail addresses inside free text.

Masks: whatever leaves the importer (console, report, logs, database) shows a
rejected value only through `mask_value`: e-mails as `j***@e***.com`, phones
as `+1*******12`, card numbers and IDs as stars and their last 2 characters
at most, any other text as the first letter of up to three words (`J*** S***`)
plus its length when it is long. A mask never starts with a spreadsheet
formula character and never shows a digit beyond the last two of a number.
"""

from __future__ import annotations

import re

_CARD_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SSN = re.compile(r"(?<!\d)\d{3}([- ])\d{2}\1\d{4}(?!\d)")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
EMAIL_IN_TEXT = r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+\.[^\W\d_]{2,}"
_EMAIL_IN_TEXT = re.compile(EMAIL_IN_TEXT)
_LONG_TEXT = 40


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of payment card numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _compact(text: str) -> str:
    return text.replace(" ", "").replace("-", "")


def card_numbers(text: str) -> list[str]:
    """The card numbers in `text`, separators removed."""
    found = []
    for match in _CARD_CANDIDATE.finditer(text):
        digits = _compact(match.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(digits)
    return found


def _iban_ok(candidate: str) -> bool:
    iban = candidate.replace(" ", "")
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def national_ids(text: str) -> list[str]:
    """National-ID-like numbers in `text` (SSN, UK NINO, IBAN), separators removed."""
    found = [_compact(m.group()) for m in _SSN.finditer(text)]
    found += [m.group().replace(" ", "") for m in _NINO.finditer(text)]
    found += [m.group().replace(" ", "") for m in _IBAN_CANDIDATE.finditer(text) if _iban_ok(m.group())]
    return found


def mask_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return mask_text(value)
    labels = domain.split(".")
    tld = labels[-1] if len(labels) > 1 and labels[-1].isalpha() and len(labels[-1]) <= 10 else ""
    return f"{_first(local)}***@{_first(domain)}***" + (f".{tld}" if tld else "")


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 4 or re.search(r"[^\d\s+().\-/]", value):
        return mask_text(value)
    if value.lstrip().startswith("+"):
        return f"+{digits[0]}{'*' * (len(digits) - 3)}{digits[-2:]}"
    return mask_number(digits)


def mask_number(number: str) -> str:
    """A card number or ID: stars, then its last 2 characters."""
    return "*" * max(len(number) - 2, 2) + number[-2:]


def mask_text(value: str) -> str:
    words = value.split()
    masked = " ".join(f"{_first(word)}***" for word in words[:3]) or "***"
    return masked + (f" ({len(value):,} characters)" if len(value) > _LONG_TEXT else "")


def _first(text: str) -> str:
    """The first character when it is a letter; a star otherwise (a digit
    could be part of a number, a sign could start a formula)."""
    return text[0] if text[:1].isalpha() else "*"


def mask_value(value: str | None, kind: str) -> str:
    """The only way a rejected value is shown. `kind` says what the value
    should have been ("email", "phone") or which rule found PII in it
    ("card_number", "national_id", "email_in_text"); anything else is text."""
    if value is None or value == "":
        return ""
    if kind == "card_number":
        return " ".join(mask_number(number) for number in card_numbers(value)) or mask_text(value)
    if kind == "national_id":
        return " ".join(mask_number(number) for number in national_ids(value)) or mask_text(value)
    if kind == "email_in_text":
        return " ".join(mask_email(m.group()) for m in _EMAIL_IN_TEXT.finditer(value)) or mask_text(value)
    if kind == "email":
        return mask_email(value)
    if kind == "phone":
        return mask_phone(value)
    return mask_text(value)
