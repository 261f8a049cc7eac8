"""Which rows and columns an export of a query value streams.

The rows are the view's selection (workflow.listings), the columns its
ExportColumns. A large export (more than MAX_ROWS rows, counted first by the
listing's own bounded count) reads looked-up columns in their bulk form:
one hashed pass over the other table instead of one lookup per row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from workflow.errors import ErrorCode, WorkflowError
from workflow.exports.columns import CUSTOMERS, ORDER_ITEMS, ORDERS, PAYMENTS, SHIPMENTS, ExportColumns
from workflow.listings import (
    MAX_ROWS,
    CustomerQuery,
    ItemQuery,
    OrderQuery,
    PaymentQuery,
    Selection,
    ShipmentQuery,
    customer_selection,
    item_selection,
    order_selection,
    payment_selection,
    shipment_selection,
)

AnyQuery = OrderQuery | ItemQuery | PaymentQuery | ShipmentQuery | CustomerQuery

# view name -> (its query type, its export columns)
VIEWS: dict[str, tuple[type, ExportColumns]] = {
    "orders": (OrderQuery, ORDERS),
    "order_items": (ItemQuery, ORDER_ITEMS),
    "payments": (PaymentQuery, PAYMENTS),
    "shipments": (ShipmentQuery, SHIPMENTS),
    "customers": (CustomerQuery, CUSTOMERS),
}


def view_of(query: AnyQuery) -> str:
    """The view a query value belongs to ("orders", "order_items", ...)."""
    for view, (query_type, _) in VIEWS.items():
        if isinstance(query, query_type):
            return view
    raise WorkflowError(
        f"{type(query).__name__} is not the query of an exportable view; "
        f"pass one of {', '.join(t.__name__ for t, _ in VIEWS.values())}.",
        ErrorCode.INVALID_ARGUMENT,
    )


def selection_of(query: AnyQuery, at: datetime | None = None) -> Selection:
    """The listing's selection for a query value; `at` judges payment states (orders)."""
    if isinstance(query, OrderQuery):
        return order_selection(query, at)
    if isinstance(query, ItemQuery):
        return item_selection(query)
    if isinstance(query, PaymentQuery):
        return payment_selection(query)
    if isinstance(query, ShipmentQuery):
        return shipment_selection(query)
    if isinstance(query, CustomerQuery):
        return customer_selection(query)
    raise AssertionError(view_of(query))  # view_of refuses anything else


def export_sql(
    query: AnyQuery, *, pii: bool, at: datetime | None = None, bulk: bool = False
) -> tuple[str, dict[str, object]]:
    """The SELECT an export streams, and its parameters."""
    columns = VIEWS[view_of(query)][1]
    selection = selection_of(query, at)
    select_sql = selection.select(columns.select_list(pii=pii, bulk=bulk), columns.join_sql(bulk=bulk))
    return select_sql, dict(selection.params)


def is_large(engine: Engine, query: AnyQuery, at: datetime | None = None) -> bool:
    """More than MAX_ROWS rows match (a count that stops there)."""
    selection = selection_of(query, at)
    with engine.connect() as conn:
        return conn.exec_driver_sql(selection.count(), dict(selection.params)).scalar_one() > MAX_ROWS
