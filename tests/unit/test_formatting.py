"""Money, counts, changes and days as the dashboard writes them, exact from
the Decimal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from bi_app.formatting import (
    change_direction,
    currency_affixes,
    format_change,
    format_count,
    format_days,
    format_money,
    format_turnover,
    local_time,
)


def test_money_is_written_the_way_the_locale_writes_it():
    assert format_money(Decimal("1234.50"), "EUR") == "€1,234.50"
    assert format_money(Decimal("1234.50"), "EUR", "de_DE") == "1.234,50\xa0€"
    assert format_money(Decimal("-12.00"), "USD") == "-$12.00"


def test_money_beyond_float_precision_keeps_every_cent():
    # 2**53 + 1 cents cannot be held by a float; the text must still end in .01
    assert format_money(Decimal("90071992547409.93"), "EUR") == "€90,071,992,547,409.93"
    assert format_money(Decimal("12345678901234567.01"), "EUR") == "€12,345,678,901,234,567.01"


def test_money_refuses_a_float():
    with pytest.raises(TypeError, match="float"):
        format_money(0.1, "EUR")  # type: ignore[arg-type]


def test_currency_affixes_say_where_the_symbol_goes():
    assert currency_affixes("EUR") == ("€", "")
    assert currency_affixes("EUR", "de_DE") == ("", "\xa0€")


def test_counts_are_grouped_and_numpy_integers_are_welcome():
    assert format_count(1234567) == "1,234,567"
    assert format_count(np.int64(42)) == "42"
    assert format_count(Decimal("7")) == "7"


@pytest.mark.parametrize(
    ("change", "text", "direction"),
    [
        (Decimal("0.125"), "+12.5 %", 1),
        (Decimal("-0.03"), "−3.0 %", -1),
        (Decimal("0"), "0.0 %", 0),
        (Decimal("0.0004"), "0.0 %", 0),
        (Decimal("0.0005"), "+0.1 %", 1),
        (Decimal("12.5"), "+1,250.0 %", 1),
        (Decimal("-1"), "−100.0 %", -1),
    ],
)
def test_a_change_carries_its_sign_and_a_real_minus(change, text, direction):
    assert format_change(change) == text
    assert change_direction(change) == direction


def test_a_change_with_nothing_to_compare_says_so():
    assert format_change(None) == "–"
    assert format_change(None, when_none="new") == "new"
    assert change_direction(None) == 0


def test_days_have_one_decimal_and_none_is_a_dash():
    assert format_days(Decimal("12.25")) == "12.3 days"
    assert format_days(Decimal("1")) == "1.0 day"
    assert format_days(None) == "–"
    assert format_days(float("nan")) == "–"


def test_turnover_is_a_multiple_or_no_sales():
    assert format_turnover(Decimal("4.2")) == "4.20×"
    assert format_turnover(None) == "no sales"


def test_a_moment_is_shown_on_the_business_zones_clock_and_a_naive_one_is_utc():
    berlin = ZoneInfo("Europe/Berlin")
    assert local_time(datetime(2024, 5, 1, 22, 30, tzinfo=UTC), berlin) == "2024-05-02 00:30"
    assert local_time(datetime(2024, 1, 1, 22, 30), berlin) == "2024-01-01 23:30"  # stored times are UTC
    assert local_time(pd.Timestamp("2024-05-01 22:30", tz="UTC"), berlin) == "2024-05-02 00:30"
    assert local_time(None, berlin) == "–"
