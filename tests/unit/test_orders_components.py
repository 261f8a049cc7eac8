"""The orders list and order detail builders: what a clerk reads, from
values made here (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from dash import dcc

from bi_app.callbacks.order_detail import refund_amounts
from bi_app.components.orders import refund_form
from bi_app.figures.order_detail import detail_body, order_not_found
from bi_app.figures.orders import orders_pager, orders_table, rows_label
from bi_app.ids import orders as ids
from bi_app.orders_url import OrdersView, parse_orders_query
from workflow.balances import OrderBalance, PaymentState
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import (
    DetailCustomer,
    DetailItem,
    DetailPayment,
    DetailShipment,
    OrderDetail,
    OrderRow,
    Page,
)
from workflow.shipments import Shipment, ShipmentEvent

BERLIN = ZoneInfo("Europe/Berlin")
PLACED = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 March in Berlin


def walk(component):
    """Every component in a Dash tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def text(component) -> str:
    """The text a browser would show, roughly: every string child joined."""
    parts = []
    for node in walk(component):
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            if isinstance(child, str):
                parts.append(child)
    return " ".join(parts)


def by_id(component, component_id: str):
    found = [n for n in walk(component) if getattr(n, "id", None) == component_id]
    assert len(found) == 1, f"{component_id}: {len(found)} found"
    return found[0]


def row(order_id: int, state: PaymentState | None = PaymentState.UNPAID, **changes) -> OrderRow:
    values = dict(
        order_id=order_id, customer_id=7, customer_name="Ann Lee", country="DE",
        status="placed" if state else "cancelled", placed_at=PLACED, due_at=PLACED,
        total=Decimal("1234.50"), paid=Decimal("0.00"), refunded=Decimal("0.00"),
        balance_due=Decimal("1234.50"), state=state, shipment_status=None,
    )  # fmt: skip
    values.update(changes)
    return OrderRow(**values)


def page_of(rows, page=1, size=50, total=None, exact=True) -> Page[OrderRow]:
    return Page(tuple(rows), page, size, len(rows) if total is None else total, exact)


def test_rows_label_says_which_rows_of_how_many() -> None:
    assert rows_label(page_of([row(i) for i in range(50)], page=2, total=12_345)) == "Rows 51–100 of 12,345"
    assert rows_label(page_of([row(1), row(2)], page=3, total=102)) == "Rows 101–102 of 102"
    assert rows_label(page_of([])) == "No orders"


def test_a_capped_count_is_shown_as_the_listing_gives_it() -> None:
    page = page_of([row(i) for i in range(50)], total=10_001, exact=False)
    assert rows_label(page) == "Rows 1–50 of 10,000+"
    assert "Page 1 of 200+" in text(orders_pager(page, OrdersView()))


def test_each_order_shows_its_number_as_a_link_and_its_money_as_entered() -> None:
    table = orders_table(page_of([row(42)]), OrdersView(), "EUR", BERLIN)
    line = by_id(table, ids.orders_row(42))
    link = next(n for n in walk(line) if isinstance(n, dcc.Link))
    assert (link.children, link.href) == ("#42", "/orders/42")
    shown = text(line)
    assert "€1,234.50" in shown and "€0.00" in shown
    assert "2026-03-02 00:30" in shown  # placed, in the business time zone
    assert "Unpaid" in shown


def test_a_cancelled_order_says_cancelled_instead_of_a_payment_state() -> None:
    table = orders_table(page_of([row(5, None)]), OrdersView(), "EUR", BERLIN)
    assert "Cancelled" in text(by_id(table, ids.orders_row(5)))


def test_the_current_sort_header_shows_its_direction_and_links_to_the_reverse() -> None:
    view = parse_orders_query({"sort": "total"})
    table = orders_table(page_of([row(1)]), view, "EUR", BERLIN)
    total = by_id(table, ids.orders_sort("total"))
    assert "▼" in text(total)
    assert total.href == "/orders?sort=total&dir=asc"
    assert by_id(table, ids.orders_sort("placed_at")).href == "/orders"
    assert "▼" not in text(by_id(table, ids.orders_sort("placed_at")))


def test_no_matching_orders_gives_a_hint_instead_of_an_empty_table() -> None:
    shown = text(orders_table(page_of([]), OrdersView(), "EUR", BERLIN))
    assert "No orders match these filters." in shown


def test_the_pager_greys_out_previous_on_page_one_and_links_next_with_the_filters() -> None:
    view = parse_orders_query({"state": "overdue"})
    pager = orders_pager(page_of([row(i) for i in range(50)], total=120), view)
    assert "disabled" in by_id(pager, ids.ORDERS_PREV).className
    assert by_id(pager, ids.ORDERS_NEXT).href == "/orders?state=overdue&page=2"


def test_the_last_page_has_no_next_link() -> None:
    view = parse_orders_query({"page": "3"})
    pager = orders_pager(page_of([row(1)], page=3, total=101), view)
    assert "disabled" in by_id(pager, ids.ORDERS_NEXT).className
    assert by_id(pager, ids.ORDERS_PREV).href == "/orders?page=2"


def detail(paid="30.00", refunded="0.00") -> OrderDetail:
    balance = OrderBalance(
        order_id=42, customer_id=7, status="placed", placed_at=PLACED, due_at=PLACED,
        total=Decimal("33.50"), paid=Decimal(paid), refunded=Decimal(refunded),
        balance_due=Decimal("33.50") - Decimal(paid), state=PaymentState.PARTIALLY_PAID,
    )  # fmt: skip
    items = (
        DetailItem(1, 10, "MUG-1", "Mug", "Kitchen", 3, Decimal("5.50"), Decimal("16.50")),
        DetailItem(2, 11, "PAN-2", "Pan", "Kitchen", 1, Decimal("17.00"), Decimal("17.00")),
    )
    payments = (
        DetailPayment(9, "payment", "card", None, PLACED, Decimal("50.00"), Decimal(paid), "clerk"),
        DetailPayment(10, "refund", "card", "RMA-1", PLACED, Decimal("4.00"), Decimal("4.00"), "clerk"),
    )
    shipment = Shipment(3, 42, "shipped", "DHL", "JD0001", PLACED, PLACED)
    events = (
        ShipmentEvent(1, 3, "pending", PLACED, "clerk", None),
        ShipmentEvent(2, 3, "shipped", PLACED, "warehouse", "two boxes"),
    )
    customer = DetailCustomer(7, "Ann Lee", "a***@e***.com", None, "DE")
    return OrderDetail(balance, None, customer, items, payments, (DetailShipment(shipment, events),))


def money(amount: Decimal) -> str:
    return f"€{amount}"


def test_the_detail_lists_items_with_unit_price_line_total_and_the_databases_total() -> None:
    body = detail_body(detail(), "EUR", BERLIN, refund_key="k")
    items = text(by_id(body, ids.ORDER_ITEMS))
    assert "€5.50" in items and "€16.50" in items and "€17.00" in items
    assert by_id(body, ids.ORDER_ITEMS_TOTAL).children == "€33.50"
    assert by_id(body, ids.ORDER_BALANCE).children == "€3.50"


def test_the_detail_shows_the_part_of_a_shared_payment_and_refunds_as_negative() -> None:
    payments = text(by_id(detail_body(detail(), "EUR", BERLIN, refund_key="k"), ids.ORDER_PAYMENTS))
    assert "€30.00" in payments and "of €50.00" in payments
    assert "−€4.00" in payments and "RMA-1" in payments


def test_the_shipment_timeline_shows_each_move_with_when_who_and_note() -> None:
    timeline = text(by_id(detail_body(detail(), "EUR", BERLIN, refund_key="k"), ids.ORDER_SHIPMENTS))
    assert "2026-03-02 00:30" in timeline and "by warehouse" in timeline and "two boxes" in timeline


def test_the_refund_form_carries_the_key_it_was_rendered_with_and_offers_the_payment_method() -> None:
    form = refund_form(detail(paid="30.00", refunded="4.00"), money, "key-1")
    assert by_id(form, ids.REFUND_KEY).data == "key-1"
    assert by_id(form, ids.REFUND_METHOD).value == "card"
    assert "Full refund (€26.00)" in str(by_id(form, ids.REFUND_KIND).options)


def test_nothing_refundable_shows_a_sentence_instead_of_the_form() -> None:
    assert "everything paid" in text(refund_form(detail(paid="30.00", refunded="30.00"), money, "k")).lower()
    assert "nothing has been paid" in text(refund_form(detail(paid="0.00"), money, "k")).lower()


def test_an_unknown_order_gets_a_friendly_page() -> None:
    assert "Order 999999 does not exist" in text(order_not_found("999999"))


def test_a_page_past_the_last_one_says_so_and_links_back_to_the_first() -> None:
    view = parse_orders_query({"state": "overdue", "page": "7"})
    shown = orders_table(page_of([], page=7, total=123), view, "EUR", BERLIN)
    assert "Page 7 is past the last page (3)." in text(shown)
    assert next(n for n in walk(shown) if isinstance(n, dcc.Link)).href == "/orders?state=overdue"


def test_a_full_refund_asks_for_no_amount_and_a_partial_one_for_money() -> None:
    assert refund_amounts(42, "full", "garbage") is None
    assert refund_amounts(42, "partial", " 12.5 ") == {42: Decimal("12.50")}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter the amount to refund, e.g. 12.50."),
        ("0", "The refund amount must be more than 0.00; 0 was entered."),
        ("ten", "The refund amount 'ten' is not a number; enter e.g. 12.50."),
    ],
)
def test_a_partial_refund_without_a_usable_amount_is_refused_with_a_message(
    amount: str, message: str
) -> None:
    with pytest.raises(WorkflowError) as refused:
        refund_amounts(42, "partial", amount)
    assert (refused.value.code, refused.value.message) == (ErrorCode.INVALID_AMOUNT, message)
