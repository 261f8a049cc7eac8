"""The inventory page's reads on a real PostgreSQL: stock on hand with its
turnover, the low-stock list, and the product picker."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, text, update

from tests.integration.shop import T0, Shop
from workflow.analytics import Filters, turnover_by_product
from workflow.errors import ErrorCode, WorkflowError
from workflow.inventory import adjust_stock
from workflow.orders import cancel_order
from workflow.stock_views import StockQuery, find_products, low_stock, stock_on_hand
from workflow.tables import products, stock_movements

TODAY: date = T0.date()


def add_product(
    engine: Engine, sku: str, name: str, *, stock: int, cost: str = "3.00", category: str = "Kitchen"
) -> int:
    with engine.begin() as conn:
        product_id = conn.execute(
            insert(products)
            .values(
                sku=sku, name=name, category=category, unit_price=Decimal("9.00"), unit_cost=Decimal(cost)
            )
            .returning(products.c.id)
        ).scalar_one()
        if stock:
            conn.execute(
                insert(stock_movements).values(
                    product_id=product_id,
                    quantity_delta=stock,
                    reason="receipt",
                    unit_cost=Decimal(cost),
                    at=T0 - timedelta(days=60),
                )
            )
    return product_id


def deactivate(engine: Engine, product_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(products).where(products.c.id == product_id).values(active=False))


def all_rows(engine: Engine, query: StockQuery | None = None):
    return stock_on_hand(engine, query or StockQuery(), today=TODAY, page_size=500).rows


def low_skus(engine: Engine, **kw) -> list[str]:
    return [row.sku for row in low_stock(engine, today=TODAY, **kw)]


# Stock on hand ------------------------------------------------------------


def test_stock_on_hand_lists_every_product_with_its_stock_and_value_at_unit_cost(shop: Shop) -> None:
    shop.order(shop.ann, (shop.mug, 3), placed_at=T0 - timedelta(days=2))
    add_product(shop.engine, "OLD-1", "Old kettle", stock=4)
    deactivate(shop.engine, add_product(shop.engine, "GONE-1", "Gone vase", stock=2))
    with shop.engine.connect() as conn:
        expected = {
            sku: (qty, value, active)
            for sku, qty, value, active in conn.execute(
                text(
                    "SELECT p.sku, (SELECT sum(quantity_delta) FROM stock_movements m WHERE m.product_id = p.id),"
                    " p.stock_qty * p.unit_cost, p.active FROM products p"
                )
            )
        }
    rows = all_rows(shop.engine)
    assert {r.sku: (r.stock_qty, r.stock_value, r.active) for r in rows} == expected
    assert [r.sku for r in rows] == ["GONE-1", "LAMP-1", "MUG-1", "OLD-1"]
    mug = next(r for r in rows if r.sku == "MUG-1")
    assert (mug.stock_qty, mug.unit_cost, mug.stock_value) == (97, Decimal("5.00"), Decimal("485.00"))


def test_units_sold_turnover_and_days_of_inventory_are_those_of_turnover_by_product(shop: Shop) -> None:
    shop.order(shop.ann, (shop.mug, 10), (shop.lamp, 2), placed_at=T0 - timedelta(days=40))
    shop.order(shop.bob, (shop.mug, 5), placed_at=T0 - timedelta(days=3))
    shop.order(shop.bob, (shop.lamp, 7), placed_at=T0 - timedelta(days=120))  # before the 90 days
    expected = turnover_by_product(shop.engine, Filters(TODAY - timedelta(days=89), TODAY))
    by_id = {r.product_id: r for r in all_rows(shop.engine)}
    for row in expected.itertuples(index=False):
        shown = by_id[row.product_id]
        assert (shown.sold_qty, shown.cogs, shown.turnover, shown.days_of_inventory) == (
            row.sold_qty,
            row.cogs,
            row.turnover,
            row.days_of_inventory,
        )
    assert (by_id[shop.mug].sold_qty, by_id[shop.lamp].sold_qty) == (15, 2)
    assert by_id[shop.mug].turnover > 0


def test_a_cancelled_order_is_not_sold_and_an_unsold_product_has_no_turnover(shop: Shop) -> None:
    order = shop.order(shop.ann, (shop.lamp, 4), placed_at=T0 - timedelta(days=5))
    cancel_order(shop.engine, order_id=order.id, actor="test", at=T0 - timedelta(days=4))
    lamp = next(r for r in all_rows(shop.engine) if r.product_id == shop.lamp)
    assert (lamp.stock_qty, lamp.sold_qty, lamp.turnover, lamp.days_of_inventory) == (100, 0, None, None)


def test_search_finds_sku_or_name_case_insensitively_taking_wildcards_literally(shop: Shop) -> None:
    add_product(shop.engine, "TEA-1", "Tea 100% leaf", stock=1)
    add_product(shop.engine, "TEA_2", "Tea bags", stock=1)
    assert [r.sku for r in all_rows(shop.engine, StockQuery(search="mUg"))] == ["MUG-1"]
    assert [r.sku for r in all_rows(shop.engine, StockQuery(search="tea"))] == ["TEA-1", "TEA_2"]
    assert [r.sku for r in all_rows(shop.engine, StockQuery(search="%"))] == ["TEA-1"]
    assert [r.sku for r in all_rows(shop.engine, StockQuery(search="_"))] == ["TEA_2"]
    assert [r.sku for r in all_rows(shop.engine, StockQuery(category="Home"))] == ["LAMP-1"]
    assert all_rows(shop.engine, StockQuery(search="no such thing")) == ()


def test_sorting_keeps_products_without_turnover_last_in_either_direction(shop: Shop) -> None:
    add_product(shop.engine, "IDLE-1", "Idle", stock=9)
    shop.order(shop.ann, (shop.mug, 30), placed_at=T0 - timedelta(days=10))
    shop.order(shop.ann, (shop.lamp, 2), placed_at=T0 - timedelta(days=10))
    up = [r.sku for r in all_rows(shop.engine, StockQuery(sort="turnover"))]
    down = [r.sku for r in all_rows(shop.engine, StockQuery(sort="turnover", descending=True))]
    assert up == ["LAMP-1", "MUG-1", "IDLE-1"]
    assert down == ["MUG-1", "LAMP-1", "IDLE-1"]
    by_value = [r.sku for r in all_rows(shop.engine, StockQuery(sort="stock_value", descending=True))]
    assert by_value == ["LAMP-1", "MUG-1", "IDLE-1"]  # 98 x 22.00, 70 x 5.00, 9 x 3.00


def test_a_page_is_the_requested_slice_with_the_count_of_all(shop: Shop) -> None:
    for n in range(7):
        add_product(shop.engine, f"BOX-{n}", f"Box {n}", stock=1)
    page = stock_on_hand(shop.engine, StockQuery(search="box"), today=TODAY, page=2, page_size=3)
    assert [r.sku for r in page.rows] == ["BOX-3", "BOX-4", "BOX-5"]
    assert (page.total_count, page.count_is_exact, page.page_count) == (7, True, 3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StockQuery(sort="price"), "Products cannot be sorted by 'price'"),
        (lambda: StockQuery(search="x" * 101), "The product search is 101 characters long"),
    ],
)
def test_a_bad_query_is_refused_with_a_message(make, message: str) -> None:
    with pytest.raises(WorkflowError) as refused:
        make()
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
    assert message in refused.value.message


def test_a_page_beyond_the_first_is_refused_for_a_bad_page_number(shop: Shop) -> None:
    with pytest.raises(WorkflowError) as refused:
        stock_on_hand(shop.engine, StockQuery(), today=TODAY, page=0)
    assert refused.value.message == "Page 0 does not exist; pages are numbered from 1."


# Low stock ----------------------------------------------------------------


def test_a_product_whose_stock_covers_fewer_days_than_asked_is_low(shop: Shop) -> None:
    # mug: 80 sold in the last 30 days, 20 left: 7.5 days of cover; lamp: 10 sold, 90 left.
    shop.order(shop.ann, (shop.mug, 50), (shop.lamp, 10), placed_at=T0 - timedelta(days=20))
    shop.order(shop.bob, (shop.mug, 30), placed_at=T0 - timedelta(hours=1))
    rows = low_stock(shop.engine, today=TODAY)
    assert [(r.sku, r.stock_qty, r.sold_qty, r.days_of_cover) for r in rows] == [
        ("MUG-1", 20, 80, Decimal("7.5"))
    ]
    assert low_skus(shop.engine, cover_days=7) == []
    assert low_skus(shop.engine, cover_days=365) == ["MUG-1", "LAMP-1"]


def test_covering_exactly_the_asked_days_is_not_low(shop: Shop) -> None:
    shop.order(shop.ann, (shop.mug, 30), placed_at=T0 - timedelta(days=1))  # 30 sold in 30 days: 1 a day
    adjust_stock(shop.engine, product_id=shop.mug, quantity_delta=-56, reason_note="count", actor="t")
    assert low_skus(shop.engine, cover_days=14) == []  # 14 left: exactly 14 days
    adjust_stock(shop.engine, product_id=shop.mug, quantity_delta=-1, reason_note="broken", actor="t")
    assert [(r.sku, r.days_of_cover) for r in low_stock(shop.engine, today=TODAY)] == [
        ("MUG-1", Decimal("13.0"))
    ]


def test_fewer_units_than_the_threshold_is_low_even_without_sales(shop: Shop) -> None:
    few = add_product(shop.engine, "FEW-1", "Few", stock=4)
    add_product(shop.engine, "FIVE-1", "Five", stock=5)
    rows = low_stock(shop.engine, today=TODAY)
    assert [(r.product_id, r.sold_qty, r.days_of_cover) for r in rows] == [(few, 0, None)]
    assert low_skus(shop.engine, min_units=0) == []


def test_sales_before_the_window_and_inactive_products_do_not_count(shop: Shop) -> None:
    shop.order(shop.ann, (shop.mug, 90), placed_at=T0 - timedelta(days=31))
    empty = add_product(shop.engine, "EMPTY-1", "Empty", stock=0)
    deactivate(shop.engine, empty)
    assert low_skus(shop.engine) == []
    assert low_skus(shop.engine, window_days=32) == ["MUG-1"]


def test_a_cancelled_order_does_not_make_a_product_low(shop: Shop) -> None:
    order = shop.order(shop.ann, (shop.mug, 95), placed_at=T0 - timedelta(days=3))
    assert low_skus(shop.engine) == ["MUG-1"]
    cancel_order(shop.engine, order_id=order.id, actor="test", at=T0 - timedelta(days=2))
    assert low_skus(shop.engine) == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"cover_days": 0}, "The cover is a whole number of days from 1 to 365; 0 was given."),
        ({"window_days": 400}, "The sales window is a whole number of days from 1 to 365; 400 was given."),
        ({"min_units": -1}, "The low-stock threshold is a whole number of units, 0 or more; -1 was given."),
    ],
)
def test_bad_low_stock_settings_are_refused_with_a_message(db_engine: Engine, kw, message: str) -> None:
    with pytest.raises(WorkflowError) as refused:
        low_stock(db_engine, today=TODAY, **kw)
    assert (refused.value.code, refused.value.message) == (ErrorCode.INVALID_ARGUMENT, message)


# The product picker ---------------------------------------------------------


def test_the_picker_finds_products_by_sku_or_name_and_keeps_the_picked_one_first(shop: Shop) -> None:
    deactivate(shop.engine, add_product(shop.engine, "LAMP-OLD", "Old lamp", stock=0))
    assert [p.sku for p in find_products(shop.engine, "lamp")] == ["LAMP-1", "LAMP-OLD"]
    assert [p.sku for p in find_products(shop.engine, "lamp", keep=shop.mug)] == [
        "MUG-1",
        "LAMP-1",
        "LAMP-OLD",
    ]
    assert [p.sku for p in find_products(shop.engine, "  ")] == ["LAMP-1", "MUG-1", "LAMP-OLD"]
    mug = find_products(shop.engine, "mug-1")[0]
    assert (mug.product_id, mug.stock_qty, mug.unit_cost, mug.active) == (
        shop.mug,
        100,
        Decimal("5.00"),
        True,
    )
