"""Colours and labels, defined once for every badge, list, chart and export.

DESIGN.md's payment-state map: paid green, partially paid amber, unpaid grey,
overdue red, partially refunded and refunded purple. Every style's text on
its background reaches WCAG AA contrast (4.5:1 or more); tests check it with
the WCAG formula. Shipment statuses and chart colours (bars and lines on a
white plot) also reach 4.5:1 against white, which is more than the 3:1 that
non-text elements need.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.balances import PaymentState
from workflow.shipment_rules import STATUSES

# Flatly: a calm, flat Bootstrap theme that reads well in dense tables. It is
# served from bi_app/assets (Bootswatch 5.3.8, MIT; its web-font @import
# removed), not from a CDN: the app must look right on a shop's closed network.
THEME_STYLESHEET = "00-bootstrap-flatly-5.3.8.min.css"
FONT_FAMILY = 'Lato, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


@dataclass(frozen=True)
class StateStyle:
    """How one state is shown: its label and a background / text colour pair
    (hex) readable at WCAG AA."""

    label: str
    background: str
    text: str


# Ordered as DESIGN.md's state table (the order the rule tests them).
PAYMENT_STATE_STYLE: dict[PaymentState, StateStyle] = {
    PaymentState.REFUNDED: StateStyle("Refunded", "#6f42c1", "#ffffff"),
    PaymentState.PARTIALLY_REFUNDED: StateStyle("Partially refunded", "#e6dcf5", "#4b2c82"),
    PaymentState.PAID: StateStyle("Paid", "#1e7e45", "#ffffff"),
    PaymentState.OVERDUE: StateStyle("Overdue", "#c0392b", "#ffffff"),
    PaymentState.PARTIALLY_PAID: StateStyle("Partially paid", "#f6c244", "#3d2c00"),
    PaymentState.UNPAID: StateStyle("Unpaid", "#e2e5e9", "#343a40"),
}
PAYMENT_STATE_ORDER: tuple[PaymentState, ...] = tuple(PAYMENT_STATE_STYLE)

# Pipeline order: the way forward first, then the two ways out.
SHIPMENT_STATUS_ORDER: tuple[str, ...] = STATUSES
SHIPMENT_STATUS_STYLE: dict[str, StateStyle] = {
    "pending": StateStyle("Pending", "#5c636a", "#ffffff"),
    "packed": StateStyle("Packed", "#8a5a00", "#ffffff"),
    "shipped": StateStyle("Shipped", "#1f5fa8", "#ffffff"),
    "in_transit": StateStyle("In transit", "#0b7285", "#ffffff"),
    "delivered": StateStyle("Delivered", "#1e7e45", "#ffffff"),
    "cancelled": StateStyle("Cancelled", "#495057", "#ffffff"),
    "returned": StateStyle("Returned", "#b02a37", "#ffffff"),
}


@dataclass(frozen=True)
class MeasureStyle:
    """A revenue measure on the chart: its name, the daily bars' colour and
    the 7-day average line's colour."""

    label: str
    bar: str
    line: str


MEASURE_STYLE: dict[str, MeasureStyle] = {
    "booked": MeasureStyle("Booked revenue", "#2c5d8f", "#ad4e00"),
    "collected": MeasureStyle("Cash collected", "#0b7285", "#ad4e00"),
}

# A KPI change that is good news, bad news, or neither (text on white).
CHANGE_GOOD = "#146c43"
CHANGE_BAD = "#b02a37"
CHANGE_NEUTRAL = "#5c636a"
# Table rows of shipments stuck far longer than the threshold.
STUCK_ALERT_BACKGROUND = "#f8d7da"
STUCK_ALERT_TEXT = "#58151c"

PLOT_BACKGROUND = "#ffffff"
GRID_COLOR = "#e5e8eb"
MUTED_TEXT = "#5c636a"


def payment_state_label(state: PaymentState) -> str:
    """ "Partially paid" for PaymentState.PARTIALLY_PAID, and so on."""
    return PAYMENT_STATE_STYLE[state].label


def shipment_status_label(status: str) -> str:
    """ "In transit" for "in_transit"; an unknown status is shown as given."""
    style = SHIPMENT_STATUS_STYLE.get(status)
    return style.label if style else status


def chart_layout(**overrides: object) -> dict[str, object]:
    """The layout every dashboard chart starts from: white plot, light
    horizontal grid, the app's font, compact margins, legend on top."""
    layout: dict[str, object] = {
        "template": "plotly_white",
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#212529"},
        "paper_bgcolor": PLOT_BACKGROUND,
        "plot_bgcolor": PLOT_BACKGROUND,
        "margin": {"l": 56, "r": 16, "t": 32, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }
    layout.update(overrides)
    return layout
