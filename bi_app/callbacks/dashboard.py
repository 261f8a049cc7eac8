"""Dashboard callbacks: each panel reads the filters, calls its workflow
function and a pure builder from bi_app.figures, through render_panel
(cache, "as of", alerts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html, no_update

from bi_app.callbacks import CallbackSet
from bi_app.figures.kpi import kpi_cards, payment_state_badges
from bi_app.figures.plain import html_element
from bi_app.figures.revenue import build_revenue_figure
from bi_app.figures.shipments import (
    build_shipment_status_figure,
    build_stage_durations_figure,
    stuck_shipments_table,
)
from bi_app.figures.turnover import build_turnover_category_figure, products_table
from bi_app.ids import as_of, body
from bi_app.ids import dashboard as ids
from bi_app.orders_url import dashboard_kpi_href, dashboard_state_href
from bi_app.panels import alert, filters_key, render_panel
from bi_app.services import services
from bi_app.url_filters import dashboard_query_string, filters_from_controls
from workflow import analytics
from workflow.analytics import Filters
from workflow.errors import WorkflowError

CALLBACKS = CallbackSet()
FILTERS = (
    Input(ids.DASH_RANGE, "start_date"),
    Input(ids.DASH_RANGE, "end_date"),
    Input(ids.DASH_CATEGORY, "value"),
    Input(ids.DASH_COUNTRY, "value"),
)
STUCK_SHOWN = 50  # the oldest first: the ones to chase today
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def panel_outputs(panel: str) -> tuple[Output, Output]:
    return Output(body(panel), "children"), Output(as_of(panel), "children")


def dashboard_panel(name: str, controls: tuple, build: Callable[[Filters], Any], *options) -> tuple[Any, str]:
    """Parse the filter controls, then render the panel through the cache."""
    try:
        filters = filters_from_controls(*controls, services().today())
    except WorkflowError as exc:
        return alert(exc.message, "warning"), ""
    return render_panel(name, (*filters_key(filters), *options), lambda: build(filters))


@CALLBACKS.callback(Output(ids.DASH_QUERY, "data"), *FILTERS)
def update_query(start, end, category, countries):
    ecc = services()
    try:
        return dashboard_query_string(
            filters_from_controls(start, end, category, countries, ecc.today()), ecc.today()
        )
    except WorkflowError:
        return no_update


# Mirror the filters into the address bar without reloading the page, so the
# view can be bookmarked and shared (history.replaceState: no page re-render).
CALLBACKS.clientside(
    """function (query) {
        if (query === undefined || query === null) { return window.dash_clientside.no_update; }
        const url = window.location.pathname + query + window.location.hash;
        if (url !== window.location.pathname + window.location.search + window.location.hash) {
            window.history.replaceState(window.history.state, "", url);
        }
        return query;
    }""",
    Output(ids.DASH_QUERY_SINK, "data"),
    Input(ids.DASH_QUERY, "data"),
)


@CALLBACKS.callback(*panel_outputs(ids.DASH_KPI), *FILTERS)
def update_kpis(*controls):
    def build(filters: Filters):
        ecc = services()
        comparison = analytics.kpis(ecc.engine, filters)
        return html.Div(
            [
                dbc.Row(
                    [
                        dbc.Col(card, md=4, xl=2)
                        for card in kpi_cards(
                            comparison,
                            ecc.settings.currency,
                            filters.days,
                            href_for=lambda name: dashboard_kpi_href(filters, name),
                        )
                    ],
                    className="g-2 mb-3",
                ),
                payment_state_badges(
                    comparison.current.state_counts,
                    href_for=lambda state: dashboard_state_href(filters, state),
                ),
            ]
        )

    return dashboard_panel("kpis", controls, build)


@CALLBACKS.callback(*panel_outputs(ids.DASH_REVENUE), *FILTERS, Input(ids.DASH_REVENUE_MEASURE, "value"))
def update_revenue(start, end, category, countries, measure):
    def build(filters: Filters):
        ecc = services()
        frame = analytics.daily_revenue(ecc.engine, filters)
        figure = build_revenue_figure(frame, measure or "booked", ecc.settings.currency)
        return dcc.Graph(id="dashboard-revenue-graph", figure=figure, config=GRAPH_CONFIG)

    return dashboard_panel("revenue", (start, end, category, countries), build, measure)


@CALLBACKS.callback(*panel_outputs(ids.DASH_TURNOVER), *FILTERS)
def update_turnover(*controls):
    def build(filters: Filters):
        ecc = services()
        report = analytics.turnover_report(ecc.engine, filters)
        currency = ecc.settings.currency
        figure = build_turnover_category_figure(report.by_category, currency)
        return html.Div(
            [
                dcc.Graph(id="dashboard-turnover-graph", figure=figure, config=GRAPH_CONFIG),
                html.Div(
                    [
                        html.Div([html.H6("Fastest-turning products"), products_table(report.fastest, currency)]),
                        html.Div([html.H6("Slowest-turning products"), products_table(report.slowest, currency)]),
                    ],
                    className="d-grid gap-3",
                    style={"gridTemplateColumns": "repeat(auto-fit, minmax(28rem, 1fr))"},
                ),
            ]
        )

    return dashboard_panel("turnover", controls, build)


@CALLBACKS.callback(*panel_outputs(ids.DASH_SHIPMENTS), *FILTERS)
def update_shipments(*controls):
    def build(filters: Filters):
        engine = services().engine
        status = build_shipment_status_figure(analytics.shipment_status_counts(engine, filters))
        stages = build_stage_durations_figure(analytics.stage_durations(engine, filters))
        return html.Div(
            [
                dcc.Graph(id="dashboard-shipment-status-graph", figure=status, config=GRAPH_CONFIG),
                dcc.Graph(id="dashboard-stage-durations-graph", figure=stages, config=GRAPH_CONFIG),
            ],
            className="d-grid",
            style={"gridTemplateColumns": "repeat(auto-fit, minmax(24rem, 1fr))"},
        )

    return dashboard_panel("shipments", controls, build)


@CALLBACKS.callback(*panel_outputs(ids.DASH_STUCK), *FILTERS, Input(ids.DASH_STUCK_DAYS, "value"))
def update_stuck(start, end, category, countries, days):
    if not isinstance(days, int) or not 1 <= days <= 365:
        return alert(
            "Enter whole days from 1 to 365 to list the shipments stuck longer than that.", "warning"
        ), ""

    def build(filters: Filters):
        ecc = services()
        frame = analytics.stuck_shipments(ecc.engine, filters, older_than_days=days, limit=STUCK_SHOWN)
        table = stuck_shipments_table(
            frame, ecc.settings.tz, older_than_days=days, order_href=lambda order_id: f"/orders/{order_id}"
        )
        return html_element("Div", table, style={"maxHeight": "28rem", "overflowY": "auto"})

    return dashboard_panel("stuck", (start, end, category, countries), build, days)
