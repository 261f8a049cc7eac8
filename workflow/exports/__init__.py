"""CSV exports of the analyst views: exactly the rows of the listing's
current filter, in its order, streamed from PostgreSQL.

Each export_<view>(engine, query, sink, *, pii, progress) writes the CSV
(UTF-8, a header row, see workflow.exports.cells for the cells) to a binary
sink and returns the rows written. The rows are those of the view's
selection in workflow.listings, the same WHERE clause its listing pages
through; the columns are workflow.exports.columns. `pii` is the caller's
decision whether this person may see customer e-mail and phone unmasked.
`iter_export` gives the same bytes as an iterator, for a streamed HTTP
response.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import Engine

from workflow.errors import ErrorCode, WorkflowError
from workflow.exports.stream import Progress, stream_csv, write_csv
from workflow.exports.views import VIEWS, AnyQuery, export_sql, is_large, view_of
from workflow.listings import CustomerQuery, ItemQuery, OrderQuery, PaymentQuery, ShipmentQuery


def iter_export(
    engine: Engine,
    query: AnyQuery,
    *,
    pii: bool,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> Iterator[bytes]:
    """The export of any view as chunks of CSV bytes (about 1 MB each)."""
    select_sql, params = export_sql(query, pii=pii, at=at, bulk=is_large(engine, query, at))
    return stream_csv(engine, select_sql, params, progress=progress)


def export_csv(
    engine: Engine,
    query: AnyQuery,
    sink: BinaryIO,
    *,
    pii: bool,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> int:
    """Write the export of the query's view to `sink`; the rows written.
    `at` is when payment states are judged (orders only; default now)."""
    select_sql, params = export_sql(query, pii=pii, at=at, bulk=is_large(engine, query, at))
    return write_csv(engine, select_sql, params, sink, progress=progress)


def export_orders(
    engine: Engine,
    query: OrderQuery,
    sink: BinaryIO,
    *,
    pii: bool,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> int:
    """Orders with their customer, money, payment state (judged at `at`,
    default now) and latest shipment status."""
    return export_csv(engine, _expect(query, OrderQuery), sink, pii=pii, progress=progress, at=at)


def export_items(
    engine: Engine, query: ItemQuery, sink: BinaryIO, *, pii: bool, progress: Progress | None = None
) -> int:
    """Order items with their order, customer and product, unit price and cost, line total."""
    return export_csv(engine, _expect(query, ItemQuery), sink, pii=pii, progress=progress)


def export_payments(
    engine: Engine, query: PaymentQuery, sink: BinaryIO, *, pii: bool, progress: Progress | None = None
) -> int:
    """Payments and refunds with their customer and the ids of the orders they were allocated to."""
    return export_csv(engine, _expect(query, PaymentQuery), sink, pii=pii, progress=progress)


def export_shipments(
    engine: Engine, query: ShipmentQuery, sink: BinaryIO, *, pii: bool, progress: Progress | None = None
) -> int:
    """Shipments with their order, customer, carrier and tracking number."""
    return export_csv(engine, _expect(query, ShipmentQuery), sink, pii=pii, progress=progress)


def export_customers(
    engine: Engine, query: CustomerQuery, sink: BinaryIO, *, pii: bool, progress: Progress | None = None
) -> int:
    """Customers with e-mail and phone (masked unless pii) and what they ordered and owe."""
    return export_csv(engine, _expect(query, CustomerQuery), sink, pii=pii, progress=progress)


def _expect(query: AnyQuery, query_type: type) -> AnyQuery:
    if not isinstance(query, query_type):
        raise WorkflowError(
            f"This export takes a {query_type.__name__}, not a {type(query).__name__}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return query


def export_file_name(view: str, query: AnyQuery) -> str:
    """What and which range: `orders_2026-08-26_2026-11-24.csv`; an open end
    reads `orders_from_2026-08-26.csv`, `orders_until_2026-11-24.csv`, or
    `orders_all_dates.csv` with no range."""
    if view not in VIEWS:
        raise WorkflowError(
            f"There is no export named {view!r}; choose one of: {', '.join(VIEWS)}.",
            ErrorCode.INVALID_ARGUMENT,
        )
    if view_of(query) != view:
        raise WorkflowError(
            f"A {type(query).__name__} does not describe the {view} export.", ErrorCode.INVALID_ARGUMENT
        )
    start: date | None = query.start
    end: date | None = query.end
    if start and end:
        span = f"{start.isoformat()}_{end.isoformat()}"
    elif start:
        span = f"from_{start.isoformat()}"
    elif end:
        span = f"until_{end.isoformat()}"
    else:
        span = "all_dates"
    return f"{view}_{span}.csv"


__all__ = [
    "VIEWS",
    "export_csv",
    "export_customers",
    "export_file_name",
    "export_items",
    "export_orders",
    "export_payments",
    "export_shipments",
    "export_sql",
    "iter_export",
    "view_of",
]
