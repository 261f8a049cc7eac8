"""An analyst downloads exactly the filtered slice on screen, in a real
browser: the file's rows equal the database's rows for that filter."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.live_app import app_of, sign_in


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Every test here acts as an analyst (who downloads; without PII access)."""
    sign_in(page, app_of(request), "analyst")


def download(page, selector: str) -> tuple[str, list[dict[str, str]]]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    content = Path(download.path()).read_text(encoding="utf-8")
    return download.suggested_filename, list(csv.DictReader(io.StringIO(content)))


def test_the_order_items_download_holds_exactly_the_filtered_rows(page, live_app) -> None:
    end = datetime.now(live_app.settings.tz).date()
    start = end - timedelta(days=45)
    page.goto(f"{live_app.url}/items?from={start}&to={end}&country=DE,FR")
    page.wait_for_selector("#items-count")
    name, rows = download(page, "#items-download")
    assert name == f"order_items_{start}_{end}.csv"
    with live_app.engine.connect() as conn:
        expected = conn.execute(
            text(
                """
                SELECT i.id, i.quantity * i.unit_price AS line_total
                  FROM order_items i JOIN orders o ON o.id = i.order_id JOIN customers c ON c.id = o.customer_id
                 WHERE c.country IN ('DE', 'FR')
                   AND (o.placed_at AT TIME ZONE (SELECT timezone FROM business_calendar))::date
                       BETWEEN :start AND :end
                """
            ),
            {"start": start, "end": end},
        ).all()
    assert len(rows) == len(expected) > 0
    by_id = {int(row["item_id"]): Decimal(row["line_total"]) for row in rows}
    assert by_id == {item_id: line_total for item_id, line_total in expected}


def test_the_customers_download_masks_e_mail_and_phone(page, live_app) -> None:
    page.goto(f"{live_app.url}/customers?country=DE")
    page.wait_for_selector("#customers-count")
    _, rows = download(page, "#customers-download")
    with live_app.engine.connect() as conn:
        emails = dict(conn.execute(text("SELECT id, email FROM customers WHERE country = 'DE'")).all())
    assert {int(row["customer_id"]) for row in rows} == set(emails)
    for row in rows:
        assert row["email"] != emails[int(row["customer_id"])] and "***" in row["email"]


def test_a_download_with_a_bad_parameter_says_what_is_wrong_and_makes_no_file(page, live_app) -> None:
    response = page.request.get(f"{live_app.url}/download/orders.csv?from=2026-02-30")
    assert response.status == 400
    assert response.text().startswith(
        "No file was made: from='2026-02-30' is not a date (expected YYYY-MM-DD)"
    )


def test_the_orders_download_holds_exactly_the_orders_the_page_filters(page, live_app) -> None:
    end = datetime.now(live_app.settings.tz).date()
    start = end - timedelta(days=60)
    page.goto(f"{live_app.url}/orders?from={start}&to={end}&country=FR")
    page.wait_for_selector("#orders-download")
    name, rows = download(page, "#orders-download")
    assert name == f"orders_{start}_{end}.csv"
    with live_app.engine.connect() as conn:
        expected = conn.execute(
            text(
                """
                SELECT o.id, sum(i.quantity * i.unit_price)
                  FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id
                 WHERE c.country = 'FR'
                   AND (o.placed_at AT TIME ZONE (SELECT timezone FROM business_calendar))::date
                       BETWEEN :start AND :end
                 GROUP BY o.id
                """
            ),
            {"start": start, "end": end},
        ).all()
    assert len(rows) == len(expected) > 0
    assert {int(row["order_id"]): Decimal(row["total"]) for row in rows} == dict(expected)


def test_the_shipments_download_holds_the_shipments_of_the_chosen_status(page, live_app) -> None:
    page.goto(f"{live_app.url}/shipments?status=in_transit")
    page.wait_for_selector("#shipments-download")
    _, rows = download(page, "#shipments-download")
    with live_app.engine.connect() as conn:
        expected = set(conn.execute(text("SELECT id FROM shipments WHERE status = 'in_transit'")).scalars())
    assert {int(row["shipment_id"]) for row in rows} == expected


def test_the_stuck_tab_downloads_its_stuck_shipments_longest_waiting_first(page, live_app) -> None:
    page.goto(f"{live_app.url}/shipments?stuck=1&stuck_days=10")
    page.wait_for_selector("#shipments-download")
    _, rows = download(page, "#shipments-download")
    with live_app.engine.connect() as conn:
        expected = (
            conn.execute(
                text(
                    "SELECT id FROM shipments WHERE status IN ('pending', 'packed', 'shipped', 'in_transit')"
                    " AND updated_at < now() - interval '10 days' ORDER BY updated_at, id"
                )
            )
            .scalars()
            .all()
        )
    assert expected
    assert [int(row["shipment_id"]) for row in rows] == expected
