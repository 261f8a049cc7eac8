"""Server-side listings for the clerk and analyst pages: orders, order
items, payments, shipments and customers, filtered, sorted and paged in
PostgreSQL, plus one order in full.

Each view has a frozen query value (checked when made: a bad value raises
WorkflowError with ErrorCode.INVALID_ARGUMENT), a `*_selection(query)` that
is the view's one WHERE clause (used by the listing and by the CSV export in
workflow.exports), and `list_*(engine, query, page=..., page_size=...)`
returning a Page. See workflow.listings.query for paging and counting.
"""

from workflow.listings import customers, items, orders, payments, shipments
from workflow.listings.customers import CustomerQuery, CustomerRow, customer_selection, list_customers
from workflow.listings.items import ItemQuery, ItemRow, item_selection, list_items
from workflow.listings.order_detail import (
    DetailCustomer,
    DetailItem,
    DetailPayment,
    DetailShipment,
    OrderDetail,
    order_detail,
)
from workflow.listings.orders import OrderQuery, OrderRow, list_orders, order_selection
from workflow.listings.payments import PaymentQuery, PaymentRow, list_payments, payment_selection
from workflow.listings.query import MAX_PAGE_SIZE, MAX_ROWS, Page, Selection
from workflow.listings.shipments import (
    ShipmentQuery,
    ShipmentRow,
    count_shipments,
    list_shipments,
    shipment_selection,
)

# The sort keys each view offers (its query's `sort`), the default first.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "orders": tuple(orders.SORTS),
    "order_items": tuple(items.SORTS),
    "payments": tuple(payments.SORTS),
    "shipments": tuple(shipments.SORTS),
    "customers": tuple(customers.SORTS),
}

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_ROWS",
    "SORT_KEYS",
    "CustomerQuery",
    "CustomerRow",
    "DetailCustomer",
    "DetailItem",
    "DetailPayment",
    "DetailShipment",
    "ItemQuery",
    "ItemRow",
    "OrderDetail",
    "OrderQuery",
    "OrderRow",
    "Page",
    "PaymentQuery",
    "PaymentRow",
    "Selection",
    "ShipmentQuery",
    "ShipmentRow",
    "count_shipments",
    "customer_selection",
    "item_selection",
    "list_customers",
    "list_items",
    "list_orders",
    "list_payments",
    "list_shipments",
    "order_detail",
    "order_selection",
    "payment_selection",
    "shipment_selection",
]
