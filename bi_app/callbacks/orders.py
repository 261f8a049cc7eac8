"""Orders list callbacks: a changed filter navigates to the view's new
address (back to page 1); the page's layout then reads it from the URL and
lists the orders. Nothing is listed here, so the URL is the one source."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from bi_app.callbacks import CallbackSet
from bi_app.ids import orders as ids
from bi_app.orders_url import PATH, orders_query_string, query_from_controls
from bi_app.panels import alert
from workflow.errors import WorkflowError
from workflow.listings import OrderQuery

CALLBACKS = CallbackSet()


@CALLBACKS.callback(
    Output(ids.ORDERS_NAV, "href"),
    Output(ids.ORDERS_FILTER_FEEDBACK, "children"),
    Input(ids.ORDERS_STATE, "value"),
    Input(ids.ORDERS_RANGE, "start_date"),
    Input(ids.ORDERS_RANGE, "end_date"),
    Input(ids.ORDERS_CUSTOMER, "value"),
    Input(ids.ORDERS_COUNTRY, "value"),
    State(ids.ORDERS_BASE, "data"),
    prevent_initial_call=True,
)
def apply_filters(states, start, end, customer, countries, base):
    try:
        kept = OrderQuery(
            sort=base["sort"], descending=base["descending"], include_cancelled=base["include_cancelled"]
        )
        query = query_from_controls(states, start, end, customer, countries, kept)
    except (WorkflowError, KeyError, TypeError, ValueError) as exc:
        message = exc.message if isinstance(exc, WorkflowError) else "These filters could not be read."
        return no_update, alert(message, "warning")
    return PATH + orders_query_string(query, 1, base["page_size"]), None
