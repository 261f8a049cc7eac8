"""Numbers and times as a person reads them: money, counts, changes, days,
turnover, and a moment on the business zone's clock.

Money goes from Decimal to text through babel alone, never through float, so
a hover label, a KPI card and a CSV cell show the very cents the database
holds. Changes use a real minus sign (U+2212) and a space before the percent
sign ("+12.5 %", "−3.0 %").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from numbers import Integral
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

DEFAULT_LOCALE = "en_US"
MINUS = "\u2212"
DASH = "\u2013"  # "–": nothing to compare with, nothing to show
NEW = "new"
_TENTH = Decimal("0.1")


def to_decimal(amount: Decimal | int | str) -> Decimal:
    """A Decimal from a Decimal, an int (numpy's too) or a numeric string; a
    float is refused because it cannot hold cents exactly."""
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, float):
        raise TypeError(f"money must not be a float on its way to text; got {amount!r}, pass a Decimal")
    if isinstance(amount, Integral):
        return Decimal(int(amount))
    return Decimal(amount)


def is_missing(value: object) -> bool:
    """True for None and for the NaN / NaT pandas puts in an empty cell."""
    return value is None or value != value  # NaN is the one value unequal to itself


def format_money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """`amount` in `currency` as the locale writes it: Decimal("1234.50"),
    "EUR" -> "€1,234.50" (en_US), "1.234,50 €" (de_DE). Exact: the Decimal is
    handed to babel as is."""
    locale_data, pattern = _currency_pattern(locale)
    return pattern.apply(to_decimal(amount), locale_data, currency=currency, currency_digits=True)


@lru_cache(maxsize=16)
def _currency_pattern(locale: str) -> tuple[Locale, NumberPattern]:
    """The locale and its standard currency pattern, parsed once: a chart's
    hover labels format hundreds of amounts (babel's format_currency, which
    this is, parses both on every call)."""
    locale_data = Locale.parse(locale)
    return locale_data, locale_data.currency_formats["standard"]


def currency_affixes(currency: str, locale: str = DEFAULT_LOCALE) -> tuple[str, str]:
    """What the locale writes before and after the digits of an amount in
    `currency`: ("€", "") for en_US, ("", "\xa0€") for de_DE. Chart axes use
    them as tick prefix and suffix."""
    sample = format_money(Decimal("1.00"), currency, locale)
    digits = re.search(r"\d(.*\d)?", sample)
    if digits is None:  # pragma: no cover - every CLDR pattern has digits
        return "", ""
    return sample[: digits.start()], sample[digits.end() :]


def _format_decimal(number: Decimal | int, spec: str | None, locale: str) -> str:
    """babel's format_decimal(number, format=spec, locale=locale) (spec None:
    the locale's own pattern), with the locale and the pattern parsed once;
    format_decimal parses both on every call, most of its time."""
    locale_data, pattern = _decimal_pattern(locale, spec)
    return pattern.apply(number, locale_data)


@lru_cache(maxsize=64)
def _decimal_pattern(locale: str, spec: str | None) -> tuple[Locale, NumberPattern]:
    locale_data = Locale.parse(locale)
    return locale_data, parse_pattern(spec if spec is not None else locale_data.decimal_formats[None])


def format_count(n: int, locale: str = DEFAULT_LOCALE) -> str:
    """A whole number with the locale's grouping: 12345 -> "12,345"."""
    return _format_decimal(int(n), None, locale)


def change_direction(change: Decimal | None) -> int:
    """1, -1 or 0 as the change reads once rounded to a tenth of a percent:
    a change shown as "0.0 %" points nowhere. None (nothing to compare) is 0."""
    if is_missing(change):
        return 0
    shown = (to_decimal(change) * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return (shown > 0) - (shown < 0)


def format_change(change: Decimal | None, *, when_none: str = DASH, locale: str = DEFAULT_LOCALE) -> str:
    """A relative change (0.125 = +12.5 %) with its sign: "+12.5 %",
    "−3.0 %", "0.0 %". None (the previous figure was zero) gives `when_none`:
    "–" by default, "new" when the caller knows the current figure is not
    zero."""
    if is_missing(change):
        return when_none
    shown = (to_decimal(change) * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)
    digits = _format_decimal(abs(shown), "#,##0.0", locale)
    sign = "+" if shown > 0 else MINUS if shown < 0 else ""
    return f"{sign}{digits} %"


def format_days(days: Decimal | None, locale: str = DEFAULT_LOCALE) -> str:
    """Days with one decimal: Decimal("12.25") -> "12.3 days", "1.0 day";
    None (no sales, so no days of inventory) -> "–"."""
    if is_missing(days):
        return DASH
    shown = to_decimal(days).quantize(_TENTH, rounding=ROUND_HALF_UP)
    unit = "day" if shown == 1 else "days"
    return f"{_format_decimal(shown, '#,##0.0', locale)} {unit}"


def format_turnover(turnover: Decimal | None, locale: str = DEFAULT_LOCALE) -> str:
    """Inventory turnover as a multiple: Decimal("4.2") -> "4.20×"; None (the
    stock did not sell) -> "no sales"."""
    if is_missing(turnover):
        return "no sales"
    return f"{_format_decimal(to_decimal(turnover), '#,##0.00', locale)}×"


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A timestamptz as the business zone's wall clock, "2024-05-03 14:05"
    (pandas' Timestamp too); a naive value is taken as UTC (how the database
    stores time); DASH for none."""
    if moment is None:
        return DASH
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
