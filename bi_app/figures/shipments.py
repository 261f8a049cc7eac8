"""Where shipments are, from workflow.analytics.shipment_status_counts,
stage_durations and stuck_shipments: counts per status in pipeline order,
median days per stage, and the live shipments stuck too long."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import pandas as pd

from bi_app.figures.empty import empty_figure
from bi_app.figures.plain import Component, Figure, component, html_element, plain_figure
from bi_app.formatting import DEFAULT_LOCALE, format_count, format_days, local_time, to_decimal
from bi_app.theme import (
    GRID_COLOR,
    SHIPMENT_STATUS_ORDER,
    SHIPMENT_STATUS_STYLE,
    STUCK_ALERT_BACKGROUND,
    STUCK_ALERT_TEXT,
    chart_layout,
    shipment_status_label,
)

NO_SHIPMENTS = "No shipments in this range"
NO_STAGES = "No shipment has finished a stage in this range"
SHIPMENTS_HINT = "Widen the date range, or clear the category and country filters."
STUCK_CLASS = "stuck-long"
STUCK_TINT = {"--bs-table-bg": STUCK_ALERT_BACKGROUND, "--bs-table-color": STUCK_ALERT_TEXT}


def _pipeline(statuses: pd.Series) -> list[str]:
    """The statuses present, in pipeline order; unknown ones last, as given."""
    present = list(dict.fromkeys(statuses))
    known = [s for s in SHIPMENT_STATUS_ORDER if s in present]
    return known + [s for s in present if s not in SHIPMENT_STATUS_ORDER]


def _color(status: str) -> str:
    style = SHIPMENT_STATUS_STYLE.get(status)
    return style.background if style else "#5c636a"


def build_shipment_status_figure(frame: pd.DataFrame, *, locale: str = DEFAULT_LOCALE) -> Figure:
    """One bar per shipment status (every status, zero included) in pipeline
    order, coloured from the theme. customdata[0] of each point is the raw
    status ("in_transit"), for a click-through. No shipment at all gives
    empty_figure."""
    counts = {row.status: int(row.shipments) for row in frame.itertuples(index=False)}
    if not any(counts.values()):
        return empty_figure(NO_SHIPMENTS, SHIPMENTS_HINT)
    statuses = _pipeline(pd.Series([*SHIPMENT_STATUS_ORDER, *counts]))
    values = [counts.get(s, 0) for s in statuses]
    texts = [format_count(v, locale) for v in values]
    bar = {
        "type": "bar",
        "x": [shipment_status_label(s) for s in statuses],
        "y": values,
        "marker": {"color": [_color(s) for s in statuses]},
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [[s, t] for s, t in zip(statuses, texts, strict=True)],
        "hovertemplate": "<b>%{x}</b><br>%{customdata[1]} shipments<extra></extra>",
    }
    return plain_figure([bar], _bars_layout(tickformat=",d"))


def build_stage_durations_figure(frame: pd.DataFrame, *, locale: str = DEFAULT_LOCALE) -> Figure:
    """Median days spent in each stage that shipments have left, one bar per
    stage in pipeline order; the hover says how many shipments the median is
    taken over. No finished stage gives empty_figure."""
    if frame.empty:
        return empty_figure(NO_STAGES, SHIPMENTS_HINT)
    by_status = {row.status: row for row in frame.itertuples(index=False)}
    statuses = _pipeline(frame["status"])
    medians = [to_decimal(by_status[s].median_days) for s in statuses]
    bar = {
        "type": "bar",
        "x": [shipment_status_label(s) for s in statuses],
        "y": [float(m) for m in medians],
        "marker": {"color": [_color(s) for s in statuses]},
        "text": [format_days(m, locale) for m in medians],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [
            [s, format_days(m, locale), format_count(by_status[s].shipments, locale)]
            for s, m in zip(statuses, medians, strict=True)
        ],
        "hovertemplate": (
            "<b>%{x}</b><br>Median: %{customdata[1]}<br>over %{customdata[2]} shipments<extra></extra>"
        ),
    }
    return plain_figure([bar], _bars_layout(title={"text": "Median days in stage"}))


def _bars_layout(**yaxis: object) -> dict[str, object]:
    """One bar per status: no legend, no vertical grid, counts from zero."""
    return chart_layout(
        showlegend=False,
        xaxis={"showgrid": False},
        yaxis={"gridcolor": GRID_COLOR, "rangemode": "tozero", **yaxis},
    )


def _days_phrase(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


def stuck_shipments_empty(older_than_days: int, *, component_id: str | None = None) -> dbc.Alert:
    """The reassuring note shown when nothing is stuck: "No shipment has been
    stuck longer than 3 days"."""
    extra = {"id": component_id} if component_id else {}
    text = f"No shipment has been stuck longer than {_days_phrase(older_than_days)}"
    return dbc.Alert(text, color="success", className="mb-0", **extra)


def stuck_shipments_table(
    frame: pd.DataFrame,
    tz: ZoneInfo,
    *,
    older_than_days: int = 3,
    alert_after_days: Decimal | int | None = None,
    order_href: Callable[[int], str | None] | None = None,
    locale: str = DEFAULT_LOCALE,
    table_id: str | None = None,
) -> Component | dbc.Alert:
    """The stuck shipments, oldest first as given: shipment, order, customer,
    country, status, since (local date-time in `tz`) and days in stage.
    Rows stuck `alert_after_days` or more (default: twice `older_than_days`)
    get a warning tint and the class "stuck-long". `order_href(order_id)`
    may turn the order number into a link. An empty frame gives
    stuck_shipments_empty(older_than_days) instead of a table. The table is
    plain component data (bi_app.figures.plain): a dbc.Table."""
    if frame.empty:
        return stuck_shipments_empty(older_than_days, component_id=table_id)
    threshold = to_decimal(alert_after_days if alert_after_days is not None else 2 * older_than_days)
    columns = ["Shipment", "Order", "Customer", "Country", "Status", f"Since ({tz.key})", "Days in stage"]
    headings = [html_element("Th", c, className="text-end" if c == columns[-1] else None) for c in columns]
    header = html_element("Thead", html_element("Tr", headings))
    rows = [_stuck_row(row, tz, threshold, order_href, locale) for row in frame.itertuples(index=False)]
    body = html_element("Tbody", rows)
    return component("dbc", "Table", [header, body], hover=True, size="sm", responsive=True, id=table_id)


def _stuck_row(row, tz: ZoneInfo, threshold: Decimal, order_href, locale: str) -> Component:
    days = to_decimal(row.days_in_stage)
    long_stuck = days >= threshold
    href = order_href(int(row.order_id)) if order_href else None
    order = component("dcc", "Link", f"#{row.order_id}", href=href) if href else f"#{row.order_id}"
    style = SHIPMENT_STATUS_STYLE.get(row.status)
    badge_style = {"backgroundColor": style.background, "color": style.text} if style else None
    cells = [
        html_element("Td", f"#{row.shipment_id}"),
        html_element("Td", order),
        html_element("Td", row.customer),
        html_element("Td", row.country),
        html_element(
            "Td",
            html_element("Span", shipment_status_label(row.status), className="badge", style=badge_style),
        ),
        html_element("Td", local_time(row.since, tz)),
        html_element(
            "Td", format_days(days, locale), className="text-end" + (" fw-bold" if long_stuck else "")
        ),
    ]
    if not long_stuck:
        return html_element("Tr", cells)
    # The shipments page's soft tint: the theme's table-danger is a loud red
    # on which the order links could not be read.
    return html_element("Tr", cells, className=STUCK_CLASS, style=STUCK_TINT)
