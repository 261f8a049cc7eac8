"""Demo payments, refunds and their allocations to orders.

Cancelled orders get nothing. Of the others, about 93.5 % are paid in full,
2.5 % only partly (a bank transfer for the wrong amount) and 4 % never. Card and
PayPal money arrives minutes after the order, direct debits after 2-5 days,
bank transfers after a few days (sometimes after the due date). Bank transfers
of one customer for orders placed within 10 days of each other are often one
payment covering up to four orders; 7 % of the fully paid orders are paid in
two instalments. A payment whose money would arrive after `now` has not
happened yet, so young orders are often unpaid or partly paid, and old unpaid
ones are overdue.

Refunds (about 2 % of orders) come after the goods: most returned parcels are
refunded in full, and a few delivered orders get a partial refund (an agreed
reduction); none is more than was paid on its order, none is after `now`.
Every payment has allocations summing exactly to its amount, each above zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workflow.demo.sales import Sales
from workflow.demo.timeline import DAY, HOUR, lognormal_seconds

METHODS = (b"card", b"paypal", b"bank_transfer", b"direct_debit")
CARD, PAYPAL, BANK, DEBIT = range(4)
SINGLE_METHOD_SHARES = np.array([0.48, 0.24, 0.20, 0.08])
REFERENCE_PREFIXES = np.array([b"ch_", b"PAYID-", b"TRF-", b"DD-"], dtype="S")
FULL, INSTALMENTS, PARTIAL, NEVER = range(4)
BEHAVIOUR_SHARES = np.array([0.87, 0.065, 0.025, 0.04])
GROUP_WINDOW = 10 * DAY
GROUP_CHANCE = 0.55
GROUP_MAX_ORDERS = 4
RETURN_REFUND_CHANCE = 0.85
PARTIAL_REFUND_CHANCE = 0.009
NOT_PAID = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Receipts:
    """Money received by `now`, before refunds; allocations point at rows."""

    customer: np.ndarray
    amount: np.ndarray  # cents
    method: np.ndarray  # index into METHODS
    received_at: np.ndarray
    alloc_payment: np.ndarray
    alloc_order: np.ndarray
    alloc_amount: np.ndarray
    paid_cents: np.ndarray  # per order
    paid_in_full_at: np.ndarray  # per order; NOT_PAID unless fully paid by now
    order_method: np.ndarray  # per order: method of its last payment (-1: none)


@dataclass(frozen=True)
class Payments:
    """Payments and refunds (index i is payment id i + 1, in time order) and
    their allocations (payment and order as 0-based indexes)."""

    customer: np.ndarray
    amount: np.ndarray  # cents
    kind: np.ndarray  # bytes: payment or refund
    method: np.ndarray  # bytes
    reference: np.ndarray  # bytes
    received_at: np.ndarray
    recorded_at: np.ndarray
    idempotency_key: np.ndarray  # bytes
    alloc_payment: np.ndarray
    alloc_order: np.ndarray
    alloc_amount: np.ndarray  # cents


def _bank_delay(rng: np.random.Generator, size: int) -> np.ndarray:
    return lognormal_seconds(rng, size, 2.5 * DAY, 0.7, 2 * HOUR, 45 * DAY)


def receive_payments(rng: np.random.Generator, sales: Sales, now: int) -> Receipts:
    """The payments for the orders of `sales` whose money arrived by `now`."""
    open_orders = np.flatnonzero(~sales.cancelled)
    behaviour = rng.choice(4, size=len(open_orders), p=BEHAVIOUR_SHARES)
    placed, total = sales.placed_at, sales.total_cents

    # Paid in full at once: one order per payment, except grouped bank transfers.
    single = open_orders[behaviour == FULL]
    method = rng.choice(4, size=len(single), p=SINGLE_METHOD_SHARES)
    delay = np.select(
        [method == BANK, method == DEBIT],
        [_bank_delay(rng, len(single)), rng.integers(2 * DAY, 5 * DAY, len(single))],
        lognormal_seconds(rng, len(single), 180, 0.9, 20, 2 * HOUR),
    )
    order, group = _group_bank_transfers(rng, sales, single, method == BANK)
    single, method, arrives = single[order], method[order], placed[single[order]] + delay[order]
    starts = np.flatnonzero(np.diff(group, prepend=-1))

    # Two instalments, or one partial transfer that is never completed.
    twice = open_orders[behaviour == INSTALMENTS]
    first = np.clip(np.rint(total[twice] * rng.uniform(0.3, 0.7, len(twice))), 1, total[twice] - 1)
    first_at = placed[twice] + _bank_delay(rng, len(twice))
    partial = open_orders[behaviour == PARTIAL]
    part = np.clip(np.rint(total[partial] * rng.uniform(0.2, 0.8, len(partial))), 1, total[partial] - 1)
    one_off = np.concatenate([twice, twice, partial])
    one_off_amount = np.concatenate([first, total[twice] - first, part]).astype(np.int64)
    one_off_at = np.concatenate(
        [first_at, first_at + rng.integers(7 * DAY, 35 * DAY, len(twice)),
         placed[partial] + _bank_delay(rng, len(partial))]
    )  # fmt: skip

    customer = np.concatenate([sales.customer[single[starts]], sales.customer[one_off]])
    amount = np.concatenate([np.add.reduceat(total[single], starts), one_off_amount])
    methods = np.concatenate([method[starts], np.full(len(one_off), BANK)])
    received = np.concatenate([np.maximum.reduceat(arrives, starts), one_off_at])
    alloc_payment = np.concatenate([group, len(starts) + np.arange(len(one_off))])
    alloc_order = np.concatenate([single, one_off])
    alloc_amount = np.concatenate([total[single], one_off_amount])

    # Money due after `now` has not arrived yet.
    arrived = received <= now
    renumber = np.cumsum(arrived) - 1
    kept = arrived[alloc_payment]
    alloc_payment, alloc_order, alloc_amount = renumber[alloc_payment[kept]], alloc_order[kept], alloc_amount[kept]
    received, methods = received[arrived], methods[arrived]
    paid = np.bincount(alloc_order, weights=alloc_amount, minlength=len(sales)).round().astype(np.int64)
    last_paid = np.zeros(len(sales), dtype=np.int64)
    np.maximum.at(last_paid, alloc_order, received[alloc_payment])
    order_method = np.full(len(sales), -1)
    order_method[alloc_order] = methods[alloc_payment]
    return Receipts(
        customer=customer[arrived],
        amount=amount[arrived],
        method=methods,
        received_at=received,
        alloc_payment=alloc_payment,
        alloc_order=alloc_order,
        alloc_amount=alloc_amount,
        paid_cents=paid,
        paid_in_full_at=np.where((paid == total) & (paid > 0), last_paid, NOT_PAID),
        order_method=order_method,
    )


def _group_bank_transfers(
    rng: np.random.Generator, sales: Sales, orders: np.ndarray, is_bank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A permutation of `orders` that puts each customer's bank transfers
    together in time order, and a payment number per permuted order:
    consecutive transfers of one customer placed within GROUP_WINDOW often
    share one payment (at most GROUP_MAX_ORDERS orders); others pay alone."""
    key = np.where(is_bank, sales.customer[orders], -1 - np.arange(len(orders)))
    order = np.lexsort((orders, key))
    is_bank, customer, placed = is_bank[order], key[order], sales.placed_at[orders[order]]
    joins = np.zeros(len(orders), dtype=bool)
    joins[1:] = (
        is_bank[1:] & (customer[1:] == customer[:-1])
        & (placed[1:] - placed[:-1] <= GROUP_WINDOW) & (rng.random(max(len(orders) - 1, 0)) < GROUP_CHANCE)
    )  # fmt: skip
    position = np.arange(len(orders)) - np.maximum.accumulate(np.where(joins, 0, np.arange(len(orders))))
    joins &= position % GROUP_MAX_ORDERS != 0
    return order, np.cumsum(~joins) - 1
