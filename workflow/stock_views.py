"""What the inventory page reads: stock on hand per product with its recent
turnover, the products running low, and the products a receipt can be
booked against.

- Stock on hand is products.stock_qty (the sum of the product's movements);
  its value is stock_qty x the product's current list unit_cost, the same
  valuation workflow.analytics.turnover uses for average inventory.
- Units sold, turnover and days of inventory come from
  workflow.analytics.turnover_by_product over the last TURNOVER_DAYS business
  days, today included (cancelled orders excluded; returns not subtracted).
- Low stock, see low_stock.

A shop's catalogue is small (hundreds to a few thousand products), so
stock_on_hand reads every product the query keeps, joins the turnover
figures and sorts and pages here; the page (never the whole catalogue)
goes to the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text

from workflow.analytics import Filters, turnover_by_product
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings.query import MAX_ROWS, Page, clean_search, require_page, require_sort, set_fields

TURNOVER_DAYS = 90
SALES_WINDOW_DAYS = 30
LOW_COVER_DAYS = 14
LOW_MIN_UNITS = 5
MAX_WINDOW_DAYS = 365
SORTS = (
    "sku",
    "name",
    "category",
    "stock_qty",
    "unit_cost",
    "stock_value",
    "sold_qty",
    "turnover",
    "days_of_inventory",
)


@dataclass(frozen=True)
class StockQuery:
    """Which products, in which order.

    - search: text the SKU or the name contains, case-insensitively;
    - category: one product category, None meaning all;
    - sort: one of SORTS (empty values such as "no turnover" sort last
      either way), then SKU."""

    search: str | None = None
    category: str | None = None
    sort: str = "sku"
    descending: bool = False

    def __post_init__(self) -> None:
        require_sort(self.sort, dict.fromkeys(SORTS, ""), "Products")
        set_fields(
            self,
            search=clean_search(self.search, "product"),
            category=clean_search(self.category, "category"),
        )


@dataclass(frozen=True)
class StockRow:
    """One product's stock and how fast it turned over the last period.
    turnover and days_of_inventory are None when nothing was sold."""

    product_id: int
    sku: str
    name: str
    category: str
    active: bool
    stock_qty: int
    unit_cost: Decimal
    stock_value: Decimal
    sold_qty: int
    cogs: Decimal
    turnover: Decimal | None
    days_of_inventory: Decimal | None


@dataclass(frozen=True)
class LowStockRow:
    """A product running low: units sold in the sales window and how many
    days the stock covers at that pace (None: it did not sell)."""

    product_id: int
    sku: str
    name: str
    category: str
    stock_qty: int
    sold_qty: int
    days_of_cover: Decimal | None


@dataclass(frozen=True)
class ProductChoice:
    """A product as a receipt form offers it."""

    product_id: int
    sku: str
    name: str
    active: bool
    stock_qty: int
    unit_cost: Decimal


_PRODUCTS = """
SELECT id, sku, name, category, active, stock_qty, unit_cost, stock_qty * unit_cost AS stock_value
  FROM products
 WHERE (CAST(:pattern AS text) IS NULL OR lower(sku) LIKE :pattern OR lower(name) LIKE :pattern)
   AND (CAST(:category AS text) IS NULL OR category = :category)
"""


def stock_on_hand(
    engine: Engine,
    query: StockQuery,
    *,
    today: date,
    page: int = 1,
    page_size: int = 25,
    days: int = TURNOVER_DAYS,
) -> Page[StockRow]:
    """One page of the products the query keeps (active or not), with stock
    on hand, its value, and units sold, turnover and days of inventory over
    the `days` business days ending `today`. The count is exact up to
    MAX_ROWS products."""
    offset = require_page(page, page_size)
    _require_days(days, "turnover period")
    params = {"pattern": _contains(query.search), "category": query.category}
    with engine.connect() as conn:
        products = conn.execute(text(_PRODUCTS), params).all()
    turnover = {}
    if products:
        frame = turnover_by_product(engine, Filters(today - timedelta(days=days - 1), today, query.category))
        turnover = {int(r.product_id): r for r in frame.itertuples(index=False)}
    rows = [_stock_row(p, turnover.get(p.id)) for p in products]
    rows.sort(key=lambda r: r.sku)
    rows = _sorted(rows, _sort_key(query.sort), query.descending)
    count = len(rows)
    shown = tuple(rows[:MAX_ROWS][offset : offset + page_size])
    return Page(shown, page, page_size, min(count, MAX_ROWS + 1), count <= MAX_ROWS)


def _stock_row(product: Any, moved: Any) -> StockRow:
    def present(value: Any) -> Any:
        return None if value is None or value != value else value  # pandas leaves NaN for NULL

    return StockRow(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        category=product.category,
        active=product.active,
        stock_qty=product.stock_qty,
        unit_cost=product.unit_cost,
        stock_value=product.stock_value,
        sold_qty=int(moved.sold_qty) if moved is not None else 0,
        cogs=Decimal(moved.cogs) if moved is not None else Decimal("0.00"),
        turnover=present(moved.turnover) if moved is not None else None,
        days_of_inventory=present(moved.days_of_inventory) if moved is not None else None,
    )


def _sort_key(sort: str) -> Callable[[StockRow], Any]:
    if sort in ("sku", "name", "category"):
        return lambda r: getattr(r, sort).lower()
    return lambda r: getattr(r, sort)


def _sorted(rows: list[StockRow], key: Callable[[StockRow], Any], descending: bool) -> list[StockRow]:
    """Stable sort by `key`, rows whose key is None last in either direction."""
    valued = [r for r in rows if key(r) is not None]
    empty = [r for r in rows if key(r) is None]
    return sorted(valued, key=key, reverse=descending) + empty


_LOW = """
WITH sold AS (
    SELECT product_id, sum(sold_qty) AS sold_qty
      FROM product_daily
     WHERE day BETWEEN :start AND :today
     GROUP BY product_id
)
SELECT p.id, p.sku, p.name, p.category, p.stock_qty, CAST(coalesce(s.sold_qty, 0) AS bigint) AS sold_qty,
       round(p.stock_qty * CAST(:window AS numeric) / nullif(s.sold_qty, 0), 1) AS days_of_cover
  FROM products AS p LEFT JOIN sold AS s ON s.product_id = p.id
 WHERE p.active
   AND (p.stock_qty < :min_units OR p.stock_qty * CAST(:window AS bigint) < :cover * coalesce(s.sold_qty, 0))
 ORDER BY days_of_cover NULLS LAST, p.stock_qty, p.sku
 LIMIT :limit
"""


def low_stock(
    engine: Engine,
    *,
    today: date,
    cover_days: int = LOW_COVER_DAYS,
    window_days: int = SALES_WINDOW_DAYS,
    min_units: int = LOW_MIN_UNITS,
    limit: int = 200,
) -> list[LowStockRow]:
    """The active products running low, most urgent first.

    A product is low when it is active and either
    - its stock covers fewer than `cover_days` days of its recent sales:
      stock_qty x window_days < cover_days x units sold in the `window_days`
      business days ending `today` (today included; items of cancelled
      orders are not sales, returns are not subtracted), or
    - it holds fewer than `min_units` units, whatever it sells.
    Inactive (discontinued) products are never low: they are not restocked.
    Days of cover = stock_qty x window_days / units sold, to one decimal
    (None when it did not sell). Ordered by days of cover (unsold last),
    then stock, then SKU."""
    _require_days(cover_days, "cover")
    _require_days(window_days, "sales window")
    if isinstance(min_units, bool) or not isinstance(min_units, int) or min_units < 0:
        raise WorkflowError(
            f"The low-stock threshold is a whole number of units, 0 or more; {min_units!r} was given.",
            ErrorCode.INVALID_ARGUMENT,
        )
    params = {
        "start": today - timedelta(days=window_days - 1),
        "today": today,
        "window": window_days,
        "cover": cover_days,
        "min_units": min_units,
        "limit": limit,
    }
    with engine.connect() as conn:
        return [LowStockRow(*row) for row in conn.execute(text(_LOW), params)]


_CHOICES = """
SELECT id, sku, name, active, stock_qty, unit_cost
  FROM products
 WHERE CAST(:pattern AS text) IS NULL OR lower(sku) LIKE :pattern OR lower(name) LIKE :pattern
    OR id = :product_id
 ORDER BY (id = :product_id) DESC, active DESC, sku
 LIMIT :limit
"""


def find_products(
    engine: Engine, search: str | None, *, limit: int = 20, keep: int | None = None
) -> list[ProductChoice]:
    """Up to `limit` products whose SKU or name contains `search`
    (case-insensitive; every product when blank), active ones first, then
    by SKU. `keep`, a product id, is always listed first (the one already
    picked), whatever the search."""
    pattern = _contains(clean_search(search, "product"))
    params = {"pattern": pattern, "product_id": keep if keep is not None else -1, "limit": limit}
    with engine.connect() as conn:
        return [ProductChoice(*row) for row in conn.execute(text(_CHOICES), params)]


def _contains(search: str | None) -> str | None:
    """A LIKE pattern for lower-case values containing `search`, its
    wildcards taken literally; None for no search."""
    if search is None:
        return None
    escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _require_days(days: int, what: str) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WINDOW_DAYS:
        raise WorkflowError(
            f"The {what} is a whole number of days from 1 to {MAX_WINDOW_DAYS}; {days!r} was given.",
            ErrorCode.INVALID_ARGUMENT,
        )
