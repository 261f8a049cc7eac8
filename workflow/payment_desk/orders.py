"""The payment desk's reads and its one write: a customer's open orders a
page at a time, orders typed by number, the selection's exact balance due,
and a checked entry recorded through the payment rule
(workflow.payments.record_payment), which locks the orders and refuses too
much, several customers or a cancelled order again, whatever the form showed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import ceil

from sqlalchemy import Engine, literal_column, select

from workflow.balances import BalancePage, OrderBalance, balances_on, customer_orders
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings.masking import email_sql
from workflow.payment_desk.form import ZERO, PaymentEntry, parse_order_numbers
from workflow.payments import Payment, record_payment
from workflow.tables import customers

PAGE_SIZE = 25


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
