"""The orders list and the order detail in a real Chromium, on demo data;
every figure on screen is compared with a query over the raw rows."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

from tests.live_app import LiveApp, app_of, sign_in


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Refunds and payments are a clerk's (the refund tests, and those naming the clerk);
    the rest, orders and the dashboard, a manager's."""
    clerk = "refund_app" in request.fixturenames or "clerk" in request.function.__name__
    sign_in(page, app_of(request), "clerk" if clerk else "manager")


# Each order's total, paid and refunded from the raw rows (not order_balances,
# not payment_state()), and its payment state by DESIGN.md's table.
RAW = """
WITH raw AS (
  SELECT o.id, o.status, o.placed_at, o.due_at, o.customer_id,
         (SELECT coalesce(sum(i.quantity * i.unit_price), 0) FROM order_items AS i WHERE i.order_id = o.id) AS total,
         (SELECT coalesce(sum(a.amount), 0) FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id
           WHERE a.order_id = o.id AND p.kind = 'payment') AS paid,
         (SELECT coalesce(sum(a.amount), 0) FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id
           WHERE a.order_id = o.id AND p.kind = 'refund') AS refunded
    FROM orders AS o
), judged AS (
  SELECT raw.*, CASE
           WHEN status = 'cancelled' THEN NULL
           WHEN refunded > 0 AND refunded = paid THEN 'refunded'
           WHEN refunded > 0 THEN 'partially_refunded'
           WHEN paid = total THEN 'paid'
           WHEN now() > due_at THEN 'overdue'
           WHEN paid > 0 THEN 'partially_paid'
           ELSE 'unpaid' END AS state
    FROM raw
)
"""
ROWS = "document.querySelectorAll('#orders-table tbody tr')"


def sql(app, query: str, **params):
    with app.engine.connect() as conn:
        return conn.execute(text(query), params).all()


def money(shown: str) -> Decimal:
    """ "€1,234.50" (or "−€4.00") read back as an exact amount."""
    return Decimal(re.sub(r"[^\d.]", "", shown)) * (-1 if shown.startswith("−") else 1)


def shown_count(page) -> int:
    """The total of "Rows 1–50 of 3,000"."""
    return int(re.search(r"of ([\d,]+)$", page.inner_text("#orders-count")).group(1).replace(",", ""))


def table_rows(page) -> list[list[str]]:
    return page.evaluate(f"Array.from({ROWS}).map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))")


def shown_ids(page) -> list[int]:
    return [int(cells[0].lstrip("#")) for cells in table_rows(page)]


def mark_stale(page) -> None:
    """Tag the listing on screen, so a wait can tell the next one from it."""
    page.evaluate("document.querySelector('#orders-table').dataset.stale = 'yes'")


def wait_for_listing(page, params: dict[str, str]) -> None:
    """Until the address holds `params` and a fresh listing (not the one
    mark_stale tagged) has rendered."""
    page.wait_for_function(
        """(wanted) => {
            const query = new URLSearchParams(window.location.search);
            return Object.entries(wanted).every(([k, v]) => query.get(k) === v);
        }""",
        arg=params,
    )
    page.wait_for_selector("#orders-table:not([data-stale])")
    page.wait_for_function("document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0")


def test_the_orders_page_lists_the_newest_orders_first_exactly_as_sql_does(page, live_app) -> None:
    page.goto(live_app.url + "/orders")
    page.wait_for_selector("#orders-table tbody tr")
    tz = live_app.settings.tz.key
    expected = sql(
        live_app,
        RAW
        + "SELECT j.id, c.full_name, to_char(j.placed_at AT TIME ZONE :tz, 'YYYY-MM-DD HH24:MI'), j.total, "
        "j.paid, CASE WHEN j.status = 'cancelled' THEN 0 ELSE j.total - j.paid END "
        "FROM judged AS j JOIN customers AS c ON c.id = j.customer_id ORDER BY j.placed_at DESC, j.id DESC LIMIT 50",
        tz=tz,
    )
    shown = [
        (int(c[0].lstrip("#")), c[1].rsplit(" ", 1)[0], c[2], money(c[3]), money(c[4]), money(c[5]))
        for c in table_rows(page)
    ]
    assert shown == [tuple(row) for row in expected]
    (total,) = sql(live_app, "SELECT count(*) FROM orders")[0]
    assert page.inner_text("#orders-count") == f"Rows 1–50 of {total:,}"


def test_next_page_and_a_sortable_header_reorder_the_rows_as_sql_does(page, live_app) -> None:
    page.goto(live_app.url + "/orders")
    page.wait_for_selector("#orders-table tbody tr")
    mark_stale(page)
    page.click("#orders-next")
    wait_for_listing(page, {"page": "2"})
    second = sql(live_app, "SELECT id FROM orders ORDER BY placed_at DESC, id DESC LIMIT 50 OFFSET 50")
    assert shown_ids(page) == [r.id for r in second]
    assert page.inner_text("#orders-count").startswith("Rows 51–100 of")
    mark_stale(page)
    page.click("#orders-sort-total")
    wait_for_listing(page, {"sort": "total"})
    assert "page" not in parse_qs(urlparse(page.url).query)  # a new sort starts on page 1
    biggest = sql(live_app, RAW + "SELECT id FROM judged ORDER BY total DESC, id DESC LIMIT 50")
    assert shown_ids(page) == [r.id for r in biggest]


def test_choosing_a_payment_state_shows_only_those_orders_and_the_count_sql_gives(page, live_app) -> None:
    page.goto(live_app.url + "/orders")
    page.wait_for_selector("#orders-table tbody tr")
    mark_stale(page)
    page.click("#orders-state")
    page.click(".dash-dropdown-option:has-text('Overdue')")
    wait_for_listing(page, {"state": "overdue"})
    (expected,) = sql(live_app, RAW + "SELECT count(*) FROM judged WHERE state = 'overdue'")[0]
    assert expected > 0
    assert shown_count(page) == expected
    assert {cells[6] for cells in table_rows(page)} == {"Overdue"}


def test_a_customer_search_shows_that_customers_orders_only(page, live_app) -> None:
    customer_id, name, orders = sql(
        live_app,
        "SELECT c.id, c.full_name, count(*) FROM customers AS c JOIN orders AS o ON o.customer_id = c.id "
        "GROUP BY c.id HAVING count(*) > 1 ORDER BY count(*) DESC, c.id LIMIT 1",
    )[0]
    page.goto(live_app.url + "/orders")
    page.wait_for_selector("#orders-table tbody tr")
    mark_stale(page)
    page.fill("#orders-customer", str(customer_id))
    page.keyboard.press("Enter")
    wait_for_listing(page, {"customer": str(customer_id)})
    assert shown_count(page) == orders
    assert {cells[1].rsplit(" ", 1)[0] for cells in table_rows(page)} == {name}


def test_a_dashboard_badge_leads_to_its_orders_with_the_same_count(page, live_app) -> None:
    page.goto(live_app.url + "/")
    page.wait_for_selector("#dashboard-badge-overdue-count")
    badge = int(page.inner_text("#dashboard-badge-overdue-count").replace(",", ""))
    page.click("#dashboard-badge-overdue")
    wait_for_listing(page, {"state": "overdue"})
    params = parse_qs(urlparse(page.url).query)
    assert urlparse(page.url).path == "/orders" and {"from", "to"} <= set(params)
    assert shown_count(page) == badge
    assert page.input_value("input.dash-datepicker-start-date") == params["from"][0]


def test_the_order_detail_shows_items_unit_prices_line_totals_and_the_sql_total(page, live_app) -> None:
    (order_id,) = sql(
        live_app,
        "SELECT order_id FROM order_items GROUP BY order_id HAVING count(*) >= 3 AND max(quantity) > 1 "
        "ORDER BY order_id LIMIT 1",
    )[0]
    items = sql(
        live_app,
        "SELECT p.sku, i.quantity, i.unit_price, i.quantity * i.unit_price FROM order_items AS i "
        "JOIN products AS p ON p.id = i.product_id WHERE i.order_id = :o ORDER BY i.id",
        o=order_id,
    )
    (total,) = sql(
        live_app, "SELECT sum(quantity * unit_price) FROM order_items WHERE order_id = :o", o=order_id
    )[0]
    page.goto(f"{live_app.url}/orders/{order_id}")
    page.wait_for_selector("#order-detail-items")
    shown = page.evaluate(
        """Array.from(document.querySelectorAll('#order-detail-items tbody tr'))
              .map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))"""
    )
    assert [(c[0], int(c[2]), money(c[3]), money(c[4])) for c in shown] == [tuple(r) for r in items]
    assert money(page.inner_text("#order-detail-items-total")) == total
    assert money(page.inner_text("#order-detail-total")) == total


def test_an_unknown_or_non_numeric_order_gets_a_friendly_page(page, live_app) -> None:
    page.goto(live_app.url + "/orders/999999")
    assert page.inner_text("#order-detail-notice") == "Order 999999 does not exist"
    page.goto(live_app.url + "/orders/12abc")
    assert page.inner_text("#order-detail-notice") == "Order 12abc does not exist"


def test_a_bad_url_parameter_shows_a_note_and_the_rest_of_the_view(page, live_app) -> None:
    page.goto(live_app.url + "/orders?state=overdue,late&page=zero")
    page.wait_for_selector("#orders-table tbody tr")
    note = page.inner_text("#orders-note")
    assert "'late' is not a payment state" in note
    assert "page='zero' is not a whole number from 1; using 1." in note
    (expected,) = sql(live_app, RAW + "SELECT count(*) FROM judged WHERE state = 'overdue'")[0]
    assert shown_count(page) == expected


# -- refunds: each test on a database of its own ------------------------------------------------


@pytest.fixture
def refund_app(demo_db_url):
    with LiveApp(demo_db_url) as app:
        yield app


def paid_order(app, at_least: str = "50.00") -> tuple[int, Decimal]:
    """A fully paid order with nothing refunded yet, and what was paid on it."""
    return tuple(
        sql(
            app,
            RAW + "SELECT id, paid FROM judged WHERE state = 'paid' AND paid >= :least ORDER BY id LIMIT 1",
            least=Decimal(at_least),
        )[0]
    )


def refunded_on(app, order_id: int) -> Decimal:
    return sql(app, RAW + "SELECT refunded FROM judged WHERE id = :o", o=order_id)[0][0]


def writes(app) -> tuple[int, int, int]:
    return tuple(sql(app, "SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM payment_allocations), "
                          "(SELECT count(*) FROM audit_log)")[0])  # fmt: skip


def submit_refund(page, amount: str | None = None) -> None:
    if amount is not None:
        page.get_by_label("Partial refund").check()
        page.wait_for_selector("#order-detail-refund-amount:not([disabled])")
        page.fill("#order-detail-refund-amount", amount)
    page.click("#order-detail-refund-submit")


def test_a_partial_then_a_full_refund_leave_what_sql_expects(page, refund_app) -> None:
    order_id, paid = paid_order(refund_app)
    page.goto(f"{refund_app.url}/orders/{order_id}")
    page.wait_for_selector("#order-detail-refund-submit")
    assert page.inner_text("#order-detail-state") == "Paid"

    submit_refund(page, "10.00")
    page.wait_for_selector("#order-detail-notice:has-text('Refund of €10.00 recorded')")
    assert refunded_on(refund_app, order_id) == Decimal("10.00")
    assert page.inner_text("#order-detail-state") == "Partially refunded"
    assert money(page.inner_text("#order-detail-refunded")) == Decimal("10.00")

    submit_refund(page)  # the re-rendered form: full refund of the rest, with a new key
    rest = paid - Decimal("10.00")
    page.wait_for_selector(f"#order-detail-notice:has-text('Refund of €{rest:,} recorded')")
    assert refunded_on(refund_app, order_id) == paid
    assert page.inner_text("#order-detail-state") == "Refunded"
    recorded = sql(
        refund_app,
        "SELECT a.amount, p.recorded_by FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id "
        "WHERE a.order_id = :o AND p.kind = 'refund' ORDER BY p.id",
        o=order_id,
    )
    assert [tuple(r) for r in recorded] == [(Decimal("10.00"), "test-clerk"), (rest, "test-clerk")]
    assert "Everything paid on this order has been refunded." in page.inner_text("#order-detail-refund")


def test_a_refund_over_what_was_paid_is_refused_beside_the_field_and_writes_nothing(page, refund_app) -> None:
    order_id, paid = paid_order(refund_app)
    before = writes(refund_app)
    page.goto(f"{refund_app.url}/orders/{order_id}")
    page.wait_for_selector("#order-detail-refund-submit")
    asked = paid + Decimal("1.00")
    submit_refund(page, str(asked))
    feedback = page.wait_for_selector("#order-detail-refund-amount-feedback:has-text('was asked')")
    assert feedback.is_visible()
    assert (
        feedback.inner_text() == f"Order {order_id} has {paid} paid and not yet refunded; {asked} was asked."
    )
    assert "is-invalid" in page.get_attribute("#order-detail-refund-amount", "class")
    assert writes(refund_app) == before
    assert refunded_on(refund_app, order_id) == 0
    assert page.inner_text("#order-detail-state") == "Paid"


def test_an_amount_that_is_not_money_is_refused_beside_the_field(page, refund_app) -> None:
    order_id, _paid = paid_order(refund_app)
    before = writes(refund_app)
    page.goto(f"{refund_app.url}/orders/{order_id}")
    page.wait_for_selector("#order-detail-refund-submit")
    submit_refund(page, "12.345")
    page.wait_for_selector("#order-detail-refund-amount-feedback:has-text('more than two decimals')")
    assert writes(refund_app) == before


def test_an_unpaid_order_leads_the_clerk_to_the_payment_form_with_it_selected(page, live_app) -> None:
    order_id, due = sql(
        live_app,
        "SELECT order_id, total - paid FROM order_balances WHERE status = 'placed' AND paid = 0 "
        "AND due_at > now() ORDER BY order_id DESC LIMIT 1",
    )[0]
    page.goto(f"{live_app.url}/orders/{order_id}")
    page.click("#order-detail-pay")
    page.wait_for_selector("#payments-summary-due")
    assert money(page.inner_text("#payments-summary-due")) == due
    assert page.is_checked(f"#payments-order-row-{order_id} input[type=checkbox]")
