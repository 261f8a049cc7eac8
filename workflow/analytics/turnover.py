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
the weeks are closed up to date. Each statement also says whether a week
has ended since they were (`weeks_behind`); if so the reader closes them
(product_stock_weeks_close) after reading, so no read pays a round trip
to ask. Then:
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
from workflow.analytics.turnover_sql import BY_CATEGORY, BY_PRODUCT, CATEGORY_COLUMNS, PRODUCT_COLUMNS, REPORT

log = logging.getLogger(__name__)
_CATEGORY_FIELDS = [PRODUCT_COLUMNS.index(name) for name in CATEGORY_COLUMNS]  # in REPORT's category rows


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
    return pd.DataFrame(_read(engine, BY_PRODUCT, filters), columns=PRODUCT_COLUMNS)


def turnover_by_category(engine: Engine, filters: Filters) -> pd.DataFrame:
    """The same per category: its products' cogs and average inventory values
    summed, then the ratios."""
    return pd.DataFrame(_read(engine, BY_CATEGORY, filters), columns=CATEGORY_COLUMNS)


def turnover_report(engine: Engine, filters: Filters, shown: int = 10) -> TurnoverReport:
    """The turnover panel in one query, reading 2 x shown products' rows
    instead of every product's."""
    parts: tuple[list[tuple], ...] = ([], [], [])
    for part, _position, *row in _read(engine, REPORT, filters, shown=shown):
        parts[part].append(row)
    categories = [[row[i] for i in _CATEGORY_FIELDS] for row in parts[0]]
    return TurnoverReport(
        by_category=pd.DataFrame(categories, columns=CATEGORY_COLUMNS),
        fastest=pd.DataFrame(parts[1], columns=PRODUCT_COLUMNS),
        slowest=pd.DataFrame(parts[2], columns=PRODUCT_COLUMNS),
    )


def _read(engine: Engine, sql: str, filters: Filters, **extra: object) -> list[tuple]:
    """The statement's rows without their last column, `weeks_behind`; one
    round trip (autocommit: a single statement needs no BEGIN and ROLLBACK
    around it), and one more to close the weeks when it says so."""
    where, params = filters.sql(category="p.category")
    params.update({"start": filters.start, "end": filters.end, "days": filters.days, **extra})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        rows = conn.execute(text(sql.format(where=where)), params).all()
        if rows and rows[0][-1]:
            _close_weeks(conn)
    return [tuple(row[:-1]) for row in rows]


def _close_weeks(conn: Connection) -> None:
    """Add the weeks ended since the last close to product_stock_weeks (the
    connection is in autocommit: a transaction of its own). Figures are
    right either way, only slower while weeks stay open: so a read-only
    server (a replica) or writes in flight just leave them for a later read."""
    try:
        conn.execute(text("SELECT product_stock_weeks_close()"))
    except DBAPIError as error:
        log.info("product_stock_weeks not closed now: %s", error.orig)
