"""Demo refunds, and the final numbering of payments.

A refund gives money back on one order of one customer, by the method that
order was paid with, after the goods: most parcels that came back (returned)
are refunded in full a few days later; a few delivered orders get a partial
refund (10-50 %, an agreed reduction). Only orders paid in full are refunded,
never more than was paid on them, never after `now`.

Then payments and refunds together are numbered in the order the money
moved, and each gets its reference, idempotency key ('seed-<id>') and the
moment it was recorded (soon after it was received, never after `now`).
"""

from __future__ import annotations

import numpy as np

from workflow.demo.payments import (
    METHODS,
    NOT_PAID,
    PARTIAL_REFUND_CHANCE,
    REFERENCE_PREFIXES,
    RETURN_REFUND_CHANCE,
    Payments,
    Receipts,
)
from workflow.demo.sales import Sales
from workflow.demo.shipping import Shipping
from workflow.demo.timeline import DAY, HOUR, digits, lognormal_seconds


def add_refunds(
    rng: np.random.Generator, sales: Sales, receipts: Receipts, shipping: Shipping, now: int
) -> Payments:
    """Receipts plus refunds, as payment rows in time order with allocations."""
    paid_in_full = receipts.paid_in_full_at != NOT_PAID
    returned = np.flatnonzero(paid_in_full & (shipping.returned_at > 0))
    returned = returned[rng.random(len(returned)) < RETURN_REFUND_CHANCE]
    reduced = np.flatnonzero(paid_in_full & (shipping.returned_at == 0))
    reduced = reduced[rng.random(len(reduced)) < PARTIAL_REFUND_CHANCE]
    after = np.where(shipping.delivered_at[reduced] > 0, shipping.delivered_at[reduced],
                     receipts.paid_in_full_at[reduced])  # fmt: skip
    orders = np.concatenate([returned, reduced])
    at = np.concatenate([
        shipping.returned_at[returned] + rng.integers(DAY, 6 * DAY, len(returned)),
        after + rng.integers(2 * DAY, 20 * DAY, len(reduced)),
    ])  # fmt: skip
    total = sales.total_cents[reduced]
    amount = np.concatenate([
        sales.total_cents[returned],
        np.clip(np.rint(total * rng.uniform(0.1, 0.5, len(reduced))), 1, total).astype(np.int64),
    ])  # fmt: skip
    happened = at <= now
    orders, at, amount = orders[happened], at[happened], amount[happened]

    count = len(receipts.amount)
    received = np.concatenate([receipts.received_at, at])
    is_refund = np.arange(count + len(orders)) >= count
    method = np.concatenate([receipts.method, receipts.order_method[orders]])
    by_time = np.lexsort((np.arange(len(received)), received))
    new_index = np.empty_like(by_time)
    new_index[by_time] = np.arange(len(by_time))

    alloc_payment = new_index[np.concatenate([receipts.alloc_payment, count + np.arange(len(orders))])]
    alloc_order = np.concatenate([receipts.alloc_order, orders])
    alloc_amount = np.concatenate([receipts.alloc_amount, amount])
    by_payment = np.lexsort((alloc_order, alloc_payment))

    received, is_refund, method = received[by_time], is_refund[by_time], method[by_time]
    size = len(received)
    lag = np.where(method == METHODS.index(b"bank_transfer"),
                   lognormal_seconds(rng, size, 6 * HOUR, 0.8, 60, 3 * DAY), rng.integers(1, 30, size))  # fmt: skip
    prefix = np.where(is_refund, b"RF-", REFERENCE_PREFIXES[method])
    ids = np.arange(1, size + 1).astype("S")
    return Payments(
        customer=np.concatenate([receipts.customer, sales.customer[orders]])[by_time],
        amount=np.concatenate([receipts.amount, amount])[by_time],
        kind=np.where(is_refund, b"refund", b"payment"),
        method=np.array(METHODS, dtype="S")[method],
        reference=np.strings.add(prefix, digits(rng.integers(0, 10**10, size), 10)),
        received_at=received,
        recorded_at=np.minimum(received + lag, now),
        idempotency_key=np.strings.add(b"seed-", ids),
        alloc_payment=alloc_payment[by_payment],
        alloc_order=alloc_order[by_payment],
        alloc_amount=alloc_amount[by_payment],
    )
