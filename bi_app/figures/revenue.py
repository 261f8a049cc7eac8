"""Daily revenue with its trailing 7-day average, from
workflow.analytics.daily_revenue.

The bars and the line are drawn from floats (a chart needs positions), but
every figure a person reads in the hover comes from the Decimal itself,
formatted by babel and handed to Plotly as text in customdata. The figure
is a plain dict (bi_app.figures.plain).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pandas as pd
from babel.numbers import get_decimal_symbol, get_group_symbol

from bi_app.figures.empty import empty_figure
from bi_app.figures.plain import Figure, plain_figure
from bi_app.formatting import DEFAULT_LOCALE, currency_affixes, format_money, to_decimal
from bi_app.theme import GRID_COLOR, MEASURE_STYLE, chart_layout

Measure = Literal["booked", "collected"]

NO_SALES = "No sales in this range"
NO_CASH = "No cash collected in this range"
EMPTY_HINT = "Widen the date range, or clear the category and country filters."
AVERAGE_NAME = "7-day average"


def build_revenue_figure(
    frame: pd.DataFrame,
    measure: Measure,
    currency: str,
    *,
    locale: str = DEFAULT_LOCALE,
    hint: str | None = EMPTY_HINT,
) -> Figure:
    """Daily `measure` ("booked" or "collected") as bars, and its trailing
    7-day mean (`{measure}_7d_mean`, zero days included) as a line named
    "7-day average" on the same axis. The hover shows the exact amounts: the
    day's figure, the 7-day average and the 7-day total.

    A frame without rows, or whose `measure` is zero every day, gives
    empty_figure: "No sales in this range" ("No cash collected in this
    range" for collected cash when days exist but nothing came in)."""
    if measure not in MEASURE_STYLE:
        raise ValueError(f"measure must be 'booked' or 'collected', not {measure!r}")
    if frame.empty:
        return empty_figure(NO_SALES, hint)
    amounts = [to_decimal(value) for value in frame[measure]]
    if not any(amounts):
        return empty_figure(NO_SALES if measure == "booked" else NO_CASH, hint)

    style = MEASURE_STYLE[measure]
    means = [to_decimal(value) for value in frame[f"{measure}_7d_mean"]]
    sums = [to_decimal(value) for value in frame[f"{measure}_7d_sum"]]
    days = [day.isoformat() for day in pd.to_datetime(frame["day"]).dt.date]

    def money(value: Decimal) -> str:
        return format_money(value, currency, locale)

    bars = {
        "type": "bar",
        "x": days,
        "y": [float(value) for value in amounts],
        "name": style.label,
        "marker": {"color": style.bar},
        "customdata": [[money(value)] for value in amounts],
        "hovertemplate": f"{style.label}: %{{customdata[0]}}<extra></extra>",
    }
    line = {
        "type": "scatter",
        "x": days,
        "y": [float(value) for value in means],
        "name": AVERAGE_NAME,
        "mode": "lines",
        "line": {"color": style.line, "width": 2.5},
        "customdata": [[money(mean), money(total)] for mean, total in zip(means, sums, strict=True)],
        "hovertemplate": (
            f"{AVERAGE_NAME}: %{{customdata[0]}} (7-day total: %{{customdata[1]}})<extra></extra>"
        ),
    }
    prefix, suffix = currency_affixes(currency, locale)
    top = max(abs(value) for value in [*amounts, *means])
    layout = chart_layout(
        hovermode="x unified",
        separators=get_decimal_symbol(locale) + get_group_symbol(locale),
        bargap=0.25,
        xaxis={"showgrid": False, "hoverformat": "%a %d %b %Y", "tickformat": "%d %b"},
        yaxis={
            "tickprefix": prefix,
            "ticksuffix": suffix,
            "tickformat": _tick_format(top),
            "gridcolor": GRID_COLOR,
            "rangemode": "tozero",
        },
    )
    return plain_figure([bars, line], layout)


def _tick_format(top: Decimal) -> str:
    """Whole amounts with grouping up to 10,000; above that SI-style
    thousands and millions ("€12k", "€1.5M"), shorter than six digits."""
    if top >= 10_000:
        return "~s"
    if top >= 10:
        return ",.0f"
    return ",.2f"
