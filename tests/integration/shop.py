"""Building blocks for tests that need a small shop: customers, stocked
products, orders placed through the real rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert

from workflow.orders import OrderLine, PlacedOrder, place_order
from workflow.tables import customers, products, stock_movements

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class Shop:
    engine: Engine
    ann: int  # customer
    bob: int  # customer
    mug: int  # product at 12.50, 100 in stock
    lamp: int  # product at 40.00, 100 in stock

    def order(self, customer: int, *lines: tuple[int, int], placed_at: datetime = T0, **kw) -> PlacedOrder:
        return place_order(
            self.engine,
            customer_id=customer,
            lines=[OrderLine(p, q) for p, q in lines],
            actor="test",
            placed_at=placed_at,
            **kw,
        )


def open_shop(engine: Engine) -> Shop:
    with engine.begin() as conn:
        ann, bob = (
            conn.execute(
                insert(customers).returning(customers.c.id),
                [
                    {
                        "email": "ann@example.com",
                        "full_name": "Ann Lee",
                        "country": "DE",
                        "created_at": T0 - timedelta(days=90),
                    },
                    {
                        "email": "bob@example.com",
                        "full_name": "Bob Ray",
                        "country": "FR",
                        "created_at": T0 - timedelta(days=90),
                    },
                ],
            )
            .scalars()
            .all()
        )
        mug, lamp = (
            conn.execute(
                insert(products).returning(products.c.id),
                [
                    {
                        "sku": "MUG-1",
                        "name": "Mug",
                        "category": "Kitchen",
                        "unit_price": Decimal("12.50"),
                        "unit_cost": Decimal("5.00"),
                    },
                    {
                        "sku": "LAMP-1",
                        "name": "Lamp",
                        "category": "Home",
                        "unit_price": Decimal("40.00"),
                        "unit_cost": Decimal("22.00"),
                    },
                ],
            )
            .scalars()
            .all()
        )
        conn.execute(
            insert(stock_movements),
            [
                {
                    "product_id": p,
                    "quantity_delta": 100,
                    "reason": "receipt",
                    "unit_cost": c,
                    "at": T0 - timedelta(days=30),
                }
                for p, c in ((mug, Decimal("5.00")), (lamp, Decimal("22.00")))
            ],
        )
    return Shop(engine, ann, bob, mug, lamp)
