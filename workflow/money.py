"""Money is Decimal with two places, end to end; one rounding rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from workflow.errors import ErrorCode, WorkflowError

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # NUMERIC(12,2)


def quantize_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, ties away from zero: the rule PostgreSQL applies when a
    value is cast to NUMERIC(12,2), so Python and the database never disagree
    by a cent. Floats are refused: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: Decimal | int | str, what: str = "Amount") -> Decimal:
    """A money amount as entered: above zero, at most two decimals, no float."""
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, float) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise WorkflowError(f"{what} {value!r} is not a number; enter e.g. 12.50.", ErrorCode.INVALID_AMOUNT)
    if amount <= 0:
        raise WorkflowError(f"{what} must be more than 0.00; {amount} was entered.", ErrorCode.INVALID_AMOUNT)
    if amount > MAX_MONEY:
        raise WorkflowError(
            f"{what} {amount} is more than the largest amount, {MAX_MONEY}.", ErrorCode.INVALID_AMOUNT
        )
    if amount != amount.quantize(CENT):
        raise WorkflowError(
            f"{what} {amount} has more than two decimals; enter whole cents, e.g. 12.50.",
            ErrorCode.INVALID_AMOUNT,
        )
    return amount.quantize(CENT)
