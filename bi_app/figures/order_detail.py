"""The order detail: one workflow.listings.OrderDetail as the page a clerk
reads top to bottom: who and when, the money (total computed by the
database, paid, refunded, balance due, payment state), the items with unit
prices and line totals, the payments and refunds with the part allocated to
this order, the shipment timeline, and the refund form (from
bi_app.components.orders). Pure builders;
money reaches text through bi_app.formatting only."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.components.orders import PAYMENT_METHODS, refund_form
from bi_app.figures.kpi import payment_state_badge
from bi_app.figures.orders import shipment_badge
from bi_app.formatting import DASH, DEFAULT_LOCALE, format_count, format_money, local_time
from bi_app.ids import orders as ids
from bi_app.orders_url import PATH
from workflow.balances import OPEN_STATES
from workflow.listings import DetailItem, DetailPayment, DetailShipment, OrderDetail


def order_not_found(shown_id: str) -> html.Div:
    """The friendly page for an order number that is unknown or not a number."""
    return html.Div(
        [
            html.H2(f"Order {shown_id} does not exist", id=ids.ORDER_NOTICE),
            html.P("The number may be mistyped, or the order was never placed. Find it in the orders list."),
            dcc.Link("Back to the orders", href=PATH, className="btn btn-primary"),
        ],
        className="py-5",
    )


def detail_body(
    detail: OrderDetail,
    currency: str,
    tz: ZoneInfo,
    *,
    refund_key: str | None,
    may_pay: bool = False,
    notice: str | None = None,
    locale: str = DEFAULT_LOCALE,
) -> html.Div:
    """Everything about the order; `notice` (e.g. "Refund recorded") on top.
    The refund form only with a `refund_key` (None: the viewer may not refund);
    the link to the payment form only for a viewer who `may_pay`."""

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, locale)

    parts = [dbc.Alert(notice, color="success", id=ids.ORDER_NOTICE, dismissable=True)] if notice else []
    parts += [
        order_header(detail, tz, may_pay=may_pay),
        money_summary(detail, money),
        dbc.Row(
            [
                dbc.Col(
                    [
                        _card("Items", items_table(detail.items, detail.balance.total, money, locale)),
                        _card("Payments and refunds", payments_table(detail.payments, money, tz)),
                    ],
                    lg=8,
                ),
                dbc.Col(
                    [
                        *(
                            [_card("Refund", refund_form(detail, money, refund_key), card_id=ids.REFUND_FORM)]
                            if refund_key is not None
                            else []
                        ),
                        _card("Shipment", shipment_timeline(detail.shipments, tz)),
                    ],
                    lg=4,
                ),
            ],
            className="g-3",
        ),
    ]
    return html.Div(parts)


def order_header(detail: OrderDetail, tz: ZoneInfo, *, may_pay: bool = False) -> html.Div:
    b, c = detail.balance, detail.customer
    state = (
        payment_state_badge(b.state, badge_id=ids.ORDER_STATE)
        if b.state is not None
        else dbc.Badge(
            "Cancelled", color="light", text_color="dark", pill=True, className="border", id=ids.ORDER_STATE
        )
    )
    lines = [
        f"Placed {local_time(b.placed_at, tz)}, due {local_time(b.due_at, tz)} ({tz.key}) · ",
        f"{c.full_name} ({c.country}) · customer #{c.customer_id} · {c.email}",
    ]
    if detail.cancelled_at is not None:
        lines.append(html.Div(f"Cancelled {local_time(detail.cancelled_at, tz)}", className="text-danger"))
    return html.Div(
        [
            dcc.Link("← Orders", href=PATH, className="small"),
            html.Div(
                [
                    html.H2(f"Order #{b.order_id}", className="mb-0"),
                    state,
                    # the clerk's next step for an order that still owes money
                    dbc.Button(
                        "Record a payment",
                        href=f"/payments?orders={b.order_id}",
                        color="primary",
                        size="sm",
                        className="ms-auto",
                        id=ids.ORDER_PAY_LINK,
                    )
                    if may_pay and b.state in OPEN_STATES
                    else None,
                ],
                className="d-flex align-items-center gap-3",
            ),
            html.Div(lines, className="text-muted"),
        ],
        className="mb-3",
    )


def money_summary(detail: OrderDetail, money) -> dbc.Row:
    """Total, paid, refunded and balance due, each with a stable id."""
    b = detail.balance
    figures = (
        ("Total", b.total, ids.ORDER_TOTAL),
        ("Paid", b.paid, ids.ORDER_PAID),
        ("Refunded", b.refunded, ids.ORDER_REFUNDED),
        ("Balance due", b.balance_due, ids.ORDER_BALANCE),
    )
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(title, className="text-muted small text-uppercase fw-semibold"),
                            html.Div(money(amount), id=figure_id, className="fs-4 fw-bold text-nowrap"),
                        ]
                    ),
                    className="h-100 shadow-sm",
                ),
                xs=6,
                md=3,
            )
            for title, amount, figure_id in figures
        ],
        className="g-2 mb-3",
    )


def items_table(items: tuple[DetailItem, ...], total: Decimal, money, locale: str) -> dbc.Table:
    """Product, quantity, unit price (as when ordered), line total, and the
    order's total as the database computed it, in the footer."""
    header = html.Thead(
        html.Tr(
            [
                html.Th("SKU"),
                html.Th("Product"),
                html.Th("Quantity", className="text-end"),
                html.Th("Unit price", className="text-end"),
                html.Th("Line total", className="text-end"),
            ]
        ),
        className="table-light",
    )
    rows = [
        html.Tr(
            [
                html.Td(item.sku, className="text-nowrap"),
                html.Td([item.product_name, html.Small(f" {item.category}", className="text-muted")]),
                html.Td(format_count(item.quantity, locale), className="text-end item-quantity"),
                html.Td(money(item.unit_price), className="text-end text-nowrap item-unit-price"),
                html.Td(money(item.line_total), className="text-end text-nowrap item-line-total"),
            ]
        )
        for item in items
    ]
    footer = html.Tfoot(
        html.Tr(
            [
                html.Th("Total", colSpan=4, className="text-end"),
                html.Th(money(total), id=ids.ORDER_ITEMS_TOTAL, className="text-end text-nowrap"),
            ]
        )
    )
    return dbc.Table([header, html.Tbody(rows), footer], id=ids.ORDER_ITEMS, size="sm", className="mb-0")


def payments_table(payments: tuple[DetailPayment, ...], money, tz: ZoneInfo) -> dbc.Table | html.P:
    """Each payment and refund on this order, oldest first: when, what,
    how, the part for this order (negative for a refund) and, when the
    payment covered other orders too, its whole amount."""
    if not payments:
        return html.P("Nothing has been paid on this order yet.", id=ids.ORDER_PAYMENTS, className="mb-0")
    header = html.Thead(
        html.Tr(
            [
                html.Th(f"Received ({tz.key})"),
                html.Th("Kind"),
                html.Th("Method"),
                html.Th("Reference"),
                html.Th("For this order", className="text-end"),
                html.Th("Recorded by"),
            ]
        ),
        className="table-light",
    )
    rows = []
    for p in payments:
        refund = p.kind == "refund"
        shared = f" of {money(p.payment_amount)}" if p.payment_amount != p.allocated else ""
        rows.append(
            html.Tr(
                [
                    html.Td(local_time(p.received_at, tz), className="text-nowrap"),
                    html.Td(dbc.Badge("Refund", color="secondary") if refund else "Payment"),
                    html.Td(PAYMENT_METHODS.get(p.method, p.method)),
                    html.Td(p.reference or DASH),
                    html.Td(
                        [
                            ("−" if refund else "") + money(p.allocated),
                            html.Small(shared, className="text-muted"),
                        ],
                        className="text-end text-nowrap",
                    ),
                    html.Td(p.recorded_by),
                ],
                className=f"payment-kind-{p.kind}",
            )
        )
    return dbc.Table([header, html.Tbody(rows)], id=ids.ORDER_PAYMENTS, size="sm", className="mb-0")


def shipment_timeline(shipments: tuple[DetailShipment, ...], tz: ZoneInfo) -> html.Div:
    """Each shipment (oldest first, the last is the current one) with its
    moves: status, when (business time zone), who, note."""
    if not shipments:
        return html.Div(
            html.P("Not shipped yet: no shipment has been opened.", className="mb-0"), id=ids.ORDER_SHIPMENTS
        )
    blocks = []
    for entry in shipments:
        s = entry.shipment
        carrier = " · ".join(part for part in (s.carrier, s.tracking_number) if part)
        events = [
            html.Li(
                [
                    shipment_badge(event.status),
                    html.Span(f" {local_time(event.at, tz)}", className="text-nowrap"),
                    html.Span(f" by {event.actor}", className="text-muted"),
                    html.Div(event.note, className="small") if event.note else None,
                ],
                className="mb-2 shipment-event",
            )
            for event in entry.timeline
        ]
        blocks.append(
            html.Div(
                [
                    html.Div([html.Strong(f"Shipment #{s.id} "), shipment_badge(s.status)]),
                    html.Div(carrier or "No carrier yet", className="small text-muted mb-2"),
                    html.Ol(events, className="ps-3 mb-0"),
                ],
                className="mb-3",
            )
        )
    return html.Div(blocks, id=ids.ORDER_SHIPMENTS)


def _card(title: str, content, *, card_id: str | None = None) -> dbc.Card:
    extra = {"id": card_id} if card_id else {}
    return dbc.Card(
        [dbc.CardHeader(html.H5(title, className="mb-0")), dbc.CardBody(content)],
        className="mb-3 shadow-sm",
        **extra,
    )
