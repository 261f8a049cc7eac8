"""Listings on real PostgreSQL: filters, sorts and pages give the rows an
independent query over the raw tables gives; bad query values are refused
with a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, text

from tests.integration.shop import T0, Shop
from workflow.balances import PaymentState
from workflow.calendar import sync_business_timezone
from workflow.errors import ErrorCode, WorkflowError
from workflow.listings import (
    MAX_ROWS,
    SORT_KEYS,
    CustomerQuery,
    ItemQuery,
    OrderQuery,
    PaymentQuery,
    ShipmentQuery,
    count_shipments,
    list_customers,
    list_items,
    list_orders,
    list_payments,
    list_shipments,
    order_detail,
)
from workflow.orders import cancel_order
from workflow.payments import record_payment, record_refund
from workflow.shipments import advance_shipment, create_shipment
from workflow.tables import customers, stock_movements

AT = T0 + timedelta(days=10)  # states are judged here: nothing is due yet


@dataclass
class History:
    """Seven orders of five customers, one in each payment state."""

    shop: Shop
    chloe: int  # DE, name with an umlaut
    tokyo: int  # JP, name in kanji
    dan: int  # US, e-mail with LIKE wildcards
    paid: int  # Ann, 2 mugs = 25.00, paid, shipped and delivered
    partly: int  # Ann, 1 lamp = 40.00, 10.00 paid
    unpaid: int  # Bob, mug + lamp = 52.50
    refunded: int  # Bob, 1 lamp, paid then refunded in full
    part_refunded: int  # Chloé, 3 mugs = 37.50, paid, 12.50 refunded
    cancelled: int  # 東京, 1 mug, cancelled
    late: int  # Dan, 2 lamps = 80.00, placed at 23:30 UTC on T0 + 6 days


def build_history(shop: Shop) -> History:
    engine = shop.engine
    with engine.begin() as conn:
        chloe, tokyo, dan = (
            conn.execute(
                insert(customers).returning(customers.c.id),
                [
                    {"email": "chloe.mueller@example.de", "full_name": "Chloé Müller", "country": "DE",
                     "phone": "+4915112345678", "created_at": T0 - timedelta(days=20)},
                    {"email": "info@tokyo.example.jp", "full_name": "東京 Trading", "country": "JP",
                     "phone": "+81312345678", "created_at": T0 - timedelta(days=10)},
                    {"email": "dan_o%neil@example.com", "full_name": "Dan O'Neil", "country": "US",
                     "phone": None, "created_at": T0 - timedelta(days=5)},
                ],
            ).scalars().all()
        )  # fmt: skip
        conn.execute(
            insert(stock_movements),
            [{"product_id": p, "quantity_delta": 1000, "reason": "receipt", "unit_cost": Decimal("5.00"),
              "at": T0 - timedelta(days=30)} for p in (shop.mug, shop.lamp)],
        )  # fmt: skip
    day = timedelta(days=1)
    paid = shop.order(shop.ann, (shop.mug, 2)).id
    partly = shop.order(shop.ann, (shop.lamp, 1), placed_at=T0 + day).id
    unpaid = shop.order(shop.bob, (shop.mug, 1), (shop.lamp, 1), placed_at=T0 + 2 * day).id
    refunded = shop.order(shop.bob, (shop.lamp, 1), placed_at=T0 + 3 * day).id
    part_refunded = shop.order(chloe, (shop.mug, 3), placed_at=T0 + 4 * day).id
    cancelled = shop.order(tokyo, (shop.mug, 1), placed_at=T0 + 5 * day).id
    late = shop.order(dan, (shop.lamp, 2), placed_at=T0 + 6 * day + timedelta(hours=14, minutes=30)).id

    def pay(order_id: int, amount: str, key: str, reference: str | None = None) -> None:
        record_payment(engine, order_ids=[order_id], amount=amount, method="bank transfer",
                       received_at=T0 + 7 * day, idempotency_key=key, actor="clerk", reference=reference)  # fmt: skip

    pay(paid, "25.00", "p1", reference='=HYPERLINK("http://evil")')
    pay(partly, "10.00", "p2")
    pay(refunded, "40.00", "p3")
    pay(part_refunded, "37.50", "p4")
    record_refund(engine, order_ids=[refunded], method="bank transfer", received_at=T0 + 8 * day,
                  idempotency_key="r1", actor="clerk")  # fmt: skip
    record_refund(engine, order_ids=[part_refunded], amounts={part_refunded: "12.50"}, method="card",
                  received_at=T0 + 8 * day, idempotency_key="r2", actor="clerk")  # fmt: skip
    cancel_order(engine, order_id=cancelled, actor="clerk", at=T0 + 5 * day + timedelta(hours=1))
    shipment = create_shipment(engine, order_id=paid, actor="clerk", at=T0 + 7 * day + timedelta(hours=1)).id
    for hours, status in ((2, "packed"), (3, "shipped"), (4, "in_transit"), (30, "delivered")):
        parcel = {"carrier": "DHL", "tracking_number": "JJD1"} if status == "shipped" else {}
        advance_shipment(engine, shipment_id=shipment, to_status=status, actor="clerk",
                         at=T0 + 7 * day + timedelta(hours=hours), cash_on_delivery=False, **parcel)  # fmt: skip
    create_shipment(engine, order_id=unpaid, actor="clerk", at=T0 + 8 * day)
    return History(shop, chloe, tokyo, dan, paid, partly, unpaid, refunded, part_refunded, cancelled, late)


@pytest.fixture
def history(shop: Shop) -> History:
    return build_history(shop)


# What each order is, from the raw rows and DESIGN.md's table, not from order_balances.
_RAW_ORDERS = text("""
SELECT o.id, o.customer_id, c.full_name, c.country, o.status, o.placed_at, o.due_at,
       (SELECT coalesce(sum(i.quantity * i.unit_price), 0) FROM order_items AS i WHERE i.order_id = o.id) AS total,
       (SELECT coalesce(sum(a.amount), 0) FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id
         WHERE a.order_id = o.id AND p.kind = 'payment') AS paid,
       (SELECT coalesce(sum(a.amount), 0) FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id
         WHERE a.order_id = o.id AND p.kind = 'refund') AS refunded
  FROM orders AS o JOIN customers AS c ON c.id = o.customer_id
""")


def expected_state(row, at: datetime) -> PaymentState | None:
    if row.status == "cancelled":
        return None
    if row.refunded > 0:
        return PaymentState.REFUNDED if row.refunded == row.paid else PaymentState.PARTIALLY_REFUNDED
    if row.paid == row.total:
        return PaymentState.PAID
    if at > row.due_at:
        return PaymentState.OVERDUE
    return PaymentState.PARTIALLY_PAID if row.paid > 0 else PaymentState.UNPAID


def raw_orders(engine: Engine, at: datetime = AT) -> list[tuple]:
    """(order id, customer name, total, paid, balance due, state), newest placed first;
    nothing is due on a cancelled order."""
    with engine.connect() as conn:
        rows = conn.execute(_RAW_ORDERS).all()
    rows.sort(key=lambda r: (r.placed_at, r.id), reverse=True)
    return [
        (r.id, r.full_name, r.total, r.paid, Decimal("0.00") if r.status == "cancelled" else r.total - r.paid,
         expected_state(r, at))
        for r in rows
    ]  # fmt: skip


def seen(page) -> list[tuple]:
    return [(r.order_id, r.customer_name, r.total, r.paid, r.balance_due, r.state) for r in page.rows]


def test_orders_are_listed_newest_first_with_money_and_state_from_the_raw_rows(history: History):
    page = list_orders(history.shop.engine, OrderQuery(), at=AT)
    assert seen(page) == raw_orders(history.shop.engine)
    assert (page.total_count, page.count_is_exact, page.count_label, page.page_count) == (7, True, "7", 1)
    by_id = {r.order_id: r for r in page.rows}
    assert by_id[history.paid].shipment_status == "delivered"
    assert by_id[history.unpaid].shipment_status == "pending"
    assert by_id[history.partly].shipment_status is None
    assert by_id[history.cancelled].status == "cancelled"


@pytest.mark.parametrize(
    "states",
    [
        (PaymentState.UNPAID,),
        (PaymentState.PAID,),
        ("refunded", "partially_refunded"),
        (PaymentState.OVERDUE, PaymentState.PARTIALLY_PAID, PaymentState.UNPAID),
    ],
)
def test_a_payment_state_filter_keeps_exactly_the_orders_in_those_states(history: History, states):
    wanted = {PaymentState(s) for s in states}
    page = list_orders(history.shop.engine, OrderQuery(states=states), at=AT)
    assert seen(page) == [r for r in raw_orders(history.shop.engine) if r[5] in wanted]


def test_states_are_judged_at_the_given_moment(history: History):
    later = T0 + timedelta(days=40)
    page = list_orders(history.shop.engine, OrderQuery(states=[PaymentState.OVERDUE]), at=later)
    assert [r.order_id for r in page.rows] == [history.late, history.unpaid, history.partly]
    assert seen(page) == [r for r in raw_orders(history.shop.engine, later) if r[5] is PaymentState.OVERDUE]


def test_a_date_range_counts_business_days_in_the_business_time_zone(history: History):
    engine = history.shop.engine
    sixth = (T0 + timedelta(days=6)).date()
    assert [r.order_id for r in list_orders(engine, OrderQuery(start=sixth, end=sixth)).rows] == [
        history.late
    ]
    sync_business_timezone(engine, "Asia/Tokyo")  # 23:30 UTC is 08:30 the next day in Tokyo
    assert list_orders(engine, OrderQuery(start=sixth, end=sixth)).rows == ()
    nxt = sixth + timedelta(days=1)
    assert [r.order_id for r in list_orders(engine, OrderQuery(start=nxt, end=nxt)).rows] == [history.late]


def test_an_open_ended_range_keeps_everything_on_its_open_side(history: History):
    engine = history.shop.engine
    third = (T0 + timedelta(days=3)).date()
    since = list_orders(engine, OrderQuery(start=third)).rows
    until = list_orders(engine, OrderQuery(end=third)).rows
    assert [r.order_id for r in since] == [
        history.late,
        history.cancelled,
        history.part_refunded,
        history.refunded,
    ]
    assert [r.order_id for r in until] == [history.refunded, history.unpaid, history.partly, history.paid]


@pytest.mark.parametrize(
    ("search", "who"),
    [("ann", "ann"), ("BOB@EX", "bob"), ("chlo", "chloe"), ("東京", "tokyo"), ("dan_o%", "dan")],
)
def test_a_customer_is_found_by_the_start_of_name_or_email_in_any_case(history: History, search, who):
    customer_id = getattr(history, who, None) or getattr(history.shop, who)
    rows = list_orders(history.shop.engine, OrderQuery(customer=search)).rows
    assert rows and {r.customer_id for r in rows} == {customer_id}


def test_a_customer_is_found_by_id_and_wildcards_are_taken_literally(history: History):
    engine = history.shop.engine
    assert {r.customer_id for r in list_orders(engine, OrderQuery(customer=str(history.dan))).rows} == {
        history.dan
    }
    assert list_orders(engine, OrderQuery(customer="%")).rows == ()
    assert list_orders(engine, OrderQuery(customer="d_n")).rows == ()
    assert {r.customer_id for r in list_orders(engine, OrderQuery(customer_id=history.shop.bob)).rows} == {
        history.shop.bob
    }


def test_countries_keep_orders_of_customers_living_there(history: History):
    rows = list_orders(history.shop.engine, OrderQuery(countries=("de", "JP"))).rows
    assert {r.country for r in rows} == {"DE", "JP"}
    assert len(rows) == 4  # Ann's two, Chloé's, 東京's


def test_a_category_keeps_the_orders_holding_an_item_of_it(history: History):
    engine = history.shop.engine
    with engine.connect() as conn:
        expected = set(
            conn.execute(
                text(
                    "SELECT DISTINCT i.order_id FROM order_items i JOIN products p ON p.id = i.product_id "
                    "WHERE p.category = 'Home'"
                )
            ).scalars()
        )
    rows = list_orders(engine, OrderQuery(categories=("Home",))).rows
    assert {r.order_id for r in rows} == expected and history.unpaid in expected


def test_cancelled_orders_can_be_left_out(history: History):
    rows = list_orders(history.shop.engine, OrderQuery(include_cancelled=False)).rows
    assert history.cancelled not in {r.order_id for r in rows} and len(rows) == 6


@pytest.mark.parametrize("descending", [False, True])
def test_orders_sort_by_balance_due_then_by_order_number(history: History, descending):
    rows = list_orders(history.shop.engine, OrderQuery(sort="balance_due", descending=descending)).rows
    expected = sorted(raw_orders(history.shop.engine), key=lambda r: (r[4], r[0]), reverse=descending)
    assert [r.order_id for r in rows] == [r[0] for r in expected]


def test_pages_follow_each_other_without_gap_or_overlap(history: History):
    engine = history.shop.engine
    pages = [list_orders(engine, OrderQuery(sort="customer"), page=n, page_size=3) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [3, 3, 1]
    assert [p.has_next for p in pages] == [True, True, False]
    assert [r.order_id for p in pages for r in p.rows] == [
        r.order_id for r in list_orders(engine, OrderQuery(sort="customer")).rows
    ]


def test_a_count_beyond_ten_thousand_is_shown_as_a_lower_bound(shop: Shop):
    with shop.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO orders (customer_id, placed_at, due_at) SELECT :c, :t - g * interval '1 minute', :t "
                 "FROM generate_series(1, 10001) AS g"),
            {"c": shop.ann, "t": T0},
        )  # fmt: skip
    page = list_orders(shop.engine, OrderQuery(), page_size=500)
    assert (page.total_count, page.count_is_exact, page.count_label, page.page_count) == (
        MAX_ROWS + 1, False, "10,000+", 20
    )  # fmt: skip
    assert len(list_orders(shop.engine, OrderQuery(), page=20, page_size=500).rows) == 500
    with pytest.raises(WorkflowError) as refused:
        list_orders(shop.engine, OrderQuery(), page=21, page_size=500)
    assert refused.value.message == (
        "Page 21 starts after the first 10,000 rows; narrow the filter or reverse the sort to reach these rows."
    )


def test_items_list_unit_prices_and_line_totals_of_the_kept_orders(history: History):
    engine = history.shop.engine
    rows = list_items(engine, ItemQuery(customer="bob", sort="line_total", descending=False)).rows
    assert [(r.order_id, r.sku, r.quantity, r.unit_price, r.line_total) for r in rows] == [
        (history.unpaid, "MUG-1", 1, Decimal("12.50"), Decimal("12.50")),
        (history.unpaid, "LAMP-1", 1, Decimal("40.00"), Decimal("40.00")),
        (history.refunded, "LAMP-1", 1, Decimal("40.00"), Decimal("40.00")),
    ]
    kitchen = list_items(engine, ItemQuery(categories=["Kitchen"], include_cancelled=False)).rows
    assert {r.order_id for r in kitchen} == {history.paid, history.unpaid, history.part_refunded}
    assert [r.order_id for r in list_items(engine, ItemQuery(product="lamp-")).rows] == [
        history.late, history.refunded, history.unpaid, history.partly
    ]  # fmt: skip


def test_payments_list_payments_and_refunds_with_their_orders(history: History):
    engine = history.shop.engine
    refunds = list_payments(engine, PaymentQuery(kinds=["refund"])).rows
    assert sorted((r.order_ids, r.amount, r.method) for r in refunds) == sorted([
        ((history.refunded,), Decimal("40.00"), "bank transfer"),
        ((history.part_refunded,), Decimal("12.50"), "card"),
    ])  # fmt: skip
    of_order = list_payments(
        engine, PaymentQuery(order_id=history.part_refunded, sort="amount", descending=False)
    ).rows
    assert [(r.kind, r.amount) for r in of_order] == [
        ("refund", Decimal("12.50")),
        ("payment", Decimal("37.50")),
    ]
    assert len(list_payments(engine, PaymentQuery(methods=["CARD"])).rows) == 1
    eighth = (T0 + timedelta(days=8)).date()
    assert len(list_payments(engine, PaymentQuery(start=eighth, end=eighth)).rows) == 2


def test_shipments_are_filtered_by_status_carrier_and_last_move(history: History):
    engine = history.shop.engine
    assert [r.order_id for r in list_shipments(engine, ShipmentQuery(statuses=["delivered"])).rows] == [
        history.paid
    ]
    dhl = list_shipments(engine, ShipmentQuery(carriers=["dhl"])).rows
    assert [(r.carrier, r.tracking_number) for r in dhl] == [("DHL", "JJD1")]
    eighth = (T0 + timedelta(days=8)).date()
    assert {r.order_id for r in list_shipments(engine, ShipmentQuery(start=eighth)).rows} == {
        history.paid, history.unpaid
    }  # fmt: skip


def test_stuck_shipments_are_the_live_ones_waiting_longer_than_the_chosen_days(history: History):
    engine = history.shop.engine
    # The unpaid order's shipment has been pending since T0 + 8 days; the
    # paid order's was delivered long ago, which never counts as stuck.
    waited = (datetime.now(UTC) - (T0 + timedelta(days=8))).total_seconds() / 86_400
    assert waited > 4, "the history lies in the past"
    stuck = list_shipments(engine, ShipmentQuery(stuck_after=3)).rows
    assert [(r.order_id, r.status) for r in stuck] == [(history.unpaid, "pending")]
    assert abs(stuck[0].seconds_in_stage / 86_400 - waited) < 0.01
    assert count_shipments(engine, ShipmentQuery(stuck_after=3)) == 1
    assert count_shipments(engine, ShipmentQuery(stuck_after=3, customer_id=history.shop.ann)) == 0
    if waited < 364:
        assert count_shipments(engine, ShipmentQuery(stuck_after=int(waited) + 1)) == 0


def test_customers_show_what_they_ordered_and_owe_with_contact_masked_unless_allowed(history: History):
    engine = history.shop.engine
    masked = list_customers(
        engine, CustomerQuery(countries=["DE"], sort="name", descending=False), pii=False
    ).rows
    assert [
        (r.full_name, r.email, r.phone, r.order_count, r.total_ordered, r.balance_due) for r in masked
    ] == [
        ("Ann Lee", "a***@e***.com", None, 2, Decimal("65.00"), Decimal("30.00")),
        ("Chloé Müller", "c***@e***.de", "+4**********78", 1, Decimal("37.50"), Decimal("0.00")),
    ]
    shown = list_customers(engine, CustomerQuery(search="東京"), pii=True).rows
    assert [(r.email, r.phone, r.order_count, r.total_ordered) for r in shown] == [
        ("info@tokyo.example.jp", "+81312345678", 1, Decimal("0.00"))
    ]


def test_an_order_in_full_has_its_items_payments_refunds_and_shipment_timeline(history: History):
    detail = order_detail(history.shop.engine, history.part_refunded, at=AT)
    assert (detail.balance.total, detail.balance.paid, detail.balance.refunded, detail.balance.state) == (
        Decimal("37.50"), Decimal("37.50"), Decimal("12.50"), PaymentState.PARTIALLY_REFUNDED
    )  # fmt: skip
    assert [(i.sku, i.quantity, i.unit_price, i.line_total) for i in detail.items] == [
        ("MUG-1", 3, Decimal("12.50"), Decimal("37.50"))
    ]
    assert [(p.kind, p.allocated) for p in detail.payments] == [
        ("payment", Decimal("37.50")),
        ("refund", Decimal("12.50")),
    ]
    assert (detail.customer.full_name, detail.customer.email) == ("Chloé Müller", "c***@e***.de")
    shipped = order_detail(history.shop.engine, history.paid, pii=True)
    assert shipped.customer.email == "ann@example.com"
    (only,) = shipped.shipments
    assert only.shipment.status == "delivered"
    assert [e.status for e in only.timeline] == ["pending", "packed", "shipped", "in_transit", "delivered"]


def test_an_unknown_order_has_no_detail(shop: Shop):
    with pytest.raises(WorkflowError) as refused:
        order_detail(shop.engine, 999)
    assert (refused.value.code, refused.value.message) == (
        ErrorCode.ORDER_NOT_FOUND,
        "Order 999 does not exist.",
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: OrderQuery(start=date(2026, 3, 2), end=date(2026, 3, 1)),
         "The order date range ends (2026-03-01) before it starts (2026-03-02); pick an end on or after the start."),
        (lambda: OrderQuery(start=datetime(2026, 3, 2, tzinfo=UTC)),
         "The order date start datetime.datetime(2026, 3, 2, 0, 0, tzinfo=datetime.timezone.utc) is not a date; "
         "pass a day such as 2026-03-02."),
        (lambda: OrderQuery(states=["late"]),
         "Unknown payment states 'late'; choose from refunded, partially_refunded, paid, overdue, partially_paid, unpaid."),
        (lambda: OrderQuery(states="paid"),
         "The payment states must be a list of values, not the single text 'paid'."),
        (lambda: OrderQuery(sort="price"),
         "Orders cannot be sorted by 'price'; choose one of: placed_at, order_id, customer, due_at, total, paid, balance_due."),
        (lambda: OrderQuery(countries=["Germany"]), "Country 'Germany' is not a two-letter ISO code such as DE."),
        (lambda: OrderQuery(customer_id=0), "Customer 0 is not an id; ids are whole numbers from 1."),
        (lambda: OrderQuery(customer="x" * 101), "The customer search is 101 characters long; at most 100 are used."),
        (lambda: PaymentQuery(kinds=["gift"]), "Unknown payment kinds 'gift'; choose from payment, refund."),
        (lambda: ShipmentQuery(statuses=["lost"]),
         "Unknown shipment statuses 'lost'; choose from pending, packed, shipped, in_transit, delivered, cancelled, returned."),
        (lambda: ShipmentQuery(stuck_after=0),
         "A shipment counts as stuck after 1 to 365 days in one stage, not 0."),
        (lambda: ItemQuery(categories=[" "]), "Each of the categories must be non-empty text; ' ' is not."),
        (lambda: CustomerQuery(sort="email"), "Customers cannot be sorted by 'email'; choose one of: created_at, customer_id, name, country."),
    ],
)  # fmt: skip
def test_a_bad_query_value_is_refused_with_what_to_do(make, message):
    with pytest.raises(WorkflowError) as refused:
        make()
    assert (refused.value.code, refused.value.message) == (ErrorCode.INVALID_ARGUMENT, message)


@pytest.mark.parametrize(
    ("page", "page_size", "message"),
    [
        (0, 50, "Page 0 does not exist; pages are numbered from 1."),
        (1, 501, "Page size 501 is not allowed; choose from 1 to 500 rows."),
    ],
)
def test_a_page_that_cannot_be_shown_is_refused(shop: Shop, page, page_size, message):
    with pytest.raises(WorkflowError) as refused:
        list_orders(shop.engine, OrderQuery(), page=page, page_size=page_size)
    assert (refused.value.code, refused.value.message) == (ErrorCode.INVALID_ARGUMENT, message)


def test_query_values_are_cleaned_so_equal_filters_are_equal():
    assert OrderQuery(
        countries=["fr", "DE", "de"], states=["paid", PaymentState.UNPAID], customer="  ann  lee "
    ) == (
        OrderQuery(
            countries=("DE", "FR"), states=(PaymentState.UNPAID, PaymentState.PAID), customer="ann lee"
        )
    )


def test_each_view_offers_its_default_sort_first():
    defaults = [OrderQuery(), ItemQuery(), PaymentQuery(), ShipmentQuery(), CustomerQuery()]
    assert [keys[0] for keys in SORT_KEYS.values()] == [q.sort for q in defaults]
