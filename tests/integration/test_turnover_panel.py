"""The turnover panel's fastest and slowest products are the full ranking's,
also where many products tie once their turnover (or, unsold, their average
inventory value) is rounded: the panel ranks by an unrounded figure first
and works out the exact ones only for the products near the cut, so ties
across the cut are where it could go wrong."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from tests.integration.shop import T0, Shop
from tests.integration.test_turnover import assert_turnover_matches_raw
from workflow.analytics import Filters
from workflow.analytics.turnover import turnover_report
from workflow.tables import products, stock_movements

DAYS = 10
LEFT = 1000  # units each sold product keeps from the sale to the period's end


def stock_products(shop: Shop, rows: list[tuple[str, str, str, int]]) -> dict[str, int]:
    """Products (sku, category, unit cost) with `quantity` received 30 days before T0."""
    with shop.engine.begin() as conn:
        ids = conn.execute(
            insert(products).returning(products.c.sku, products.c.id),
            [{"sku": s, "name": s, "category": c, "unit_price": Decimal("2.00"), "unit_cost": Decimal(u)}
             for s, c, u, _ in rows],
        ).all()  # fmt: skip
        ids = dict(ids)
        conn.execute(
            insert(stock_movements),
            [{"product_id": ids[s], "quantity_delta": q, "reason": "receipt", "unit_cost": Decimal(u),
              "at": T0 - timedelta(days=30)} for s, _, u, q in rows],
        )  # fmt: skip
    return ids


@pytest.fixture
def ties(shop: Shop) -> Shop:
    """Over the DAYS from T0, at a unit cost of 1.00 and LEFT units left from T0 on:
    - Fast F-00..F-24 sold 2000 + i units, turnover 2.000..2.024: ten products
      at each rounded 2.00, 2.01, 2.02, the higher SKU the faster;
    - Slow S-26..S-50 sold 10 + i units (S-50 the fewest), turnover
      0.010..0.034, the higher SKU the slower;
    - Dead U-01..U-12 (unit cost 0.01, 100,000 units) sold nothing and
      received i units on the last day: average inventory value 1000.00 + i
      thousandths, so 1000.00 for U-01..U-04, 1000.01 for the rest."""
    fast = [(f"F-{i:02d}", "Fast", "1.00", 2000 + i + LEFT) for i in range(25)]
    slow = [(f"S-{50 - i}", "Slow", "1.00", 10 + i + LEFT) for i in range(25)]
    dead = [(f"U-{i:02d}", "Dead", "0.01", 100_000) for i in range(1, 13)]
    ids = stock_products(shop, fast + slow + dead)
    shop.order(shop.ann, *((ids[s], q - LEFT) for s, _, _, q in fast + slow), placed_at=T0)
    with shop.engine.begin() as conn:
        conn.execute(
            insert(stock_movements),
            [{"product_id": ids[s], "quantity_delta": int(s[2:]), "reason": "receipt", "unit_cost": Decimal("0.01"),
              "at": T0 + timedelta(days=DAYS - 1)} for s, *_ in dead],
        )  # fmt: skip
    return shop


PERIOD = Filters(T0.date(), T0.date() + timedelta(days=DAYS - 1))


@pytest.mark.parametrize("category", [None, "Fast", "Slow", "Dead"])
def test_the_panel_ranks_as_the_full_list_where_rounded_figures_tie(ties: Shop, category: str | None):
    filters = Filters(PERIOD.start, PERIOD.end, category)
    assert_turnover_matches_raw(ties.engine, filters, "UTC", shown_counts=(1, 3, 10, 25))


def test_ties_are_broken_by_sku_not_by_the_unrounded_turnover(ties: Shop):
    report = turnover_report(ties.engine, PERIOD, shown=3)
    assert list(report.fastest["sku"]) == ["F-15", "F-16", "F-17"]  # 2.02 each; F-24 is the fastest unrounded
    report = turnover_report(ties.engine, Filters(PERIOD.start, PERIOD.end, "Slow"), shown=3)
    assert list(report.slowest["sku"]) == ["S-46", "S-47", "S-48"]  # 0.01 each; S-50 is the slowest unrounded
    report = turnover_report(ties.engine, Filters(PERIOD.start, PERIOD.end, "Dead"), shown=10)
    assert list(report.slowest["sku"]) == [f"U-{i:02d}" for i in (5, 6, 7, 8, 9, 10, 11, 12, 1, 2)]
