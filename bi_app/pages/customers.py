"""Customers, for analysts: filtered on the server, paged, and its CSV
download; e-mail and phone masked unless the account may see them."""

from __future__ import annotations

import dash
from dash import html

from bi_app.access import may_see_pii
from bi_app.components.listing import Column, FilterField, ListingView
from bi_app.formatting import format_money
from bi_app.services import services
from workflow.listings import CustomerQuery, list_customers

dash.register_page(
    __name__, path="/customers", name="Customers", title="Customers · ECC", order=62, menu="Data"
)


def columns() -> tuple[Column, ...]:
    money, tz = services().settings.currency, services().settings.tz
    return (
        Column("Customer", lambda r: f"#{r.customer_id}", "customer_id"),
        Column("Name", lambda r: r.full_name, "name"),
        Column("E-mail", lambda r: r.email),
        Column("Phone", lambda r: r.phone or ""),
        Column("Country", lambda r: r.country, "country"),
        Column("Since", lambda r: f"{r.created_at.astimezone(tz):%Y-%m-%d}", "created_at"),
        Column("Orders", lambda r: f"{r.order_count:,}", numeric=True),
        Column("Ordered", lambda r: format_money(r.total_ordered, money), numeric=True),
        Column("Balance due", lambda r: format_money(r.balance_due, money), numeric=True),
    )


VIEW = ListingView(
    title="Customers",
    view="customers",
    path="/customers",
    query_type=CustomerQuery,
    fields=(
        FilterField("search", "Search", placeholder="name, e-mail or id"),
        FilterField("country", "Countries", placeholder="DE,FR"),
        FilterField("from", "Customer since", "date"),
        FilterField("to", "Customer until", "date"),
    ),
    fetch=lambda query, page: list_customers(services().engine, query, page=page, pii=may_see_pii()),
    columns=columns,
)


def layout(**params: str) -> html.Div:
    return VIEW.layout(params)
