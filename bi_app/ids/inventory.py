"""Component ids of the inventory page (/inventory)."""

# the products table: its view lives in the address bar
INV_NAV = "inventory-nav"  # a dcc.Location that navigates without reloading the page
INV_VIEW = "inventory-view"  # Store: the address's parameters, as the page read them
INV_NOTE = "inventory-note"
INV_SEARCH = "inventory-search"
INV_SEARCH_FEEDBACK = "inventory-search-feedback"
INV_CATEGORY = "inventory-category"
INV_APPLY = "inventory-apply"
INV_TABLE_BODY = "inventory-table-body"
INV_TABLE = "inventory-table"
INV_COUNT = "inventory-count"
INV_PREV = "inventory-prev"
INV_NEXT = "inventory-next"

# the low-stock list
INV_LOW_DAYS = "inventory-low-days"
INV_LOW_DAYS_FEEDBACK = "inventory-low-days-feedback"
INV_LOW_BODY = "inventory-low-body"
INV_LOW_TABLE = "inventory-low-table"

# the receive-stock form
INV_RECEIVED = "inventory-received"  # Store: receipts booked on this page; the lists re-read
INV_PRODUCT = "inventory-product"
INV_PRODUCT_FEEDBACK = "inventory-product-feedback"
INV_PRODUCT_INFO = "inventory-product-info"
INV_QUANTITY = "inventory-quantity"
INV_QUANTITY_FEEDBACK = "inventory-quantity-feedback"
INV_UNIT_COST = "inventory-unit-cost"
INV_UNIT_COST_FEEDBACK = "inventory-unit-cost-feedback"
INV_RECEIVE_NOTE = "inventory-receive-note"
INV_RECEIVE_SUBMIT = "inventory-receive-submit"
INV_RECEIVE_RESULT = "inventory-receive-result"
INV_NEW_LEVEL = "inventory-new-level"  # the stock on hand after the receipt just booked


def inv_sort(column: str) -> str:
    """The sortable header link of a column (a key of workflow.stock_views.SORTS)."""
    return f"inventory-sort-{column}"


def inv_row(product_id: int) -> str:
    return f"inventory-row-{product_id}"


def inv_low_row(product_id: int) -> str:
    return f"inventory-low-row-{product_id}"
