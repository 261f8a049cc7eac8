"""The orders list: one page of workflow.listings.list_orders as a table with
sortable headers, and its pager. Pure builders: a Page and the view in, Dash
components out; money reaches text through bi_app.formatting only.

Ids for the browser tests: the table `orders-table`, each row
`orders-row-{order_id}`, each sortable header link `orders-sort-{column}`,
the pager's `orders-count`, `orders-prev` and `orders-next`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.downloads import download_button
from bi_app.figures.kpi import payment_state_badge
from bi_app.formatting import DASH, DEFAULT_LOCALE, format_count, format_money, local_time
from bi_app.ids import orders as ids
from bi_app.orders_url import OrdersView, order_href, orders_href, sort_href
from bi_app.theme import SHIPMENT_STATUS_STYLE, shipment_status_label
from workflow.listings import OrderRow, Page

# (header, sort key or None, right-aligned figure)
COLUMNS: tuple[tuple[str, str | None, bool], ...] = (
    ("Order", "order_id", False),
    ("Customer", "customer", False),
    ("Placed", "placed_at", False),
    ("Total", "total", True),
    ("Paid", "paid", True),
    ("Balance due", "balance_due", True),
    ("Payment", None, False),
    ("Shipment", None, False),
)
NO_ORDERS = "No orders match these filters."
NO_ORDERS_HINT = "Widen the date range, or clear the payment state, customer or country filter."


def orders_table(
    page: Page[OrderRow], view: OrdersView, currency: str, tz: ZoneInfo, *, locale: str = DEFAULT_LOCALE
) -> dbc.Table | dbc.Alert:
    """The page's orders in the listing's order; an alert when none match."""
    if not page.rows:
        if page.page > 1 and page.total_count:
            return dbc.Alert(
                [
                    f"Page {page.page} is past the last page ({page.page_count}). ",
                    dcc.Link("Go to the first page", href=orders_href(view, page=1)),
                ],
                color="info",
                className="mb-0",
                id=ids.ORDERS_TABLE,
            )
        return dbc.Alert(
            [html.Strong(NO_ORDERS), " ", NO_ORDERS_HINT], color="info", className="mb-0", id=ids.ORDERS_TABLE
        )
    rows = [order_row(row, currency, tz, locale) for row in page.rows]
    return dbc.Table(
        [orders_header(view, tz), html.Tbody(rows)],
        id=ids.ORDERS_TABLE,
        hover=True,
        size="sm",
        responsive=True,
        className="align-middle mb-0",
    )


def orders_header(view: OrdersView, tz: ZoneInfo) -> html.Thead:
    """Column headers; each sortable one links to the view sorted by it (the
    other direction when it is already the sort), with ▲ / ▼ on the current sort."""
    cells = []
    for title, column, figure in COLUMNS:
        label = f"{title} ({tz.key})" if column == "placed_at" else title
        align = "text-end" if figure else ""
        if column is None:
            cells.append(html.Th(label, className=align))
            continue
        current = view.query.sort == column
        arrow = (" ▼" if view.query.descending else " ▲") if current else ""
        link = dcc.Link(
            [label, html.Span(arrow, className="sort-arrow")],
            href=sort_href(view, column),
            id=ids.orders_sort(column),
            className="text-reset text-decoration-none" + (" fw-bold" if current else ""),
            title=f"Sort by {title.lower()}",
        )
        aria = {"aria-sort": ("descending" if view.query.descending else "ascending") if current else "none"}
        cells.append(html.Th(link, className=align, **aria))
    return html.Thead(html.Tr(cells), className="table-light")


def order_row(row: OrderRow, currency: str, tz: ZoneInfo, locale: str = DEFAULT_LOCALE) -> html.Tr:
    """One order: number (a link to its detail), customer and country, when
    it was placed (business time zone), money, payment state, shipment."""

    def money(amount) -> html.Td:
        return html.Td(format_money(amount, currency, locale), className="text-end text-nowrap")

    return html.Tr(
        [
            html.Td(
                dcc.Link(
                    f"#{row.order_id}",
                    href=order_href(row.order_id),
                    className="fw-semibold text-decoration-none",
                )
            ),
            html.Td([row.customer_name, html.Small(f" {row.country}", className="text-muted")]),
            html.Td(local_time(row.placed_at, tz), className="text-nowrap"),
            money(row.total),
            money(row.paid),
            money(row.balance_due),
            html.Td(state_badge(row)),
            html.Td(shipment_badge(row.shipment_status)),
        ],
        id=ids.orders_row(row.order_id),
        className="text-muted" if row.status == "cancelled" else "",
    )


def state_badge(row: OrderRow) -> dbc.Badge:
    """The payment-state badge; a cancelled order has no state and says so."""
    if row.state is None:
        return dbc.Badge("Cancelled", color="light", text_color="dark", pill=True, className="border")
    return payment_state_badge(row.state)


def shipment_badge(status: str | None) -> html.Span:
    """The latest shipment's status in its theme colours; "–" before there is one."""
    if status is None:
        return html.Span(DASH, className="text-muted", title="No shipment yet")
    style = SHIPMENT_STATUS_STYLE.get(status)
    colours = {"backgroundColor": style.background, "color": style.text} if style else {}
    return html.Span(shipment_status_label(status), className="badge rounded-pill", style=colours)


def rows_label(page: Page[OrderRow], locale: str = DEFAULT_LOCALE) -> str:
    """ "Rows 51–100 of 12,345" (or "of 10,000+" when the listing stopped
    counting); "No orders" when nothing matches."""
    if not page.total_count:
        return "No orders"
    total = format_count(page.total_count, locale) if page.count_is_exact else page.count_label
    if not page.rows:
        return f"{total} orders"
    first = (page.page - 1) * page.page_size + 1
    last = first + len(page.rows) - 1
    return f"Rows {format_count(first, locale)}–{format_count(last, locale)} of {total}"


def orders_pager(
    page: Page[OrderRow], view: OrdersView, locale: str = DEFAULT_LOCALE, *, bottom: bool = False
) -> html.Div:
    """ "Rows 51–100 of 12,345", then Previous / Next links (greyed out at
    either end) and "Page 2 of 247" ("of 200+" when the listing stopped
    counting). The ids are on the top pager; `bottom` repeats it without them."""
    previous = orders_href(view, page=page.page - 1) if page.page > 1 else None
    following = orders_href(view, page=page.page + 1) if page.has_next else None
    pages = format_count(page.page_count, locale) + ("" if page.count_is_exact else "+")

    def named(component_id: str) -> dict[str, str]:
        return {} if bottom else {"id": component_id}

    return html.Div(
        [
            html.Span(rows_label(page, locale), className="fw-semibold", **named(ids.ORDERS_COUNT)),
            html.Div(
                [
                    _page_link("← Previous", previous, named(ids.ORDERS_PREV)),
                    html.Span(
                        f"Page {format_count(page.page, locale)} of {pages}",
                        className="text-muted small px-2",
                    ),
                    _page_link("Next →", following, named(ids.ORDERS_NEXT)),
                    *([] if bottom else [download_button(view.query, component_id=ids.ORDERS_DOWNLOAD)]),
                ],
                className="d-flex align-items-center gap-1",
            ),
        ],
        className="d-flex justify-content-between align-items-center flex-wrap gap-2 my-2",
    )


def _page_link(label: str, href: str | None, extra: dict[str, str]) -> dcc.Link | html.Span:
    if href is None:
        return html.Span(
            label, className="btn btn-sm btn-outline-secondary disabled", **{"aria-disabled": "true"}, **extra
        )
    return dcc.Link(label, href=href, className="btn btn-sm btn-outline-primary", **extra)
