"""The payments listing: one row per payment or refund, with its customer
and the orders it was allocated to.

Included: payments and refunds alike (`kind` says which; a refund's amount
is positive, money given back). The orders are those of its allocations,
in id order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from workflow.listings.query import (
    Page,
    Selection,
    clean_choices,
    clean_countries,
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

KINDS = ("payment", "refund")
SOURCE = "payments AS p JOIN customers AS c ON c.id = p.customer_id"
COUNT_SOURCE = "payments AS p"
# The ids of the orders a payment was allocated to, in id order: looked up
# per row (a page, a small export), or for a large export aggregated for all
# payments in one pass (ALLOCATIONS_JOIN, column pa.order_ids, the ids as text).
ALLOCATED_ORDERS = (
    "ARRAY(SELECT a.order_id FROM payment_allocations AS a WHERE a.payment_id = p.id ORDER BY a.order_id)"
)
ALLOCATIONS_JOIN = (
    "LEFT JOIN (SELECT a.payment_id, string_agg(a.order_id::text, ' ' ORDER BY a.order_id) AS order_ids "
    "FROM payment_allocations AS a GROUP BY a.payment_id) AS pa ON pa.payment_id = p.id"
)
SORTS = {
    "received_at": "p.received_at",
    "payment_id": "p.id",
    "amount": "p.amount",
    "customer": "lower(c.full_name)",
    "method": "p.method",
}


@dataclass(frozen=True)
class PaymentQuery:
    """Which payments and refunds, in which order.

    - start, end: business days they were received on, inclusive;
    - kinds: 'payment' and/or 'refund', none meaning both;
    - methods: payment methods (exact, case-insensitive), none meaning all;
    - customer / customer_id / countries: as in OrderQuery;
    - order_id: those allocated to one order;
    - sort: one of SORTS, latest received first by default."""

    start: date | None = None
    end: date | None = None
    kinds: tuple[str, ...] = field(default=())
    methods: tuple[str, ...] = field(default=())
    customer: str | None = None
    customer_id: int | None = None
    countries: tuple[str, ...] = field(default=())
    order_id: int | None = None
    sort: str = "received_at"
    descending: bool = True

    def __post_init__(self) -> None:
        require_range(self.start, self.end, "received date")
        require_id(self.customer_id, "Customer")
        require_id(self.order_id, "Order")
        require_sort(self.sort, SORTS, "Payments")
        set_fields(
            self,
            kinds=clean_choices(self.kinds, KINDS, "payment kinds"),
            methods=clean_texts(self.methods, "payment methods"),
            customer=clean_search(self.customer, "customer"),
            countries=clean_countries(self.countries),
        )


@dataclass(frozen=True)
class PaymentRow:
    payment_id: int
    received_at: datetime
    kind: str  # payment or refund
    amount: Decimal
    method: str
    reference: str | None
    customer_id: int
    customer_name: str
    country: str
    order_ids: tuple[int, ...]
    recorded_by: str


def payment_selection(query: PaymentQuery) -> Selection:
    """The payments the query keeps, in its order: the one WHERE clause of
    the payments listing and export. Aliases: p payment, c customer."""
    params: dict[str, object] = {}
    conditions = day_conditions("p.received_at", query.start, query.end, params)
    if query.kinds:
        conditions.append("p.kind = ANY(%(kinds)s::text[])")
        params["kinds"] = list(query.kinds)
    if query.methods:
        conditions.append("lower(p.method) = ANY(%(methods)s::text[])")
        params["methods"] = [m.lower() for m in query.methods]
    conditions += customer_conditions("p.customer_id", query.customer, query.customer_id, params)
    conditions += country_conditions("p.customer_id", query.countries, params)
    if query.order_id is not None:
        conditions.append(
            "p.id IN (SELECT oa.payment_id FROM payment_allocations AS oa WHERE oa.order_id = %(order_id)s)"
        )
        params["order_id"] = query.order_id
    return Selection(
        SOURCE,
        tuple(conditions),
        params,
        order_by(SORTS, query.sort, query.descending, "p.id"),
        count_source=COUNT_SOURCE,
    )


_COLUMNS = (
    "p.id, p.received_at, p.kind, p.amount, p.method, p.reference, p.customer_id, c.full_name, "
    f"c.country, {ALLOCATED_ORDERS}, p.recorded_by"
)


def _row(r) -> PaymentRow:
    return PaymentRow(*r[:9], tuple(r[9] or ()), r[10])


def list_payments(
    engine: Engine, query: PaymentQuery, *, page: int = 1, page_size: int = 50
) -> Page[PaymentRow]:
    """One page of the payments and refunds the query keeps, with the (capped) count of all of them."""
    with engine.connect() as conn:
        return fetch_page(conn, payment_selection(query), _COLUMNS, _row, page=page, page_size=page_size)
