"""The shipment transition table and the pure rules around it, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.errors import ErrorCode, WorkflowError
from workflow.shipments import (
    STATUSES,
    allowed_moves,
    can_move,
    can_ship,
    describe_moves,
    left_to_pay,
    missing_shipping_details,
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
