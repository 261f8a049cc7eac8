"""The inventory page in a real Chromium, on demo data: the stock table and
the low-stock list against SQL, and receiving stock through the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from tests.live_app import LiveApp, app_of, sign_in


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Every test here acts as a clerk, who reads stock and receives it."""
    sign_in(page, app_of(request), "clerk")


@pytest.fixture
def app(demo_db_url: str) -> Iterator[LiveApp]:
    """An app of its own, on its own copy of the demo data: these tests write."""
    with LiveApp(demo_db_url) as live:
        yield live


def rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def written(engine: Engine, product_id: int) -> tuple:
    """Everything a refused receipt must leave alone."""
    return tuple(
        rows(
            engine,
            "SELECT (SELECT stock_qty FROM products WHERE id = :p), (SELECT count(*) FROM stock_movements),"
            " (SELECT count(*) FROM audit_log)",
            p=product_id,
        )[0]
    )


# Independent of workflow.stock_views: sales counted from the order items of
# placed orders, in the business time zone's last 30 days (today included).
LOW_STOCK_SQL = """
WITH sold AS (
    SELECT i.product_id, sum(i.quantity) AS qty
      FROM order_items i JOIN orders o ON o.id = i.order_id
     WHERE o.status = 'placed'
       AND o.placed_at >= ((now() AT TIME ZONE (SELECT timezone FROM business_calendar))::date - 29)
                          AT TIME ZONE (SELECT timezone FROM business_calendar)
     GROUP BY i.product_id
)
SELECT p.sku
  FROM products p LEFT JOIN sold s ON s.product_id = p.id
 WHERE p.active AND (p.stock_qty < 5 OR p.stock_qty * 30 < :cover * coalesce(s.qty, 0))
 ORDER BY p.sku
"""


def low_list(page) -> list[str]:
    """The SKUs listed, after checking they are listed most urgent (fewest days of cover) first."""
    shown = page.eval_on_selector_all(
        "#inventory-low-table tbody tr", "els => els.map(e => [e.cells[0].innerText, e.cells[5].innerText])"
    )
    covers = [Decimal(cover.split()[0].replace(",", "")) for _, cover in shown if cover != "–"]
    assert covers == sorted(covers)
    return sorted(sku for sku, _ in shown)


def pick_product(page, sku: str) -> None:
    page.click("#inventory-product")
    page.fill(".dash-dropdown-search", sku.lower())
    page.click(f".dash-dropdown-options label:has-text('{sku} ·')")
    page.keyboard.press("Escape")
    page.wait_for_selector("#inventory-product-info:has-text('On hand')")


def test_the_low_stock_list_is_the_definition_checked_by_sql(page, live_app) -> None:
    page.goto(live_app.url + "/inventory")
    page.wait_for_selector("#inventory-low-table tbody tr")
    expected = [r[0] for r in rows(live_app.engine, LOW_STOCK_SQL, cover=14)]
    assert expected
    assert low_list(page) == expected
    page.fill("#inventory-low-days", "30")
    page.keyboard.press("Enter")
    wider = [r[0] for r in rows(live_app.engine, LOW_STOCK_SQL, cover=30)]
    assert len(wider) > len(expected)
    page.wait_for_function(
        f"document.querySelectorAll('#inventory-low-table tbody tr').length === {len(wider)}"
    )
    assert low_list(page) == wider


def test_a_bad_number_of_days_for_low_stock_is_explained_beside_the_field(page, live_app) -> None:
    page.goto(live_app.url + "/inventory")
    page.wait_for_selector("#inventory-low-table tbody tr")
    page.fill("#inventory-low-days", "two weeks")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inventory-low-days-feedback:visible")
    assert page.inner_text("#inventory-low-days-feedback") == (
        "Enter the days of cover as whole days from 1 to 365; 'two weeks' was entered."
    )


def test_the_stock_table_shows_the_stock_sql_holds_and_sorts_on_the_server(page, live_app) -> None:
    page.goto(live_app.url + "/inventory")
    page.wait_for_selector("#inventory-table tbody tr")
    first = rows(
        live_app.engine, "SELECT sku, stock_qty, stock_qty * unit_cost FROM products ORDER BY sku LIMIT 25"
    )
    total = rows(live_app.engine, "SELECT count(*) FROM products")[0][0]
    assert page.inner_text("#inventory-count") == f"Products 1–{min(total, 25)} of {total:,}"
    cells = page.eval_on_selector_all(
        "#inventory-table tbody tr",
        "els => els.map(e => [e.cells[0].innerText, e.cells[3].innerText, e.cells[5].innerText])",
    )
    assert [(sku, int(qty.replace(",", ""))) for sku, qty, _ in cells] == [
        (sku, qty) for sku, qty, _ in first
    ]
    assert [Decimal(re.sub(r"[^\d.]", "", value)) for *_, value in cells] == [value for *_, value in first]

    page.click("#inventory-sort-stock_qty")
    page.wait_for_function("location.search.includes('sort=stock_qty')")
    most = rows(live_app.engine, "SELECT sku FROM products ORDER BY stock_qty DESC, sku LIMIT 25")
    page.wait_for_selector(f"#inventory-table tbody tr:first-child td:first-child:text('{most[0][0]}')")
    shown = page.eval_on_selector_all(
        "#inventory-table tbody tr td:first-child", "els => els.map(e => e.innerText)"
    )
    assert shown == [r[0] for r in most]


def test_receiving_stock_raises_it_by_exactly_the_quantity_and_shows_the_new_level(page, app) -> None:
    product_id, sku, before = rows(
        app.engine, "SELECT id, sku, stock_qty FROM products WHERE active ORDER BY sku LIMIT 1"
    )[0]
    movements = rows(app.engine, "SELECT count(*) FROM stock_movements WHERE product_id = :p", p=product_id)[
        0
    ][0]
    page.goto(app.url + "/inventory")
    page.wait_for_selector("#inventory-table tbody tr")
    pick_product(page, sku)
    page.fill("#inventory-quantity", "17")
    page.fill("#inventory-unit-cost", "4.20")
    page.fill("#inventory-receive-note", "delivery 4711")
    page.click("#inventory-receive-submit")
    page.wait_for_selector("#inventory-new-level")
    after = rows(app.engine, "SELECT stock_qty FROM products WHERE id = :p", p=product_id)[0][0]
    assert after == before + 17
    assert page.inner_text("#inventory-new-level") == f"{after:,}"
    assert rows(
        app.engine,
        "SELECT quantity_delta, reason, unit_cost::text, actor, note FROM stock_movements"
        " WHERE product_id = :p ORDER BY id DESC LIMIT 1",
        p=product_id,
    ) == [(17, "receipt", "4.20", "test-clerk", "delivery 4711")]
    assert (
        rows(app.engine, "SELECT count(*) FROM stock_movements WHERE product_id = :p", p=product_id)[0][0]
        == movements + 1
    )
    # The table shows the new stock, and the quantity was cleared: a second click books nothing.
    page.wait_for_selector(f"#inventory-row-{product_id} td:nth-child(4):text('{after:,}')")
    assert page.input_value("#inventory-quantity") == ""
    page.click("#inventory-receive-submit")
    page.wait_for_selector("#inventory-quantity-feedback:visible")
    assert rows(app.engine, "SELECT stock_qty FROM products WHERE id = :p", p=product_id)[0][0] == after


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Receive a whole number of units, at least 1; 0 was entered."),
        ("-3", "Receive a whole number of units, at least 1; -3 was entered."),
        ("ten", "Receive a whole number of units, at least 1; 'ten' was entered."),
    ],
)
def test_a_bad_quantity_is_explained_beside_the_field_and_writes_nothing(
    page, app, quantity, message
) -> None:
    product_id, sku = rows(app.engine, "SELECT id, sku FROM products WHERE active ORDER BY sku DESC LIMIT 1")[
        0
    ]
    before = written(app.engine, product_id)
    page.goto(app.url + "/inventory")
    page.wait_for_selector("#inventory-table tbody tr")
    pick_product(page, sku)
    page.fill("#inventory-quantity", quantity)
    page.fill("#inventory-unit-cost", "4.205")
    page.click("#inventory-receive-submit")
    page.wait_for_selector("#inventory-quantity-feedback:visible")
    assert page.inner_text("#inventory-quantity-feedback") == message
    assert page.inner_text("#inventory-unit-cost-feedback") == (
        "The unit cost has at most 2 decimals (cents); 4.205 was entered."
    )
    assert "is-invalid" in page.get_attribute("#inventory-quantity", "class")
    assert written(app.engine, product_id) == before
    assert page.locator("#inventory-new-level").count() == 0


def test_receiving_without_a_product_asks_for_one_and_writes_nothing(page, app) -> None:
    state = "SELECT (SELECT count(*) FROM stock_movements), (SELECT sum(stock_qty) FROM products)"
    before = rows(app.engine, state)
    page.goto(app.url + "/inventory")
    page.wait_for_selector("#inventory-table tbody tr")
    page.fill("#inventory-quantity", "5")
    page.fill("#inventory-unit-cost", "1.00")
    page.click("#inventory-receive-submit")
    page.wait_for_selector("#inventory-product-feedback:has-text('Pick the product that arrived.')")
    assert rows(app.engine, state) == before
