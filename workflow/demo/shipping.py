"""Demo shipments and their events.

Every order that is not cancelled has a shipment, created minutes after the
order. It stays pending until the order is paid in full, then moves pending ->
packed (hours) -> shipped (hours) -> in_transit (hours) -> delivered (days);
in each stage about 1.5 % wait weeks instead (no stock, no pickup, a lost scan,
customs). About 2 % come back (returned) from shipped or in_transit. Half of
the cancelled orders had a shipment: it is cancelled when the order is, from
pending or, if it was waiting long enough, from packed. A stage is reached only if its moment is
not after `now`, so recent shipments are still under way.

One event per status reached, in time order; the shipment's status, created_at
and updated_at are those of its first and last events. Carrier and tracking
number are set once a parcel is shipped. Excluded: partial shipments,
re-shipping after a return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workflow.demo.payments import NOT_PAID
from workflow.demo.sales import Sales
from workflow.demo.timeline import DAY, HOUR, digits, lognormal_seconds

STATUSES = (b"pending", b"packed", b"shipped", b"in_transit", b"delivered", b"cancelled", b"returned")
PENDING, PACKED, SHIPPED, IN_TRANSIT, DELIVERED, CANCELLED, RETURNED = range(7)
ACTORS = np.array([b"demo-seed", b"warehouse", b"warehouse", b"carrier-feed", b"carrier-feed",
                   b"demo-seed", b"carrier-feed"], dtype="S")  # fmt: skip
NOTES = np.array([b"", b"", b"", b"", b"", b"order cancelled", b"returned to sender"], dtype="S")
CARRIERS = (("DHL", b"JJD", 0.30), ("UPS", b"1Z", 0.20), ("DPD", b"DPD", 0.15), ("GLS", b"GLS", 0.12),
            ("FedEx", b"FX", 0.10), ("PostNL", b"3S", 0.08), ("Royal Mail", b"RM", 0.05))  # fmt: skip
NEVER = np.iinfo(np.int64).max  # a stage this shipment does not go through, or not yet
STUCK_SHARE = 0.015  # per stage
RETURNED_FROM_SHIPPED, RETURNED_FROM_TRANSIT = 0.003, 0.017
CANCELLED_WITH_SHIPMENT = 0.5


@dataclass(frozen=True)
class Shipping:
    """Shipments (index i is shipment id i + 1, by creation) and events
    (index j is event id j + 1, in time order); per order, when it was
    delivered or returned (0 if not)."""

    order: np.ndarray  # order index
    status: np.ndarray  # bytes
    carrier: np.ndarray  # bytes, b"" before shipping
    tracking_number: np.ndarray  # bytes, b"" before shipping
    created_at: np.ndarray
    updated_at: np.ndarray
    event_shipment: np.ndarray  # shipment index
    event_status: np.ndarray  # bytes
    event_at: np.ndarray
    event_actor: np.ndarray  # bytes
    event_note: np.ndarray  # bytes, b"" for none
    delivered_at: np.ndarray  # per order
    returned_at: np.ndarray  # per order


def make_shipping(rng: np.random.Generator, sales: Sales, paid_in_full_at: np.ndarray, now: int) -> Shipping:
    """Shipments and events for `sales`, given when each order was paid in full."""
    active = np.flatnonzero(~sales.cancelled)
    cancelled = np.flatnonzero(sales.cancelled)
    cancelled = cancelled[rng.random(len(cancelled)) < CANCELLED_WITH_SHIPMENT]
    times = np.concatenate([_active_stages(rng, sales, active, paid_in_full_at, now),
                            _cancelled_stages(rng, sales, cancelled)])  # fmt: skip
    final = np.concatenate([np.where(times[: len(active), 5] < NEVER, RETURNED, DELIVERED),
                            np.full(len(cancelled), CANCELLED)])  # fmt: skip
    times = np.column_stack([times[:, :4], np.minimum(times[:, 4], times[:, 5])])
    orders = np.concatenate([active, cancelled])

    by_creation = np.lexsort((orders, times[:, 0]))
    orders, times, final = orders[by_creation], times[by_creation], final[by_creation]
    reached = times <= now
    codes = np.broadcast_to(np.array([PENDING, PACKED, SHIPPED, IN_TRANSIT, 0]), times.shape).copy()
    codes[:, 4] = final
    last = np.where(reached, np.arange(5), -1).max(axis=1)
    rows = np.arange(len(orders))
    status = codes[rows, last]

    carrier, tracking = _carriers(rng, len(orders), reached[:, SHIPPED])
    event_shipment = np.repeat(rows, reached.sum(axis=1))
    event_at, event_status = times[reached], codes[reached]
    by_time = np.lexsort((event_status, event_shipment, event_at))
    event_status = event_status[by_time]

    delivered_at = np.zeros(len(sales), dtype=np.int64)
    returned_at = np.zeros(len(sales), dtype=np.int64)
    done = reached[:, 4]
    delivered_at[orders[done & (final == DELIVERED)]] = times[done & (final == DELIVERED), 4]
    returned_at[orders[done & (final == RETURNED)]] = times[done & (final == RETURNED), 4]
    names = np.array(STATUSES, dtype="S")
    return Shipping(
        order=orders,
        status=names[status],
        carrier=carrier,
        tracking_number=tracking,
        created_at=times[:, 0],
        updated_at=times[rows, last],
        event_shipment=event_shipment[by_time],
        event_status=names[event_status],
        event_at=event_at[by_time],
        event_actor=ACTORS[event_status],
        event_note=NOTES[event_status],
        delivered_at=delivered_at,
        returned_at=returned_at,
    )


def _after(start: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """start + duration, staying NEVER where start is NEVER."""
    return np.where(start == NEVER, NEVER, start + np.where(start == NEVER, 0, duration))


def _active_stages(
    rng: np.random.Generator, sales: Sales, orders: np.ndarray, paid_in_full_at: np.ndarray, now: int
) -> np.ndarray:
    """(orders x 6) moments of pending, packed, shipped, in_transit, delivered
    and returned (NEVER for a stage not gone through)."""
    size = len(orders)
    created = np.minimum(sales.placed_at[orders] + rng.integers(60, 600, size), now)
    paid = paid_in_full_at[orders]
    ready = np.where(paid == NOT_PAID, NEVER, np.maximum(created, np.where(paid == NOT_PAID, 0, paid)))

    def next_stage(start: np.ndarray, median: float, low: float, high: float) -> np.ndarray:
        """Hours to days later; a few parcels wait weeks (stock, pickup, lost scan, customs)."""
        stuck = (rng.random(size) < STUCK_SHARE) * rng.integers(5 * DAY, 30 * DAY, size)
        return _after(start, lognormal_seconds(rng, size, median, 0.6, low, high) + stuck)

    packed = next_stage(ready, 5 * HOUR, 1200, 3 * DAY)
    shipped = next_stage(packed, 12 * HOUR, 1800, 3 * DAY)
    in_transit = next_stage(shipped, 10 * HOUR, 1200, 2 * DAY)
    delivered = next_stage(in_transit, 2 * DAY, 6 * HOUR, 10 * DAY)
    outcome = rng.random(size)
    from_shipped = outcome < RETURNED_FROM_SHIPPED
    from_transit = ~from_shipped & (outcome < RETURNED_FROM_SHIPPED + RETURNED_FROM_TRANSIT)
    returned = np.full(size, NEVER)
    returned[from_shipped] = _after(shipped[from_shipped], rng.integers(2 * DAY, 6 * DAY, from_shipped.sum()))
    returned[from_transit] = _after(in_transit[from_transit], rng.integers(3 * DAY, 15 * DAY, from_transit.sum()))
    in_transit[from_shipped] = NEVER
    delivered[from_shipped | from_transit] = NEVER
    return np.column_stack([created, packed, shipped, in_transit, delivered, returned])


def _cancelled_stages(rng: np.random.Generator, sales: Sales, orders: np.ndarray) -> np.ndarray:
    """(orders x 6) moments: pending, sometimes packed, then cancelled (in the
    fifth column, where the other shipments are delivered)."""
    size = len(orders)
    cancelled_at = sales.cancelled_at[orders]
    created = np.minimum(sales.placed_at[orders] + rng.integers(60, 600, size), cancelled_at)
    waited = cancelled_at - created
    was_packed = (waited > 2 * HOUR) & (rng.random(size) < 0.3)
    packed = np.where(was_packed, created + (waited * rng.uniform(0.2, 0.8, size)).astype(np.int64), NEVER)
    never = np.full(size, NEVER)
    return np.column_stack([created, packed, never, never, cancelled_at, never])


def _carriers(rng: np.random.Generator, size: int, shipped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Carrier name and tracking number of the shipments that left; b"" for the others."""
    shares = np.array([c[2] for c in CARRIERS])
    which = rng.choice(len(CARRIERS), size=size, p=shares / shares.sum())
    names = np.array([c[0].encode() for c in CARRIERS], dtype="S")[which]
    prefixes = np.array([c[1] for c in CARRIERS], dtype="S")[which]
    tracking = np.strings.add(prefixes, digits(rng.integers(0, 10**12, size), 12))
    empty = np.zeros(size, dtype="S1")
    return np.where(shipped, names, empty), np.where(shipped, tracking, empty)
