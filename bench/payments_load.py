"""Clerks recording payments at once: latency, payments/s, and no order overpaid.

    python -m bench.payments_load [--clerks 8] [--seconds 20]

WRITES to the configured database: it adds six customers
'bench-pay-<k>@example.com' with 1,000 open orders each (1,000 more when
fewer than 800 are left open), records payments on them, and leaves those
payments there. Run it on a benchmark database.

Each clerk (a thread) records payments through workflow.payments.
record_payment until the time is up: half the time for "its" customer,
else any of the six (so clerks overlap), on 1 to 3 of that customer's open
orders, a third of the time among its five oldest (the same orders for
every clerk: lock contention), partial amounts of 0.50 to 5.00, and one
time in twenty the whole balance it read a moment before (another clerk
may have paid since: the rule then refuses it), on orders other than the
five oldest: settled, those would refuse every later call on them. Every
call's wall-clock latency counts, refusals included; the pool is large
enough that most calls record a payment (about 13,000 payments in a run
settle some 1,300 orders).

Baseline: the same clerks for the same time doing only what the rule sits
on top of: one bare INSERT of a payment row and one of its allocation
(0.01 on an open order of the same customers) in a transaction. With no
lock, two clerks may both pay an order's last cent: the database's check
refuses the second, and that call counts as refused.

Afterwards two SQL checks that no order is overpaid: order_balances
(paid > total), and the raw rows (allocated payments > items' total).
"""

from __future__ import annotations

import argparse
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from psycopg.errors import CheckViolation
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from bench.results import Figure, Target
from bench.timing import Timing, timing_of
from workflow.balances import order_balances_for
from workflow.errors import ErrorCode, WorkflowError
from workflow.payments import record_payment

MEASUREMENT = "3. payments"
CUSTOMERS = 6
ORDERS_EACH = 1_000
HOT = 5
MIN_OPEN = 800
# Units per bench order (at 10.00 or more each): a run records about 13,000 payments of
# 2.75 on average; with 3 units the oldest orders, which every clerk pays, were paid up
# in the first seconds and half of the calls were refusals.
UNITS = 100
LARGEST_PART = Decimal("5.00")  # partial payments are 0.50 to 5.00
OVERPAID_CHECK = "order_balances_not_overpaid"  # db/schema.sql


@dataclass(frozen=True)
class LoadRun:
    latency: Timing
    recorded: int
    refused: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.recorded / self.seconds


def ensure_customers(engine: Engine) -> dict[int, list[int]]:
    """The bench customers' ids and open order ids (oldest due first), adding
    the customers, or ORDERS_EACH more orders for one with fewer than MIN_OPEN open. Open
    is a balance of at least the largest partial amount (5.00): a pool of
    orders nearly paid up by earlier runs would turn most payments into
    refusals, which are cheaper and would flatter the latency."""
    found: dict[int, list[int]] = {}
    for k in range(CUSTOMERS):
        email = f"bench-pay-{k}@example.com"
        with engine.begin() as conn:
            customer = conn.execute(text("SELECT id FROM customers WHERE email = :e"), {"e": email}).scalar()
            if customer is None:
                customer = conn.execute(
                    text(
                        "INSERT INTO customers (email, full_name, country) VALUES (:e, :n, 'DE') RETURNING id"
                    ),
                    {"e": email, "n": f"Bench Payer {k}"},
                ).scalar_one()
            open_orders = _open_orders(conn, customer)
            if len(open_orders) < MIN_OPEN:
                _add_orders(conn, customer, ORDERS_EACH)
                open_orders = _open_orders(conn, customer)
        found[customer] = open_orders
    return found


def _open_orders(conn, customer: int) -> list[int]:
    return list(
        conn.execute(
            text(
                "SELECT o.id FROM orders o JOIN order_balances b ON b.order_id = o.id "
                "WHERE o.customer_id = :c AND o.status = 'placed' AND b.total - b.paid >= :least "
                "ORDER BY o.due_at, o.id"
            ),
            {"c": customer, "least": LARGEST_PART},
        ).scalars()
    )


def _add_orders(conn, customer: int, count: int) -> None:
    """`count` orders of UNITS units of the best-stocked product, with their stock movements."""
    params = {"c": customer, "n": count, "units": UNITS}
    params["p"] = conn.execute(
        text("SELECT id FROM products WHERE active ORDER BY stock_qty DESC LIMIT 1")
    ).scalar_one()
    for statement in (
        "INSERT INTO stock_movements (product_id, quantity_delta, reason, unit_cost, note) "
        "SELECT id, CAST(:units AS integer) * :n, 'receipt', unit_cost, 'bench-pay' FROM products WHERE id = :p",
        "CREATE TEMPORARY TABLE bench_new_orders ON COMMIT DROP AS WITH added AS ("
        " INSERT INTO orders (customer_id, placed_at, due_at)"
        " SELECT :c, now() - g * interval '1 hour', now() - g * interval '1 hour' + interval '30 days'"
        " FROM generate_series(1, :n) g RETURNING id) SELECT id FROM added",
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
        "SELECT o.id, p.id, :units, greatest(p.unit_price, 10), p.unit_cost FROM bench_new_orders o, products p "
        "WHERE p.id = :p",
        "INSERT INTO stock_movements (product_id, quantity_delta, reason, order_id, note) "
        "SELECT :p, -:units, 'sale', id, 'bench-pay' FROM bench_new_orders",
    ):
        conn.execute(text(statement), params)


def _clerks(count: int, seconds: float, work) -> tuple[list[float], int, int, float]:
    """Run `work(clerk, rng) -> bool` (recorded?) in `count` threads for
    `seconds`; (latencies ms, recorded, refused, elapsed)."""
    latencies: list[float] = []
    counts = {"recorded": 0, "refused": 0}
    lock = threading.Lock()
    errors: list[BaseException] = []
    deadline = time.monotonic() + seconds

    def clerk(number: int) -> None:
        rng = random.Random(number)
        mine: list[float] = []
        done = {"recorded": 0, "refused": 0}
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                recorded = work(number, rng)
                mine.append((time.perf_counter() - started) * 1000)
                done["recorded" if recorded else "refused"] += 1
        except BaseException as exc:  # reported after the run, not lost in a thread
            errors.append(exc)
        with lock:
            latencies.extend(mine)
            for key, value in done.items():
                counts[key] += value

    started = time.monotonic()
    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"a clerk failed: {errors[0]!r}") from errors[0]
    return latencies, counts["recorded"], counts["refused"], time.monotonic() - started


def record_load(engine: Engine, pool: dict[int, list[int]], clerks: int, seconds: float) -> LoadRun:
    customers = sorted(pool)

    def work(clerk: int, rng: random.Random) -> bool:
        customer = customers[clerk % len(customers)] if rng.random() < 0.5 else rng.choice(customers)
        orders = pool[customer]
        settle = rng.random() < 0.05  # the whole balance, not among the hot orders (see the docstring)
        source = orders[HOT:] if settle else orders[:HOT] if rng.random() < 1 / 3 else orders
        chosen = rng.sample(source, min(len(source), rng.randint(1, 3)))
        amount = Decimal(rng.randint(50, int(LARGEST_PART * 100))) / 100
        if settle:
            amount = sum((b.balance_due for b in order_balances_for(engine, chosen)), Decimal("0.00"))
        try:
            record_payment(
                engine, order_ids=chosen, amount=amount, method="bank_transfer",
                received_at=datetime.now(UTC), idempotency_key=f"bench-{uuid.uuid4()}",
                actor=f"bench-clerk-{clerk}", reference="bench load",
            )  # fmt: skip
        except WorkflowError as exc:
            if exc.code == ErrorCode.OVERPAYMENT or amount == 0:
                return False
            raise
        return True

    latencies, recorded, refused, elapsed = _clerks(clerks, seconds, work)
    return LoadRun(timing_of("record_payment", latencies), recorded, refused, elapsed)


def bare_load(engine: Engine, pool: dict[int, list[int]], clerks: int, seconds: float) -> LoadRun:
    pairs = [(customer, order) for customer, orders in pool.items() for order in orders]

    def work(clerk: int, rng: random.Random) -> bool:
        customer, order = rng.choice(pairs)
        try:
            _bare_payment(engine, customer, order)
        except IntegrityError as exc:
            # No lock: two clerks may both pay an order's last cent, and the database's own
            # check refuses the second (what record_payment's row locks keep from happening).
            if isinstance(exc.orig, CheckViolation) and exc.orig.diag.constraint_name == OVERPAID_CHECK:
                return False
            raise
        return True

    latencies, recorded, refused, elapsed = _clerks(clerks, seconds, work)
    return LoadRun(timing_of("bare insert", latencies), recorded, refused, elapsed)


def _bare_payment(engine: Engine, customer: int, order: int) -> None:
    """One payment row of 0.01 and its allocation to `order`, in a transaction."""
    with engine.begin() as conn:
        payment = conn.execute(
            text(
                "INSERT INTO payments (customer_id, amount, kind, method, received_at, idempotency_key, "
                "recorded_by) VALUES (:c, 0.01, 'payment', 'bank_transfer', now(), :k, 'bench-bare') "
                "RETURNING id"
            ),
            {"c": customer, "k": f"bench-bare-{uuid.uuid4()}"},
        ).scalar_one()
        conn.execute(
            text("INSERT INTO payment_allocations (payment_id, order_id, amount) VALUES (:p, :o, 0.01)"),
            {"p": payment, "o": order},
        )


def overpaid(engine: Engine) -> tuple[int, int]:
    """Orders paid beyond their total: (by order_balances, by the raw rows)."""
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT count(*) FROM order_balances WHERE paid > total")).scalar_one()
        raw = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT pa.order_id, sum(pa.amount) AS paid FROM payment_allocations pa "
                "JOIN payments p ON p.id = pa.payment_id WHERE p.kind = 'payment' GROUP BY pa.order_id) a "
                "JOIN (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) t "
                "USING (order_id) WHERE a.paid > t.total"
            )
        ).scalar_one()
    return kept, raw


def run(engine: Engine, clerks: int, seconds: float) -> tuple[LoadRun, LoadRun, tuple[int, int], int]:
    """(the rule's load, the bare inserts' load, overpaid counts, orders in the pool)."""
    pool = ensure_customers(engine)
    ours = record_load(engine, pool, clerks, seconds)
    pool = ensure_customers(engine)  # the orders still open, and more for a customer paid up
    bare = bare_load(engine, pool, clerks, seconds)
    return ours, bare, overpaid(engine), sum(len(v) for v in pool.values())


def figures(ours: LoadRun, bare: LoadRun, over: tuple[int, int], clerks: int) -> list[Figure]:
    label = f"{clerks} clerks for {ours.seconds:.0f} s"
    return [
        Figure(
            MEASUREMENT,
            f"record_payment latency, {label}, p95",
            ours.latency.p95_ms,
            "ms",
            detail=f"p50 {ours.latency.p50_ms:.1f} ms; {ours.recorded:,} recorded, {ours.refused:,} refused as over the balance",
            baseline=bare.latency.p95_ms,
            baseline_name=(
                f"bare INSERT payment + allocation p95 (p50 {bare.latency.p50_ms:.1f}; "
                f"{bare.refused:,} refused by the overpayment check)"
            ),
            target=Target("<=", 25, "ms"),
        ),
        Figure(
            MEASUREMENT,
            f"payments recorded per second, {label}",
            ours.rate,
            "payments/s",
            kind="rate",
            baseline=bare.rate,
            baseline_name="bare INSERTs per second",
        ),
        Figure(
            MEASUREMENT,
            "orders overpaid after the load",
            float(max(over)),
            "orders",
            kind="count",
            detail=f"order_balances: {over[0]}; raw allocations vs items: {over[1]}",
            target=Target("<=", 0, "orders"),
        ),
    ]


def main() -> None:
    from workflow.db import make_engine

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clerks", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    ours, bare, over, _ = run(make_engine(pool_size=args.clerks + 2), args.clerks, args.seconds)
    for figure in figures(ours, bare, over, args.clerks):
        print(f"{figure.name}: {figure.value:,.1f} {figure.unit} ({figure.detail}); "
              f"{figure.baseline_name}: {figure.baseline or 0:,.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
