"""Customers, for analysts: filtered on the server, paged, and its CSV download."""

from __future__ import annotations

import dash
from dash import html

from bi_app.access import may_see_pii
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
from workflow.listings import CustomerQuery, list_customers

dash.register_page(
    __name__, path="/customers", name="Customers", title="Customers · ECC", order=62, menu="Data"
)

VIEW = "customers"
FIELDS = (
    FilterField("search", "Search", placeholder="name, e-mail or id"),
    FilterField("country", "Countries", placeholder="DE,FR"),
    FilterField("from", "Customer since", "date"),
    FilterField("to", "Customer until", "date"),
)


def layout(**params: str) -> html.Div:
    ecc = services()
    query, notes = parse_listing_query(CustomerQuery, params)
    page, problem = fetch_or_alert(
        lambda: list_customers(ecc.engine, query, page=page_number(params), pii=may_see_pii())
    )
    heading = html.H2("Customers")
    if page is None:
        return html.Div([heading, notes_alert(notes), filter_form(VIEW, FIELDS, params), problem])
    money, tz = ecc.settings.currency, ecc.settings.tz
    columns = (
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
    return html.Div(
        [
            heading,
            notes_alert(notes),
            filter_form(VIEW, FIELDS, params),
            pager(page, query, "/customers", VIEW),
            listing_table(columns, page, query, "/customers"),
        ]
    )
