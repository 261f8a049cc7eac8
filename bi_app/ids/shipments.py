"""Component ids of the shipments page (/shipments)."""

# the view lives in the address bar; the filter form navigates to a new address
SHIP_NAV = "shipments-nav"  # a dcc.Location that navigates without reloading the page
SHIP_VIEW = "shipments-view"  # Store: the address's parameters, as the page read them
SHIP_NOTE = "shipments-note"
SHIP_TABS = "shipments-tabs"
SHIP_LIST = "shipments-list"
SHIP_TABLE = "shipments-table"
SHIP_COUNT = "shipments-count"  # "Rows 1–25 of 1,234"
SHIP_PREV = "shipments-prev"
SHIP_NEXT = "shipments-next"

# the filter form
SHIP_ORDER = "shipments-order"
SHIP_ORDER_FEEDBACK = "shipments-order-feedback"
SHIP_CUSTOMER = "shipments-customer"
SHIP_CUSTOMER_FEEDBACK = "shipments-customer-feedback"
SHIP_STUCK_DAYS = "shipments-stuck-days"
SHIP_STUCK_DAYS_FEEDBACK = "shipments-stuck-days-feedback"
SHIP_APPLY = "shipments-apply"

# one shipment: the detail modal, its timeline and the move form
SHIP_OPEN = "shipments-open"  # pattern-matching type: {"type": SHIP_OPEN, "shipment": id, "order": id}
SHIP_SELECTED = "shipments-selected"  # Store: {"shipment": id, "order": id}
SHIP_MOVED = "shipments-moved"  # Store: how many moves were made on this page; lists re-read
SHIP_MODAL = "shipments-modal"
SHIP_MODAL_TITLE = "shipments-modal-title"
SHIP_DETAIL = "shipments-detail"
SHIP_TIMELINE = "shipments-timeline"
SHIP_MOVE_FORM = "shipments-move-form"
SHIP_FINAL = "shipments-final"  # shown instead of the form once no move is left
SHIP_MOVE_TO = "shipments-move-to"
SHIP_MOVE_TO_FEEDBACK = "shipments-move-to-feedback"
SHIP_SHIPPING_FIELDS = "shipments-shipping-fields"
SHIP_CARRIER = "shipments-carrier"
SHIP_CARRIER_FEEDBACK = "shipments-carrier-feedback"
SHIP_TRACKING = "shipments-tracking"
SHIP_TRACKING_FEEDBACK = "shipments-tracking-feedback"
SHIP_NOTE_INPUT = "shipments-move-note"
SHIP_MOVE_SUBMIT = "shipments-move-submit"
SHIP_MOVE_RESULT = "shipments-move-result"


def ship_tab(key: str) -> str:
    """A status tab ("all", a shipment status, or "stuck")."""
    return f"shipments-tab-{key}"


def ship_tab_count(key: str) -> str:
    return f"shipments-count-{key}"


def ship_row(shipment_id: int) -> str:
    return f"shipments-row-{shipment_id}"


def ship_move_option(status: str) -> str:
    """The radio input offering a move to `status`."""
    return f"shipments-move-to-{status}"
