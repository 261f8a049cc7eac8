"""The clerk's payment desk: find the orders a payment is for, read the
exact balance due of a selection, and check what the clerk typed before the
payment rule (workflow.payments.record_payment) is asked to record it.

The desk decides nothing the rule decides: the rule locks the orders and
refuses too much, several customers or a cancelled order again, whatever the
form showed. What the desk adds is the clerk's side: a customer's open orders
a page at a time, order numbers as typed ("1042, 1043"), the oldest-due-first
pre-fill of the allocations (the rule's own split, workflow.payment_rules),
and one message per bad field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from math import ceil

from sqlalchemy import Engine, literal_column, select

from workflow.balances import BalancePage, OrderBalance, balances_on, customer_orders
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings.masking import email_sql
from workflow.money import parse_amount
from workflow.payment_rules import allocate_oldest_due_first, too_much_message
from workflow.payments import Payment, record_payment
from workflow.tables import customers

ZERO = Decimal("0.00")
PAGE_SIZE = 25
MAX_ORDER_NUMBERS = 200
MAX_REFERENCE_LENGTH = 200
# How money arrives at the desk: stored value -> label. The rule takes any
# non-empty text; these are the values the demo data uses where they overlap.
METHODS: dict[str, str] = {
    "bank_transfer": "Bank transfer",
    "card": "Card",
    "cash": "Cash",
    "cheque": "Cheque",
    "other": "Other",
}
_NUMBER_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class DeskCustomer:
    """Whom the payment is from; e-mail masked unless the caller may see it."""

    id: int
    full_name: str
    email: str
    country: str


@dataclass(frozen=True)
class OpenOrders:
    """One page of a customer's open orders (unpaid, partially paid, overdue),
    oldest due date first, with the count and balance due of all of them."""

    customer: DeskCustomer
    balances: BalancePage
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, ceil(self.balances.total_count / self.page_size))


@dataclass(frozen=True)
class FoundOrders:
    """Orders typed by number, all open and all of one customer."""

    customer: DeskCustomer
    order_ids: tuple[int, ...]


@dataclass(frozen=True)
class SelectionDue:
    """The selected orders as the database has them now, oldest due date
    first, and what they owe together (placed orders only: a cancelled one
    owes nothing). `missing` are selected ids that no longer exist."""

    balances: tuple[OrderBalance, ...]
    balance_due: Decimal
    missing: tuple[int, ...] = ()


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


@dataclass(frozen=True)
class Receipt:
    """A recorded (or replayed) payment and its orders' balances after it."""

    payment: Payment
    balances: tuple[OrderBalance, ...]


def customer_card(engine: Engine, customer_id: int, *, pii: bool = False) -> DeskCustomer:
    """The customer, or CUSTOMER_NOT_FOUND."""
    query = select(
        customers.c.id,
        customers.c.full_name,
        literal_column(email_sql("customers.email", pii=pii)),
        customers.c.country,
    ).where(customers.c.id == customer_id)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise WorkflowError(f"Customer {customer_id} does not exist.", ErrorCode.CUSTOMER_NOT_FOUND)
    return DeskCustomer(*row)


def open_orders(
    engine: Engine,
    customer_id: int,
    *,
    search: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    pii: bool = False,
) -> OpenOrders:
    """Page `page` of the customer's open orders whose number starts with
    `search` (digits); a page past the end shows the last one."""
    search = (search or "").strip() or None
    if search is not None and not search.isdigit():
        raise WorkflowError(
            f"Order numbers are digits; {search!r} is not the start of one.", ErrorCode.INVALID_ARGUMENT
        )
    if page < 1:
        raise WorkflowError(
            f"Page {page} does not exist; pages are numbered from 1.", ErrorCode.INVALID_ARGUMENT
        )
    customer = customer_card(engine, customer_id, pii=pii)
    found = customer_orders(
        engine, customer_id, search=search, limit=page_size, offset=(page - 1) * page_size
    )
    last = max(1, ceil(found.total_count / page_size))
    if page > last:
        page = last
        found = customer_orders(
            engine, customer_id, search=search, limit=page_size, offset=(page - 1) * page_size
        )
    return OpenOrders(customer, found, page, page_size)


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


def find_orders(engine: Engine, text: str | None, *, pii: bool = False) -> FoundOrders:
    """The typed orders, refused unless all exist, belong to one customer and
    still owe something (unpaid, partially paid or overdue)."""
    numbers = parse_order_numbers(text)
    with engine.connect() as conn:
        found = {b.order_id: b for b in balances_on(conn, numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise WorkflowError(
            f"Order {', '.join(map(str, missing))} does not exist.", ErrorCode.ORDER_NOT_FOUND
        )
    owners = sorted({b.customer_id for b in found.values()})
    if len(owners) > 1:
        raise WorkflowError(
            f"The orders belong to {len(owners)} customers ({', '.join(map(str, owners))}); "
            "a payment covers orders of one customer.",
            ErrorCode.ORDERS_OF_SEVERAL_CUSTOMERS,
        )
    cancelled = [n for n in numbers if found[n].status == "cancelled"]
    if cancelled:
        raise WorkflowError(
            f"Order {', '.join(map(str, cancelled))} is cancelled and takes no payment.",
            ErrorCode.ORDER_CANCELLED,
        )
    settled = [n for n in numbers if found[n].balance_due <= 0]
    if settled:
        raise WorkflowError(
            f"Order {', '.join(map(str, settled))} has nothing left to pay.", ErrorCode.OVERPAYMENT
        )
    return FoundOrders(customer_card(engine, owners[0], pii=pii), numbers)


def selection_due(engine: Engine, order_ids: Iterable[int]) -> SelectionDue:
    """The selection's balances and their sum, read in one statement."""
    ids = sorted(set(order_ids))
    with engine.connect() as conn:
        balances = balances_on(conn, ids)
    ordered = tuple(sorted(balances, key=lambda b: (b.due_at, b.order_id)))
    due = sum((b.balance_due for b in ordered if b.status == "placed"), ZERO)
    present = {b.order_id for b in balances}
    return SelectionDue(ordered, due, tuple(i for i in ids if i not in present))


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


def pay_selection(
    engine: Engine, *, order_ids: Sequence[int], entry: PaymentEntry, idempotency_key: str, actor: str
) -> Receipt:
    """Record the checked entry through the payment rule (allocations as the
    clerk left them), then read the orders' balances for the receipt. A
    repeated key gives the first payment back (payment.replayed)."""
    payment = record_payment(
        engine,
        order_ids=order_ids,
        amount=entry.amount,
        method=entry.method,
        received_at=entry.received_at,
        idempotency_key=idempotency_key,
        actor=actor,
        reference=entry.reference,
        allocations=entry.allocations,
    )
    with engine.connect() as conn:
        balances = balances_on(conn, [a.order_id for a in payment.allocations])
    return Receipt(payment, tuple(balances))


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
