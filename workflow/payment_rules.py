"""Pure payment rules: how an amount is split over orders, and what is too much.

No I/O: these take balances read by workflow.payments and return allocations
or raise a WorkflowError a clerk can act on, so they are tested without a
database (including property-based tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from workflow.balances import OrderBalance
from workflow.errors import ErrorCode, WorkflowError


@dataclass(frozen=True)
class Allocation:
    order_id: int
    amount: Decimal


def too_much_message(selected: list[OrderBalance], due: Decimal, entered: Decimal) -> str:
    if len(selected) == 1:
        return f"Order {selected[0].order_id} has {due} left to pay; {entered} was entered."
    names = ", ".join(str(b.order_id) for b in selected)
    return f"Orders {names} have {due} left to pay together; {entered} was entered."


def allocate_oldest_due_first(selected: list[OrderBalance], amount: Decimal) -> list[Allocation]:
    split, left = [], amount
    for balance in sorted(selected, key=lambda b: (b.due_at, b.order_id)):
        share = min(left, balance.balance_due)
        if share > 0:
            split.append(Allocation(balance.order_id, share))
            left -= share
    return split


def allocate_as_given(
    selected: list[OrderBalance], explicit: dict[int, Decimal], amount: Decimal
) -> list[Allocation]:
    by_id = {b.order_id: b for b in selected}
    refuse_unselected(explicit, by_id)
    for order_id, share in explicit.items():
        if share > by_id[order_id].balance_due:
            raise WorkflowError(
                f"Order {order_id} has {by_id[order_id].balance_due} left to pay; {share} was allocated to it.",
                ErrorCode.OVERPAYMENT,
            )
    allocated = sum(explicit.values(), Decimal("0.00"))
    if allocated != amount:
        raise WorkflowError(
            f"The allocations add up to {allocated} but the payment is {amount}; make them equal.",
            ErrorCode.ALLOCATION_MISMATCH,
        )
    return [Allocation(oid, explicit[oid]) for oid in sorted(explicit)]


def refuse_unselected(explicit: Mapping[int, Decimal], by_id: Mapping[int, OrderBalance]) -> None:
    stray = sorted(set(explicit) - set(by_id))
    if stray:
        raise WorkflowError(
            f"Order {', '.join(map(str, stray))} is not among the selected orders.",
            ErrorCode.ALLOCATION_MISMATCH,
        )
