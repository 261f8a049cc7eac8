"""The manager's dashboard: filters (kept in the address bar), KPI cards and
payment-state badges, revenue with its 7-day trend, inventory turnover,
shipments. Each panel fills itself through bi_app.callbacks.dashboard."""

from __future__ import annotations

import logging
from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
import pycountry
from dash import dcc, html

from bi_app.ids import as_of, body
from bi_app.ids import dashboard as ids
from bi_app.panels import DATABASE_DOWN, alert, cached_filter_choices
from bi_app.services import services
from bi_app.url_filters import parse_dashboard_query
from workflow.analytics import FilterChoices
from workflow.analytics.filters import MAX_DAYS

dash.register_page(
    __name__, path="/", name="Dashboard", title="Dashboard · E-Commerce Command Center", order=0
)

log = logging.getLogger(__name__)


def layout(**query: str | list[str]) -> html.Div:
    ecc = services()
    today = ecc.today()
    choices = _choices()
    params = {name: ",".join(value) if isinstance(value, list) else value for name, value in query.items()}
    view = parse_dashboard_query(params, today, categories=choices.categories if choices else None)
    notes = [alert(note, "info") for note in view.notes]
    if choices is None:
        notes.append(alert(DATABASE_DOWN))
    filters = view.filters
    return html.Div(
        [
            dcc.Store(id=ids.DASH_QUERY),
            dcc.Store(id=ids.DASH_QUERY_SINK),
            dbc.Row(
                [
                    dbc.Col(html.H2("Dashboard", className="mb-0"), md=3),
                    dbc.Col(
                        dcc.DatePickerRange(
                            id=ids.DASH_RANGE,
                            start_date=filters.start.isoformat(),
                            end_date=filters.end.isoformat(),
                            display_format="YYYY-MM-DD",
                            max_date_allowed=(today + timedelta(days=MAX_DAYS)).isoformat(),
                            first_day_of_week=1,
                            clearable=False,
                        ),
                        md="auto",
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.DASH_CATEGORY,
                            options=list(choices.categories) if choices else [],
                            value=filters.category,
                            placeholder="All categories",
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.DASH_COUNTRY,
                            options=_country_options(choices, filters.countries),
                            value=list(filters.countries),
                            multi=True,
                            placeholder="All countries",
                        ),
                        md=3,
                    ),
                ],
                className="g-2 align-items-center mb-3",
            ),
            html.Div(notes, id=ids.DASH_NOTE, className="d-grid gap-2 mb-3" if notes else ""),
            _panel("Key figures", ids.DASH_KPI),
            _panel(
                "Revenue and its 7-day trend",
                ids.DASH_REVENUE,
                controls=dbc.RadioItems(
                    id=ids.DASH_REVENUE_MEASURE,
                    options=[
                        {"label": "Booked", "value": "booked"},
                        {"label": "Collected", "value": "collected"},
                    ],
                    value="booked",
                    inline=True,
                ),
            ),
            _panel("Inventory turnover", ids.DASH_TURNOVER),
            _panel("Shipments", ids.DASH_SHIPMENTS),
            _panel(
                "Stuck shipments",
                ids.DASH_STUCK,
                controls=dbc.InputGroup(
                    [
                        dbc.InputGroupText("in one stage for more than"),
                        dbc.Input(
                            id=ids.DASH_STUCK_DAYS,
                            type="number",
                            min=1,
                            max=365,
                            step=1,
                            value=3,
                            debounce=True,
                            style={"maxWidth": "5rem"},
                        ),
                        dbc.InputGroupText("days"),
                    ],
                    size="sm",
                ),
            ),
        ]
    )


def _panel(title: str, panel: str, controls=None) -> dbc.Card:
    header = dbc.Row(
        [
            dbc.Col(html.H5(title, className="mb-0"), width="auto"),
            dbc.Col(controls, width="auto") if controls is not None else None,
            dbc.Col(html.Small(id=as_of(panel), className="text-muted"), className="text-end"),
        ],
        className="align-items-center g-3",
    )
    return dbc.Card(
        [dbc.CardHeader(header), dbc.CardBody(dcc.Loading(html.Div(id=body(panel)), delay_show=300))],
        id=panel,
        className="mb-3 shadow-sm",
    )


def _choices() -> FilterChoices | None:
    try:
        return cached_filter_choices()
    except Exception:
        log.exception("dashboard: the filter choices could not be read")
        return None


def _country_options(choices: FilterChoices | None, chosen: tuple[str, ...]) -> list[dict[str, str]]:
    codes = sorted({*(choices.countries if choices else ()), *chosen})
    options = []
    for code in codes:
        country = pycountry.countries.get(alpha_2=code)
        options.append({"label": f"{country.name if country else code} ({code})", "value": code})
    return options
