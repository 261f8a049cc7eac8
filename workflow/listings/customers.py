"""The customers listing: one row per customer with what they ordered and owe.

Order count counts all their orders, cancelled ones included; total ordered
and balance due count placed orders only (a cancelled order is neither sold
nor owed). E-mail and phone are masked unless the caller passes pii=True
(see workflow.listings.masking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from workflow.listings.masking import email_sql, phone_sql
from workflow.listings.query import (
    Page,
    Selection,
    clean_countries,
    clean_search,
    customer_conditions,
    day_conditions,
    fetch_page,
    order_by,
    require_range,
    require_sort,
    set_fields,
)

SOURCE = "customers AS c"
# What a customer ordered and owes, as aggregates over their order_balances rows (ob).
FIGURES = {
    "order_count": "count(*)",
    "total_ordered": "coalesce(sum(ob.total) FILTER (WHERE ob.status = 'placed'), 0.00)",
    "balance_due": "coalesce(sum(balance_due(ob.status, ob.total, ob.paid)), 0.00)",
}
# For a page: one subquery per figure in the select list, which PostgreSQL
# computes for the page's rows only (a join would be computed before sorting).
PAGE_FIGURES = ", ".join(
    f"(SELECT {figure} FROM order_balances AS ob WHERE ob.customer_id = c.id)" for figure in FIGURES.values()
)
# For an export, columns t.<figure name> (NULL for a customer without
# orders in the bulk form): one lateral join reading each customer's orders
# once, or, for a large export, one pass aggregating all orders.
FIGURES_JOIN = (
    f"LEFT JOIN LATERAL (SELECT {', '.join(f'{sql} AS {name}' for name, sql in FIGURES.items())} "
    "FROM order_balances AS ob WHERE ob.customer_id = c.id) AS t ON true"
)
FIGURES_BULK_JOIN = (
    f"LEFT JOIN (SELECT ob.customer_id, {', '.join(f'{sql} AS {name}' for name, sql in FIGURES.items())} "
    "FROM order_balances AS ob GROUP BY ob.customer_id) AS t ON t.customer_id = c.id"
)
SORTS = {
    "created_at": "c.created_at",
    "customer_id": "c.id",
    "name": "lower(c.full_name)",
    "country": "c.country",
}


@dataclass(frozen=True)
class CustomerQuery:
    """Which customers, in which order.

    - search: an id, or the start of their name or e-mail (case-insensitive);
    - countries: ISO alpha-2 codes, none meaning all;
    - start, end: business days they were created on, inclusive;
    - sort: one of SORTS, newest first by default."""

    search: str | None = None
    countries: tuple[str, ...] = field(default=())
    start: date | None = None
    end: date | None = None
    sort: str = "created_at"
    descending: bool = True

    def __post_init__(self) -> None:
        require_range(self.start, self.end, "customer creation date")
        require_sort(self.sort, SORTS, "Customers")
        set_fields(
            self, search=clean_search(self.search, "customer"), countries=clean_countries(self.countries)
        )


@dataclass(frozen=True)
class CustomerRow:
    customer_id: int
    full_name: str
    email: str  # masked unless pii
    phone: str | None  # masked unless pii
    country: str
    created_at: datetime
    order_count: int
    total_ordered: Decimal
    balance_due: Decimal


def customer_selection(query: CustomerQuery) -> Selection:
    """The customers the query keeps, in its order: the one WHERE clause of
    the customers listing and export. Alias c is the customer."""
    params: dict[str, object] = {}
    conditions = day_conditions("c.created_at", query.start, query.end, params)
    conditions += customer_conditions("c.id", query.search, None, params)
    if query.countries:
        conditions.append("c.country = ANY(%(countries)s::text[])")
        params["countries"] = list(query.countries)
    return Selection(SOURCE, tuple(conditions), params, order_by(SORTS, query.sort, query.descending, "c.id"))


def list_customers(
    engine: Engine, query: CustomerQuery, *, pii: bool, page: int = 1, page_size: int = 50
) -> Page[CustomerRow]:
    """One page of the customers the query keeps, with the (capped) count of
    all of them; e-mail and phone as the caller says this person may see them."""
    columns = (
        f"c.id, c.full_name, {email_sql('c.email', pii=pii)}, {phone_sql('c.phone', pii=pii)}, c.country, "
        f"c.created_at, {PAGE_FIGURES}"
    )
    with engine.connect() as conn:
        return fetch_page(
            conn,
            customer_selection(query),
            columns,
            lambda r: CustomerRow(*r),
            page=page,
            page_size=page_size,
        )
