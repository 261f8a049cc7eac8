"""Payments and refunds, for analysts: filtered on the server, paged, and its CSV download."""

from __future__ import annotations

import dash
from dash import dcc, html

from bi_app.components.listing import Column, FilterField, ListingView
from bi_app.formatting import format_money
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


def columns() -> tuple[Column, ...]:
    money, tz = services().settings.currency, services().settings.tz
    return (
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


VIEW = ListingView(
    title="Payments and refunds",
    view="ledger",
    path="/ledger",
    query_type=PaymentQuery,
    fields=(
        FilterField("from", "Received from", "date"),
        FilterField("to", "Received to", "date"),
        FilterField("kind", "Kind", placeholder="payment,refund"),
        FilterField("method", "Method", placeholder="bank_transfer"),
        FilterField("customer", "Customer", placeholder="name, e-mail or id"),
        FilterField("country", "Countries", placeholder="DE,FR"),
    ),
    fetch=lambda query, page: list_payments(services().engine, query, page=page),
    columns=columns,
)


def layout(**params: str) -> html.Div:
    return VIEW.layout(params)
