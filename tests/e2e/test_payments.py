"""The clerk's payments page in a real Chromium. Every test writes, so each
has an app of its own on its own copy of the demo data; expected figures
come from SQL over order_balances and payments, never from the page's code."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.live_app import LiveApp, app_of, sign_in
from workflow.payments import record_payment


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Every test here acts as an admin: a clerk pays, but these tests also read the dashboard."""
    sign_in(page, app_of(request), "admin")


OPEN = "status = 'placed' AND paid < total AND refunded = 0"  # unpaid, partially paid or overdue


@pytest.fixture
def app(demo_db_url: str) -> Iterator[LiveApp]:
    with LiveApp(demo_db_url) as live:
        yield live


def scalar(app: LiveApp, sql: str, **params):
    with app.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def two_open_orders(app: LiveApp) -> tuple[int, int, int]:
    """A customer with at least two open orders due on different days, and
    their two oldest-due open orders (the first two rows of their list)."""
    with app.engine.connect() as conn:
        customer = conn.execute(
            text(
                f"SELECT customer_id FROM order_balances WHERE {OPEN} GROUP BY customer_id "
                "HAVING count(DISTINCT due_at) >= 2 ORDER BY count(*), customer_id LIMIT 1"
            )
        ).scalar_one()
        first, second = (
            conn.execute(
                text(
                    f"SELECT order_id FROM order_balances WHERE {OPEN} AND customer_id = :c ORDER BY due_at, order_id LIMIT 2"
                ),
                {"c": customer},
            )
            .scalars()
            .all()
        )
    return customer, first, second


def owed(app: LiveApp, *order_ids: int) -> Decimal:
    return scalar(
        app, "SELECT sum(total - paid) FROM order_balances WHERE order_id = ANY(:ids)", ids=list(order_ids)
    )


def payments_count(app: LiveApp) -> int:
    return scalar(app, "SELECT count(*) FROM payments")


def open_customer(page, app: LiveApp, customer: int) -> None:
    page.goto(app.url + "/payments")
    page.fill("#payments-customer-search", str(customer))
    page.click(f"#payments-customer-results .list-group-item:has-text('#{customer} ·')")
    page.wait_for_selector(f"#payments-customer-heading >> text=(#{customer})")


def tick(page, *order_ids: int) -> None:
    for order_id in order_ids:
        page.check(f"#payments-order-row-{order_id} input[type=checkbox]")
    page.wait_for_selector(f"#payments-summary >> text={len(order_ids)} order")
    page.wait_for_function(
        "n => document.querySelectorAll('#payments-allocations input').length === n", arg=len(order_ids)
    )


def allocation(page, order_id: int) -> str:
    return page.input_value(allocation_input(order_id))


def allocation_input(order_id: int) -> str:
    """The allocation input of an order (pattern-matching ids are JSON in the DOM)."""
    return f"#payments-allocations input[id*='\"index\":{order_id},']"


def shown_money(page, selector: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.\-]", "", page.inner_text(selector)))


def outstanding_on_dashboard(page, app: LiveApp, *order_ids: int) -> Decimal:
    """The dashboard's outstanding balance for the days the orders were placed on."""
    zone = app.settings.tz.key
    start, end = (
        scalar(app, f"SELECT {edge}((placed_at AT TIME ZONE :z)::date) FROM orders WHERE id = ANY(:ids)", z=zone,
               ids=list(order_ids))
        for edge in ("min", "max")
    )  # fmt: skip
    page.goto(f"{app.url}/?from={start}&to={end}")
    # the dashboard draws every panel: on a busy machine that takes a while
    page.wait_for_selector("#dashboard-kpi-outstanding_balance-value", state="visible", timeout=60_000)
    page.wait_for_function(
        "document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0", timeout=60_000
    )
    return shown_money(page, "#dashboard-kpi-outstanding_balance-value")


def wait_until(page, condition, timeout: float = 20.0) -> bool:
    """Poll a database condition while the page keeps running (its route
    handlers only run while Playwright waits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        page.wait_for_timeout(100)
    return condition()


def submit_and_wait_for_receipt(page) -> None:
    page.click("#payments-submit")
    page.wait_for_selector("#payments-result-receipt")


def test_a_clerk_pays_two_orders_in_full_and_the_outstanding_balance_falls_by_that_much(page, app) -> None:
    customer, first, second = two_open_orders(app)
    due = owed(app, first, second)
    before = outstanding_on_dashboard(page, app, first, second)
    open_customer(page, app, customer)
    tick(page, first, second)
    assert page.input_value("#payments-amount") == str(due)
    assert shown_money(page, "#payments-summary-due") == due
    assert page.inner_text("#payments-summary").startswith("2 orders selected — balance due")
    page.fill("#payments-reference", "TR-4711")
    submit_and_wait_for_receipt(page)
    assert scalar(app, "SELECT amount FROM payments WHERE reference = 'TR-4711'") == due
    assert page.input_value("#payments-reference") == ""  # the next payment starts clean
    for order_id in (first, second):
        assert page.inner_text(f"#payments-receipt-state-{order_id}") == "Paid"
    assert scalar(app, "SELECT bool_and(paid = total) FROM order_balances WHERE order_id IN (:a, :b)", a=first,
                  b=second)  # fmt: skip
    assert page.inner_text("#payments-summary").startswith("No orders selected")
    assert outstanding_on_dashboard(page, app, first, second) == before - due


def test_a_lower_amount_pays_the_oldest_due_order_first_and_part_of_the_next(page, app) -> None:
    customer, first, second = two_open_orders(app)
    first_due, second_due = owed(app, first), owed(app, second)
    paid_before = scalar(app, "SELECT paid FROM order_balances WHERE order_id = :o", o=second)
    amount = first_due + Decimal("0.01")
    page.goto(app.url + "/payments")
    page.fill("#payments-order-numbers", f"{second}, {first}")  # found by number this time
    page.click("#payments-find-orders")
    page.wait_for_selector(f"#payments-customer-heading >> text=(#{customer})")
    page.wait_for_function("document.querySelectorAll('#payments-allocations input').length === 2")
    page.fill("#payments-amount", str(amount))
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel).value === want",
        arg=[allocation_input(second), "0.01"],
    )
    assert allocation(page, first) == str(first_due)
    submit_and_wait_for_receipt(page)
    assert page.inner_text(f"#payments-receipt-state-{first}") == "Paid"
    assert scalar(app, "SELECT paid = total FROM order_balances WHERE order_id = :o", o=first)
    assert scalar(
        app, "SELECT paid FROM order_balances WHERE order_id = :o", o=second
    ) == paid_before + Decimal("0.01")
    assert scalar(
        app, "SELECT total - paid FROM order_balances WHERE order_id = :o", o=second
    ) == second_due - Decimal("0.01")


def big_customer(app: LiveApp, orders: int) -> tuple[int, list[int]]:
    """A new customer with `orders` unpaid orders (written straight into this
    test's copy of the database), their ids oldest due date first."""
    with app.engine.begin() as conn:
        customer = conn.execute(
            text(
                "INSERT INTO customers (email, full_name, country) "
                "VALUES ('big.buyer@example.com', 'Big Buyer', 'DE') RETURNING id"
            )
        ).scalar_one()
        ids = (
            conn.execute(
                text(
                    "INSERT INTO orders (customer_id, placed_at, due_at) "
                    "SELECT :c, now() - n * interval '1 day', now() - n * interval '1 day' + interval '30 days' "
                    "FROM generate_series(:n, 1, -1) AS n RETURNING id"
                ),
                {"c": customer, "n": orders},
            )
            .scalars()
            .all()
        )
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price, unit_cost) "
                "SELECT o, p.id, 1, p.unit_price, p.unit_cost FROM unnest(CAST(:ids AS bigint[])) AS o, "
                "(SELECT id, unit_price, unit_cost FROM products WHERE unit_price > 0 ORDER BY id LIMIT 1) AS p"
            ),
            {"ids": ids},
        )
    return customer, ids


def test_orders_ticked_on_two_pages_of_a_big_customer_stay_selected(page, app) -> None:
    customer, orders = big_customer(app, 30)
    open_customer(page, app, customer)
    assert "30 open orders" in page.inner_text("#payments-customer-heading")
    page.check(f"#payments-order-row-{orders[0]} input[type=checkbox]")
    page.wait_for_selector("#payments-summary >> text=1 order selected")
    page.click("#payments-pager a.page-link:text-is('2')")
    page.check(f"#payments-order-row-{orders[-1]} input[type=checkbox]")
    page.wait_for_selector("#payments-summary >> text=2 orders selected")
    page.wait_for_function("document.querySelectorAll('#payments-allocations input').length === 2")
    assert page.input_value("#payments-amount") == str(owed(app, orders[0], orders[-1]))
    page.click("#payments-pager a.page-link:text-is('1')")
    page.wait_for_selector(f"#payments-order-row-{orders[0]}")
    assert page.is_checked(f"#payments-order-row-{orders[0]} input[type=checkbox]")


def test_paying_more_than_is_left_after_another_clerk_paid_is_refused_with_the_balance_now(page, app) -> None:
    customer, first, _ = two_open_orders(app)
    due = owed(app, first)
    open_customer(page, app, customer)
    tick(page, first)
    assert page.input_value("#payments-amount") == str(due)
    record_payment(  # another clerk, behind this page's back
        app.engine,
        order_ids=[first],
        amount="0.01",
        method="cash",
        received_at=datetime.now(app.settings.tz),
        idempotency_key="another-clerk",
        actor="another clerk",
    )
    count = payments_count(app)
    page.click("#payments-submit")
    page.wait_for_selector("#payments-result-refusal")
    left = due - Decimal("0.01")
    assert (
        page.inner_text("#payments-result-message")
        == f"Order {first} has {left} left to pay; {due} was entered."
    )
    assert f"Balance due now: €{left}" in page.inner_text("#payments-result-refusal")
    page.wait_for_function("want => document.querySelector('#payments-amount').value === want", arg=str(left))
    assert shown_money(page, "#payments-summary-due") == left
    assert payments_count(app) == count


def test_a_double_click_records_one_payment(page, app) -> None:
    customer, first, _ = two_open_orders(app)
    count = payments_count(app)
    open_customer(page, app, customer)
    tick(page, first)
    page.dblclick("#payments-submit")
    page.wait_for_selector("#payments-result-receipt")
    page.wait_for_function("!document.querySelector('#payments-submit').disabled")
    assert payments_count(app) == count + 1
    assert scalar(app, "SELECT paid = total FROM order_balances WHERE order_id = :o", o=first)


def test_a_resubmit_after_a_lost_answer_and_a_reload_records_one_payment(page, app) -> None:
    customer, first, _ = two_open_orders(app)
    paid_before = scalar(app, "SELECT paid FROM order_balances WHERE order_id = :o", o=first)
    count = payments_count(app)

    def lose_the_answer(route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "payments-submit.n_clicks" in body.get("changedPropIds", []):
            route.fetch()  # the server records the payment ...
            route.abort()  # ... but the browser never hears back
        else:
            route.continue_()

    open_customer(page, app, customer)
    key = page.evaluate("JSON.parse(sessionStorage.getItem('payments-key'))")
    tick(page, first)
    page.fill("#payments-amount", "0.01")
    page.route("**/_dash-update-component*", lose_the_answer)
    page.click("#payments-submit")
    assert wait_until(page, lambda: payments_count(app) == count + 1)
    page.unroute("**/_dash-update-component*")
    open_customer(page, app, customer)  # a reload: the same tab, the same form key
    assert page.evaluate("JSON.parse(sessionStorage.getItem('payments-key'))") == key
    tick(page, first)
    page.fill("#payments-amount", "0.01")
    page.wait_for_function(
        "() => !document.querySelector('#payments-amount').classList.contains('is-invalid')"
    )
    submit_and_wait_for_receipt(page)
    assert "was already recorded" in page.inner_text("#payments-result-receipt")
    assert payments_count(app) == count + 1
    assert scalar(
        app, "SELECT paid FROM order_balances WHERE order_id = :o", o=first
    ) == paid_before + Decimal("0.01")
    assert scalar(app, "SELECT count(*) FROM payments WHERE idempotency_key = :k", k=key) == 1


def test_bad_fields_are_explained_beside_them_and_nothing_is_written(page, app) -> None:
    customer, first, _ = two_open_orders(app)
    count = payments_count(app)
    open_customer(page, app, customer)
    tick(page, first)
    page.fill("#payments-amount", "12,5x")
    page.wait_for_selector(
        "#payments-amount-feedback >> text=Amount '12,5x' is not a number; enter e.g. 12.50."
    )
    assert "is-invalid" in page.get_attribute("#payments-amount", "class")
    page.click("#payments-submit")
    page.wait_for_selector("#payments-result >> text=correct the fields marked in red")
    page.fill("#payments-amount", "-3")
    page.wait_for_selector("#payments-amount-feedback >> text=Amount must be more than 0.00; -3 was entered.")
    page.fill("#payments-amount", str(owed(app, first)))
    page.wait_for_function(
        "() => !document.querySelector('#payments-amount').classList.contains('is-invalid')"
    )
    tomorrow = (datetime.now(app.settings.tz).date() + timedelta(days=1)).isoformat()
    page.fill("#payments-received", tomorrow)
    page.click("#payments-submit")
    page.wait_for_selector("#payments-received-feedback >> text=Money cannot be received in the future")
    assert "is-invalid" in page.get_attribute("#payments-received", "class")
    assert payments_count(app) == count


def test_a_link_with_order_numbers_opens_them_selected_and_a_bad_link_says_why(page, live_app) -> None:
    customer, first, second = two_open_orders(live_app)
    page.goto(f"{live_app.url}/payments?orders={first},{second}")
    page.wait_for_selector(f"#payments-customer-heading >> text=(#{customer})")
    page.wait_for_function("document.querySelectorAll('#payments-allocations input').length === 2")
    assert page.input_value("#payments-amount") == str(owed(live_app, first, second))
    assert page.is_checked(f"#payments-order-row-{first} input[type=checkbox]")
    page.goto(f"{live_app.url}/payments?orders=12x")
    page.wait_for_selector(
        "text='12x' is not an order number; type numbers separated by commas, e.g. 1042, 1043."
    )
