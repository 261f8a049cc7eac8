"""Pure builders for the shipments page: the view in the address bar, the
filter fields, the status tabs with their counts and the list (stuck
shipments stand out). One shipment's detail, timeline and move form are
built by bi_app.figures.operations.

Stuck is workflow's word (workflow.shipment_rules.stuck_days: a live
shipment whose current stage began more than N days ago); these builders
only show what it says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.figures.operations import link_pager, status_badge
from bi_app.formatting import format_count, local_time
from bi_app.ids import shipments as ids
from bi_app.listing_url import listing_query_string, parse_listing_query
from bi_app.theme import (
    STUCK_ALERT_BACKGROUND,
    STUCK_ALERT_TEXT,
    shipment_status_label,
)
from workflow import shipment_rules
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import MAX_ROWS, Page, ShipmentQuery, ShipmentRow
from workflow.shipment_rules import DEFAULT_STUCK_DAYS, MAX_STUCK_DAYS, STATUSES

PATH = "/shipments"
PAGE_SIZE = 25
OWN_PARAMS = ("page", "stuck", "stuck_days")
TABS = ("all", *STATUSES, "stuck")


@dataclass(frozen=True)
class ShipmentsView:
    """What the page shows: the listing's query, its page, whether only the
    stuck shipments are listed, after how many days a shipment counts as
    stuck, and a note for each address parameter that could not be used."""

    query: ShipmentQuery = dataclasses.field(default_factory=ShipmentQuery)
    page: int = 1
    stuck: bool = False
    stuck_days: int = DEFAULT_STUCK_DAYS
    notes: tuple[str, ...] = ()

    @property
    def tab(self) -> str | None:
        """The status tab this view is (None when several statuses are chosen)."""
        if self.stuck:
            return "stuck"
        if not self.query.statuses:
            return "all"
        return self.query.statuses[0] if len(self.query.statuses) == 1 else None

    @property
    def listing_query(self) -> ShipmentQuery:
        """What the list shows: the query, or on the Stuck tab its stuck
        shipments, the longest-waiting first."""
        if not self.stuck:
            return self.query
        return dataclasses.replace(
            self.query, stuck_after=self.stuck_days, sort="updated_at", descending=False
        )


def parse_shipments_view(params: Mapping[str, str | list[str] | None]) -> ShipmentsView:
    """The view an address describes: `?status=packed&page=2`,
    `?stuck=1&stuck_days=7`, `?order_id=42`... A bad parameter is dropped
    with a note; the page always opens."""
    flat = {k: ",".join(v) if isinstance(v, list) else (v or "") for k, v in params.items()}
    query, notes = parse_listing_query(ShipmentQuery, flat, ignore=OWN_PARAMS)
    notes = list(notes)
    page = _whole(flat.get("page"), "page", 1, notes, lowest=1)
    days = _whole(flat.get("stuck_days"), "stuck_days", DEFAULT_STUCK_DAYS, notes, lowest=1)
    if days > MAX_STUCK_DAYS:
        notes.append(f"stuck_days={days} is more than {MAX_STUCK_DAYS}; using {DEFAULT_STUCK_DAYS}")
        days = DEFAULT_STUCK_DAYS
    stuck = (flat.get("stuck") or "").strip().lower() in ("1", "true", "yes", "on")
    return ShipmentsView(query, page, stuck, days, tuple(notes))


def _whole(text: str | None, name: str, default: int, notes: list[str], *, lowest: int) -> int:
    text = (text or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < lowest:
        notes.append(f"{name}={text!r} is not a whole number from {lowest}; using {default}")
        return default
    return int(text)


def shipments_href(view: ShipmentsView, **changes: object) -> str:
    """The address of `view` with `changes` (dataclass fields) applied; only
    what differs from the defaults is written."""
    view = dataclasses.replace(view, **changes)
    return PATH + listing_query_string(
        view.query,
        page=view.page if view.page > 1 else None,
        stuck=1 if view.stuck else None,
        stuck_days=view.stuck_days if view.stuck_days != DEFAULT_STUCK_DAYS else None,
    )


def tab_href(view: ShipmentsView, tab: str) -> str:
    """A tab's address: the same filters, page 1, that status (or all, or stuck)."""
    statuses = (tab,) if tab in STATUSES else ()
    query = dataclasses.replace(view.query, statuses=statuses)
    return shipments_href(view, query=query, page=1, stuck=tab == "stuck")


def parse_order_number(text: str | None) -> int | None:
    """An order number as typed ("1042" or "#1042"); None when blank.
    Anything else is refused with a message for the field."""
    text = (text or "").strip().lstrip("#").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1 or len(text) > 18:
        raise WorkflowError(
            f"An order number is a whole number such as 1042; {text!r} was entered.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return int(text)


def parse_stuck_days(value: object) -> int:
    """The days after which a live shipment counts as stuck: 1 to 365."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_STUCK_DAYS:
        raise WorkflowError(
            f"Enter whole days from 1 to {MAX_STUCK_DAYS}; {text!r} was entered.", ErrorCode.INVALID_ARGUMENT
        )
    return int(text)


# The list ------------------------------------------------------------------


@dataclass(frozen=True)
class ListedShipment:
    """A row of the list: the listing's row with the days its current stage
    has lasted when workflow counts it as stuck."""

    shipment_id: int
    order_id: int
    customer: str
    country: str
    status: str
    carrier: str | None
    tracking_number: str | None
    since: datetime  # when the current stage began (the last move)
    stuck_days: Decimal | None = None


def listed(rows: Iterable[ShipmentRow], older_than_days: int) -> list[ListedShipment]:
    """Listing rows, each marked with its days in stage when it is stuck."""
    return [
        ListedShipment(
            r.shipment_id,
            r.order_id,
            r.customer_name,
            r.country,
            r.status,
            r.carrier,
            r.tracking_number,
            r.updated_at,
            shipment_rules.stuck_days(r.status, r.seconds_in_stage, older_than_days),
        )
        for r in rows
    ]


def stuck_label(days: Decimal) -> str:
    """ "stuck 12 days" (whole days, rounded down), "stuck 1 day"."""
    whole = int(days)
    return f"stuck {whole} day" if whole == 1 else f"stuck {whole} days"


def status_tabs(view: ShipmentsView, counts: Mapping[str, int], stuck_count: int) -> html.Div:
    """One link per status (and All, and Stuck) with its count; the
    current one is highlighted."""
    links = []
    for tab in TABS:
        label = "All" if tab == "all" else "Stuck" if tab == "stuck" else shipment_status_label(tab)
        count = (
            stuck_count if tab == "stuck" else sum(counts.values()) if tab == "all" else counts.get(tab, 0)
        )
        shown = format_count(count) if tab != "stuck" or count <= MAX_ROWS else f"{format_count(MAX_ROWS)}+"
        active = view.tab == tab
        colour = "danger" if tab == "stuck" else "primary"
        links.append(
            dcc.Link(
                [
                    label,
                    " ",
                    html.Span(
                        shown,
                        id=ids.ship_tab_count(tab),
                        className="badge bg-light text-dark ms-1",
                    ),
                ],
                href=tab_href(view, tab),
                id=ids.ship_tab(tab),
                className=f"btn btn-sm {'btn-' if active else 'btn-outline-'}{colour}",
            )
        )
    return html.Div(links, className="d-flex flex-wrap gap-2", id=ids.SHIP_TABS)


def shipments_table(rows: Sequence[ListedShipment], tz: ZoneInfo) -> dbc.Table:
    """Shipment (opens the detail), order, customer, status with a "stuck"
    badge, carrier and tracking number and when the current stage began.
    Stuck rows get the class "shipments-stuck" and a warning tint."""
    headers = ["Shipment", "Order", "Customer", "Country", "Status", "Carrier", "Tracking number"]
    headers.append(f"In this stage since ({tz.key})")
    body = [_row(r, tz) for r in rows]
    if not body:
        body = [html.Tr(html.Td("No shipment matches.", colSpan=len(headers), className="text-muted"))]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body)],
        hover=True,
        size="sm",
        responsive=True,
        id=ids.SHIP_TABLE,
        className="align-middle",
    )


def _row(r: ListedShipment, tz: ZoneInfo) -> html.Tr:
    status = [status_badge(r.status)]
    if r.stuck_days is not None:
        status += [
            " ",
            html.Span(stuck_label(r.stuck_days), className="badge bg-danger shipments-stuck-badge"),
        ]
    cells = [
        html.Td(
            dbc.Button(
                f"#{r.shipment_id}",
                id={"type": ids.SHIP_OPEN, "shipment": r.shipment_id, "order": r.order_id},
                color="link",
                className="p-0 align-baseline",
                title="Open: timeline and next move",
            )
        ),
        html.Td(dcc.Link(f"#{r.order_id}", href=f"/orders/{r.order_id}")),
        html.Td(r.customer),
        html.Td(r.country),
        html.Td(status, className="text-nowrap"),
        html.Td(r.carrier or "–"),
        html.Td(r.tracking_number or "–", className="font-monospace"),
        html.Td(local_time(r.since, tz), className="text-nowrap"),
    ]
    stuck = r.stuck_days is not None
    if not stuck:
        return html.Tr(cells, id=ids.ship_row(r.shipment_id))
    # A soft tint (readable text and links on it) rather than the theme's loud warning colour.
    tint = {"--bs-table-bg": STUCK_ALERT_BACKGROUND, "--bs-table-color": STUCK_ALERT_TEXT}
    return html.Tr(cells, id=ids.ship_row(r.shipment_id), className="shipments-stuck", style=tint)


def pager(page: Page, view: ShipmentsView) -> dbc.Row:
    """ "Rows 26–50 of 1,234" with previous / next links."""
    return link_pager(
        page,
        lambda number: shipments_href(view, page=number),
        "Rows",
        (ids.SHIP_COUNT, ids.SHIP_PREV, ids.SHIP_NEXT),
    )
