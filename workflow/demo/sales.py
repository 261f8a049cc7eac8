"""Demo orders and their items.

Orders are numbered in the order they were placed; each is due 30 days after
it was placed. 1 to 5 items per order (3 on average), distinct products within
an order, chosen by popularity among the products on sale at that moment;
quantity 1 to 4, mostly 1. An item carries its product's price and cost.
About 3 % of the orders are cancelled a few hours after they were placed (never
after now); cancelled orders are never paid. Excluded: payments, shipments and
stock movements (see payments.py, shipping.py, stock.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workflow.demo.catalog import ALWAYS_ON_SALE, Catalog
from workflow.demo.timeline import DAY, HOUR, lognormal_seconds

PAYMENT_TERMS = 30 * DAY
ITEMS_PER_ORDER = np.array([0.12, 0.22, 0.30, 0.22, 0.14])  # 1..5 items, mean 3.04
QUANTITY = np.array([0.72, 0.17, 0.07, 0.04])  # 1..4
CANCELLED_SHARE = 0.03
MAX_ITEMS = len(ITEMS_PER_ORDER)


@dataclass(frozen=True)
class Sales:
    """Orders (index i is order id i + 1) and items (index j is item id j + 1)."""

    customer: np.ndarray  # customer index, 0-based
    placed_at: np.ndarray
    due_at: np.ndarray
    cancelled: np.ndarray
    cancelled_at: np.ndarray  # 0 where not cancelled
    total_cents: np.ndarray
    item_order: np.ndarray  # order index of each item, ascending
    item_product: np.ndarray  # product index, 0-based
    item_quantity: np.ndarray
    item_price: np.ndarray  # cents
    item_cost: np.ndarray  # cents

    def __len__(self) -> int:
        return len(self.placed_at)


def make_sales(
    rng: np.random.Generator, catalog: Catalog, customer: np.ndarray, placed_at: np.ndarray, now: int
) -> Sales:
    """Orders at `placed_at` (sorted) for customers `customer`, with items."""
    count = len(placed_at)
    sizes = rng.choice(np.arange(1, MAX_ITEMS + 1), size=count, p=ITEMS_PER_ORDER)
    picks, sizes = _pick_products(rng, catalog, placed_at, sizes)
    used = np.arange(MAX_ITEMS) < sizes[:, None]
    product = picks[used]  # row-major: items grouped by order, in order id order
    item_order = np.repeat(np.arange(count), sizes)
    quantity = rng.choice(np.arange(1, len(QUANTITY) + 1), size=len(product), p=QUANTITY)
    price = catalog.price_cents[product]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    total = np.add.reduceat(quantity * price, starts)

    cancelled = rng.random(count) < CANCELLED_SHARE
    delay = lognormal_seconds(rng, count, 5 * HOUR, 1.0, 120, 4 * DAY)
    cancelled_at = np.where(cancelled, np.minimum(placed_at + delay, now), 0)
    return Sales(
        customer=customer,
        placed_at=placed_at,
        due_at=placed_at + PAYMENT_TERMS,
        cancelled=cancelled,
        cancelled_at=cancelled_at,
        total_cents=total,
        item_order=item_order,
        item_product=product,
        item_quantity=quantity,
        item_price=price,
        item_cost=catalog.cost_cents[product],
    )


def _pick_products(
    rng: np.random.Generator, catalog: Catalog, placed_at: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(orders x 5) product indexes and the order sizes: the first `size` picks
    of a row are distinct and on sale at the order's moment. Bad picks are
    redrawn for a few rounds (a loop over rounds, not orders); what is still
    bad then is settled: a first pick becomes the best seller, a later one
    shortens the order."""
    count = len(placed_at)
    picks = rng.choice(len(catalog), size=(count, MAX_ITEMS), p=catalog.popularity)
    used = np.arange(MAX_ITEMS) < sizes[:, None]
    for _ in range(60):
        bad = _bad_picks(catalog, placed_at, picks) & used
        if not bad.any():
            return picks, sizes
        picks[bad] = rng.choice(len(catalog), size=int(bad.sum()), p=catalog.popularity)
    bad = _bad_picks(catalog, placed_at, picks) & used
    best_sellers = np.argsort(-catalog.popularity)[:ALWAYS_ON_SALE]
    picks[bad[:, 0], 0] = best_sellers[0]
    bad = _bad_picks(catalog, placed_at, picks) & used
    first_bad = np.where(bad.any(axis=1), bad.argmax(axis=1), MAX_ITEMS)
    return picks, np.minimum(sizes, first_bad)


def _bad_picks(catalog: Catalog, placed_at: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Picks not on sale at the order's moment, or repeating an earlier pick."""
    moment = placed_at[:, None]
    bad = (moment < catalog.on_sale_from[picks]) | (moment > catalog.on_sale_until[picks])
    for j in range(1, MAX_ITEMS):
        bad[:, j] |= (picks[:, :j] == picks[:, j : j + 1]).any(axis=1)
    return bad
