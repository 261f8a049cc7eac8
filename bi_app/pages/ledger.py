"""Payments and refunds, for analysts: filtered on the server, paged, and its CSV download."""

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
from workflow.listings import PaymentQuery, list_payments

dash.register_page(
    __name__,
    path="/ledger",
    name="Payments and refunds",
    title="Payments and refunds · ECC",
    order=61,
    menu="Data",
)

VIEW = "ledger"
FIELDS = (
    FilterField("from", "Received from", "date"),
    FilterField("to", "Received to", "date"),
    FilterField("kind", "Kind", placeholder="payment,refund"),
    FilterField("method", "Method", placeholder="bank_transfer"),
    FilterField("customer", "Customer", placeholder="name, e-mail or id"),
    FilterField("country", "Countries", placeholder="DE,FR"),
)


def layout(**params: str) -> html.Div:
    ecc = services()
    query, notes = parse_listing_query(PaymentQuery, params)
    page, problem = fetch_or_alert(lambda: list_payments(ecc.engine, query, page=page_number(params)))
    heading = html.H2("Payments and refunds")
    if page is None:
        return html.Div([heading, notes_alert(notes), filter_form(VIEW, FIELDS, params), problem])
    money, tz = ecc.settings.currency, ecc.settings.tz
    columns = (
        Column("Payment", lambda r: f"#{r.payment_id}", "payment_id"),
        Column("Received", lambda r: f"{r.received_at.astimezone(tz):%Y-%m-%d %H:%M}", "received_at"),
        Column("Kind", lambda r: r.kind),
        Column("Amount", lambda r: format_money(r.amount, money), "amount", numeric=True),
        Column("Method", lambda r: r.method, "method"),
        Column("Reference", lambda r: r.reference or ""),
        Column("Customer", lambda r: r.customer_name, "customer"),
        Column("Country", lambda r: r.country),
        Column(
            "Orders",
            lambda r: [dcc.Link(f"#{order_id} ", href=f"/orders/{order_id}") for order_id in r.order_ids],
        ),
        Column("Recorded by", lambda r: r.recorded_by),
    )
    return html.Div(
        [
            heading,
            notes_alert(notes),
            filter_form(VIEW, FIELDS, params),
            pager(page, query, "/ledger", VIEW),
            listing_table(columns, page, query, "/ledger"),
        ]
    )
