"""Inventory turnover and days of inventory, per product and per category.

turnover = cost of goods sold in the period / average inventory value at
cost over the period; days of inventory = days in the period / turnover.

- Cost of goods sold: booked items' unit cost x quantity (cancelled orders
  excluded), on the day their order was placed.
- Average inventory: the mean of the end-of-day stock over every day of the
  period (stock = the sum of the product's movements), valued at the
  product's current unit cost.
- Inventory is not per country, so the country filter does not apply here.
- With no cost of goods sold there is no turnover and no days of inventory
  (NULL / None): the stock did not move.

The period is read at two points, the day before its start (b) and its end
(e), whatever its length. A product's totals at a day (units sold, cost of
goods sold, stock, and delta_day_sum: its movements' delta x (day -
2000-01-01), summed) come from migration 009's tables: its row at the
nearest week end in product_stock_weeks (closed up to `through`), plus its
product_stock_days rows from there up to the day (or minus those from the
day up to a later week end). So a call reads one block of rows per point
(a row per product) and at most three days of day rows per point, while
the weeks are closed up to date; it closes them (product_stock_weeks_close,
in a transaction of its own) when a week has ended since. Then:
- units sold and cost of goods sold: e - b;
- stock at the end: e's stock;
- stock-days (the end-of-day stock of each day, summed): days x stock at the
  end minus, for each movement in the period, delta x (its day - start);
  that sum is e - b of delta_day_sum minus (start - 2000-01-01) x (e - b)
  of stock;
- average stock = stock-days / days, average inventory value = stock-days x
  unit cost / days, turnover = cogs x days / (stock-days x unit cost), days
  of inventory = stock-days x unit cost / cogs: each one division of exact
  sums, rounded once (per category: of the category's sums).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from workflow.analytics.filters import Filters

log = logging.getLogger(__name__)

# The totals at the day before the start (point 0) and at the end (point 1):
# the row of the nearest closed week end, plus the day rows after it up to
# the point, or minus those after the point up to it.
_AVERAGED = """
WITH points AS (
    SELECT pt.point, pt.day, product_stock_week_end(pt.day) AS before,
           (SELECT through FROM product_stock_weeks_closed) AS through
      FROM (VALUES (0, CAST(:start AS date) - 1), (1, CAST(:end AS date))) AS pt (point, day)
), anchors AS (
    SELECT point, day, CASE WHEN through IS NULL THEN NULL
                            WHEN before >= through THEN through
                            WHEN before + 7 <= through AND day - before > 3 THEN before + 7
                            ELSE before END AS week_end
      FROM points
), spans AS (
    SELECT point, week_end, CASE WHEN week_end > day THEN -1 ELSE 1 END AS sign,
           CASE WHEN week_end > day THEN day ELSE coalesce(week_end, DATE '-infinity') END AS after,
           CASE WHEN week_end > day THEN week_end ELSE day END AS through
      FROM anchors
), parts AS (
    SELECT s.point, w.product_id, w.stock, w.delta_day_sum, w.sold_qty, w.cogs
      FROM spans AS s JOIN product_stock_weeks AS w ON w.week_end = s.week_end
     UNION ALL
    SELECT s.point, d.product_id, s.sign * d.stock_delta, s.sign * d.stock_delta * (d.day - DATE '2000-01-01'),
           s.sign * d.sold_qty, s.sign * d.cogs
      FROM spans AS s JOIN product_stock_days AS d ON d.day > s.after AND d.day <= s.through
), ends AS (
    SELECT product_id,
           coalesce(sum(stock) FILTER (WHERE point = 1), 0) AS stock_at_end,
           coalesce(sum(stock) FILTER (WHERE point = 1), 0) - coalesce(sum(stock) FILTER (WHERE point = 0), 0)
               AS moved,
           coalesce(sum(delta_day_sum) FILTER (WHERE point = 1), 0)
               - coalesce(sum(delta_day_sum) FILTER (WHERE point = 0), 0) AS moved_days,
           coalesce(sum(sold_qty) FILTER (WHERE point = 1), 0) - coalesce(sum(sold_qty) FILTER (WHERE point = 0), 0)
               AS sold_qty,
           coalesce(sum(cogs) FILTER (WHERE point = 1), 0) - coalesce(sum(cogs) FILTER (WHERE point = 0), 0) AS cogs
      FROM parts
     GROUP BY product_id
), totals AS (
    SELECT p.id AS product_id, p.sku, p.name, p.category, p.unit_cost,
           coalesce(e.stock_at_end, 0) AS stock_at_end, coalesce(e.moved, 0) AS moved,
           coalesce(e.moved_days, 0) AS moved_days, coalesce(e.sold_qty, 0) AS sold_qty, coalesce(e.cogs, 0) AS cogs
      FROM products AS p LEFT JOIN ends AS e ON e.product_id = p.id
     WHERE (p.active OR EXISTS (SELECT 1 FROM product_stock_days AS m WHERE m.product_id = p.id AND m.day >= :start))
           {where}
), stock_days AS (
    SELECT *, CAST(:days * stock_at_end - moved_days + (CAST(:start AS date) - DATE '2000-01-01') * moved
                   AS numeric) AS stock_days
      FROM totals
), averaged AS (
    SELECT product_id, sku, name, category, cogs, CAST(sold_qty AS numeric) AS sold_qty,
           CAST(stock_at_end AS bigint) AS stock_at_end, stock_days, stock_days * unit_cost AS value_days
      FROM stock_days
)
"""

# Each figure is one division of exact sums, rounded once; the dividend's
# scale of 30 keeps the quotient exact far beyond the digits kept.
_RATIOS = """
       round(CAST(nullif(cogs, 0) * :days AS numeric(60,30)) / nullif(value_days, 0), 2) AS turnover,
       round(CAST(value_days AS numeric(60,30)) / nullif(cogs, 0), 1) AS days_of_inventory
"""

_PRODUCT_ROWS = (
    """
SELECT product_id, sku, name, category, sold_qty, cogs::numeric(12,2) AS cogs, stock_at_end,
       round(stock_days / :days, 2) AS average_stock, round(value_days / :days, 2) AS average_inventory_value,"""
    + _RATIOS
    + """
  FROM averaged"""
)

_CATEGORY_ROWS = (
    """
SELECT category, sum(sold_qty) AS sold_qty, sum(cogs)::numeric(12,2) AS cogs,
       round(sum(value_days) / :days, 2) AS average_inventory_value,"""
    + _RATIOS.replace("cogs", "sum(cogs)").replace("value_days", "sum(value_days)")
    + """
  FROM averaged
 GROUP BY category"""
)

_PRODUCT_ORDER = " ORDER BY turnover DESC NULLS LAST, sku"
_CATEGORY_ORDER = " ORDER BY category"
_PRODUCT_COLUMNS = [
    "product_id", "sku", "name", "category", "sold_qty", "cogs", "stock_at_end", "average_stock",
    "average_inventory_value", "turnover", "days_of_inventory",
]  # fmt: skip
_CATEGORY_COLUMNS = [
    "category",
    "sold_qty",
    "cogs",
    "average_inventory_value",
    "turnover",
    "days_of_inventory",
]

# The dashboard's panel in one statement: the per-product pass is computed
# once; the category rows are its sums, and only the fastest and slowest
# products leave the database. `part`: 0 category, 1 fastest, 2 slowest.
_REPORT = (
    _AVERAGED
    + f""", products_part AS ({_PRODUCT_ROWS}
), categories_part AS ({_CATEGORY_ROWS}
), fastest AS (
    SELECT * FROM products_part WHERE turnover IS NOT NULL
     ORDER BY turnover DESC, sku COLLATE "C" LIMIT :shown
), slowest AS (
    SELECT * FROM products_part
     WHERE stock_at_end > 0 AND product_id NOT IN (SELECT product_id FROM fastest)
     ORDER BY turnover IS NOT NULL, CASE WHEN turnover IS NULL THEN -average_inventory_value END, turnover,
              sku COLLATE "C"
     LIMIT :shown
)
SELECT 0 AS part, row_number() OVER ({_CATEGORY_ORDER}) AS position, NULL AS product_id, NULL AS sku,
       NULL AS name, category, sold_qty, cogs, NULL AS stock_at_end, NULL AS average_stock,
       average_inventory_value, turnover, days_of_inventory
  FROM categories_part
 UNION ALL
SELECT 1, row_number() OVER (ORDER BY turnover DESC, sku COLLATE "C"), {", ".join(_PRODUCT_COLUMNS)}
  FROM fastest
 UNION ALL
SELECT 2, row_number() OVER (ORDER BY turnover IS NOT NULL,
                                      CASE WHEN turnover IS NULL THEN -average_inventory_value END, turnover,
                                      sku COLLATE "C"), {", ".join(_PRODUCT_COLUMNS)}
  FROM slowest
 ORDER BY part, position
"""
)


@dataclass(frozen=True)
class TurnoverReport:
    """The turnover panel: turnover_by_category, and of turnover_by_product's
    rows the `shown` fastest and slowest (same columns):
    - fastest: products with a turnover, highest first (ties by SKU);
    - slowest: products with stock at the end of the period, not already
      among the fastest; those that did not sell (no turnover: dead stock)
      first, the most inventory value tied up first, then the lowest
      turnovers (ties by SKU)."""

    by_category: pd.DataFrame
    fastest: pd.DataFrame
    slowest: pd.DataFrame


def turnover_by_product(engine: Engine, filters: Filters) -> pd.DataFrame:
    """One row per product (the active ones, and any that had a movement or
    an order item from the period's start on): units sold, cogs, stock at
    the end of the period, average stock and inventory value, turnover and
    days of inventory; highest turnover first. Money and ratios are Decimal."""
    return _read(engine, _AVERAGED + _PRODUCT_ROWS + _PRODUCT_ORDER, filters)


def turnover_by_category(engine: Engine, filters: Filters) -> pd.DataFrame:
    """The same per category: its products' cogs and average inventory values
    summed, then the ratios."""
    return _read(engine, _AVERAGED + _CATEGORY_ROWS + _CATEGORY_ORDER, filters)


def turnover_report(engine: Engine, filters: Filters, shown: int = 10) -> TurnoverReport:
    """The turnover panel in one query, reading 2 x shown products' rows
    instead of every product's."""
    frame = _read(engine, _REPORT, filters, shown=shown)
    part = frame["part"]
    products = {"ints": ("product_id", "stock_at_end")}
    return TurnoverReport(
        by_category=_columns(frame[part == 0], _CATEGORY_COLUMNS),
        fastest=_columns(frame[part == 1], _PRODUCT_COLUMNS, **products),
        slowest=_columns(frame[part == 2], _PRODUCT_COLUMNS, **products),
    )


def _columns(frame: pd.DataFrame, names: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    picked = frame[names].reset_index(drop=True)
    return picked.astype({name: "int64" for name in ints}) if len(picked) else picked


def _read(engine: Engine, sql: str, filters: Filters, **extra: object) -> pd.DataFrame:
    where, params = filters.sql(category="p.category")
    params.update({"start": filters.start, "end": filters.end, "days": filters.days, **extra})
    with engine.connect() as conn:
        _close_weeks(conn)
        result = conn.execute(text(sql.format(where=where)), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _close_weeks(conn: Connection) -> None:
    """Add the weeks ended since the last call to product_stock_weeks, in a
    transaction of its own (a no-op read when none has). Figures are right
    either way, only slower while weeks stay open: so a read-only server (a
    replica) or writes in flight just leave them for a later call."""
    try:
        conn.execute(text("SELECT product_stock_weeks_close()"))
        conn.commit()
    except DBAPIError as error:
        conn.rollback()
        log.info("product_stock_weeks not closed now: %s", error.orig)
