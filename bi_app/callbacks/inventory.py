"""Inventory page callbacks: the products table from the address, the
filter form that writes the address, the low-stock list, the product
picker, and the receipt through workflow.inventory.receive_stock."""

from __future__ import annotations

import dataclasses
import logging

from dash import Input, Output, State, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_actor
from bi_app.callbacks import CallbackSet
from bi_app.components import inventory as build
from bi_app.figures.operations import address_notes
from bi_app.ids import inventory as ids
from bi_app.panels import DATABASE_DOWN, alert, database_down
from bi_app.services import services
from workflow.errors import WorkflowError
from workflow.inventory import receive_stock
from workflow.stock_views import find_products, low_stock, stock_on_hand

CALLBACKS = CallbackSet()
log = logging.getLogger(__name__)
PICKER_SIZE = 30


@CALLBACKS.callback(
    Output(ids.INV_TABLE_BODY, "children"),
    Output(ids.INV_NOTE, "children"),
    Input(ids.INV_VIEW, "data"),
    Input(ids.INV_RECEIVED, "data"),
)
def show_table(params, _received):
    view = build.parse_inventory_view(params or {})
    note = address_notes(view.notes)
    ecc = services()
    try:
        page = stock_on_hand(
            ecc.engine, view.query, today=ecc.today(), page=view.page, page_size=build.PAGE_SIZE
        )
    except WorkflowError as exc:
        return alert(exc.message, "warning"), note
    except SQLAlchemyError:
        return database_down(log, "inventory: the stock could not be read"), note
    currency = ecc.settings.currency
    return html.Div([build.pager(page, view), build.stock_table(page, view, currency)]), note


@CALLBACKS.callback(
    Output(ids.INV_NAV, "href"),
    Output(ids.INV_SEARCH, "invalid"),
    Output(ids.INV_SEARCH_FEEDBACK, "children"),
    Input(f"{ids.INV_APPLY}-form", "n_submit"),
    State(ids.INV_SEARCH, "value"),
    State(ids.INV_CATEGORY, "value"),
    State(ids.INV_VIEW, "data"),
    prevent_initial_call=True,
)
def apply_filters(_submitted, search, category, params):
    """Page 1 of the products matching the form; the sort is kept."""
    view = build.parse_inventory_view(params or {})
    try:
        query = dataclasses.replace(view.query, search=search or None, category=category or None)
    except WorkflowError as exc:
        return no_update, True, exc.message
    return build.inventory_href(view, query=query, page=1), False, None


@CALLBACKS.callback(
    Output(ids.INV_LOW_BODY, "children"),
    Output(ids.INV_LOW_DAYS, "invalid"),
    Output(ids.INV_LOW_DAYS_FEEDBACK, "children"),
    Input(ids.INV_LOW_DAYS, "value"),
    Input(ids.INV_RECEIVED, "data"),
)
def show_low_stock(days_text, _received):
    try:
        days = build.parse_days(days_text, "the days of cover")
    except WorkflowError as exc:
        return no_update, True, exc.message
    ecc = services()
    try:
        rows = low_stock(ecc.engine, today=ecc.today(), cover_days=days)
    except WorkflowError as exc:
        return alert(exc.message, "warning"), False, None
    except SQLAlchemyError:
        return database_down(log, "inventory: the low-stock list could not be read"), False, None
    return build.low_stock_table(rows, days), False, None


@CALLBACKS.callback(
    Output(ids.INV_PRODUCT, "options"),
    Input(ids.INV_PRODUCT, "search_value"),
    State(ids.INV_PRODUCT, "value"),
)
def search_products(search, picked):
    """The products whose SKU or name holds what is typed (the picked one kept)."""
    try:
        choices = find_products(services().engine, search, limit=PICKER_SIZE, keep=picked)
    except (WorkflowError, SQLAlchemyError):
        log.warning("inventory: the product search %r failed", search, exc_info=True)
        return no_update
    return build.product_options(choices)


@CALLBACKS.callback(
    Output(ids.INV_PRODUCT_INFO, "children"),
    Output(ids.INV_UNIT_COST, "value"),
    Input(ids.INV_PRODUCT, "value"),
    Input(ids.INV_RECEIVED, "data"),
)
def show_product(product_id, _received):
    """What the picked product holds now; its list unit cost pre-fills the form."""
    if product_id is None:
        return None, no_update
    try:
        choices = find_products(services().engine, None, limit=1, keep=product_id)
    except SQLAlchemyError:
        log.exception("inventory: the product could not be read")
        return DATABASE_DOWN, no_update
    if not choices or choices[0].product_id != product_id:
        return None, no_update
    return build.product_info(choices[0], services().settings.currency), str(choices[0].unit_cost)


@CALLBACKS.callback(
    Output(ids.INV_RECEIVED, "data"),
    Output(ids.INV_RECEIVE_RESULT, "children"),
    Output(ids.INV_PRODUCT_FEEDBACK, "children"),
    Output(ids.INV_QUANTITY, "invalid"),
    Output(ids.INV_QUANTITY_FEEDBACK, "children"),
    Output(ids.INV_UNIT_COST, "invalid"),
    Output(ids.INV_UNIT_COST_FEEDBACK, "children"),
    Output(ids.INV_QUANTITY, "value"),
    Input(f"{ids.INV_RECEIVE_SUBMIT}-form", "n_submit"),
    State(ids.INV_PRODUCT, "value"),
    State(ids.INV_QUANTITY, "value"),
    State(ids.INV_UNIT_COST, "value"),
    State(ids.INV_RECEIVE_NOTE, "value"),
    State(ids.INV_RECEIVED, "data"),
    prevent_initial_call=True,
    running=[(Output(ids.INV_RECEIVE_SUBMIT, "disabled"), True, False)],
)
def receive(_submitted, product_id, quantity, unit_cost, note, received):
    """Every field checked first (all messages at once), then one receipt;
    on success the quantity is cleared, so a second click books nothing."""
    checked = build.check_receipt(product_id, quantity, unit_cost, note)
    if isinstance(checked, build.ReceiptErrors):
        return no_update, None, *_feedback(checked), no_update
    ecc = services()
    try:
        level = receive_stock(
            ecc.engine,
            product_id=checked.product_id,
            quantity=checked.quantity,
            unit_cost=checked.unit_cost,
            actor=current_actor(),
            note=checked.note,
        )
    except WorkflowError as exc:
        return no_update, None, *_feedback(build.receipt_error(exc)), no_update
    except SQLAlchemyError:
        return (
            no_update,
            database_down(log, "inventory: the receipt could not be booked"),
            *_feedback(build.ReceiptErrors()),
            no_update,
        )
    done = build.received_alert(level, checked.quantity)
    return (received or 0) + 1, done, *_feedback(build.ReceiptErrors()), ""


def _feedback(errors: build.ReceiptErrors) -> tuple:
    return (
        errors.product,
        errors.quantity is not None,
        errors.quantity,
        errors.unit_cost is not None,
        errors.unit_cost,
    )
