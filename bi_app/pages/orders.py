"""The orders list: filters for payment state, placed date, customer and
country, then one page of the orders, sorted and counted in PostgreSQL
(workflow.listings.list_orders) so it stays quick with a million orders.

The whole view lives in the address bar (bi_app.orders_url): the sortable
headers and the pager are links, and a changed filter navigates to the new
address (bi_app.callbacks.orders), so every view can be bookmarked and the
dashboard's badges and cards link straight into it.
"""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
import pycountry
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from bi_app.figures.orders import orders_pager, orders_table
from bi_app.ids import orders as ids
from bi_app.orders_url import PATH, parse_orders_query
from bi_app.panels import alert, cached_filter_choices, database_down
from bi_app.services import services
from bi_app.theme import PAYMENT_STATE_ORDER, PAYMENT_STATE_STYLE
from workflow.errors import WorkflowError
from workflow.listings import list_orders

dash.register_page(__name__, path=PATH, name="Orders", title="Orders · E-Commerce Command Center", order=10)

log = logging.getLogger(__name__)


def layout(**query: str | list[str]) -> html.Div:
    view = parse_orders_query(query)
    ecc = services()
    try:
        page = list_orders(ecc.engine, view.query, page=view.page, page_size=view.page_size)
        table = orders_table(page, view, ecc.settings.currency, ecc.settings.tz)
        listing = html.Div([orders_pager(page, view), table, orders_pager(page, view, bottom=True)])
    except WorkflowError as exc:
        listing = alert(exc.message, "warning")
    except SQLAlchemyError:
        listing = database_down(log, "orders: the listing could not be read")
    q = view.query
    return html.Div(
        [
            dcc.Location(id=ids.ORDERS_NAV, refresh="callback-nav"),
            dcc.Store(id=ids.ORDERS_BASE, data=_base(view)),
            html.H2("Orders", className="mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.ORDERS_STATE,
                            options=[
                                {"label": PAYMENT_STATE_STYLE[s].label, "value": s.value}
                                for s in PAYMENT_STATE_ORDER
                            ],
                            value=[s.value for s in q.states],
                            multi=True,
                            placeholder="All payment states",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.DatePickerRange(
                            id=ids.ORDERS_RANGE,
                            start_date=q.start.isoformat() if q.start else None,
                            end_date=q.end.isoformat() if q.end else None,
                            display_format="YYYY-MM-DD",
                            start_date_placeholder_text="Placed from",
                            end_date_placeholder_text="to",
                            first_day_of_week=1,
                            clearable=True,
                            updatemode="bothdates",
                        ),
                        md="auto",
                    ),
                    dbc.Col(
                        dbc.Input(
                            id=ids.ORDERS_CUSTOMER,
                            value=q.customer or "",
                            placeholder="Customer: name, e-mail or id",
                            debounce=True,
                            type="search",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.ORDERS_COUNTRY,
                            options=_country_options(q.countries),
                            value=list(q.countries),
                            multi=True,
                            placeholder="All countries",
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        dcc.Link("Clear filters", href=PATH, className="btn btn-sm btn-outline-secondary"),
                        md="auto",
                    ),
                ],
                className="g-2 align-items-center mb-2",
            ),
            html.Div(id=ids.ORDERS_FILTER_FEEDBACK),
            html.Div(_notes(view.notes), id=ids.ORDERS_NOTE),
            dbc.Card(dbc.CardBody(listing), className="shadow-sm"),
        ]
    )


def _notes(notes: tuple[str, ...]) -> dbc.Alert | None:
    """Every parameter of the address that could not be used, in one note."""
    if not notes:
        return None
    return dbc.Alert(
        [
            html.Div("Part of this address could not be used:", className="fw-semibold"),
            html.Ul([html.Li(note) for note in notes], className="mb-0"),
        ],
        color="info",
        className="mb-2 py-2",
    )


def _base(view) -> dict[str, object]:
    """What the filter controls do not set, kept across a filter change."""
    q = view.query
    return {
        "sort": q.sort,
        "descending": q.descending,
        "include_cancelled": q.include_cancelled,
        "page_size": view.page_size,
    }


def _country_options(chosen: tuple[str, ...]) -> list[dict[str, str]]:
    """The countries customers live in (cached with the dashboard's choices), and any chosen one."""
    try:
        known = cached_filter_choices().countries
    except Exception:  # the list still works without the suggestions
        log.exception("orders: the country choices could not be read")
        known = ()
    options = []
    for code in sorted({*known, *chosen}):
        country = pycountry.countries.get(alpha_2=code)
        options.append({"label": f"{country.name if country else code} ({code})", "value": code})
    return options
