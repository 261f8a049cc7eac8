"""`python -m bench --small` in the normal suite, so the benchmarks never rot.

The small suite runs once for this module, in this process, on the test
PostgreSQL server (a scratch database of 10,000 orders it creates and
drops). The tests check that every measurement produced numbers beside
its baseline and that the report renders; they never judge a timing.
Whether clerks recording payments at once can overpay an order is checked
again on a database of the test's own, with a query of the test's own.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from bench import payments_load
from bench.report import benchmarks_md, render
from bench.results import Report
from bench.suite import Options, run_suite
from workflow.db import make_engine

pytestmark = pytest.mark.slow
MEASUREMENTS = {
    "1. dashboard callbacks",
    "2. dashboard in Chromium",
    "3. payments",
    "3. payment lookup",
    "4. customer import",
    "5. CSV export",
    "6. HTTP (gunicorn)",
    "7. demo data",
}
ON_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def small_report(pg_server_url) -> Iterator[Report]:
    options = Options(
        small=True, server_url=pg_server_url.render_as_string(hide_password=False), progress=False
    )
    yield run_suite(options, say=lambda line: None)


def test_the_small_suite_runs_every_measurement_without_a_failure(small_report):
    assert small_report.failures == []
    assert {f.measurement for f in small_report.figures} == MEASUREMENTS
    assert small_report.orders == 10_000


def test_every_figure_is_a_number_beside_a_baseline_number(small_report):
    skipped = [f for f in small_report.figures if f.skipped]
    if ON_CI:
        assert skipped == []
    for reason in (f.skipped for f in skipped):
        assert reason.startswith("skipped: "), reason  # a missing tool, never a failure
    for figure in (f for f in small_report.figures if not f.skipped):
        assert figure.value is not None and math.isfinite(figure.value), figure
        if figure.name != "orders overpaid after the load":
            assert figure.baseline is not None and figure.baseline > 0, figure
            assert figure.versus().endswith(("faster", "slower", "less", "more")), figure


def test_dashboard_callbacks_are_measured_uncached_and_cached_for_every_panel(small_report):
    names = {f.name.split(",")[0] for f in small_report.figures if f.measurement == "1. dashboard callbacks"}
    assert names == {"kpis", "revenue", "turnover", "shipments", "stuck", "revenue over two years"}


def test_the_clerks_recorded_payments_and_overpaid_no_order(small_report):
    figures = {f.name: f for f in small_report.figures if f.measurement == "3. payments"}
    overpaid = figures["orders overpaid after the load"]
    assert overpaid.value == 0
    assert overpaid.target is not None and overpaid.met(small=True) is True
    rate = next(f for name, f in figures.items() if name.startswith("payments recorded per second"))
    assert rate.value > 0


def test_the_report_lists_every_figure_with_its_target_and_verdict(small_report):
    text_report = render(small_report, html=False)
    for figure in small_report.figures:
        assert f"| {figure.name} |" in text_report
    assert "| ≤ 50 ms |" in text_report and "| ≤ 25 ms |" in text_report
    assert "n/a at 10,000 orders" in text_report  # the 1M-only targets are not judged here
    assert "load average" in text_report and "PostgreSQL" in text_report
    page = benchmarks_md(small_report)
    assert page.startswith("# Benchmarks") and "| measurement | figure | value |" in page


def test_clerks_paying_the_same_orders_at_once_never_overpay_one(demo_db_url):
    engine = make_engine(url=demo_db_url, pool_size=10)
    try:
        ours, _bare, counted, _ = payments_load.run(engine, clerks=8, seconds=1.0)
        with engine.connect() as conn:
            recorded = conn.execute(
                text("SELECT count(*) FROM payments WHERE reference = 'bench load'")
            ).scalar_one()
            over = conn.execute(
                text(
                    "SELECT o.id FROM orders o "
                    "JOIN LATERAL (SELECT sum(quantity * unit_price) AS total FROM order_items "
                    "               WHERE order_id = o.id) t ON true "
                    "JOIN LATERAL (SELECT coalesce(sum(a.amount), 0) AS paid FROM payment_allocations a "
                    "               JOIN payments p ON p.id = a.payment_id "
                    "              WHERE a.order_id = o.id AND p.kind = 'payment') a ON true "
                    "WHERE a.paid > t.total"
                )
            ).all()
    finally:
        engine.dispose()
    assert recorded == ours.recorded > 0
    assert over == []
    assert counted == (0, 0)


def test_bare_inserts_that_would_overpay_an_order_count_as_refused_not_as_a_failed_run(demo_db_url):
    engine = make_engine(url=demo_db_url, pool_size=10)
    try:
        with engine.begin() as conn:  # an order with two cents left to pay
            customer, order, due = conn.execute(text(
                "SELECT customer_id, order_id, total - paid FROM order_balances "
                "WHERE status = 'placed' AND paid < total - 1 ORDER BY order_id LIMIT 1")).one()  # fmt: skip
            payment = conn.execute(text(
                "INSERT INTO payments (customer_id, amount, kind, method, received_at, idempotency_key, "
                "recorded_by) VALUES (:c, :a, 'payment', 'bank_transfer', now(), 'test-nearly', 't') "
                "RETURNING id"), {"c": customer, "a": due - Decimal("0.02")}).scalar_one()  # fmt: skip
            conn.execute(text("INSERT INTO payment_allocations (payment_id, order_id, amount) VALUES (:p, :o, :a)"),
                         {"p": payment, "o": order, "a": due - Decimal("0.02")})  # fmt: skip
        bare = payments_load.bare_load(engine, {customer: [order]}, clerks=4, seconds=0.5)
        with engine.connect() as conn:
            left = conn.execute(text("SELECT total - paid FROM order_balances WHERE order_id = :o"),
                                {"o": order}).scalar_one()  # fmt: skip
    finally:
        engine.dispose()
    assert (bare.recorded, left) == (2, 0)
    assert bare.refused > 0
