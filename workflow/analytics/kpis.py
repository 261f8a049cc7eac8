"""The KPI cards: a period beside the previous period of equal length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


_BOOKED = """
SELECT coalesce(sum(revenue), 0), coalesce(sum(order_count), 0) FROM {source}
 WHERE day BETWEEN :start AND :end {where}
"""
_CASH = """
SELECT coalesce(sum(collected - refunded), 0) FROM cash_daily WHERE day BETWEEN :start AND :end {where}
"""
# Placed orders not fully paid, or refunded: a few percent of all orders,
# found through the partial index order_balances_attention_idx; the fully
# paid rest is counted by difference from the rollups.
_ATTENTION = """
SELECT payment_state(b.status, b.total, b.paid, b.refunded, b.due_at, coalesce(:at, now())) AS state,
       count(*), coalesce(sum(b.total - b.paid), 0)
  FROM order_balances AS b
 WHERE b.status = 'placed' AND (b.paid < b.total OR b.refunded > 0)
   {where}
 GROUP BY 1
"""


def kpis(engine: Engine, filters: Filters, *, at: datetime | None = None) -> KpiComparison:
    """KPIs for the filtered period and for the period of equal length before
    it; payment states are judged at `at` (default: now)."""
    with engine.connect() as conn:
        return KpiComparison(_period(conn, filters, at), _period(conn, filters.previous(), at))


def _period(conn: Connection, filters: Filters, at: datetime | None) -> Kpis:
    params: dict[str, object] = {"start": filters.start, "end": filters.end, "at": at}
    booked_where, booked_params = filters.sql(country="country", category="category")
    cash_where, _ = filters.sql(country="country")
    order_where, order_params = filters.order_sql(
        order_id="b.order_id", customer_id="b.customer_id", placed_at="b.placed_at"
    )
    params.update(booked_params)
    params.update(order_params)
    source = "sales_daily" if filters.category else "orders_daily"
    booked, orders = conn.execute(text(_BOOKED.format(source=source, where=booked_where)), params).one()
    cash = conn.execute(text(_CASH.format(where=cash_where)), params).scalar_one()
    counts = {state: 0 for state in PaymentState}
    owed = {state: ZERO for state in PaymentState}
    for state, count, balance_due in conn.execute(text(_ATTENTION.format(where=order_where)), params):
        counts[PaymentState(state)] = count
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
