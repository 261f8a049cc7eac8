"""The shipment transition table and the pure rules around it, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workflow.errors import ErrorCode, WorkflowError
from workflow.shipment_rules import (
    STATUSES,
    allowed_moves,
    can_move,
    can_ship,
    describe_moves,
    left_to_pay,
    missing_shipping_details,
    require_move,
    require_not_before,
    shipping_details,
)

LEGAL = {
    ("pending", "packed"),
    ("packed", "shipped"),
    ("shipped", "in_transit"),
    ("in_transit", "delivered"),
    ("pending", "cancelled"),
    ("packed", "cancelled"),
    ("shipped", "returned"),
    ("in_transit", "returned"),
}
ALL_PAIRS = [(a, b) for a in STATUSES for b in STATUSES]


def test_there_are_seven_statuses_and_eight_legal_moves():
    assert len(STATUSES) == 7
    assert len(ALL_PAIRS) == 49
    assert sum(can_move(a, b) for a, b in ALL_PAIRS) == 8


@pytest.mark.parametrize(("from_status", "to_status"), sorted(LEGAL))
def test_a_legal_move_is_allowed(from_status, to_status):
    assert can_move(from_status, to_status)
    assert to_status in allowed_moves(from_status)


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_an_illegal_move_is_refused(from_status, to_status):
    assert not can_move(from_status, to_status)
    assert to_status not in allowed_moves(from_status)


@pytest.mark.parametrize("final", ["delivered", "cancelled", "returned"])
def test_a_final_status_allows_nothing_further(final):
    assert allowed_moves(final) == ()
    assert describe_moves(final) == "nothing further"


def test_allowed_moves_are_listed_in_the_order_of_the_happy_path_first():
    assert describe_moves("pending") == "packed, cancelled"
    assert describe_moves("in_transit") == "delivered, returned"


def test_an_unknown_status_is_never_a_legal_move():
    assert not can_move("pending", "lost")
    assert not can_move("lost", "pending")


def test_allowed_moves_of_an_unknown_status_is_refused_naming_the_statuses():
    with pytest.raises(WorkflowError) as caught:
        allowed_moves("lost")
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
    assert caught.value.message == (
        "'lost' is not a shipment status; expected one of: "
        "pending, packed, shipped, in_transit, delivered, cancelled, returned."
    )


def test_an_order_ships_only_when_paid_in_full_unless_cash_on_delivery():
    assert can_ship(Decimal("30.00"), Decimal("30.00"))
    assert not can_ship(Decimal("30.00"), Decimal("17.50"))
    assert not can_ship(Decimal("30.00"), Decimal("0.00"))
    assert can_ship(Decimal("30.00"), Decimal("0.00"), cash_on_delivery=True)


def test_left_to_pay_is_total_minus_paid():
    assert left_to_pay(Decimal("30.00"), Decimal("17.50")) == Decimal("12.50")
    assert left_to_pay(Decimal("30.00"), Decimal("30.00")) == Decimal("0.00")


def test_blank_carrier_or_tracking_number_counts_as_missing():
    assert missing_shipping_details("DHL", "JD0001") == ()
    assert missing_shipping_details("  ", "JD0001") == ("carrier",)
    assert missing_shipping_details("DHL", None) == ("tracking number",)
    assert missing_shipping_details(None, " ") == ("carrier", "tracking number")


def test_require_move_names_the_moves_that_are_allowed():
    require_move(7, "pending", "packed")
    with pytest.raises(WorkflowError) as caught:
        require_move(7, "pending", "shipped")
    assert caught.value.code is ErrorCode.ILLEGAL_SHIPMENT_MOVE
    assert caught.value.message == (
        "Shipment 7 is pending and cannot move to shipped; it can move to: packed, cancelled."
    )


def test_a_move_at_or_after_the_last_event_is_in_order_and_an_earlier_one_is_refused():
    last = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    require_not_before(7, "packed", None, last)
    require_not_before(7, "packed", last, last)
    with pytest.raises(WorkflowError) as caught:
        require_not_before(7, "cancelled", last, last - timedelta(hours=1))
    assert caught.value.code is ErrorCode.EVENT_OUT_OF_ORDER
    assert caught.value.message == (
        "Shipment 7's last event is at 2024-05-01 11:00:00 UTC; moving it to cancelled at "
        "2024-05-01 10:00:00 UTC would put it earlier. Enter a time at or after the last event."
    )


def test_shipping_details_are_trimmed_on_the_move_to_shipped_and_refused_on_any_other():
    assert shipping_details(7, "shipped", " DHL ", "JD0001 ") == {
        "carrier": "DHL",
        "tracking_number": "JD0001",
    }
    assert shipping_details(7, "packed", None, "  ") == {}
    with pytest.raises(WorkflowError) as caught:
        shipping_details(7, "shipped", "DHL", None)
    assert caught.value.code is ErrorCode.CARRIER_REQUIRED
    with pytest.raises(WorkflowError) as caught:
        shipping_details(7, "packed", "DHL", None)
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
