"""The shipments and inventory pages' pure builders: the view in the
address, the tables, the move form's options and messages, the receipt's
field checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bi_app.components import inventory as inv
from bi_app.components import shipments as ship
from bi_app.figures import operations as ops
from workflow.errors import ErrorCode, WorkflowError
from workflow.inventory import StockLevel
from workflow.listings import MAX_ROWS, Page, ShipmentQuery, ShipmentRow
from workflow.shipments import ShipmentEvent
from workflow.stock_views import LowStockRow, ProductChoice, StockQuery, StockRow

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def by_id(component, wanted: str):
    return next(c for c in walk(component) if getattr(c, "id", None) == wanted)


def text_of(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, list | tuple):
        return "".join(text_of(c) for c in children)
    if children is None:
        return ""
    return text_of(children) if hasattr(children, "to_plotly_json") else str(children)


def listed(shipment_id: int, status: str = "pending", stuck: str | None = None) -> ship.ListedShipment:
    return ship.ListedShipment(
        shipment_id,
        100 + shipment_id,
        "Ann Lee",
        "DE",
        status,
        None,
        None,
        T,
        Decimal(stuck) if stuck else None,
    )


# The shipments view in the address -----------------------------------------------


def test_a_bare_address_is_every_shipment_on_page_one() -> None:
    view = ship.parse_shipments_view({})
    assert (view.query, view.page, view.stuck, view.stuck_days, view.notes) == (
        ShipmentQuery(),
        1,
        False,
        3,
        (),
    )
    assert view.tab == "all"
    assert ship.shipments_href(view) == "/shipments"


def test_status_page_and_stuck_days_round_trip_through_the_address() -> None:
    view = ship.parse_shipments_view({"status": "packed", "page": "3", "stuck_days": "7", "order_id": "42"})
    assert (view.query.statuses, view.query.order_id, view.page, view.stuck_days) == (("packed",), 42, 3, 7)
    assert view.tab == "packed"
    href = ship.shipments_href(view)
    assert href == "/shipments?status=packed&order_id=42&page=3&stuck_days=7"
    assert ship.parse_shipments_view(dict(p.split("=") for p in href.split("?")[1].split("&"))) == view


def test_bad_parameters_fall_back_to_their_defaults_with_a_note() -> None:
    view = ship.parse_shipments_view({"status": "lost", "page": "0", "stuck_days": "900"})
    assert (view.query.statuses, view.page, view.stuck_days) == ((), 1, 3)
    assert view.notes == (
        "Unknown shipment statuses 'lost'; choose from pending, packed, shipped, in_transit, delivered, "
        "cancelled, returned",
        "page='0' is not a whole number from 1; using 1",
        "stuck_days=900 is more than 365; using 3",
    )


def test_a_tab_keeps_the_filters_goes_to_page_one_and_stuck_drops_the_status() -> None:
    view = ship.parse_shipments_view({"status": "packed", "page": "4", "customer": "ann"})
    assert ship.tab_href(view, "shipped") == "/shipments?status=shipped&customer=ann"
    assert ship.tab_href(view, "all") == "/shipments?customer=ann"
    assert ship.tab_href(view, "stuck") == "/shipments?customer=ann&stuck=1"
    assert ship.parse_shipments_view({"stuck": "1", "status": "packed"}).tab == "stuck"


@pytest.mark.parametrize(("typed", "number"), [("1042", 1042), (" #7 ", 7), ("", None), (None, None)])
def test_an_order_number_is_read_as_typed(typed, number) -> None:
    assert ship.parse_order_number(typed) == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("twelve", "An order number is a whole number such as 1042; 'twelve' was entered."),
        ("0", "An order number is a whole number such as 1042; '0' was entered."),
    ],
)
def test_a_bad_order_number_is_refused_with_a_message(typed, message) -> None:
    with pytest.raises(WorkflowError) as refused:
        ship.parse_order_number(typed)
    assert refused.value.message == message


@pytest.mark.parametrize("typed", ["0", "366", "3.5", "", "x"])
def test_stuck_days_are_whole_days_from_1_to_365(typed) -> None:
    with pytest.raises(WorkflowError) as refused:
        ship.parse_stuck_days(typed)
    assert refused.value.message == f"Enter whole days from 1 to 365; {typed!r} was entered."
    assert ship.parse_stuck_days(" 365 ") == 365


# The list ---------------------------------------------------------------------------


def test_stuck_shipments_get_a_badge_and_a_row_class_and_others_do_not() -> None:
    table = ship.shipments_table(
        [listed(1, stuck="12.7"), listed(2), listed(3, "packed", stuck="1.2")], BERLIN
    )
    stuck_rows = [
        c.id for c in walk(table) if "shipments-stuck" in (getattr(c, "className", "") or "").split()
    ]
    assert stuck_rows == ["shipments-row-1", "shipments-row-3"]
    assert "stuck 12 days" in text_of(by_id(table, "shipments-row-1"))
    assert "stuck 1 day" in text_of(by_id(table, "shipments-row-3"))
    assert "stuck" not in text_of(by_id(table, "shipments-row-2"))
    assert "2026-03-02 10:00" in text_of(by_id(table, "shipments-row-2"))  # 09:00 UTC in Berlin


def test_an_empty_list_says_so() -> None:
    table = ship.shipments_table([], BERLIN)
    assert "No shipment matches." in text_of(table)
    assert "In this stage since (Europe/Berlin)" in text_of(table.children[0])


def shipment_row(shipment_id: int, status: str, days_in_stage: float) -> ShipmentRow:
    return ShipmentRow(
        shipment_id, 100 + shipment_id, 7, "Ann Lee", "DE", status, "DHL", "T1", T, T, days_in_stage * 86_400
    )


def test_a_live_shipment_is_marked_stuck_after_the_chosen_days_and_a_closed_one_never() -> None:
    rows = [
        shipment_row(1, "pending", 3.25),
        shipment_row(2, "in_transit", 2.99),
        shipment_row(3, "delivered", 40),
        shipment_row(4, "packed", 3.0),  # exactly three days: not yet more than three
        shipment_row(5, "shipped", 12.74),
    ]
    marked = {r.shipment_id: r.stuck_days for r in ship.listed(rows, 3)}
    assert marked == {1: Decimal("3.3"), 2: None, 3: None, 4: None, 5: Decimal("12.7")}
    assert {r.shipment_id: r.stuck_days for r in ship.listed(rows, 12)} == {
        1: None, 2: None, 3: None, 4: None, 5: Decimal("12.7")
    }  # fmt: skip


def test_the_stuck_tab_lists_the_longest_waiting_first_with_the_page_filters() -> None:
    view = ship.parse_shipments_view({"stuck": "1", "stuck_days": "7", "customer": "ann"})
    query = view.listing_query
    assert (query.stuck_after, query.sort, query.descending, query.customer) == (
        7,
        "updated_at",
        False,
        "ann",
    )
    assert ship.parse_shipments_view({"customer": "ann"}).listing_query.stuck_after is None


def test_the_tabs_show_each_count_the_total_and_the_current_one() -> None:
    counts = {"pending": 1200, "packed": 3, "delivered": 40}
    tabs = ship.status_tabs(ship.parse_shipments_view({"status": "packed"}), counts, 7)
    assert text_of(by_id(tabs, "shipments-count-pending")) == "1,200"
    assert text_of(by_id(tabs, "shipments-count-all")) == "1,243"
    assert text_of(by_id(tabs, "shipments-count-returned")) == "0"
    assert text_of(by_id(tabs, "shipments-count-stuck")) == "7"
    assert "btn-primary" in by_id(tabs, "shipments-tab-packed").className
    assert "btn-outline-primary" in by_id(tabs, "shipments-tab-pending").className
    capped = ship.status_tabs(ship.parse_shipments_view({}), counts, MAX_ROWS + 1)
    assert text_of(by_id(capped, "shipments-count-stuck")) == "10,000+"


def test_the_pager_links_keep_the_view_and_stop_at_the_ends() -> None:
    view = ship.parse_shipments_view({"status": "pending", "page": "2"})
    bar = ship.pager(Page(tuple(range(25)), 2, 25, 60, True), view)
    assert text_of(by_id(bar, "shipments-count")) == "Rows 26–50 of 60"
    assert by_id(bar, "shipments-prev").href == "/shipments?status=pending"
    assert by_id(bar, "shipments-next").href == "/shipments?status=pending&page=3"
    last = ship.pager(Page(tuple(range(10)), 3, 25, 60, True), view)
    assert "disabled" in by_id(last, "shipments-next").className


# One shipment ------------------------------------------------------------------------


def test_the_move_form_offers_only_the_legal_next_statuses() -> None:
    assert [o["value"] for o in ops.move_options("pending")] == ["packed", "cancelled"]
    assert [o["value"] for o in ops.move_options("in_transit")] == ["delivered", "returned"]
    assert ops.move_options("delivered") == []
    assert ops.move_options("shipped")[0] == {
        "label": "In transit",
        "value": "in_transit",
        "input_id": "shipments-move-to-in_transit",
    }


def test_a_missing_carrier_is_told_beside_the_field_that_is_missing() -> None:
    refusal = WorkflowError(
        "Shipment 5 needs a carrier and a tracking number to ship; ...", ErrorCode.CARRIER_REQUIRED
    )
    both = ops.move_feedback(refusal, " ", None)
    assert (both.move_to, both.carrier, both.tracking) == (None, refusal.message, "")
    tracking = ops.move_feedback(refusal, "DHL", "")
    assert (tracking.carrier, tracking.tracking) == (None, refusal.message)
    other = ops.move_feedback(
        WorkflowError("Order 9 has 5.00 left to pay.", ErrorCode.ORDER_NOT_PAID), "DHL", "1"
    )
    assert (other.move_to, other.carrier, other.tracking) == ("Order 9 has 5.00 left to pay.", None, None)


def test_the_timeline_lists_every_event_in_the_business_time_zone_with_its_time_in_stage() -> None:
    events = [
        ShipmentEvent(1, 5, "pending", T, "demo", None),
        ShipmentEvent(2, 5, "packed", datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "web", "fragile"),
    ]
    now = datetime(2026, 3, 5, 1, 45, tzinfo=UTC)
    table = ops.timeline_table(events, BERLIN, now)
    rows = [c for c in walk(table) if getattr(c, "className", None) == "shipments-event"]
    assert [text_of(r) for r in rows] == [
        "Pending2026-03-02 10:0014 h 30 mindemo",
        "Packed2026-03-03 00:302 d 2 h so farwebfragile",
    ]
    delivered = [*events, ShipmentEvent(3, 5, "cancelled", now, "web", None)]
    last = [
        c
        for c in walk(ops.timeline_table(delivered, BERLIN, now))
        if getattr(c, "className", None) == "shipments-event"
    ]
    assert text_of(last[-1]) == "Cancelled2026-03-05 02:45web"


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (timedelta(minutes=8, seconds=59), "8 min"),
        (timedelta(hours=5, minutes=12), "5 h 12 min"),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
        (timedelta(seconds=-5), "0 min"),
    ],
)
def test_a_stay_in_a_stage_reads_in_days_hours_or_minutes(span, said) -> None:
    assert ops.format_span(span) == said


# The inventory view and tables ----------------------------------------------------------


def stock_row(product_id: int, sku: str, *, turnover: str | None = "2.50", active: bool = True) -> StockRow:
    return StockRow(
        product_id,
        sku,
        "Mug",
        "Kitchen",
        active,
        1234,
        Decimal("5.10"),
        Decimal("6293.40"),
        80,
        Decimal("408.00"),
        Decimal(turnover) if turnover else None,
        Decimal("36.0") if turnover else None,
    )


def test_the_inventory_address_round_trips_and_notes_what_it_drops() -> None:
    view = inv.parse_inventory_view({"search": "mug", "sort": "stock_value", "desc": "true", "page": "2"})
    assert (view.query, view.page) == (StockQuery(search="mug", sort="stock_value", descending=True), 2)
    assert inv.inventory_href(view) == "/inventory?search=mug&sort=stock_value&desc=true&page=2"
    bad = inv.parse_inventory_view({"sort": "price", "page": "x"})
    assert (bad.query, bad.page) == (StockQuery(), 1)
    assert bad.notes[0].startswith("Products cannot be sorted by 'price'")
    assert bad.notes[1] == "page='x' is not a page number; showing page 1"


def test_the_stock_table_shows_exact_money_and_says_no_sales() -> None:
    view = inv.parse_inventory_view({})
    table = inv.stock_table(
        Page((stock_row(1, "MUG-1"), stock_row(2, "OLD-1", turnover=None, active=False)), 1, 25, 2, True),
        view,
        "EUR",
    )
    first = text_of(by_id(table, "inventory-row-1"))
    assert "€5.10" in first and "€6,293.40" in first and "1,234" in first and "2.50×" in first
    assert "36.0 days" in first
    last = text_of(by_id(table, "inventory-row-2"))
    assert "no sales" in last and "discontinued" in last and "no sales" not in first


def test_a_header_sorts_text_up_and_figures_down_first_then_reverses() -> None:
    view = inv.parse_inventory_view({"sort": "stock_qty", "desc": "true"})
    table = inv.stock_table(Page((), 1, 25, 0, True), view, "EUR")
    assert by_id(table, "inventory-sort-stock_qty").href == "/inventory?sort=stock_qty"
    assert text_of(by_id(table, "inventory-sort-stock_qty")) == "On hand ▼"
    assert by_id(table, "inventory-sort-name").href == "/inventory?sort=name"
    assert by_id(table, "inventory-sort-turnover").href == "/inventory?sort=turnover&desc=true"
    assert "No product matches." in text_of(table)


def test_the_low_stock_list_shows_cover_or_a_dash_and_an_empty_list_reassures() -> None:
    rows = [
        LowStockRow(1, "MUG-1", "Mug", "Kitchen", 3, 90, Decimal("1.0")),
        LowStockRow(2, "VASE-1", "Vase", "Home", 2, 0, None),
    ]
    table = inv.low_stock_table(rows)
    assert text_of(by_id(table, "inventory-low-row-1")).endswith("1.0 day")
    assert text_of(by_id(table, "inventory-low-row-2")).endswith("–")
    assert "2 products running low" in text_of(table)
    assert (
        text_of(inv.low_stock_table([], 14))
        == "Nothing is running low: every product covers 14 days of sales or more."
    )


# The receive-stock form -------------------------------------------------------------------


def test_a_good_receipt_is_read_exactly() -> None:
    assert inv.check_receipt(7, " 12 ", "4.20", "  ") == inv.Receipt(7, 12, Decimal("4.20"), None)
    assert inv.check_receipt(7, "1", "0", "delivery 9").unit_cost == Decimal("0.00")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Receive a whole number of units, at least 1; 0 was entered."),
        ("-3", "Receive a whole number of units, at least 1; -3 was entered."),
        ("ten", "Receive a whole number of units, at least 1; 'ten' was entered."),
        ("2.5", "Receive a whole number of units, at least 1; '2.5' was entered."),
        ("", "Enter how many units arrived, e.g. 12."),
    ],
)
def test_a_bad_quantity_gets_its_message(quantity, message) -> None:
    assert inv.check_receipt(7, quantity, "4.20", None) == inv.ReceiptErrors(quantity=message)


def test_every_bad_field_is_told_at_once() -> None:
    errors = inv.check_receipt(None, "ten", "4.205", None)
    assert errors == inv.ReceiptErrors(
        product="Pick the product that arrived.",
        quantity="Receive a whole number of units, at least 1; 'ten' was entered.",
        unit_cost="The unit cost has at most 2 decimals (cents); 4.205 was entered.",
    )
    assert inv.check_receipt(7, "1", "", None) == inv.ReceiptErrors(
        unit_cost="Enter what one unit cost, e.g. 4.20."
    )
    assert not inv.ReceiptErrors()


def test_a_refused_receipt_is_told_beside_its_field() -> None:
    assert inv.receipt_error(WorkflowError("too many", ErrorCode.INVALID_QUANTITY)).quantity == "too many"
    assert inv.receipt_error(WorkflowError("bad cost", ErrorCode.INVALID_AMOUNT)).unit_cost == "bad cost"
    assert inv.receipt_error(
        WorkflowError("Product 9 does not exist.", ErrorCode.PRODUCT_NOT_FOUND)
    ).product == ("Product 9 does not exist.")


def test_a_booked_receipt_shows_the_new_stock_level() -> None:
    shown = inv.received_alert(StockLevel(7, "MUG-1", "Mug", 1057, 1057), 1)
    assert text_of(shown) == "Received 1 unit of MUG-1 (Mug). Stock on hand is now 1,057."
    assert text_of(by_id(shown, "inventory-new-level")) == "1,057"


def test_the_picker_labels_say_what_is_on_hand_and_what_is_discontinued() -> None:
    options = inv.product_options([ProductChoice(3, "MUG-1", "Mug", False, 1200, Decimal("5.00"))])
    assert options == [{"label": "MUG-1 · Mug (1,200 on hand) · discontinued", "value": 3}]
    assert inv.product_info(ProductChoice(3, "MUG-1", "Mug", True, 12, Decimal("5.00")), "EUR") == (
        "On hand: 12 · list unit cost €5.00"
    )


def test_days_of_cover_are_whole_days_from_1_to_365() -> None:
    assert inv.parse_days(" 14 ", "the days of cover") == 14
    with pytest.raises(WorkflowError) as refused:
        inv.parse_days("0", "the days of cover")
    assert refused.value.message == "Enter the days of cover as whole days from 1 to 365; '0' was entered."
