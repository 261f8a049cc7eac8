"""Shipments page callbacks: the list (tabs, rows, pager) from the address,
the filter form that writes the address, and one shipment's detail and move.

Every workflow call is wrapped by `guard`: a refusal shows its message, a
database failure a calm sentence, never a stack trace."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from dash import ALL, Input, Output, State, ctx, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_actor, may_do
from bi_app.callbacks import CallbackSet
from bi_app.components import shipments as build
from bi_app.downloads import download_button
from bi_app.figures import operations as shipment
from bi_app.figures.operations import address_notes
from bi_app.ids import shipments as ids
from bi_app.panels import alert, database_down
from bi_app.services import services
from workflow import analytics
from workflow.analytics.filters import MAX_DAYS
from workflow.errors import WorkflowError
from workflow.listings import ShipmentQuery, count_shipments, list_shipments
from workflow.shipment_rules import allowed_moves
from workflow.shipments import advance_shipment, shipment_timeline

CALLBACKS = CallbackSet()
log = logging.getLogger(__name__)
T = TypeVar("T")
CLEAN = (None, False, False)  # no message beside the status picker, carrier and tracking fields


class Shown(Exception):
    """A failure already turned into something to show."""

    def __init__(self, content: Any) -> None:
        super().__init__("shown")
        self.content = content


def guard(work: Callable[[], T]) -> T:
    """Run a workflow call; a refusal or a database failure becomes Shown(alert)."""
    try:
        return work()
    except WorkflowError as exc:
        raise Shown(alert(exc.message, "warning")) from exc
    except SQLAlchemyError as exc:
        raise Shown(database_down(log, "shipments: database error")) from exc


def everything() -> analytics.Filters:
    """The dashboard's filters widened to the longest range it allows: every
    shipment of an order placed in the last ten years, whatever its country."""
    today = services().today()
    return analytics.Filters(today - timedelta(days=MAX_DAYS - 1), today)


# The list ------------------------------------------------------------------


@CALLBACKS.callback(
    Output(ids.SHIP_LIST, "children"),
    Output(ids.SHIP_NOTE, "children"),
    Input(ids.SHIP_VIEW, "data"),
    Input(ids.SHIP_MOVED, "data"),
)
def show_list(params, _moved):
    view = build.parse_shipments_view(params or {})
    note = address_notes(view.notes)
    try:
        return list_content(view), note
    except Shown as shown:
        return shown.content, note


def list_content(view: build.ShipmentsView) -> html.Div:
    ecc = services()
    engine, query = ecc.engine, view.listing_query
    counts = guard(lambda: analytics.shipment_status_counts(engine, everything()))
    stuck = ShipmentQuery(stuck_after=view.stuck_days)
    stuck_count = guard(lambda: count_shipments(engine, stuck))
    listing = guard(lambda: list_shipments(engine, query, page=view.page, page_size=build.PAGE_SIZE))
    page = dataclasses.replace(listing, rows=tuple(build.listed(listing.rows, view.stuck_days)))
    tabs = build.status_tabs(
        view, dict(zip(counts["status"], map(int, counts["shipments"]), strict=True)), stuck_count
    )
    return html.Div(
        [
            tabs,
            html.Div(
                [
                    build.pager(page, view),
                    download_button(query, component_id="shipments-download"),
                ],
                className="d-flex justify-content-between align-items-center",
            ),
            build.shipments_table(page.rows, ecc.settings.tz),
        ]
    )


@CALLBACKS.callback(
    Output(ids.SHIP_NAV, "href"),
    Output(ids.SHIP_ORDER, "invalid"),
    Output(ids.SHIP_ORDER_FEEDBACK, "children"),
    Output(ids.SHIP_CUSTOMER, "invalid"),
    Output(ids.SHIP_CUSTOMER_FEEDBACK, "children"),
    Output(ids.SHIP_STUCK_DAYS, "invalid"),
    Output(ids.SHIP_STUCK_DAYS_FEEDBACK, "children"),
    Input(f"{ids.SHIP_APPLY}-form", "n_submit"),
    State(ids.SHIP_ORDER, "value"),
    State(ids.SHIP_CUSTOMER, "value"),
    State(ids.SHIP_STUCK_DAYS, "value"),
    State(ids.SHIP_VIEW, "data"),
    prevent_initial_call=True,
)
def apply_filters(_submitted, order_text, customer, days_text, params):
    """Back to page 1 with the form's filters, or each bad field's message beside it."""
    view = build.parse_shipments_view(params or {})
    messages: dict[str, str | None] = {"order": None, "customer": None, "days": None}
    order_id, days, query = None, view.stuck_days, view.query
    try:
        order_id = build.parse_order_number(order_text)
    except WorkflowError as exc:
        messages["order"] = exc.message
    try:
        days = build.parse_stuck_days(days_text)
    except WorkflowError as exc:
        messages["days"] = exc.message
    try:
        query = dataclasses.replace(view.query, order_id=order_id, customer=(customer or "").strip() or None)
    except WorkflowError as exc:
        messages["customer"] = exc.message
    feedback = []
    for name in ("order", "customer", "days"):
        feedback += [messages[name] is not None, messages[name]]
    if any(messages.values()):
        return no_update, *feedback
    return build.shipments_href(view, query=query, page=1, stuck_days=days), *feedback


# One shipment ---------------------------------------------------------------


@CALLBACKS.callback(
    Output(ids.SHIP_SELECTED, "data"),
    Output(ids.SHIP_MODAL, "is_open"),
    Input({"type": ids.SHIP_OPEN, "shipment": ALL, "order": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def open_shipment(clicks):
    # A re-drawn list adds buttons that were never clicked: those open nothing.
    if not ctx.triggered_id or not any(clicks or ()) or not ctx.triggered[0]["value"]:
        return no_update, no_update
    return {"shipment": ctx.triggered_id["shipment"], "order": ctx.triggered_id["order"]}, True


@CALLBACKS.callback(
    Output(ids.SHIP_MODAL_TITLE, "children"),
    Output(ids.SHIP_DETAIL, "children"),
    Output(ids.SHIP_FINAL, "children"),
    Output(ids.SHIP_MOVE_FORM, "hidden"),
    Output(ids.SHIP_MOVE_TO, "options"),
    Output(ids.SHIP_MOVE_TO, "value"),
    Output(ids.SHIP_CARRIER, "value"),
    Output(ids.SHIP_TRACKING, "value"),
    Output(ids.SHIP_NOTE_INPUT, "value"),
    Output(ids.SHIP_MOVE_RESULT, "children", allow_duplicate=True),
    Output(ids.SHIP_MOVE_TO_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.SHIP_CARRIER, "invalid", allow_duplicate=True),
    Output(ids.SHIP_TRACKING, "invalid", allow_duplicate=True),
    Input(ids.SHIP_SELECTED, "data"),
    Input(ids.SHIP_MOVED, "data"),
    prevent_initial_call=True,
)
def show_shipment(selected, _moved):
    """The shipment's details, timeline and legal next moves, read afresh
    (after a move too); a newly opened shipment starts with a blank form."""
    if not selected:
        return (no_update,) * 13
    shipment_id, order_id = int(selected["shipment"]), int(selected["order"])
    result = no_update if ctx.triggered_id == ids.SHIP_MOVED else None
    title = f"Shipment #{shipment_id}"
    try:
        row, events = load_shipment(shipment_id, order_id)
    except Shown as shown:
        return title, shown.content, None, True, [], None, "", "", "", result, *CLEAN
    tz = services().settings.tz
    detail = html.Div(
        [
            shipment.detail_header(row, tz),
            html.H6("Timeline", className="fw-bold"),
            shipment.timeline_table(events, tz, datetime.now(UTC)),
        ]
    )
    final = None
    if not allowed_moves(row.status):
        final = alert(
            f"This shipment is {row.status.replace('_', ' ')}: nothing moves it further.", "secondary"
        )
    options = shipment.move_options(row.status)
    hidden = not options or not may_do("move_shipment")
    return title, detail, final, hidden, options, None, "", "", "", result, *CLEAN


def load_shipment(shipment_id: int, order_id: int):
    engine = services().engine
    rows = guard(lambda: list_shipments(engine, ShipmentQuery(order_id=order_id), page_size=100).rows)
    row = next((r for r in rows if r.shipment_id == shipment_id), None)
    if row is None:
        raise Shown(alert(f"Shipment {shipment_id} does not exist.", "warning"))
    return row, guard(lambda: shipment_timeline(engine, shipment_id))


@CALLBACKS.callback(
    Output(ids.SHIP_SHIPPING_FIELDS, "is_open"),
    Input(ids.SHIP_MOVE_TO, "value"),
)
def ask_for_shipping_details(to_status):
    """Carrier and tracking number are asked for on the move to shipped only."""
    return to_status == "shipped"


@CALLBACKS.callback(
    Output(ids.SHIP_MOVED, "data"),
    Output(ids.SHIP_MOVE_RESULT, "children"),
    Output(ids.SHIP_MOVE_TO_FEEDBACK, "children"),
    Output(ids.SHIP_CARRIER, "invalid"),
    Output(ids.SHIP_CARRIER_FEEDBACK, "children"),
    Output(ids.SHIP_TRACKING, "invalid"),
    Output(ids.SHIP_TRACKING_FEEDBACK, "children"),
    Input(ids.SHIP_MOVE_SUBMIT, "n_clicks"),
    State(ids.SHIP_SELECTED, "data"),
    State(ids.SHIP_MOVE_TO, "value"),
    State(ids.SHIP_CARRIER, "value"),
    State(ids.SHIP_TRACKING, "value"),
    State(ids.SHIP_NOTE_INPUT, "value"),
    State(ids.SHIP_MOVED, "data"),
    prevent_initial_call=True,
    running=[(Output(ids.SHIP_MOVE_SUBMIT, "disabled"), True, False)],
)
def move_shipment(_clicks, selected, to_status, carrier, tracking, note, moved):
    """One move through workflow.shipments.advance_shipment; its refusal's
    message beside the field it is about, and nothing written."""
    if not selected:
        return no_update, *(no_update,) * 6
    if not to_status:
        return no_update, None, shipment.CHOOSE_MOVE, False, None, False, None
    shipping = to_status == "shipped"
    shipment_id = int(selected["shipment"])
    ecc = services()
    try:
        advance_shipment(
            ecc.engine,
            shipment_id=shipment_id,
            to_status=to_status,
            actor=current_actor(),
            carrier=carrier if shipping else None,
            tracking_number=tracking if shipping else None,
            note=note,
            settings=ecc.settings,
        )
    except WorkflowError as exc:
        feedback = shipment.move_feedback(exc, carrier, tracking)
        return (
            no_update,
            None,
            feedback.move_to,
            feedback.carrier is not None,
            feedback.carrier,
            feedback.tracking is not None,
            feedback.tracking,
        )
    except SQLAlchemyError:
        return (
            no_update,
            database_down(log, f"shipments: the move of shipment {shipment_id} failed"),
            None,
            False,
            None,
            False,
            None,
        )
    done = alert(f"Shipment #{shipment_id} moved to {to_status.replace('_', ' ')}.", "success")
    return (moved or 0) + 1, done, None, False, None, False, None
