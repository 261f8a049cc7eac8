"""The shipments listing: one row per shipment, with its order and customer.

Included: every shipment, closed ones (delivered, cancelled, returned) too,
so an order whose first shipment was cancelled appears twice. The date
range is on `updated_at`, the time of the shipment's last move, which is
also when its current stage began: `stuck_after` keeps the live shipments
whose stage has lasted longer than that many days (workflow.shipment_rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine

from workflow.listings.query import (
    Page,
    Selection,
    clean_choices,
    clean_countries,
    clean_search,
    clean_texts,
    country_conditions,
    customer_conditions,
    day_conditions,
    fetch_page,
    order_by,
    require_id,
    require_range,
    require_sort,
    set_fields,
)
from workflow.shipment_rules import STATUSES, require_stuck_days, stuck_sql

COUNT_SOURCE = "shipments AS sh JOIN orders AS o ON o.id = sh.order_id"
SOURCE = f"{COUNT_SOURCE} JOIN customers AS c ON c.id = o.customer_id"
SORTS = {
    "updated_at": "sh.updated_at",
    "created_at": "sh.created_at",
    "shipment_id": "sh.id",
    "order_id": "sh.order_id",
    "status": "sh.status",
    "carrier": "sh.carrier",
    "customer": "lower(c.full_name)",
}


@dataclass(frozen=True)
class ShipmentQuery:
    """Which shipments, in which order.

    - start, end: business days of their last move (updated_at), inclusive;
    - statuses: shipment statuses, none meaning all;
    - carriers: carrier names (exact, case-insensitive), none meaning all;
    - customer / customer_id / countries: as in OrderQuery;
    - order_id: the shipments of one order;
    - stuck_after: only live shipments in their current stage for more than
      this many days (1 to 365), judged at the database's clock;
    - sort: one of SORTS, last moved first by default."""

    start: date | None = None
    end: date | None = None
    statuses: tuple[str, ...] = field(default=())
    carriers: tuple[str, ...] = field(default=())
    customer: str | None = None
    customer_id: int | None = None
    countries: tuple[str, ...] = field(default=())
    order_id: int | None = None
    stuck_after: int | None = None
    sort: str = "updated_at"
    descending: bool = True

    def __post_init__(self) -> None:
        require_range(self.start, self.end, "shipment date")
        require_id(self.customer_id, "Customer")
        require_id(self.order_id, "Order")
        if self.stuck_after is not None:
            require_stuck_days(self.stuck_after)
        require_sort(self.sort, SORTS, "Shipments")
        set_fields(
            self,
            statuses=clean_choices(self.statuses, STATUSES, "shipment statuses"),
            carriers=clean_texts(self.carriers, "carriers"),
            customer=clean_search(self.customer, "customer"),
            countries=clean_countries(self.countries),
        )


@dataclass(frozen=True)
class ShipmentRow:
    shipment_id: int
    order_id: int
    customer_id: int
    customer_name: str
    country: str
    status: str
    carrier: str | None
    tracking_number: str | None
    created_at: datetime
    updated_at: datetime  # the last move: when the current stage began
    seconds_in_stage: float  # from updated_at to the database's now


def shipment_selection(query: ShipmentQuery) -> Selection:
    """The shipments the query keeps, in its order: the one WHERE clause of
    the shipments listing and export. Aliases: sh shipment, o order, c customer."""
    params: dict[str, object] = {}
    conditions = day_conditions("sh.updated_at", query.start, query.end, params)
    if query.statuses:
        conditions.append("sh.status = ANY(%(statuses)s::text[])")
        params["statuses"] = list(query.statuses)
    if query.carriers:
        conditions.append("lower(sh.carrier) = ANY(%(carriers)s::text[])")
        params["carriers"] = [c.lower() for c in query.carriers]
    if query.order_id is not None:
        conditions.append("sh.order_id = %(order_id)s")
        params["order_id"] = query.order_id
    if query.stuck_after is not None:
        conditions.append(stuck_sql("sh.status", "sh.updated_at", "%(stuck_after)s"))
        params["stuck_after"] = query.stuck_after
    conditions += customer_conditions("o.customer_id", query.customer, query.customer_id, params)
    conditions += country_conditions("o.customer_id", query.countries, params)
    return Selection(
        SOURCE,
        tuple(conditions),
        params,
        order_by(SORTS, query.sort, query.descending, "sh.id"),
        count_source=COUNT_SOURCE,
    )


_COLUMNS = (
    "sh.id, sh.order_id, o.customer_id, c.full_name, c.country, sh.status, sh.carrier, "
    "sh.tracking_number, sh.created_at, sh.updated_at, extract(epoch FROM now() - sh.updated_at)::float8"
)


def list_shipments(
    engine: Engine, query: ShipmentQuery, *, page: int = 1, page_size: int = 50
) -> Page[ShipmentRow]:
    """One page of the shipments the query keeps, with the (capped) count of all of them."""
    with engine.connect() as conn:
        return fetch_page(
            conn,
            shipment_selection(query),
            _COLUMNS,
            lambda r: ShipmentRow(*r),
            page=page,
            page_size=page_size,
        )


def count_shipments(engine: Engine, query: ShipmentQuery) -> int:
    """How many shipments the query keeps, counting at most MAX_ROWS + 1."""
    selection = shipment_selection(query)
    with engine.connect() as conn:
        return conn.exec_driver_sql(selection.count(), dict(selection.params)).scalar_one()
