"""The payments page's component ids. Names in CHECK, PICK, ALLOCATION and
their feedbacks are the `type` of pattern-matching ids {"type": ..., "index":
order or customer id}."""

# state kept in the browser
PAY_KEY = "payments-key"  # the idempotency key of the form on screen (session storage)
PAY_CUSTOMER = "payments-customer"  # {"id": customer id} or None
PAY_SELECTION = "payments-selection"  # selected order ids, kept across pages
PAY_BALANCES = "payments-balances"  # the selection's balances as last read from the database
PAY_PREFILL = "payments-prefill"  # the allocations last pre-filled: untouched by hand while equal
PAY_REFRESH = "payments-refresh"  # a counter: re-read the orders and the selection

# finding the orders
PAY_CUSTOMER_SEARCH = "payments-customer-search"
PAY_CUSTOMER_RESULTS = "payments-customer-results"
PAY_CUSTOMER_PICK = "payments-customer-pick"  # pattern type, index = customer id
PAY_ORDER_NUMBERS = "payments-order-numbers"
PAY_ORDER_NUMBERS_FEEDBACK = "payments-order-numbers-feedback"
PAY_FIND_ORDERS = "payments-find-orders"

# the customer's open orders
PAY_CUSTOMER_HEADING = "payments-customer-heading"
PAY_ORDER_FILTER = "payments-order-filter"
PAY_ORDER_FILTER_FEEDBACK = "payments-order-filter-feedback"
PAY_ORDERS = "payments-orders"
PAY_PAGER = "payments-pager"
PAY_CHECK = "payments-order-check"  # pattern type, index = order id
PAY_CLEAR = "payments-clear-selection"

# the payment form
PAY_SUMMARY = "payments-summary"
PAY_AMOUNT = "payments-amount"
PAY_AMOUNT_FEEDBACK = "payments-amount-feedback"
PAY_ALLOCATIONS = "payments-allocations"
PAY_ALLOCATION = "payments-allocation"  # pattern type, index = order id
PAY_ALLOCATION_FEEDBACK = "payments-allocation-feedback"  # pattern type, index = order id
PAY_ALLOCATED = "payments-allocated"  # "Allocated €x of €y", or why they do not add up
PAY_METHOD = "payments-method"
PAY_METHOD_FEEDBACK = "payments-method-feedback"
PAY_REFERENCE = "payments-reference"
PAY_REFERENCE_FEEDBACK = "payments-reference-feedback"
PAY_RECEIVED = "payments-received"
PAY_RECEIVED_FEEDBACK = "payments-received-feedback"
PAY_SUBMIT = "payments-submit"
PAY_RESULT = "payments-result"  # the receipt, or the rule's refusal


def order_row(order_id: int) -> str:
    """The open-orders table row of an order."""
    return f"payments-order-row-{order_id}"


def receipt_state(order_id: int) -> str:
    """The receipt's payment-state badge of an order, after the payment."""
    return f"payments-receipt-state-{order_id}"
