"""The clerk's payment desk: find the orders a payment is for, read the
exact balance due of a selection, and check what the clerk typed before the
payment rule (workflow.payments.record_payment) is asked to record it.

The desk decides nothing the rule decides. What it adds is the clerk's
side: a customer's open orders a page at a time and orders typed by number
(`orders`), the oldest-due-first pre-fill and one message per bad field
(`form`, pure).
"""

from workflow.payment_desk.form import (
    MAX_ORDER_NUMBERS,
    MAX_REFERENCE_LENGTH,
    METHODS,
    EntryCheck,
    MoneyCheck,
    PaymentEntry,
    check_entry,
    check_money,
    parse_order_numbers,
    prefill_allocations,
    received_moment,
)
from workflow.payment_desk.orders import (
    PAGE_SIZE,
    DeskCustomer,
    FoundOrders,
    OpenOrders,
    Receipt,
    SelectionDue,
    customer_card,
    find_orders,
    open_orders,
    pay_selection,
    selection_due,
)

__all__ = [
    "MAX_ORDER_NUMBERS",
    "MAX_REFERENCE_LENGTH",
    "METHODS",
    "PAGE_SIZE",
    "DeskCustomer",
    "EntryCheck",
    "FoundOrders",
    "MoneyCheck",
    "OpenOrders",
    "PaymentEntry",
    "Receipt",
    "SelectionDue",
    "check_entry",
    "check_money",
    "customer_card",
    "find_orders",
    "open_orders",
    "parse_order_numbers",
    "pay_selection",
    "prefill_allocations",
    "received_moment",
    "selection_due",
]
