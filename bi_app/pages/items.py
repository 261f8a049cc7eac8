"""Order items, for analysts: every line sold, filtered on the server, paged,
and its CSV download."""

from __future__ import annotations

import dash
from dash import dcc, html

from bi_app.components.listing import Column, FilterField, ListingView
from bi_app.formatting import format_money
from bi_app.services import services
from workflow.listings import ItemQuery, list_items

dash.register_page(
    __name__, path="/items", name="Order items", title="Order items · ECC", order=60, menu="Data"
)


def columns() -> tuple[Column, ...]:
    money, tz = services().settings.currency, services().settings.tz
    return (
        Column("Order", lambda r: dcc.Link(f"#{r.order_id}", href=f"/orders/{r.order_id}"), "order_id"),
        Column("Placed", lambda r: f"{r.placed_at.astimezone(tz):%Y-%m-%d %H:%M}", "placed_at"),
        Column("Customer", lambda r: r.customer_name, "customer"),
        Column("Country", lambda r: r.country),
        Column("SKU", lambda r: html.Span(r.sku, className="font-monospace text-nowrap"), "sku"),
        Column("Product", lambda r: r.product_name),
        Column("Category", lambda r: r.category),
        Column("Qty", lambda r: f"{r.quantity:,}", "quantity", numeric=True),
        Column("Unit price", lambda r: format_money(r.unit_price, money), "unit_price", numeric=True),
        Column("Line total", lambda r: format_money(r.line_total, money), "line_total", numeric=True),
        Column("Order status", lambda r: r.order_status),
    )


VIEW = ListingView(
    title="Order items",
    view="items",
    path="/items",
    query_type=ItemQuery,
    fields=(
        FilterField("from", "Placed from", "date"),
        FilterField("to", "Placed to", "date"),
        FilterField("customer", "Customer", placeholder="name, e-mail or id"),
        FilterField("country", "Countries", placeholder="DE,FR"),
        FilterField("category", "Categories", placeholder="Books"),
        FilterField("product", "Product", placeholder="SKU or name"),
    ),
    fetch=lambda query, page: list_items(services().engine, query, page=page),
    columns=columns,
)


def layout(**params: str) -> html.Div:
    return VIEW.layout(params)
