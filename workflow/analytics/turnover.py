"""Inventory turnover and days of inventory, per product and per category.

turnover = cost of goods sold in the period / average inventory value at
cost over the period; days of inventory = days in the period / turnover.

- Cost of goods sold: booked items' unit cost x quantity (cancelled orders
  excluded), from product_daily.
- Average inventory: the mean of the end-of-day stock over every day of the
  period, rebuilt backwards from today's stock and the daily net movements,
  valued at the product's current unit cost.
- Inventory is not per country, so the country filter does not apply here.
- With no cost of goods sold there is no turnover and no days of inventory
  (NULL / None): the stock did not move.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, text

from workflow.analytics.filters import Filters

_AVERAGED = """
WITH moves AS (
    SELECT product_id,
           sum(stock_delta) FILTER (WHERE day > :end) AS after_end,
           sum(stock_delta * (day - CAST(:start AS date))) FILTER (WHERE day <= :end) AS weighted,
           sum(cogs) FILTER (WHERE day <= :end) AS cogs,
           sum(sold_qty) FILTER (WHERE day <= :end) AS sold_qty
      FROM product_daily
     WHERE day >= :start
     GROUP BY product_id
), averaged AS (
    SELECT p.id AS product_id, p.sku, p.name, p.category,
           coalesce(m.cogs, 0) AS cogs, coalesce(m.sold_qty, 0) AS sold_qty,
           CAST(p.stock_qty - coalesce(m.after_end, 0) AS bigint) AS stock_at_end,
           p.stock_qty - coalesce(m.after_end, 0) - coalesce(m.weighted, 0) / CAST(:days AS numeric) AS average_stock,
           (p.stock_qty - coalesce(m.after_end, 0) - coalesce(m.weighted, 0) / CAST(:days AS numeric))
               * p.unit_cost AS average_value
      FROM products AS p LEFT JOIN moves AS m ON m.product_id = p.id
     WHERE (p.active OR m.product_id IS NOT NULL) {where}
)
"""

_RATIOS = """
       round(nullif(cogs, 0) / nullif(average_value, 0), 2) AS turnover,
       round(CAST(:days AS numeric) * average_value / nullif(cogs, 0), 1) AS days_of_inventory
"""

_PER_PRODUCT = (
    _AVERAGED
    + """
SELECT product_id, sku, name, category, sold_qty, cogs::numeric(12,2) AS cogs, stock_at_end,
       round(average_stock, 2) AS average_stock, round(average_value, 2) AS average_inventory_value,"""
    + _RATIOS
    + """
  FROM averaged
 ORDER BY turnover DESC NULLS LAST, sku
"""
)

_PER_CATEGORY = (
    _AVERAGED
    + """
SELECT category, sum(sold_qty) AS sold_qty, sum(cogs)::numeric(12,2) AS cogs,
       round(sum(average_value), 2) AS average_inventory_value,"""
    + _RATIOS.replace("cogs", "sum(cogs)").replace("average_value", "sum(average_value)")
    + """
  FROM averaged
 GROUP BY category
 ORDER BY category
"""
)


def turnover_by_product(engine: Engine, filters: Filters) -> pd.DataFrame:
    """One row per product (the active ones, and any that moved in the
    period): units sold, cogs, stock at the end of the period, average stock
    and inventory value, turnover and days of inventory; highest turnover
    first. Money and ratios are Decimal."""
    return _read(engine, _PER_PRODUCT, filters)


def turnover_by_category(engine: Engine, filters: Filters) -> pd.DataFrame:
    """The same per category: its products' cogs and average inventory values
    summed, then the ratios."""
    return _read(engine, _PER_CATEGORY, filters)


def _read(engine: Engine, sql: str, filters: Filters) -> pd.DataFrame:
    where, params = filters.sql(category="p.category")
    params.update({"start": filters.start, "end": filters.end, "days": filters.days})
    with engine.connect() as conn:
        result = conn.execute(text(sql.format(where=where)), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))
