"""The orders listing: one row per order with its customer, money and states.

Included: every order, placed or cancelled (a cancelled one has no payment
state), unless the query narrows it. Total, paid and refunded come from
order_balances (kept by the database from the items and allocations);
balance due is the SQL function balance_due() (total - paid, 0.00 for a
cancelled order), as in workflow.balances; the payment state is the SQL function
payment_state() judged at `at` (default: now); the shipment status is that
of the order's latest shipment (none before one is created).

The default order, newest placed first, is read from the index on
order_balances (placed_at, order_id); a payment-state filter without 'paid'
also says the order is placed and not fully paid or refunded, which lets
PostgreSQL read the small partial index of those orders instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from workflow.balances import PaymentState
from workflow.clock import require_aware
from workflow.listings.query import (
    Page,
    Selection,
    clean_countries,
    clean_enums,
    clean_search,
    clean_texts,
    country_conditions,
    customer_conditions,
    day_conditions,
    fetch_page,
    order_by,
    require_id,
    require_range,
    require_sort,
    set_fields,
)

# Only order_balances is read to filter and sort (customers join in only to
# sort by name, as sc): with no join above it, PostgreSQL's sort for a page
# keeps just the rows it needs. Columns of the customer are read for the
# rows shown (CUSTOMER_COLUMNS in a page, a join as c in an export).
SOURCE = "order_balances AS b"
SORT_BY_NAME = "JOIN customers AS sc ON sc.id = b.customer_id"
CUSTOMER_JOIN = "JOIN customers AS c ON c.id = b.customer_id"
CUSTOMER_COLUMNS = ", ".join(
    f"(SELECT k.{column} FROM customers AS k WHERE k.id = b.customer_id)"
    for column in ("full_name", "country")
)
# The status of the order's latest shipment: looked up per row (a page, a
# small export), or, for a large export, read for all orders in one pass
# (LATEST_SHIPMENTS_JOIN, column ls.status): the same value either way.
LATEST_SHIPMENT = (
    "(SELECT sh.status FROM shipments AS sh WHERE sh.order_id = b.order_id ORDER BY sh.id DESC LIMIT 1)"
)
LATEST_SHIPMENTS_JOIN = (
    "LEFT JOIN (SELECT DISTINCT ON (sh.order_id) sh.order_id, sh.status FROM shipments AS sh "
    "ORDER BY sh.order_id, sh.id DESC) AS ls ON ls.order_id = b.order_id"
)
# What is still owed: total - paid; nothing for a cancelled order (migration 014).
BALANCE_DUE = "balance_due(b.status, b.total, b.paid)"
STATE = "payment_state(b.status, b.total, b.paid, b.refunded, b.due_at, coalesce(%(at)s::timestamptz, now()))"
# The predicate of order_balances_attention_idx: every order whose state is not 'paid' (nor cancelled).
NEEDS_ATTENTION = "b.status = 'placed' AND (b.paid < b.total OR b.refunded > 0)"

SORTS = {
    "placed_at": "b.placed_at",
    "order_id": "b.order_id",
    "customer": "lower(sc.full_name)",
    "due_at": "b.due_at",
    "total": "b.total",
    "paid": "b.paid",
    "balance_due": BALANCE_DUE,
}


@dataclass(frozen=True)
class OrderQuery:
    """Which orders, in which order.

    - start, end: business days the order was placed on, inclusive (the
      business time zone of business_calendar); None leaves that end open;
    - states: payment states to keep (none: all orders, cancelled included;
      any: cancelled orders, which have no state, are left out);
    - customer: an id, or the start of a customer's name or e-mail
      (case-insensitive); customer_id: exactly that customer;
    - countries: customer countries (ISO alpha-2), none meaning all;
    - categories: product categories, none meaning all: an order is kept
      when it holds at least one item of one of them (as the dashboard's
      category filter counts orders);
    - include_cancelled: False leaves cancelled orders out;
    - sort: one of SORTS, newest placed first by default."""

    start: date | None = None
    end: date | None = None
    states: tuple[PaymentState, ...] = field(default=())
    customer: str | None = None
    customer_id: int | None = None
    countries: tuple[str, ...] = field(default=())
    categories: tuple[str, ...] = field(default=())
    include_cancelled: bool = True
    sort: str = "placed_at"
    descending: bool = True

    def __post_init__(self) -> None:
        require_range(self.start, self.end, "order date")
        require_id(self.customer_id, "Customer")
        require_sort(self.sort, SORTS, "Orders")
        set_fields(
            self,
            states=clean_enums(self.states, PaymentState, "payment states"),
            customer=clean_search(self.customer, "customer"),
            countries=clean_countries(self.countries),
            categories=clean_texts(self.categories, "categories"),
        )


@dataclass(frozen=True)
class OrderRow:
    order_id: int
    customer_id: int
    customer_name: str
    country: str
    status: str  # placed or cancelled
    placed_at: datetime
    due_at: datetime
    total: Decimal
    paid: Decimal
    refunded: Decimal
    balance_due: Decimal  # 0.00 for a cancelled order
    state: PaymentState | None  # None for a cancelled order
    shipment_status: str | None  # of the latest shipment; None before one exists


def order_selection(query: OrderQuery, at: datetime | None = None) -> Selection:
    """The orders the query keeps, in its order: the one WHERE clause of the
    orders listing and of the orders export. Alias b is order_balances
    (with sc, the customer, when sorting by name); %(at)s is the moment
    payment states are judged at."""
    if at is not None:
        require_aware(at, "at")
    params: dict[str, object] = {"at": at}
    conditions = day_conditions("b.placed_at", query.start, query.end, params)
    if query.states:
        conditions.append(f"{STATE} = ANY(%(states)s::text[])")
        params["states"] = [s.value for s in query.states]
        if PaymentState.PAID not in query.states:
            conditions.append(NEEDS_ATTENTION)
    if not query.include_cancelled:
        conditions.append("b.status = 'placed'")
    conditions += customer_conditions("b.customer_id", query.customer, query.customer_id, params)
    conditions += country_conditions("b.customer_id", query.countries, params)
    if query.categories:
        conditions.append(
            "EXISTS (SELECT 1 FROM order_items AS fi JOIN products AS fp ON fp.id = fi.product_id "
            "WHERE fi.order_id = b.order_id AND fp.category = ANY(%(categories)s::text[]))"
        )
        params["categories"] = list(query.categories)
    return Selection(
        f"{SOURCE} {SORT_BY_NAME}" if query.sort == "customer" else SOURCE,
        tuple(conditions),
        params,
        order_by(SORTS, query.sort, query.descending, "b.order_id"),
        count_source=SOURCE,
    )


_COLUMNS = (
    f"b.order_id, b.customer_id, {CUSTOMER_COLUMNS}, b.status, b.placed_at, b.due_at, "
    f"b.total, b.paid, b.refunded, {BALANCE_DUE}, {STATE}, {LATEST_SHIPMENT}"
)


def _row(r) -> OrderRow:
    return OrderRow(*r[:11], PaymentState(r[11]) if r[11] else None, r[12])


def list_orders(
    engine: Engine, query: OrderQuery, *, page: int = 1, page_size: int = 50, at: datetime | None = None
) -> Page[OrderRow]:
    """One page of the orders the query keeps, states judged at `at`
    (default: now), with the count of all of them (capped: see Page)."""
    selection = order_selection(query, at)
    with engine.connect() as conn:
        return fetch_page(conn, selection, _COLUMNS, _row, page=page, page_size=page_size)
