"""Where shipments are: counts per status, time spent in each stage, and
the ones stuck too long.

Counts and durations cover the shipments of orders placed in the period
(narrowed by the customer's country and, with a category, orders holding an
item of it), whatever the order's status. Stuck shipments are live ones (not
delivered, cancelled or returned) whose current stage began more than N days
ago, whatever the period: they need action now.

Counts and durations read the shipment rollups of migrations 008 and 011
(kept by triggers, equal to the raw figures): a range with a country or a
category but not both reads the per-day and per-week counts; with both, the
per-shipment rows of that country's orders. shipment_keys gives each
country and category a slot: an order's categories are kept as their slots
and a span's counts per key slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, text

from workflow.analytics.filters import Filters
from workflow.shipment_rules import stuck_sql

# Shipments per status over the range, from the daily counts of a key.
_COUNTS = """
SELECT status, sum(shipments) AS shipments
  FROM shipment_status_daily
 WHERE country = ANY(:country_keys) AND category = :category_key AND day BETWEEN :start AND :end
 GROUP BY status
"""

# The same from the per-shipment rows (a country and a category together).
_COUNTS_NARROW = """
SELECT status, count(*) AS shipments
  FROM shipment_facts
 WHERE country = ANY(:countries) AND {category_slot} = ANY(categories) AND day BETWEEN :start AND :end
 GROUP BY status
"""

# Per stage, the band counts over the range (weeks inside it, days at its
# ends; the count of the key's slot, or of every span) locate the band(s)
# holding the middle position(s), (n - 1) / 2 and n / 2 counted from 0, and
# their offset in the band; those spans are read from shipment_spans, and
# interpolated as percentile_cont(0.5) does: lo + 0.5 * (hi - lo) in double
# precision (lo alone for an odd count).
_STAGES = """
WITH k AS ({slots}), hist AS (
    SELECT b.stage, b.band, CAST(sum({count}) AS bigint) AS spans
      FROM shipment_stage_bands AS b CROSS JOIN k
     WHERE (b.days = 7 AND b.start >= :weeks_from AND b.start < :weeks_to)
        OR (b.days = 1 AND b.start >= :start AND b.start < :weeks_from)
        OR (b.days = 1 AND b.start >= :weeks_to AND b.start <= :end)
     GROUP BY b.stage, b.band
    HAVING sum({count}) > 0
), cum AS (
    SELECT stage, band, spans,
           CAST(sum(spans) OVER (PARTITION BY stage ORDER BY band) AS bigint) - spans AS before,
           CAST(sum(spans) OVER (PARTITION BY stage) AS bigint) AS n
      FROM hist
), picks AS (
    SELECT stage, band, n, greatest((n - 1) / 2 - before, 0) AS skip,
           least(n / 2 - before, spans - 1) - greatest((n - 1) / 2 - before, 0) + 1 AS take
      FROM cum
     WHERE before <= n / 2 AND before + spans > (n - 1) / 2
)
SELECT p.stage AS status, max(p.n) AS shipments,
       round(CAST((min(v.seconds) + CAST(0.5 AS double precision) * (max(v.seconds) - min(v.seconds))) / 86400
                  AS numeric), 2) AS median_days
  FROM picks AS p
 CROSS JOIN LATERAL (
       SELECT CAST(sp.spent_us AS double precision) / 1000000 AS seconds FROM shipment_spans AS sp
        WHERE sp.stage = p.stage AND sp.band = p.band AND sp.day BETWEEN :start AND :end {narrowing}
        ORDER BY sp.spent_us OFFSET p.skip LIMIT p.take) AS v
 GROUP BY p.stage
"""

# The same from the per-shipment rows (a country and a category together).
_STAGES_NARROW = """
SELECT sp.stage AS status, count(*) AS shipments,
       round(CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(sp.spent_us AS double precision) / 1000000) / 86400 AS numeric), 2) AS median_days
  FROM shipment_facts AS f
  JOIN shipment_spans AS sp ON sp.shipment_id = f.shipment_id
 WHERE f.country = ANY(:countries) AND {category_slot} = ANY(f.categories) AND f.day BETWEEN :start AND :end
 GROUP BY sp.stage
"""

# The category's slot, as held in shipment_facts' and shipment_spans'
# categories (NULL, so no row, for a category no product has had).
_CATEGORY_SLOT_QUERY = "SELECT slot FROM shipment_keys WHERE kind = 'category' AND name = :category"
_CATEGORY_SLOT_OF = f"({_CATEGORY_SLOT_QUERY})"
# The slots of the counts a range reads (none for an unknown key), and the count.
_EVERY_SPAN = ("SELECT 0 AS slot", "b.spans")
_COUNTRY_SLOTS = (
    "SELECT slot FROM shipment_keys WHERE kind = 'country' AND name = ANY(:countries)",
    "coalesce(b.by_country[k.slot], 0)",
)
_CATEGORY_SLOT = (_CATEGORY_SLOT_QUERY, "coalesce(b.by_category[k.slot], 0)")

_STUCK = """
SELECT s.id AS shipment_id, s.order_id, c.full_name AS customer, c.country, s.status,
       s.updated_at AS since,
       round(CAST(extract(epoch FROM coalesce(:at, now()) - s.updated_at) / 86400 AS numeric), 1) AS days_in_stage
  FROM shipments AS s
  JOIN orders AS o ON o.id = s.order_id
  JOIN customers AS c ON c.id = o.customer_id
 WHERE {stuck}
   {where}
 ORDER BY s.updated_at, s.id
 LIMIT :limit
"""


def shipment_status_counts(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Shipments per status (every status listed, zero included)."""
    sql = _COUNTS_NARROW.format(category_slot=_CATEGORY_SLOT_OF) if _narrow(filters) else _COUNTS
    frame = _read(engine, sql, _params(filters)).set_index("status")
    order = ["pending", "packed", "shipped", "in_transit", "delivered", "cancelled", "returned"]
    frame["shipments"] = frame["shipments"].astype(int)
    return frame.reindex(order, fill_value=0).reset_index()


def stage_durations(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Median days spent in each stage that shipments have left (the current
    stage of a shipment is still running and not counted), exact to the
    shown two decimals: the same figure as percentile_cont(0.5) over every
    span of the range."""
    if _narrow(filters):
        return _read(engine, _STAGES_NARROW.format(category_slot=_CATEGORY_SLOT_OF), _params(filters))
    if filters.countries:
        (slots, count), narrowing = _COUNTRY_SLOTS, " AND sp.country = ANY(:countries)"
    elif filters.category:
        (slots, count), narrowing = _CATEGORY_SLOT, f" AND {_CATEGORY_SLOT_OF} = ANY(sp.categories)"
    else:
        (slots, count), narrowing = _EVERY_SPAN, ""
    return _read(engine, _STAGES.format(slots=slots, count=count, narrowing=narrowing), _params(filters))


def stuck_shipments(
    engine: Engine,
    filters: Filters,
    *,
    older_than_days: int = 3,
    at: datetime | None = None,
    limit: int = 100,
) -> pd.DataFrame:
    """Live shipments whose current stage began more than `older_than_days`
    ago, oldest first (country and category filters apply; the period does
    not)."""
    where, params = filters.order_sql(period=False)
    params.update({"older_than": older_than_days, "at": at, "limit": limit})
    stuck = stuck_sql("s.status", "s.updated_at", ":older_than", at="coalesce(:at, now())")
    with engine.connect() as conn:
        result = conn.execute(text(_STUCK.format(stuck=stuck, where=where)), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _narrow(filters: Filters) -> bool:
    """Both a country and a category: the rollups hold one or the other."""
    return bool(filters.countries and filters.category)


def _params(filters: Filters) -> dict[str, object]:
    """The range, its keys in the rollups ('' is every country or category)
    and its whole ISO weeks [weeks_from, weeks_to) (empty when none)."""
    after = filters.end + timedelta(days=1)
    weeks_from = filters.start + timedelta(days=-filters.start.weekday() % 7)
    weeks_to = after - timedelta(days=after.weekday())
    if weeks_from >= weeks_to:
        weeks_from = weeks_to = after
    return {
        "start": filters.start,
        "end": filters.end,
        "weeks_from": weeks_from,
        "weeks_to": weeks_to,
        "countries": list(filters.countries),
        "category": filters.category,
        "country_keys": list(filters.countries) or [""],
        "category_key": filters.category or "",
    }


def _read(engine: Engine, sql: str, params: dict[str, object]) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(sql), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))
