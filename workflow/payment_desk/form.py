"""The payment form's pure rules: order numbers as typed, the oldest-due-first
pre-fill of the allocations (the payment rule's own split, from
workflow.payment_rules), the day the money was received, and one message per
bad field. No I/O, so they are tested without a database; the payment rule
checks everything again under its locks, whatever the form showed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from workflow.balances import OrderBalance
from workflow.errors import ErrorCode, WorkflowError
from workflow.money import parse_amount
from workflow.payment_rules import allocate_oldest_due_first, too_much_message

ZERO = Decimal("0.00")
MAX_ORDER_NUMBERS = 200
MAX_REFERENCE_LENGTH = 200
# How money moves, as stored -> as a clerk reads it: the one list the payment
# form, the refund form and every display use (the demo data's methods
# included). The payment rule itself takes any non-empty text.
METHODS: dict[str, str] = {
    "bank_transfer": "Bank transfer",
    "card": "Card",
    "paypal": "PayPal",
    "direct_debit": "Direct debit",
    "cash": "Cash",
    "cheque": "Cheque",
    "other": "Other",
}
_NUMBER_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class PaymentEntry:
    """A payment form that passed every check: allocations above zero only."""

    amount: Decimal
    allocations: dict[int, Decimal]
    method: str
    reference: str | None
    received_at: datetime


@dataclass(frozen=True)
class MoneyCheck:
    """The amount and allocations as typed: the values read (None where
    unreadable; allocations above zero only), what the allocations add up to
    (None while one is bad), and a message per bad field ("amount",
    "allocations") and per order."""

    amount: Decimal | None
    allocations: dict[int, Decimal]
    allocated: Decimal | None
    errors: dict[str, str]
    allocation_errors: dict[int, str]


@dataclass(frozen=True)
class EntryCheck:
    """The form's fields checked: the entry, or a message per bad field
    (selection, amount, allocations, method, reference, received) and per order."""

    entry: PaymentEntry | None
    errors: dict[str, str] = field(default_factory=dict)
    allocation_errors: dict[int, str] = field(default_factory=dict)


def parse_order_numbers(text: str | None) -> tuple[int, ...]:
    """Order numbers as typed ("1042, 1043" or "#1042 1043"), distinct, in
    the order typed."""
    words = [w.removeprefix("#") for w in _NUMBER_SEPARATORS.split((text or "").strip()) if w]
    if not words:
        raise WorkflowError("Type one or more order numbers, e.g. 1042, 1043.", ErrorCode.NO_ORDERS_SELECTED)
    bad = [w for w in words if not w.isdigit() or len(w) > 18]
    if bad:
        raise WorkflowError(
            f"{', '.join(map(repr, bad[:3]))} {'is' if len(bad) == 1 else 'are'} not an order number; "
            "type numbers separated by commas, e.g. 1042, 1043.",
            ErrorCode.INVALID_ARGUMENT,
        )
    numbers = tuple(dict.fromkeys(int(w) for w in words))
    if len(numbers) > MAX_ORDER_NUMBERS:
        raise WorkflowError(
            f"{len(numbers)} order numbers were typed; one payment covers at most {MAX_ORDER_NUMBERS}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return numbers


def prefill_allocations(balances: Sequence[OrderBalance], amount: Decimal) -> dict[int, Decimal]:
    """Each placed order's share of `amount`, oldest due date first (the
    rule's own split), 0.00 for the orders it does not reach."""
    placed = [b for b in balances if b.status == "placed"]
    split = {a.order_id: a.amount for a in allocate_oldest_due_first(placed, amount)}
    return {b.order_id: split.get(b.order_id, ZERO) for b in placed}


def received_moment(day: date, now: datetime) -> datetime:
    """When money received on business day `day` is booked: now if it is
    today, else noon of that day; `now` carries the business time zone."""
    if day == now.date():
        return now
    return datetime.combine(day, time(12), tzinfo=now.tzinfo)


def check_money(
    amount: str | None, allocations: Mapping[int, str | None], balances: Sequence[OrderBalance]
) -> MoneyCheck:
    """The amount (above zero, whole cents, at most the selection's balance
    due) and each allocation (empty or 0 for none, never more than that
    order's balance due), which must add up to the amount; judged against
    `balances`, the selection as the form shows it."""
    errors: dict[str, str] = {}
    allocation_errors: dict[int, str] = {}
    placed = {b.order_id: b for b in balances if b.status == "placed"}
    due = sum((b.balance_due for b in placed.values()), ZERO)
    total = _money(amount, "Amount", errors, "amount")
    if total is not None and placed and total > due:
        errors["amount"] = too_much_message(list(placed.values()), due, total)
    split: dict[int, Decimal] = {}
    for order_id, text in allocations.items():
        if text is None or not str(text).strip() or _is_zero(text):
            continue
        share = _money(text, f"Allocation to order {order_id}", allocation_errors, order_id)
        if share is None:
            continue
        if order_id not in placed:
            allocation_errors[order_id] = f"Order {order_id} is not among the selected orders."
        elif share > placed[order_id].balance_due:
            allocation_errors[order_id] = (
                f"Order {order_id} has {placed[order_id].balance_due} left to pay; {share} was allocated to it."
            )
        else:
            split[order_id] = share
    allocated = None if allocation_errors else sum(split.values(), ZERO)
    if total is not None and allocated is not None and allocated != total and "amount" not in errors:
        errors["allocations"] = (
            f"The allocations add up to {allocated} but the payment is {total}; make them equal."
        )
    return MoneyCheck(total, split, allocated, errors, allocation_errors)


def check_entry(
    *,
    amount: str | None,
    allocations: Mapping[int, str | None],
    balances: Sequence[OrderBalance],
    method: str | None,
    reference: str | None,
    received_on: str | None,
    now: datetime,
) -> EntryCheck:
    """Every field of the payment form, each with its own message: the
    money (check_money), a known method, a reference of sensible length, and
    the day received (a date, not after today in `now`'s time zone)."""
    if not any(b.status == "placed" for b in balances):
        return EntryCheck(None, {"selection": "Select at least one order."})
    money = check_money(amount, allocations, balances)
    errors = dict(money.errors)
    if method not in METHODS:
        errors["method"] = "Choose how the money was paid."
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > MAX_REFERENCE_LENGTH:
        errors["reference"] = (
            f"The reference is {len(reference)} characters long; at most {MAX_REFERENCE_LENGTH}."
        )
    received_at = _received(received_on, now, errors)
    if errors or money.allocation_errors:
        return EntryCheck(None, errors, money.allocation_errors)
    return EntryCheck(PaymentEntry(money.amount, money.allocations, method, reference, received_at))


def _is_zero(text: str) -> bool:
    try:
        return Decimal(str(text).strip()) == 0
    except ArithmeticError:
        return False


def _money(text: str | None, what: str, errors: dict, key: str | int) -> Decimal | None:
    if text is None or not str(text).strip():
        errors[key] = f"Enter the {what.lower()}, e.g. 12.50."
        return None
    try:
        return parse_amount(str(text), what)
    except WorkflowError as exc:
        errors[key] = exc.message
        return None


def _received(text: str | None, now: datetime, errors: dict[str, str]) -> datetime | None:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        errors["received"] = "Enter the day the money was received, e.g. 2026-03-02."
        return None
    if day > now.date():
        errors["received"] = f"Money cannot be received in the future; {day} is after today ({now.date()})."
        return None
    return received_moment(day, now)
