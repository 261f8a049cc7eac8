"""How fast stock turns, from workflow.analytics.turnover_by_category and
turnover_by_product.

A category or product with no cost of goods sold has no turnover (None):
it is shown as "no sales", never dropped, because stock that does not move
is exactly what a manager needs to see.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bi_app.figures.empty import empty_figure
from bi_app.figures.plain import Component, Figure, component, html_element, plain_figure
from bi_app.formatting import (
    DEFAULT_LOCALE,
    format_count,
    format_days,
    format_money,
    format_turnover,
    is_missing,
    to_decimal,
)
from bi_app.theme import CHANGE_NEUTRAL, GRID_COLOR, MEASURE_STYLE, chart_layout

NO_PRODUCTS = "No products to show"
NO_PRODUCTS_HINT = "Clear the category filter, or add products."
UNCATEGORISED = "(no category)"


def build_turnover_category_figure(
    frame: pd.DataFrame, currency: str | None = None, *, locale: str = DEFAULT_LOCALE
) -> Figure:
    """Horizontal bars of turnover per category, fastest at the top; days of
    inventory (and, given `currency`, cost of goods sold and average
    inventory value) in the hover. Categories without turnover sit at the
    bottom with a zero-length bar labelled "no sales"."""
    if frame.empty:
        return empty_figure(NO_PRODUCTS, NO_PRODUCTS_HINT)
    rows = [_category_row(row, currency, locale) for row in _records(frame)]
    # Plotly draws the first category at the bottom: slowest (and unsold) first.
    rows.sort(key=lambda r: (r["turnover"] is not None, r["turnover"] or 0, r["label"]))
    labels = [r["label"] for r in rows]
    bar = {
        "type": "bar",
        "x": [float(r["turnover"]) if r["turnover"] is not None else 0.0 for r in rows],
        "y": labels,
        "orientation": "h",
        "marker": {"color": MEASURE_STYLE["booked"].bar},
        "text": [r["text"] for r in rows],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [[r["text"], r["hover"]] for r in rows],
        "hovertemplate": "<b>%{y}</b><br>Turnover: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
    }
    layout = chart_layout(
        showlegend=False,
        margin={"l": 8, "r": 56, "t": 16, "b": 40},
        xaxis={"title": {"text": "Turnover (times)"}, "gridcolor": GRID_COLOR, "rangemode": "tozero"},
        yaxis={"categoryorder": "array", "categoryarray": labels, "automargin": True},
    )
    return plain_figure([bar], layout)


def _category_row(row: dict[str, Any], currency: str | None, locale: str) -> dict[str, object]:
    turnover = None if is_missing(row["turnover"]) else to_decimal(row["turnover"])
    hover = [f"Days of inventory: {format_days(row['days_of_inventory'], locale)}"]
    hover.append(f"Sold: {format_count(row['sold_qty'], locale)} units")
    if currency:
        hover.append(f"Cost of goods sold: {format_money(to_decimal(row['cogs']), currency, locale)}")
        value = row["average_inventory_value"]
        if not is_missing(value):
            hover.append(f"Average inventory value: {format_money(to_decimal(value), currency, locale)}")
    category = row["category"]
    label = UNCATEGORISED if is_missing(category) or not category else str(category)
    return {
        "label": label,
        "turnover": turnover,
        "text": format_turnover(turnover, locale),
        "hover": "<br>".join(hover),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts of plain values (Decimal, int, str, None):
    pandas' itertuples alone took longer than the rest of a 10-row table."""
    columns = list(frame.columns)
    return [dict(zip(columns, values, strict=True)) for values in frame.to_numpy(dtype=object).tolist()]


_COLUMNS = ("SKU", "Name", "Category", "Sold", "Turnover", "Days of inventory", "Avg. inventory value")
_NUMERIC = {"Sold", "Turnover", "Days of inventory", "Avg. inventory value"}


def products_table(
    frame: pd.DataFrame,
    currency: str,
    *,
    locale: str = DEFAULT_LOCALE,
    table_id: str | None = None,
    empty_text: str = "No products",
) -> Component:
    """A compact table of products: SKU, name, category, units sold,
    turnover ("no sales" when none), days of inventory and average inventory
    value (exact, from the Decimal). Numbers are right-aligned; an empty
    frame gives one row saying `empty_text`. Plain component data
    (bi_app.figures.plain): a dbc.Table."""
    headings = [html_element("Th", c, className="text-end" if c in _NUMERIC else None) for c in _COLUMNS]
    header = html_element("Thead", html_element("Tr", headings))
    rows = [_product_row(row, currency, locale) for row in _records(frame)]
    if not rows:
        rows = [
            html_element(
                "Tr",
                html_element("Td", empty_text, colSpan=len(_COLUMNS), className="text-center text-muted"),
            )
        ]
    body = html_element("Tbody", rows)
    return component(
        "dbc", "Table", [header, body], striped=True, hover=True, size="sm", responsive=True, id=table_id
    )


def _product_row(row: dict[str, Any], currency: str, locale: str) -> Component:
    value = row["average_inventory_value"]
    unsold = is_missing(row["turnover"])
    cells = [
        html_element("Td", row["sku"], className="font-monospace text-nowrap"),
        html_element("Td", row["name"]),
        html_element("Td", row["category"] if not is_missing(row["category"]) else UNCATEGORISED),
        html_element("Td", format_count(row["sold_qty"], locale), className="text-end"),
        html_element(
            "Td",
            format_turnover(row["turnover"], locale),
            className="text-end",
            style={"color": CHANGE_NEUTRAL, "fontStyle": "italic"} if unsold else None,
        ),
        html_element("Td", format_days(row["days_of_inventory"], locale), className="text-end"),
        html_element(
            "Td",
            "–" if is_missing(value) else format_money(to_decimal(value), currency, locale),
            className="text-end",
        ),
    ]
    return html_element("Tr", cells)
