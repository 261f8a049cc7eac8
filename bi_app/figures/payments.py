"""Pure builders for the clerk's payments page: workflow.payment_desk values
in, Dash components out. No database, no callbacks; money reaches text
through bi_app.formatting only, and travels through the browser as exact
decimal strings ("123.45"), never as numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from bi_app.figures.kpi import payment_state_badge
from bi_app.formatting import format_count, format_money
from bi_app.ids import payments as ids
from workflow.balances import OrderBalance, PaymentState
from workflow.listings import CustomerRow, Page
from workflow.payment_desk import METHODS, OpenOrders, Receipt, SelectionDue

_MONEY_FIELDS = ("total", "paid", "refunded", "balance_due")
_TIME_FIELDS = ("placed_at", "due_at")


def balances_to_store(balances: Sequence[OrderBalance]) -> list[dict[str, object]]:
    """Balances as JSON for a dcc.Store: money and times as exact strings."""
    stored = []
    for balance in balances:
        row = asdict(balance)
        for name in _MONEY_FIELDS:
            row[name] = str(row[name])
        for name in _TIME_FIELDS:
            row[name] = row[name].isoformat()
        row["state"] = balance.state.value if balance.state else None
        stored.append(row)
    return stored


def balances_from_store(data: Sequence[Mapping[str, object]] | None) -> list[OrderBalance]:
    """The inverse of balances_to_store."""
    names = {f.name for f in fields(OrderBalance)}
    result = []
    for row in data or ():
        values = {k: v for k, v in row.items() if k in names}
        for name in _MONEY_FIELDS:
            values[name] = Decimal(str(values[name]))
        for name in _TIME_FIELDS:
            values[name] = datetime.fromisoformat(str(values[name]))
        values["state"] = PaymentState(values["state"]) if values["state"] else None
        result.append(OrderBalance(**values))
    return result


def merge_selection(selection: Sequence[int], ticked: Mapping[int, bool]) -> list[int]:
    """The selection after the clerk ticked or unticked orders on one page:
    orders selected on other pages stay selected, in the order chosen."""
    kept = [oid for oid in selection if ticked.get(oid, True)]
    return kept + [oid for oid, on in ticked.items() if on and oid not in kept]


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).date().isoformat()


def customer_results(found: Page[CustomerRow], currency: str) -> html.Div:
    """The customers matching the search, each a button that opens their orders."""
    if not found.rows:
        return html.Div(
            "No customer matches; try the start of a name or e-mail, or a customer number.",
            className="text-muted small",
        )
    items = [
        dbc.ListGroupItem(
            [
                html.Div(
                    [
                        html.Strong(row.full_name),
                        html.Span(f" #{row.customer_id} · {row.country}", className="text-muted small"),
                    ],
                ),
                html.Div(
                    [
                        html.Span(row.email, className="text-muted small"),
                        html.Span(f"owes {format_money(row.balance_due, currency)}", className="small"),
                    ],
                    className="d-flex justify-content-between gap-2",
                ),
            ],
            id={"type": ids.PAY_CUSTOMER_PICK, "index": row.customer_id},
            action=True,
            n_clicks=0,
        )
        for row in found.rows
    ]
    more = (
        []
        if found.total_count <= len(found.rows)
        else [
            html.Div(
                f"{found.count_label} customers match; the first {len(found.rows)} are shown.",
                className="text-muted small mt-1",
            )
        ]
    )
    return html.Div([dbc.ListGroup(items, flush=False), *more])


def customer_heading(orders: OpenOrders, currency: str) -> html.Div:
    """Whose orders these are, how many are open and what they owe in all."""
    customer, page = orders.customer, orders.balances
    count = page.total_count
    return html.Div(
        [
            html.H5(f"{customer.full_name} (#{customer.id})", className="mb-0"),
            html.Div(
                f"{customer.email} · {customer.country} · {format_count(count)} open "
                f"order{'' if count == 1 else 's'}, {format_money(page.total_balance_due, currency)} due",
                className="text-muted small",
            ),
        ]
    )


def orders_table(orders: OpenOrders, selected: set[int], currency: str, tz: ZoneInfo) -> dbc.Table | html.Div:
    """One page of open orders with a checkbox each (ticked when selected):
    order, placed and due dates (business days), total, paid, balance due
    and the payment-state badge."""
    if not orders.balances.rows:
        return html.Div("No open orders match.", className="text-muted py-3")
    # class per column: money right-aligned; the placed day gives way on narrow screens
    columns = {
        "": "",
        "Order": "fw-semibold",
        "Placed": "text-nowrap d-none d-xl-table-cell",
        "Due": "text-nowrap",
        "Total": "text-end text-nowrap",
        "Paid": "text-end text-nowrap",
        "Balance due": "text-end text-nowrap fw-semibold",
        "State": "",
    }
    header = html.Thead(
        html.Tr([html.Th(c, className=k.replace("fw-semibold", "")) for c, k in columns.items()])
    )
    rows = []
    for b in orders.balances.rows:
        check = dbc.Checkbox(
            id={"type": ids.PAY_CHECK, "index": b.order_id},
            value=b.order_id in selected,
            label=f"Select order {b.order_id}",
            label_class_name="visually-hidden",
        )
        values = [
            check,
            f"#{b.order_id}",
            local_day(b.placed_at, tz),
            local_day(b.due_at, tz),
            format_money(b.total, currency),
            format_money(b.paid, currency),
            format_money(b.balance_due, currency),
            payment_state_badge(b.state) if b.state else "",
        ]
        cells = [html.Td(v, className=k) for v, k in zip(values, columns.values(), strict=True)]
        rows.append(html.Tr(cells, id=ids.order_row(b.order_id)))
    return dbc.Table([header, html.Tbody(rows)], hover=True, size="sm", responsive=True, className="mb-2")


def selection_summary(due: SelectionDue, currency: str) -> html.Div:
    """ "3 orders selected — balance due €123.45", as the database has it now."""
    count = len(due.balances)
    if not count and not due.missing:
        return html.Div(
            "No orders selected yet: tick the orders this payment is for.", className="text-muted"
        )
    parts = [
        html.Span(f"{format_count(count)} order{'' if count == 1 else 's'} selected — balance due "),
        html.Span(format_money(due.balance_due, currency), id=f"{ids.PAY_SUMMARY}-due", className="fw-bold"),
    ]
    gone = [f"Order {', '.join(map(str, due.missing))} no longer exists."] if due.missing else []
    cancelled = [b.order_id for b in due.balances if b.status == "cancelled"]
    if cancelled:
        gone.append(f"Order {', '.join(map(str, cancelled))} was cancelled and owes nothing; untick it.")
    return html.Div(
        [html.Div(parts, className="fs-5"), *(html.Div(g, className="text-danger small") for g in gone)]
    )


def allocation_rows(
    balances: Sequence[OrderBalance], prefill: Mapping[int, Decimal], currency: str, tz: ZoneInfo
) -> list[dbc.Row]:
    """A header, then per selected order (oldest due first): number and
    state, due day, balance due, and an editable allocation pre-filled with
    `prefill`; its message (if any) on the line below, across the row."""
    placed = [b for b in balances if b.status == "placed"]
    if not placed:
        return []
    rows = [_allocation_row("Order", "Due", "Balance due", "Allocation", class_name="small text-muted")]
    for b in placed:
        entry = dbc.Input(
            id={"type": ids.PAY_ALLOCATION, "index": b.order_id},
            value=str(prefill.get(b.order_id, Decimal("0.00"))),
            type="text",
            inputmode="decimal",
            size="sm",
            autocomplete="off",
            class_name="text-end",
        )
        order = [html.Span(f"#{b.order_id}", className="fw-semibold"), " ",
                 payment_state_badge(b.state) if b.state else None]  # fmt: skip
        rows.append(
            _allocation_row(order, local_day(b.due_at, tz), format_money(b.balance_due, currency), entry)
        )
        feedback = dbc.FormFeedback(
            id={"type": ids.PAY_ALLOCATION_FEEDBACK, "index": b.order_id},
            type="invalid",
            class_name="d-block mt-0",
        )
        rows.append(dbc.Row(dbc.Col(feedback), className="g-2 mb-1"))
    return rows


def _allocation_row(order, due, balance, allocation, class_name: str = "") -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(order, width=4, class_name="text-nowrap"),
            dbc.Col(due, width=3, class_name="small text-nowrap"),
            dbc.Col(balance, width=2, class_name="small text-end text-nowrap"),
            dbc.Col(allocation, width=3, class_name="text-end"),
        ],
        className=f"g-2 align-items-center {class_name}",
    )


def allocated_line(allocated: Decimal | None, amount: Decimal | None, currency: str) -> str:
    """ "Allocated €x of €y", or a dash while a figure cannot be read."""
    if allocated is None or amount is None:
        return ""
    return f"Allocated {format_money(allocated, currency)} of {format_money(amount, currency)}"


def receipt_card(receipt: Receipt, currency: str, tz: ZoneInfo) -> dbc.Alert:
    """What was recorded: payment number, amount, method, day, reference, and
    each order's share with its payment-state badge after the payment. A
    replayed key says nothing new was written."""
    p = receipt.payment
    states = {b.order_id: b for b in receipt.balances}
    lines = []
    for allocation in p.allocations:
        balance = states.get(allocation.order_id)
        badge = (
            payment_state_badge(balance.state, badge_id=ids.receipt_state(allocation.order_id))
            if (balance and balance.state)
            else None
        )
        left = (
            f", {format_money(balance.balance_due, currency)} left" if balance and balance.balance_due else ""
        )
        lines.append(
            html.Li(
                [f"Order #{allocation.order_id}: {format_money(allocation.amount, currency)}{left} ", badge]
            )
        )
    title = f"Payment #{p.id} recorded" if not p.replayed else f"Payment #{p.id} was already recorded"
    details = (
        f"{format_money(p.amount, currency)} by {METHODS.get(p.method, p.method)}, received "
        f"{local_day(p.received_at, tz)}" + (f", reference {p.reference}" if p.reference else "") + "."
    )
    note = (
        [
            html.P(
                "This form had been submitted before, so nothing new was written. "
                "Select orders again to record another payment.",
                className="mb-0 small",
            )
        ]
        if p.replayed
        else []
    )
    return dbc.Alert(
        [
            html.H5(title, className="alert-heading"),
            html.P(details, className="mb-1"),
            html.Ul(lines, className="mb-1"),
            *note,
        ],
        color="info" if p.replayed else "success",
        className="mb-0",
        id=f"{ids.PAY_RESULT}-receipt",
    )


def refusal(message: str, due: SelectionDue | None, currency: str) -> dbc.Alert:
    """The rule's message as is, and the balance due as the database has it now."""
    body: list = [html.Div(message, id=f"{ids.PAY_RESULT}-message")]
    if due is not None and due.balances:
        body.append(
            html.Div(
                ["Balance due now: ", html.Strong(format_money(due.balance_due, currency))], className="mt-1"
            )
        )
    body.append(html.Div("Nothing was recorded.", className="small mt-1"))
    return dbc.Alert(body, color="danger", className="mb-0", id=f"{ids.PAY_RESULT}-refusal")
