"""Component ids of the orders list (/orders) and the order detail (/orders/<id>)."""

# orders list: filters; a change navigates to the new address (the view lives in the URL)
ORDERS_NAV = "orders-nav"  # a dcc.Location that navigates without reloading the page
ORDERS_BASE = "orders-base"  # the view's parts the controls do not set (sort, status, size)
ORDERS_STATE = "orders-state"
ORDERS_RANGE = "orders-range"
ORDERS_CUSTOMER = "orders-customer"
ORDERS_COUNTRY = "orders-country"
ORDERS_FILTER_FEEDBACK = "orders-filter-feedback"
ORDERS_NOTE = "orders-note"

# orders list: the table and its pager
ORDERS_TABLE = "orders-table"
ORDERS_COUNT = "orders-count"  # "Rows 51–100 of 12,345"
ORDERS_PREV = "orders-prev"
ORDERS_NEXT = "orders-next"


def orders_sort(column: str) -> str:
    """The sortable header link of a column (a key of workflow.listings.orders.SORTS)."""
    return f"orders-sort-{column}"


def orders_row(order_id: int) -> str:
    return f"orders-row-{order_id}"


# order detail
ORDER_ID = "order-detail-id"  # Store: the order shown
ORDER_BODY = "order-detail-body"
ORDER_NOTICE = "order-detail-notice"
ORDER_STATE = "order-detail-state"
ORDER_TOTAL = "order-detail-total"
ORDER_PAID = "order-detail-paid"
ORDER_REFUNDED = "order-detail-refunded"
ORDER_BALANCE = "order-detail-balance"
ORDER_ITEMS = "order-detail-items"
ORDER_ITEMS_TOTAL = "order-detail-items-total"
ORDER_PAYMENTS = "order-detail-payments"
ORDER_SHIPMENTS = "order-detail-shipments"

# order detail: the refund form
REFUND_FORM = "order-detail-refund"
REFUND_KEY = "order-detail-refund-key"  # Store: the idempotency key made when the form rendered
REFUND_KIND = "order-detail-refund-kind"  # full or partial
REFUND_AMOUNT = "order-detail-refund-amount"
REFUND_AMOUNT_FEEDBACK = "order-detail-refund-amount-feedback"
REFUND_METHOD = "order-detail-refund-method"
REFUND_METHOD_FEEDBACK = "order-detail-refund-method-feedback"
REFUND_REFERENCE = "order-detail-refund-reference"
REFUND_SUBMIT = "order-detail-refund-submit"
REFUND_ALERT = "order-detail-refund-alert"
REFUND_DONE = "order-detail-refund-done"  # Store: the refund just recorded; the detail re-renders
ORDERS_DOWNLOAD = "orders-download"  # the CSV of every row of this view
ORDER_PAY_LINK = "order-detail-pay"  # to the payments page with this order selected
