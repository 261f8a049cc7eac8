"""How each kind of value is written into a CSV cell, as SQL.

The cells are made by PostgreSQL inside COPY, so Python never touches a
row. The rules:

- money: NUMERIC's own text, exact (`12.50`), never through a float;
- ids and counts: integers as text;
- times: ISO 8601 in UTC with the offset written out,
  `2026-03-02T09:00:00+00:00` (fractions of a second only when there are);
- codes (statuses, kinds, countries): as stored; the schema limits them to
  letters and underscores, so they cannot start a formula;
- free text (names, e-mails, phones, references, carriers, SKUs...):
  neutralised against spreadsheet formula injection (OWASP "CSV
  Injection"): a cell starting with =, +, -, @, a tab or a carriage return
  gets a leading apostrophe, which spreadsheets read as "this is text";
- e-mail and phone: masked (workflow.listings.masking) unless the caller
  passes pii=True, then neutralised like any text.

Quoting of commas, quotes and line breaks is COPY's own (RFC 4180 style).
"""

from __future__ import annotations

from enum import Enum

from workflow.listings.masking import email_sql, phone_sql

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Kind(str, Enum):
    ID = "id"
    NUMBER = "number"
    MONEY = "money"
    TIME = "time"
    CODE = "code"
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"


def neutralise_sql(expr: str) -> str:
    """SQL for `expr` (text) with an apostrophe before a leading formula character."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    return f"(CASE WHEN left({expr}, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END)"


def iso_time_sql(expr: str) -> str:
    """SQL for the timestamptz `expr` as ISO 8601 text in UTC with its offset:
    the UTC timestamp's own text (DateStyle ISO, which the export sets) with
    a T between date and time. Twice as fast as to_char or to_json."""
    return f"(replace((({expr}) AT TIME ZONE 'UTC')::text, ' ', 'T') || '+00:00')"


def cell_sql(expr: str, kind: Kind, *, pii: bool) -> str:
    """SQL for one CSV cell of the given kind; `pii` says whether e-mail and
    phone may be shown unmasked (the caller's decision)."""
    if kind is Kind.TIME:
        return iso_time_sql(expr)
    if kind is Kind.TEXT:
        return neutralise_sql(expr)
    if kind is Kind.EMAIL:
        return neutralise_sql(email_sql(expr, pii=pii))
    if kind is Kind.PHONE:
        return neutralise_sql(phone_sql(expr, pii=pii))
    return expr
