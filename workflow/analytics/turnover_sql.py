"""The statements behind workflow.analytics.turnover (see its docstring for
the figures and how the period's two points are read).

Each statement ends its rows with `weeks_behind`: whether a week has ended
since product_stock_weeks was last closed, so the reader knows, without a
round trip of its own, when to close them.
"""

from __future__ import annotations

# Per product (the active ones, and any that moved from the period's start
# on): units sold, cogs, stock at the end, stock-days and their value at the
# current unit cost. `weight` is -1 for the day before the start (point 0)
# and 1 for the end (point 1), so a product's figures are single signed sums
# over its rows: its row at the point's week end, plus the day rows after
# that up to the point, or minus those after the point up to a later week end.
# Units, stock and stock-days are bigint (bigint_sum, migration 010: the
# numeric arithmetic of sum(bigint) on 5,000 products cost more than the
# reading), money numeric.
SUMS = """
WITH spans AS (
    SELECT pt.weight, a.week_end,
           CASE WHEN a.week_end > pt.day THEN -pt.weight ELSE pt.weight END AS sign,
           CASE WHEN a.week_end > pt.day THEN pt.day ELSE coalesce(a.week_end, DATE '-infinity') END AS after,
           CASE WHEN a.week_end > pt.day THEN a.week_end ELSE pt.day END AS through
      FROM (VALUES (-1, CAST(:start AS date) - 1), (1, CAST(:end AS date))) AS pt (weight, day)
     CROSS JOIN product_stock_weeks_closed AS c
     CROSS JOIN LATERAL (SELECT product_stock_week_end(pt.day) AS before) AS b
     CROSS JOIN LATERAL (SELECT CASE WHEN c.through IS NULL THEN NULL
                                     WHEN b.before >= c.through THEN c.through
                                     WHEN b.before + 7 <= c.through AND pt.day - b.before > 3 THEN b.before + 7
                                     ELSE b.before END AS week_end) AS a
), parts AS (
    SELECT w.product_id, s.weight, s.weight * w.stock AS stock, s.weight * w.delta_day_sum AS delta_day_sum,
           s.weight * w.sold_qty AS sold_qty, CASE WHEN s.weight = 1 THEN w.cogs ELSE -w.cogs END AS cogs
      FROM spans AS s JOIN product_stock_weeks AS w ON w.week_end = s.week_end
     UNION ALL
    SELECT d.product_id, s.weight, s.sign * d.stock_delta, s.sign * d.stock_delta * (d.day - DATE '2000-01-01'),
           s.sign * d.sold_qty, CASE WHEN s.sign = 1 THEN d.cogs ELSE -d.cogs END
      FROM spans AS s JOIN product_stock_days AS d ON d.day > s.after AND d.day <= s.through
), ends AS (
    SELECT product_id, bigint_sum(stock) FILTER (WHERE weight = 1) AS stock_at_end, bigint_sum(stock) AS moved,
           bigint_sum(delta_day_sum) AS moved_days, bigint_sum(sold_qty) AS sold_qty, sum(cogs) AS cogs
      FROM parts
     GROUP BY product_id
), revived AS MATERIALIZED (
    -- the inactive products that moved from the start on, each by an index probe of
    -- its own: an EXISTS in the OR below may be planned as a hash of every day row
    -- since the start (140 ms for a late range), a LATERAL there as a probe per product
    SELECT p.id FROM products AS p
     CROSS JOIN LATERAL (SELECT FROM product_stock_days AS m
                          WHERE m.product_id = p.id AND m.day >= :start LIMIT 1) AS moved
     WHERE NOT p.active
), averaged AS (
    SELECT p.id AS product_id, p.sku, p.name, p.category, coalesce(e.cogs, 0) AS cogs,
           coalesce(e.sold_qty, 0) AS sold_qty, coalesce(e.stock_at_end, 0) AS stock_at_end, v.stock_days,
           w.value_days,
           -- only to rank (see REPORT): turnover, unrounded and inexact; NULL where turnover is NULL.
           -- Money as whole cents on its way to float8 (numeric's own cast goes through text).
           CASE WHEN e.cogs <> 0 AND w.value_days <> 0
                THEN CAST(CAST(e.cogs * 100 AS bigint) AS float8) * :days
                     / (CAST(v.stock_days AS float8) * CAST(CAST(p.unit_cost * 100 AS bigint) AS float8))
           END AS speed
      FROM products AS p
      LEFT JOIN ends AS e ON e.product_id = p.id
     CROSS JOIN LATERAL (SELECT coalesce(:days * e.stock_at_end - e.moved_days
                                         + (CAST(:start AS date) - DATE '2000-01-01') * e.moved, 0)
                                AS stock_days) AS v
     CROSS JOIN LATERAL (SELECT v.stock_days * p.unit_cost AS value_days) AS w
      LEFT JOIN revived AS r ON r.id = p.id
     WHERE (p.active OR r.id IS NOT NULL) {where}
)"""

WEEKS_BEHIND = """
       (SELECT coalesce(c.through < product_stock_week_end(CAST(now() AT TIME ZONE b.timezone AS date)), true)
          FROM product_stock_weeks_closed AS c CROSS JOIN business_calendar AS b) AS weeks_behind"""

# Each figure is one division of exact sums, rounded once; the dividend's
# scale of 30 keeps the quotient exact far beyond the digits kept.
_RATIOS = """
       round(CAST(nullif(cogs, 0) * :days AS numeric(60,30)) / nullif(value_days, 0), 2) AS turnover,
       round(CAST(value_days AS numeric(60,30)) / nullif(cogs, 0), 1) AS days_of_inventory"""

PRODUCT_COLUMNS = [
    "product_id", "sku", "name", "category", "sold_qty", "cogs", "stock_at_end", "average_stock",
    "average_inventory_value", "turnover", "days_of_inventory",
]  # fmt: skip
CATEGORY_COLUMNS = [
    "category",
    "sold_qty",
    "cogs",
    "average_inventory_value",
    "turnover",
    "days_of_inventory",
]

_PRODUCT_FIGURES = (
    """
SELECT product_id, sku, name, category, CAST(sold_qty AS numeric) AS sold_qty, cogs::numeric(12,2) AS cogs,
       stock_at_end, round(CAST(stock_days AS numeric) / :days, 2) AS average_stock,
       round(value_days / :days, 2) AS average_inventory_value,"""
    + _RATIOS
)
_CATEGORY_FIGURES = (
    """
SELECT category, CAST(sum(sold_qty) AS numeric) AS sold_qty, sum(cogs)::numeric(12,2) AS cogs,
       round(sum(value_days) / :days, 2) AS average_inventory_value,"""
    + _RATIOS.replace("cogs", "sum(cogs)").replace("value_days", "sum(value_days)")
    + """
  FROM averaged
 GROUP BY category"""
)

BY_PRODUCT = (
    SUMS
    + _PRODUCT_FIGURES
    + ","
    + WEEKS_BEHIND
    + "\n  FROM averaged\n ORDER BY turnover DESC NULLS LAST, sku"
)
BY_CATEGORY = SUMS + f"\nSELECT *,{WEEKS_BEHIND}\n  FROM ({_CATEGORY_FIGURES}) AS c\n ORDER BY category"

_FASTEST_ORDER = 'turnover DESC, sku COLLATE "C"'
_SLOWEST_ORDER = 'turnover IS NOT NULL, CASE WHEN turnover IS NULL THEN -average_inventory_value END, turnover, sku COLLATE "C"'

# The dashboard's panel in one statement: the category rows, and only the
# fastest and slowest products. Rather than every product's exact ratios
# and two sorts of them, the products are ranked by `speed` (turnover as a
# float8) and the exact figures computed for the few that can be shown:
# - fastest: two turnovers that round alike differ by less than 0.01, so
#   every product shown has a speed within 0.01 of the `shown`-th highest
#   (plus far more than float8's error, which is relative and below 1e-15);
# - slowest with a turnover: the `shown` lowest once the fastest are taken
#   out are among the 2 x `shown` lowest, so within 0.01 of the 2 x
#   `shown`-th lowest speed (stock left at the end, as for the list);
# - unsold with stock left: by value_days (exact), within 0.01 x days of the
#   `shown`-th highest, as average inventory values that round alike.
# A cut that does not exist (fewer products) keeps them all.
REPORT = (
    SUMS
    + f""", cuts AS MATERIALIZED (
    SELECT (SELECT speed FROM averaged WHERE speed IS NOT NULL
             ORDER BY speed DESC OFFSET :shown - 1 LIMIT 1) AS fast,
           (SELECT speed FROM averaged WHERE speed IS NOT NULL AND stock_at_end > 0
             ORDER BY speed OFFSET 2 * :shown - 1 LIMIT 1) AS slow,
           (SELECT value_days FROM averaged WHERE speed IS NULL AND stock_at_end > 0
             ORDER BY value_days DESC OFFSET :shown - 1 LIMIT 1) AS unsold
), candidates AS ({_PRODUCT_FIGURES}
      FROM averaged AS a CROSS JOIN cuts AS c
     WHERE a.speed >= c.fast - 0.01 - 1e-9 * (1 + abs(c.fast)) OR a.speed IS NOT NULL AND c.fast IS NULL
        OR a.stock_at_end > 0
           AND (a.speed <= c.slow + 0.01 + 1e-9 * (1 + abs(c.slow)) OR a.speed IS NOT NULL AND c.slow IS NULL
                OR a.speed IS NULL AND (a.value_days >= c.unsold - 0.01 * :days OR c.unsold IS NULL))
), fastest AS (
    SELECT * FROM candidates WHERE turnover IS NOT NULL ORDER BY {_FASTEST_ORDER} LIMIT :shown
), slowest AS (
    SELECT * FROM candidates
     WHERE stock_at_end > 0 AND product_id NOT IN (SELECT product_id FROM fastest)
     ORDER BY {_SLOWEST_ORDER} LIMIT :shown
), panel AS (
    SELECT 0 AS part, row_number() OVER (ORDER BY category) AS position, NULL AS product_id, NULL AS sku,
           NULL AS name, category, sold_qty, cogs, NULL AS stock_at_end, NULL AS average_stock,
           average_inventory_value, turnover, days_of_inventory
      FROM ({_CATEGORY_FIGURES}) AS categories
     UNION ALL
    SELECT 1, row_number() OVER (ORDER BY {_FASTEST_ORDER}), {", ".join(PRODUCT_COLUMNS)} FROM fastest
     UNION ALL
    SELECT 2, row_number() OVER (ORDER BY {_SLOWEST_ORDER}), {", ".join(PRODUCT_COLUMNS)} FROM slowest
)
SELECT *,{WEEKS_BEHIND}
  FROM panel
 ORDER BY part, position
"""
)
