"""The keys of the shipment rollups (migration 011): each country and product
category gets a slot as it first appears (the facts and spans keep an
order's categories as their slots). A new country, a new category and a
product moved to another category keep the rollups equal to a rebuild and
the figures equal to the raw queries, however many categories the shop has."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, text

from tests.integration.shop import T0, Shop
from tests.integration.test_shipment_rollups import assert_figures_equal_raw, assert_rollups_equal_a_rebuild
from workflow.analytics import Filters
from workflow.shipments import advance_shipment, create_shipment
from workflow.tables import customers, products

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def ship_and_pack(shop: Shop, customer: int, product: int, hours: int) -> None:
    """An order of `product` shipped at once and packed `hours` later."""
    order = shop.order(customer, (product, 1), placed_at=T0)
    ship = create_shipment(shop.engine, order_id=order.id, actor="wh", at=T0)
    advance_shipment(
        shop.engine, shipment_id=ship.id, to_status="packed", actor="wh", at=T0 + timedelta(hours=hours)
    )


def slots(shop: Shop) -> dict[tuple[str, str], int]:
    with shop.engine.connect() as conn:
        return {(k, n): s for k, n, s in conn.execute(text("SELECT kind, name, slot FROM shipment_keys"))}


def test_a_customer_in_a_new_country_gets_a_slot_and_is_counted_under_it(shop: Shop):
    ship_and_pack(shop, shop.ann, shop.mug, 2)
    with shop.engine.begin() as conn:
        kim = conn.execute(
            insert(customers).returning(customers.c.id),
            {"email": "kim@example.com", "full_name": "Kim Sato", "country": "JP"},
        ).scalar_one()
    for hours in (1, 5, 9):
        ship_and_pack(shop, kim, shop.lamp, hours)
    assert ("country", "JP") in slots(shop)
    assert_rollups_equal_a_rebuild(shop.engine)
    for countries in (("JP",), ("DE", "JP"), ("US",)):
        assert_figures_equal_raw(shop.engine, Filters(*MARCH, None, countries), "UTC")


def test_a_product_moved_to_a_category_never_seen_moves_its_shipments(shop: Shop):
    for hours in (1, 3, 6, 30):
        ship_and_pack(shop, shop.ann, shop.mug, hours)
    ship_and_pack(shop, shop.bob, shop.lamp, 4)
    with shop.engine.begin() as conn:
        conn.execute(text("UPDATE products SET category = 'Garden' WHERE id = :id"), {"id": shop.mug})
    assert ("category", "Garden") in slots(shop)
    assert_rollups_equal_a_rebuild(shop.engine)
    for category in ("Garden", "Kitchen", "Home"):
        assert_figures_equal_raw(shop.engine, Filters(*MARCH, category), "UTC")
        assert_figures_equal_raw(shop.engine, Filters(*MARCH, category, ("DE",)), "UTC")


def test_a_shop_with_a_hundred_categories_gets_every_one_counted(shop: Shop):
    """Slots past 64 (a bigint's bits) work like the first: the lamp moved
    to the 100th category counts under it, and the other 99 go on."""
    known = len([k for k in slots(shop) if k[0] == "category"])
    row = {"name": "Thing", "unit_price": Decimal("1.00"), "unit_cost": Decimal("0.50")}
    with shop.engine.begin() as conn:
        conn.execute(
            insert(products),
            [{**row, "sku": f"C-{n}", "category": f"Category {n:03d}"} for n in range(99 - known)],
        )
    for hours in (2, 5, 9):
        ship_and_pack(shop, shop.ann, shop.lamp, hours)
    ship_and_pack(shop, shop.bob, shop.mug, 4)
    with shop.engine.begin() as conn:
        conn.execute(text("UPDATE products SET category = 'The hundredth' WHERE id = :id"), {"id": shop.lamp})
    assert slots(shop)[("category", "The hundredth")] == 100
    assert_rollups_equal_a_rebuild(shop.engine)
    for category in ("The hundredth", "Kitchen", "Category 000"):
        assert_figures_equal_raw(shop.engine, Filters(*MARCH, category), "UTC")
        assert_figures_equal_raw(shop.engine, Filters(*MARCH, category, ("DE",)), "UTC")
