"""Where shipments are: counts per status, time spent in each stage, and
the ones stuck too long.

Counts and durations cover the shipments of orders placed in the period
(narrowed by the customer's country and, with a category, orders holding an
item of it). Stuck shipments are live ones (not delivered, cancelled or
returned) whose current stage began more than N days ago, whatever the
period: they need action now.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, text

from workflow.analytics.filters import Filters

LIVE_STATUSES = ("pending", "packed", "shipped", "in_transit")

_SCOPED = """
WITH scoped AS (
    SELECT s.id, s.status
      FROM orders AS o
      JOIN shipments AS s ON s.order_id = o.id
     WHERE true {where}
)
"""

_COUNTS = _SCOPED + "SELECT status, count(*) AS shipments FROM scoped GROUP BY status"

_STAGES = (
    _SCOPED
    + """
, spans AS (
    SELECT e.status, lead(e.at) OVER (PARTITION BY e.shipment_id ORDER BY e.at, e.id) - e.at AS spent
      FROM shipment_events AS e JOIN scoped ON scoped.id = e.shipment_id
)
SELECT status, count(*) AS shipments,
       round(CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM spent)) / 86400 AS numeric), 2)
           AS median_days
  FROM spans WHERE spent IS NOT NULL GROUP BY status
"""
)

_STUCK = """
SELECT s.id AS shipment_id, s.order_id, c.full_name AS customer, c.country, s.status,
       s.updated_at AS since,
       round(CAST(extract(epoch FROM coalesce(:at, now()) - s.updated_at) / 86400 AS numeric), 1) AS days_in_stage
  FROM shipments AS s
  JOIN orders AS o ON o.id = s.order_id
  JOIN customers AS c ON c.id = o.customer_id
 WHERE s.status = ANY(:live) AND s.updated_at < coalesce(:at, now()) - make_interval(days => :older_than)
   {where}
 ORDER BY s.updated_at, s.id
 LIMIT :limit
"""


def shipment_status_counts(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Shipments per status (every status listed, zero included)."""
    frame = _read(engine, _COUNTS, filters).set_index("status")
    order = ["pending", "packed", "shipped", "in_transit", "delivered", "cancelled", "returned"]
    return frame.reindex(order, fill_value=0).reset_index()


def stage_durations(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Median days spent in each stage that shipments have left (the current
    stage of a shipment is still running and not counted)."""
    return _read(engine, _STAGES, filters)


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
    params.update({"live": list(LIVE_STATUSES), "older_than": older_than_days, "at": at, "limit": limit})
    with engine.connect() as conn:
        result = conn.execute(text(_STUCK.format(where=where)), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _read(engine: Engine, sql: str, filters: Filters) -> pd.DataFrame:
    where, params = filters.order_sql()
    with engine.connect() as conn:
        result = conn.execute(text(sql.format(where=where)), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))
