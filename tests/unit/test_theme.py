"""The colour map of DESIGN.md, readable at WCAG AA: the contrast is computed
here with the WCAG 2 formula, independently of the code under test."""

from __future__ import annotations

import pytest

from bi_app.theme import (
    CHANGE_BAD,
    CHANGE_GOOD,
    CHANGE_NEUTRAL,
    MEASURE_STYLE,
    PAYMENT_STATE_ORDER,
    PAYMENT_STATE_STYLE,
    SHIPMENT_STATUS_ORDER,
    SHIPMENT_STATUS_STYLE,
    STUCK_ALERT_BACKGROUND,
    STUCK_ALERT_TEXT,
    payment_state_label,
    shipment_status_label,
)
from workflow.balances import PaymentState
from workflow.shipment_rules import STATUSES

WHITE = "#ffffff"


def relative_luminance(hex_color: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written #rrggbb."""
    digits = hex_color.lstrip("#")
    assert len(digits) == 6, hex_color
    channels = []
    for i in (0, 2, 4):
        c = int(digits[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(a: str, b: str) -> float:
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_formula_matches_the_known_extremes():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("state", list(PaymentState))
def test_every_payment_state_badge_is_readable_at_wcag_aa(state):
    style = PAYMENT_STATE_STYLE[state]
    assert contrast_ratio(style.text, style.background) >= 4.5


@pytest.mark.parametrize("status", STATUSES)
def test_every_shipment_status_label_is_readable_at_wcag_aa(status):
    style = SHIPMENT_STATUS_STYLE[status]
    assert contrast_ratio(style.text, style.background) >= 4.5


def test_chart_colours_and_change_colours_stand_out_on_white():
    colours = [CHANGE_GOOD, CHANGE_BAD, CHANGE_NEUTRAL]
    colours += [c for m in MEASURE_STYLE.values() for c in (m.bar, m.line)]
    for colour in colours:
        assert contrast_ratio(colour, WHITE) >= 4.5, colour
    assert contrast_ratio(STUCK_ALERT_TEXT, STUCK_ALERT_BACKGROUND) >= 4.5


def test_the_design_colour_families_are_kept():
    def hue_family(hex_color: str) -> str:
        r, g, b = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        if max(r, g, b) - min(r, g, b) < 16:
            return "grey"
        if r > g and b > g:
            return "purple"
        if r > b and g > b and g > r / 2:
            return "amber"
        if r > g and r > b:
            return "red"
        return "green" if g > r and g > b else "other"

    expected = {
        PaymentState.PAID: "green",
        PaymentState.PARTIALLY_PAID: "amber",
        PaymentState.UNPAID: "grey",
        PaymentState.OVERDUE: "red",
        PaymentState.PARTIALLY_REFUNDED: "purple",
        PaymentState.REFUNDED: "purple",
    }
    for state, family in expected.items():
        assert hue_family(PAYMENT_STATE_STYLE[state].background) == family, state


def test_labels_read_as_words_and_orders_follow_the_design():
    assert payment_state_label(PaymentState.PARTIALLY_PAID) == "Partially paid"
    assert shipment_status_label("in_transit") == "In transit"
    assert tuple(PaymentState) == PAYMENT_STATE_ORDER
    assert SHIPMENT_STATUS_ORDER[:5] == ("pending", "packed", "shipped", "in_transit", "delivered")
