"""The order items listing: one row per item, with its order, customer and product.

Included: items of placed and cancelled orders (the order's status is a
column; `include_cancelled=False` keeps booked sales only). Unit price and
unit cost are the item's own, fixed when the order was placed; the line
total is quantity * unit price, computed by the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from workflow.listings.query import (
    Page,
    Selection,
    clean_countries,
    clean_search,
    clean_texts,
    country_conditions,
    customer_conditions,
    day_conditions,
    fetch_page,
    like_prefix,
    order_by,
    require_id,
    require_range,
    require_sort,
    set_fields,
)

COUNT_SOURCE = "order_items AS i JOIN order_balances AS b ON b.order_id = i.order_id JOIN products AS p ON p.id = i.product_id"
SOURCE = f"{COUNT_SOURCE} JOIN customers AS c ON c.id = b.customer_id"
SORTS = {
    "placed_at": "b.placed_at",
    "order_id": "i.order_id",
    "customer": "lower(c.full_name)",
    "sku": "p.sku",
    "quantity": "i.quantity",
    "unit_price": "i.unit_price",
    "line_total": "(i.quantity * i.unit_price)",
}


@dataclass(frozen=True)
class ItemQuery:
    """Which items, in which order.

    - start, end: business days their order was placed on, inclusive;
    - customer / customer_id / countries: as in OrderQuery;
    - categories: product categories (exact), none meaning all;
    - product: the start of a product's SKU or name (case-insensitive);
    - order_id: the items of one order;
    - include_cancelled: False leaves items of cancelled orders out;
    - sort: one of SORTS, newest order first by default."""

    start: date | None = None
    end: date | None = None
    customer: str | None = None
    customer_id: int | None = None
    countries: tuple[str, ...] = field(default=())
    categories: tuple[str, ...] = field(default=())
    product: str | None = None
    order_id: int | None = None
    include_cancelled: bool = True
    sort: str = "placed_at"
    descending: bool = True

    def __post_init__(self) -> None:
        require_range(self.start, self.end, "order date")
        require_id(self.customer_id, "Customer")
        require_id(self.order_id, "Order")
        require_sort(self.sort, SORTS, "Order items")
        set_fields(
            self,
            customer=clean_search(self.customer, "customer"),
            countries=clean_countries(self.countries),
            categories=clean_texts(self.categories, "categories"),
            product=clean_search(self.product, "product"),
        )


@dataclass(frozen=True)
class ItemRow:
    item_id: int
    order_id: int
    order_status: str  # placed or cancelled
    placed_at: datetime
    customer_id: int
    customer_name: str
    country: str
    product_id: int
    sku: str
    product_name: str
    category: str
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal
    line_total: Decimal


def item_selection(query: ItemQuery) -> Selection:
    """The items the query keeps, in its order: the one WHERE clause of the
    items listing and export. Aliases: i item, b its order's balance row, c
    customer, p product."""
    params: dict[str, object] = {}
    conditions = day_conditions("b.placed_at", query.start, query.end, params)
    if query.order_id is not None:
        conditions.append("i.order_id = %(order_id)s")
        params["order_id"] = query.order_id
    if not query.include_cancelled:
        conditions.append("b.status = 'placed'")
    conditions += customer_conditions("b.customer_id", query.customer, query.customer_id, params)
    conditions += country_conditions("b.customer_id", query.countries, params)
    if query.categories:
        conditions.append("p.category = ANY(%(categories)s::text[])")
        params["categories"] = list(query.categories)
    if query.product:
        conditions.append("(lower(p.sku) LIKE %(product_prefix)s OR lower(p.name) LIKE %(product_prefix)s)")
        params["product_prefix"] = like_prefix(query.product)
    return Selection(
        SOURCE,
        tuple(conditions),
        params,
        order_by(SORTS, query.sort, query.descending, "i.id"),
        count_source=COUNT_SOURCE,
    )


_COLUMNS = (
    "i.id, i.order_id, b.status, b.placed_at, b.customer_id, c.full_name, c.country, "
    "p.id, p.sku, p.name, p.category, i.quantity, i.unit_price, i.unit_cost, i.quantity * i.unit_price"
)


def list_items(engine: Engine, query: ItemQuery, *, page: int = 1, page_size: int = 50) -> Page[ItemRow]:
    """One page of the items the query keeps, with the (capped) count of all of them."""
    with engine.connect() as conn:
        return fetch_page(
            conn, item_selection(query), _COLUMNS, lambda r: ItemRow(*r), page=page, page_size=page_size
        )
