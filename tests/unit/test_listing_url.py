"""A listing's filters survive the trip through the address bar (and so
into its CSV download); a bad parameter is dropped with a note."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import pytest

from bi_app.listing_url import listing_query_string, parse_listing_query
from workflow.balances import PaymentState
from workflow.listings import CustomerQuery, ItemQuery, OrderQuery, PaymentQuery, ShipmentQuery


def round_trip(query):
    text = listing_query_string(query)
    return parse_listing_query(type(query), dict(parse_qsl(text.lstrip("?"))))


@pytest.mark.parametrize(
    "query",
    [
        OrderQuery(),
        OrderQuery(
            date(2026, 1, 1),
            date(2026, 1, 31),
            (PaymentState.OVERDUE, PaymentState.UNPAID),
            countries=("DE", "FR"),
        ),
        OrderQuery(customer="ann", include_cancelled=False, sort="balance_due", descending=False),
        ShipmentQuery(statuses=("shipped", "in_transit"), order_id=42),
        PaymentQuery(start=date(2026, 3, 1), kinds=("refund",)),
        ItemQuery(categories=("Books",), product="mug"),
        CustomerQuery(search="müller", countries=("AT",)),
    ],
)
def test_a_query_written_to_the_url_reads_back_the_same(query) -> None:
    assert round_trip(query) == (query, ())


def test_defaults_write_nothing_and_lists_read_well() -> None:
    assert listing_query_string(OrderQuery()) == ""
    query = OrderQuery(states=(PaymentState.OVERDUE,), countries=("DE", "FR"))
    assert listing_query_string(query, page=3) == "?state=overdue&country=DE%2CFR&page=3"


@pytest.mark.parametrize(
    ("params", "note"),
    [
        (
            {"from": "2026-02-30"},
            "from='2026-02-30' is not a date (expected YYYY-MM-DD)",
        ),
        (
            {"state": "late"},
            "state='late' is not one of refunded, partially_refunded, paid, overdue, partially_paid, unpaid",
        ),
        (
            {"customer_id": "12a"},
            "customer_id='12a' is not a whole number",
        ),
        ({"colour": "red"}, "'colour' is not a filter of this view"),
    ],
)
def test_a_bad_parameter_is_dropped_with_a_note(params, note) -> None:
    query, notes = parse_listing_query(OrderQuery, params)
    assert query == OrderQuery()
    assert notes == (note,)


def test_a_parameter_the_query_refuses_is_dropped_with_the_workflow_message_and_the_rest_kept() -> None:
    query, notes = parse_listing_query(
        OrderQuery, {"from": "2026-02-01", "to": "2026-01-01", "country": "DE"}
    )
    assert query == OrderQuery(start=date(2026, 2, 1), countries=("DE",))
    assert len(notes) == 1 and notes[0].startswith(
        "The order date range ends (2026-01-01) before it starts (2026-02-01)"
    )


def test_the_page_number_is_not_a_filter() -> None:
    assert parse_listing_query(OrderQuery, {"page": "4"}) == (OrderQuery(), ())
