"""Daily revenue with its trailing 7-day sum and mean."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import Engine, text

from workflow.analytics.filters import Filters

_DAILY = """
WITH days AS (
    SELECT d::date AS day FROM generate_series(CAST(:first AS date), CAST(:end AS date), interval '1 day') AS d
), booked AS (
    SELECT day, sum(revenue) AS amount FROM {booked_source}
     WHERE day BETWEEN :first AND :end {booked_filter}
     GROUP BY day
), collected AS (
    SELECT day, sum(collected - refunded) AS amount FROM cash_daily
     WHERE day BETWEEN :first AND :end {country_filter}
     GROUP BY day
), series AS (
    SELECT days.day,
           coalesce(booked.amount, 0)::numeric(12,2) AS booked,
           coalesce(collected.amount, 0)::numeric(12,2) AS collected
      FROM days LEFT JOIN booked USING (day) LEFT JOIN collected USING (day)
), rolled AS (
    SELECT day, booked, collected,
           sum(booked) OVER w AS booked_7d_sum,
           sum(collected) OVER w AS collected_7d_sum
      FROM series
    WINDOW w AS (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
)
SELECT day, booked, collected,
       booked_7d_sum, round(booked_7d_sum / 7, 2) AS booked_7d_mean,
       collected_7d_sum, round(collected_7d_sum / 7, 2) AS collected_7d_mean
  FROM rolled WHERE day >= :start ORDER BY day
"""


def daily_revenue(engine: Engine, filters: Filters) -> pd.DataFrame:
    """One row per business day of the range, days without sales included as
    zero: booked (items of orders placed that day, cancelled orders excluded,
    at the items' prices), collected (payments received that day minus
    refunds given back that day), and for both the trailing 7-day sum and
    mean (the mean over 7 calendar days, zero days included; the first days
    of the range look back before it). Money columns hold Decimal.

    The category filter narrows booked revenue only: cash is received per
    payment, which may cover several orders and categories, so collected
    cash is narrowed by country alone."""
    params: dict[str, object] = {
        "first": filters.start - timedelta(days=6),
        "start": filters.start,
        "end": filters.end,
    }
    booked_source = "sales_daily" if filters.category else "orders_daily"
    booked_filter, booked_params = filters.sql(country="country", category="category")
    country_filter, _ = filters.sql(country="country")
    params.update(booked_params)
    sql = _DAILY.format(
        booked_source=booked_source, booked_filter=booked_filter, country_filter=country_filter
    )
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    return pd.DataFrame(
        rows,
        columns=[
            "day",
            "booked",
            "collected",
            "booked_7d_sum",
            "booked_7d_mean",
            "collected_7d_sum",
            "collected_7d_mean",
        ],
    )
