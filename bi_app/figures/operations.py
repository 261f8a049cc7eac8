"""Builders shared by the operations pages (shipments, inventory), and one
shipment in full: a pager of links, status badges, the shipment's details,
its timeline, and the move form's options and messages.

Pure: workflow values in, Dash components out. Which moves a shipment may
make, and which shipping details are missing, are workflow.shipment_rules'
answers; these builders only show them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.formatting import local_time
from bi_app.ids import shipments as ids
from bi_app.theme import SHIPMENT_STATUS_STYLE, shipment_status_label
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import Page, ShipmentRow
from workflow.shipment_rules import allowed_moves, missing_shipping_details
from workflow.shipments import ShipmentEvent

CHOOSE_MOVE = "Choose the status the shipment moves to."


def link_pager(
    page: Page, href: Callable[[int], str], noun: str, component_ids: tuple[str, str, str]
) -> dbc.Row:
    """ "<noun> 26–50 of 1,234" with previous / next links (`href(n)` is
    page n's address); a link that leads nowhere is greyed out."""
    count_id, previous_id, next_id = component_ids
    first = (page.page - 1) * page.page_size + 1 if page.rows else 0
    last = first + len(page.rows) - 1 if page.rows else 0

    def link(text: str, number: int, enabled: bool, component_id: str) -> dcc.Link | html.Span:
        classes = "btn btn-sm btn-outline-primary"
        if not enabled:
            return html.Span(text, className=classes + " disabled", id=component_id)
        return dcc.Link(text, href=href(number), className=classes, id=component_id)

    shown = f"{noun} {first:,}–{last:,} of {page.count_label}" if page.rows else f"No {noun.lower()} to show"
    links = [
        link("‹ Previous", page.page - 1, page.page > 1, previous_id),
        link("Next ›", page.page + 1, page.has_next, next_id),
    ]
    return dbc.Row(
        [
            dbc.Col(html.Small(shown, id=count_id), width="auto"),
            dbc.Col(html.Div(links, className="d-flex gap-2"), width="auto"),
        ],
        className="align-items-center g-2 my-2",
    )


def address_notes(notes: Sequence[str]) -> dbc.Alert | None:
    """Each parameter of the address that could not be used, and why."""
    if not notes:
        return None
    return dbc.Alert(
        [
            html.Div("Part of this address could not be used:", className="fw-semibold"),
            html.Ul([html.Li(note) for note in notes], className="mb-0"),
        ],
        color="info",
        className="mb-3 py-2",
    )


def status_badge(status: str, **extra: object) -> html.Span:
    """A shipment status in its theme colours ("In transit" on teal)."""
    style = SHIPMENT_STATUS_STYLE.get(status)
    colours = {"backgroundColor": style.background, "color": style.text} if style else {}
    return html.Span(shipment_status_label(status), className="badge", style=colours, **extra)


def detail_header(row: ShipmentRow, tz: ZoneInfo) -> html.Div:
    """Order, customer, status, carrier and tracking number of one shipment."""

    def item(term: str, value: object) -> list:
        return [html.Dt(term, className="col-sm-4"), html.Dd(value, className="col-sm-8 mb-1")]

    return html.Dl(
        [
            *item("Order", dcc.Link(f"#{row.order_id}", href=f"/orders/{row.order_id}")),
            *item("Customer", f"{row.customer_name} ({row.country})"),
            *item("Status", status_badge(row.status, id=f"{ids.SHIP_DETAIL}-status")),
            *item("Carrier", row.carrier or "–"),
            *item("Tracking number", row.tracking_number or "–"),
            *item("Last move", local_time(row.updated_at, tz)),
        ],
        className="row mb-2",
    )


def timeline_table(events: Sequence[ShipmentEvent], tz: ZoneInfo, now: datetime) -> dbc.Table:
    """Every event, oldest first: status, when (business time zone), how
    long the shipment stayed in that stage (until the next event; the
    current stage of a live shipment "so far", until `now`), who, note."""
    final = not events or not allowed_moves(events[-1].status)
    rows = []
    for n, e in enumerate(events):
        until = events[n + 1].at if n + 1 < len(events) else None if final else now
        spent = (
            "" if until is None else format_span(until - e.at) + ("" if n + 1 < len(events) else " so far")
        )
        cells = [status_badge(e.status), local_time(e.at, tz), spent, e.actor, e.note or ""]
        rows.append(
            html.Tr(
                [html.Td(c, className="text-nowrap" if k < 3 else "") for k, c in enumerate(cells)],
                className="shipments-event",
            )
        )
    header = html.Tr([html.Th(h) for h in ("Status", f"When ({tz.key})", "In stage", "Who", "Note")])
    return dbc.Table(
        [html.Thead(header), html.Tbody(rows)], size="sm", id=ids.SHIP_TIMELINE, className="mb-0"
    )


def format_span(span: timedelta) -> str:
    """A stay in a stage as a clerk says it: "3 d 4 h", "5 h 12 min", "8 min"."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def move_options(status: str) -> list[dict[str, object]]:
    """The radio options of the move form: only the moves the transition
    table allows from `status` (workflow.shipment_rules.allowed_moves)."""
    return [
        {"label": shipment_status_label(s), "value": s, "input_id": ids.ship_move_option(s)}
        for s in allowed_moves(status)
    ]


@dataclass(frozen=True)
class MoveFeedback:
    """Where a refused move's message is shown: beside the status picker,
    the carrier or the tracking number field."""

    move_to: str | None = None
    carrier: str | None = None
    tracking: str | None = None


def move_feedback(error: WorkflowError, carrier: str | None, tracking: str | None) -> MoveFeedback:
    """A refusal's message, as is, beside the field(s) it is about: a
    missing carrier or tracking number beside that field (which ones are
    missing is workflow.shipment_rules' answer), anything else beside the
    status picker. An empty string marks a field as wrong without repeating
    the message."""
    if error.code is ErrorCode.CARRIER_REQUIRED:
        missing = missing_shipping_details(carrier, tracking)
        if "carrier" in missing:  # the message names both when both are missing: shown once
            return MoveFeedback(carrier=error.message, tracking="" if "tracking number" in missing else None)
        return MoveFeedback(tracking=error.message)
    return MoveFeedback(move_to=error.message)
