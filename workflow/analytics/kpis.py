"""The KPI cards: a period beside the previous period of equal length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine, text

from workflow.analytics.filters import Filters
from workflow.balances import PaymentState
from workflow.money import quantize_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Kpis:
    """Figures for orders placed in a period (cancelled orders excluded) and
    cash received in it.

    - booked_revenue: items of those orders at their prices;
    - collected_cash: payments received in the period minus refunds given
      back in it (not narrowed by category: a payment is not per category);
    - orders, average_order_value = booked_revenue / orders;
    - outstanding_balance: what those orders still owe (total - paid), now;
    - overdue_count / overdue_amount: those of them past their due date;
    - state_counts: those orders per payment state, judged now."""

    booked_revenue: Decimal
    collected_cash: Decimal
    orders: int
    average_order_value: Decimal
    outstanding_balance: Decimal
    overdue_count: int
    overdue_amount: Decimal
    state_counts: dict[PaymentState, int]


@dataclass(frozen=True)
class KpiComparison:
    current: Kpis
    previous: Kpis

    def change(self, name: str) -> Decimal | None:
        """Relative change against the previous period (0.25 = +25 %), or None
        when the previous figure was zero."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if not before:
            return None
        return ((Decimal(now) - Decimal(before)) / Decimal(before)).quantize(Decimal("0.0001"))


# One round trip per period: the booked figures, the cash, then the orders
# needing attention per state (rows named after the figure they give).
#
# Placed orders not fully paid, or refunded, come from the rollups of
# migration 007 (by placed day, country, due day and a bucket that does not
# depend on the clock); the fully paid rest is counted by difference from
# the booked rollups. An open order is overdue once its due time has passed:
# due days before the moment's day are overdue, later ones are not, and the
# orders due on that very day are judged one by one (_DUE_THAT_DAY).
_OPEN = "('unpaid', 'partially_paid')"
_BOOKED_ROW, _CASH_ROW, _DUE_THAT_DAY_ROW = "booked", "cash", "due that day"
_FIGURES = f"""
SELECT '{_BOOKED_ROW}', coalesce(sum(order_count), 0), coalesce(sum(revenue), 0) FROM {{booked_source}}
 WHERE day BETWEEN :start AND :end {{booked_where}}
UNION ALL
SELECT '{_CASH_ROW}', 0, coalesce(sum(collected - refunded), 0) FROM cash_daily
 WHERE day BETWEEN :start AND :end {{cash_where}}
UNION ALL
SELECT CASE WHEN bucket NOT IN {_OPEN} THEN bucket
            WHEN due_day < :at_day THEN 'overdue'
            WHEN due_day = :at_day THEN '{_DUE_THAT_DAY_ROW}'
            ELSE bucket END,
       sum(orders), coalesce(sum(balance_due), 0)
  FROM {{states_source}}
 WHERE day BETWEEN :start AND :end {{booked_where}}
 GROUP BY 1
"""
# Materialized: the few open orders due that day come first, by their due
# time; the planner would otherwise also walk every order placed in the
# period (it cannot estimate the period's bounds, computed in the query).
_DUE_THAT_DAY = """
WITH b AS MATERIALIZED (
    SELECT order_id, customer_id, status, placed_at, due_at, total, paid, refunded
      FROM order_balances
     WHERE status = 'placed' AND paid < total AND refunded = 0
       AND due_at >= (CAST(:at_day AS timestamp) AT TIME ZONE (SELECT timezone FROM business_calendar))
       AND due_at < (CAST(:after_at_day AS timestamp) AT TIME ZONE (SELECT timezone FROM business_calendar))
)
SELECT payment_state(b.status, b.total, b.paid, b.refunded, b.due_at, :at) AS state,
       count(*), coalesce(sum(balance_due(b.status, b.total, b.paid)), 0)
  FROM b WHERE true {where}
 GROUP BY 1
"""
_MOMENT = """
SELECT coalesce(CAST(:at AS timestamptz), now()) AS at,
       (coalesce(CAST(:at AS timestamptz), now()) AT TIME ZONE timezone)::date AS day
  FROM business_calendar
"""


def kpis(engine: Engine, filters: Filters, *, at: datetime | None = None) -> KpiComparison:
    """KPIs for the filtered period and for the period of equal length before
    it; payment states are judged at `at` (default: now)."""
    with engine.connect() as conn:
        moment, day = conn.execute(text(_MOMENT), {"at": at}).one()
        judged = {"at": moment, "at_day": day, "after_at_day": day + timedelta(days=1)}
        return KpiComparison(_period(conn, filters, judged), _period(conn, filters.previous(), judged))


def _period(conn: Connection, filters: Filters, judged: dict[str, object]) -> Kpis:
    params: dict[str, object] = {"start": filters.start, "end": filters.end, **judged}
    booked_where, booked_params = filters.sql(country="country", category="category")
    cash_where, _ = filters.sql(country="country")
    order_where, order_params = filters.order_sql(
        order_id="b.order_id", customer_id="b.customer_id", placed_at="b.placed_at"
    )
    params.update(booked_params)
    params.update(order_params)
    sql = _FIGURES.format(
        booked_source="sales_daily" if filters.category else "orders_daily",
        states_source="category_payment_states_daily" if filters.category else "payment_states_daily",
        booked_where=booked_where,
        cash_where=cash_where,
    )
    figures = {name: (count, amount) for name, count, amount in conn.execute(text(sql), params)}
    orders, booked = figures.pop(_BOOKED_ROW)
    cash = figures.pop(_CASH_ROW)[1]
    if figures.pop(_DUE_THAT_DAY_ROW, None) is not None:
        for state, count, balance_due in conn.execute(text(_DUE_THAT_DAY.format(where=order_where)), params):
            known = figures.get(state, (0, ZERO))
            figures[state] = (known[0] + count, known[1] + balance_due)
    counts = {state: 0 for state in PaymentState}
    owed = {state: ZERO for state in PaymentState}
    for state, (count, balance_due) in figures.items():
        counts[PaymentState(state)] = int(count)
        owed[PaymentState(state)] = balance_due
    counts[PaymentState.PAID] = int(orders) - sum(counts.values())
    return Kpis(
        booked_revenue=quantize_money(booked),
        collected_cash=quantize_money(cash),
        orders=int(orders),
        average_order_value=quantize_money(booked / orders) if orders else ZERO,
        outstanding_balance=quantize_money(sum(owed.values(), ZERO)),
        overdue_count=counts[PaymentState.OVERDUE],
        overdue_amount=quantize_money(owed[PaymentState.OVERDUE]),
        state_counts=counts,
    )
