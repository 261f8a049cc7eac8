"""Demo stock ledger: every movement that explains each product's stock.

Included: one 'sale' per order item (minus its quantity, at the order's
moment), one 'cancellation' per item of a cancelled order and one 'return' per
item of a returned parcel (the goods come back), all at cost; and 'receipt'
deliveries: an opening stock before a product's first sale, then one delivery
an hour before each calendar month (UTC) that tops the stock up to 120 % of
the busier of that month's and the previous month's sales plus a small safety
stock, in packs of five once above twenty units. Discontinued products get no
deliveries after they stop selling.

So the running stock of every product, in time order, never goes below zero,
and ends at roughly a month of sales. Movements are numbered in time order (a
delivery first when moments tie). Excluded: adjustments, stocktakes,
purchase orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workflow.demo.catalog import Catalog
from workflow.demo.sales import Sales
from workflow.demo.timeline import HOUR, month_of, month_start

REASONS = (b"receipt", b"cancellation", b"return", b"sale")
RECEIPT, CANCELLATION, RETURN, SALE = range(4)
COVER = 1.2
SAFETY_SHARE = 0.15
SAFETY_MIN = 2


@dataclass(frozen=True)
class Ledger:
    """Stock movements, index i is movement id i + 1, in time order."""

    product: np.ndarray  # product index
    quantity_delta: np.ndarray
    reason: np.ndarray  # bytes
    unit_cost: np.ndarray  # cents
    at: np.ndarray
    order: np.ndarray  # order index, -1 for none
    note: np.ndarray  # bytes, b"" for none


def make_ledger(catalog: Catalog, sales: Sales, returned_at: np.ndarray, start: int, now: int) -> Ledger:
    """The movements for the items of `sales`, and the deliveries they need."""
    items = np.arange(len(sales.item_order))
    cancelled = items[sales.cancelled[sales.item_order]]
    back = items[returned_at[sales.item_order] > 0]
    moved = np.concatenate([items, cancelled, back])
    reason = np.concatenate([np.full(len(items), SALE), np.full(len(cancelled), CANCELLATION),
                             np.full(len(back), RETURN)])  # fmt: skip
    order = sales.item_order[moved]
    at = np.concatenate([sales.placed_at[order[: len(items)]], sales.cancelled_at[sales.item_order[cancelled]],
                         returned_at[sales.item_order[back]]])  # fmt: skip
    quantity = sales.item_quantity[moved] * np.where(reason == SALE, -1, 1)
    product = sales.item_product[moved]

    r_product, r_quantity, r_at, r_opening = _deliveries(catalog, product, quantity, at, start, now)
    product = np.concatenate([r_product, product])
    quantity = np.concatenate([r_quantity, quantity])
    at = np.concatenate([r_at, at])
    reason = np.concatenate([np.full(len(r_product), RECEIPT), reason])
    order = np.concatenate([np.full(len(r_product), -1), order])
    note = np.where(r_opening, b"opening stock", b"monthly delivery")
    note = np.concatenate([note, np.zeros(len(moved), dtype="S1")])

    by_time = np.lexsort((reason, at))
    return Ledger(
        product=product[by_time],
        quantity_delta=quantity[by_time],
        reason=np.array(REASONS, dtype="S")[reason[by_time]],
        unit_cost=catalog.cost_cents[product[by_time]],
        at=at[by_time],
        order=order[by_time],
        note=note[by_time],
    )


def _deliveries(
    catalog: Catalog, product: np.ndarray, quantity: np.ndarray, at: np.ndarray, start: int, now: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Product, quantity, moment and is-opening of each delivery, so that the
    movements (product, quantity, at) never take a stock below zero."""
    first_month = int(month_of(np.array([start]))[0])
    months = int(month_of(np.array([now]))[0]) - first_month + 1
    count = len(catalog)
    cell = product * months + (month_of(at) - first_month)
    sold = _per_cell(cell[quantity < 0], -quantity[quantity < 0], count, months)
    came_back = _per_cell(cell[quantity > 0], quantity[quantity > 0], count, months)

    month_index = np.arange(months)
    opens = np.maximum(month_of(catalog.created_at) - first_month, 0)
    discontinued = catalog.on_sale_until < np.iinfo(np.int64).max
    closes = np.where(discontinued, month_of(np.minimum(catalog.on_sale_until, now)) - first_month, months - 1)
    stocked = (month_index >= opens[:, None]) & (month_index <= closes[:, None])
    active_months = np.maximum(stocked.sum(axis=1), 1)
    safety = np.ceil(SAFETY_SHARE * sold.sum(axis=1) / active_months).astype(np.int64) + SAFETY_MIN
    # The buyer orders for the busier of this and last month, so stock never
    # runs out and the current, unfinished month still starts well stocked.
    expected = np.maximum(sold, np.pad(sold, ((0, 0), (1, 0)))[:, :-1])
    target = np.where(stocked, np.ceil(COVER * expected).astype(np.int64) + safety[:, None], 0)

    delivered = np.zeros((count, months), dtype=np.int64)
    balance = np.zeros(count, dtype=np.int64)
    for m in range(months):  # one loop per month, over all products at once
        need = np.maximum(target[:, m] - balance, 0)
        need = np.where(need > 20, -(-need // 5) * 5, need)
        delivered[:, m] = need
        balance += need - sold[:, m] + came_back[:, m]

    p, m = np.nonzero(delivered)
    moment = np.maximum(month_start(first_month + m) - HOUR, catalog.created_at[p] + HOUR)
    return p, delivered[p, m], moment, m == opens[p]


def _per_cell(cell: np.ndarray, quantity: np.ndarray, count: int, months: int) -> np.ndarray:
    return np.bincount(cell, weights=quantity, minlength=count * months).round().astype(np.int64).reshape(
        count, months
    )
