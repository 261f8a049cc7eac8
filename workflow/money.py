"""Money is Decimal with two places, end to end; one rounding rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, ties away from zero: the rule PostgreSQL applies when a
    value is cast to NUMERIC(12,2), so Python and the database never disagree
    by a cent. Floats are refused: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
