"""Order items, for analysts: every line sold, filtered on the server, and
its CSV download."""

from __future__ import annotations

import dash
from dash import dcc, html

from bi_app.components.listing import (
    Column,
    FilterField,
    fetch_or_alert,
    filter_form,
    listing_table,
    notes_alert,
    page_number,
    pager,
)
from bi_app.formatting import format_money
from bi_app.listing_url import parse_listing_query
from bi_app.services import services
from workflow.listings import ItemQuery, list_items

dash.register_page(
    __name__, path="/items", name="Order items", title="Order items · ECC", order=60, menu="Data"
)

VIEW = "items"
FIELDS = (
    FilterField("from", "Placed from", "date"),
    FilterField("to", "Placed to", "date"),
    FilterField("customer", "Customer", placeholder="name, e-mail or id"),
    FilterField("country", "Countries", placeholder="DE,FR"),
    FilterField("category", "Categories", placeholder="Books"),
    FilterField("product", "Product", placeholder="SKU or name"),
)


def layout(**params: str) -> html.Div:
    ecc = services()
    query, notes = parse_listing_query(ItemQuery, params)
    page, problem = fetch_or_alert(lambda: list_items(ecc.engine, query, page=page_number(params)))
    if page is None:
        return html.Div(
            [html.H2("Order items"), notes_alert(notes), filter_form(VIEW, FIELDS, params), problem]
        )
    money = ecc.settings.currency
    columns = (
        Column("Order", lambda r: dcc.Link(f"#{r.order_id}", href=f"/orders/{r.order_id}"), "order_id"),
        Column("Placed", lambda r: f"{r.placed_at.astimezone(ecc.settings.tz):%Y-%m-%d %H:%M}", "placed_at"),
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
    return html.Div(
        [
            html.H2("Order items"),
            notes_alert(notes),
            filter_form(VIEW, FIELDS, params),
            pager(page, query, "/items", VIEW),
            listing_table(columns, page, query, "/items"),
        ]
    )
