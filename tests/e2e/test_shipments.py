"""The shipments page in a real Chromium, on demo data: counts, stuck
shipments, and moving a shipment along, checked against SQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine, text

from tests.live_app import LiveApp, app_of, sign_in
from workflow.payments import record_payment
from workflow.shipment_rules import STATUSES
from workflow.shipments import advance_shipment


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Every test here acts as a clerk, who moves shipments."""
    sign_in(page, app_of(request), "clerk")


PAGE_SIZE = 25


@pytest.fixture
def app(demo_db_url: str) -> Iterator[LiveApp]:
    """An app of its own, on its own copy of the demo data: these tests write."""
    with LiveApp(demo_db_url) as live:
        yield live


def scalar(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def shown_count(page, tab: str) -> int:
    return int(page.inner_text(f"#shipments-count-{tab}").replace(",", ""))


def offered(page) -> list[str]:
    """The statuses the move form offers, in its order."""
    return page.eval_on_selector_all(
        "#shipments-move-to input", "els => els.map(e => e.id.replace('shipments-move-to-', ''))"
    )


def timeline_length(page) -> int:
    return page.locator("#shipments-timeline tbody tr").count()


def open_shipment(page, app: LiveApp, shipment_id: int, order_id: int) -> None:
    page.goto(f"{app.url}/shipments?order_id={order_id}")
    page.click(f"#shipments-row-{shipment_id} button")
    page.wait_for_selector(f"#shipments-modal-title:text('Shipment #{shipment_id}')")
    page.wait_for_selector("#shipments-timeline")


def paid_shipment(engine: Engine, status: str) -> tuple[int, int]:
    """(shipment, order) of a shipment in `status` whose placed order is paid
    in full (paid now, through workflow, when the demo has none)."""
    found = rows(
        engine,
        "SELECT s.id, s.order_id, b.total - b.paid AS owed FROM shipments s"
        " JOIN order_balances b ON b.order_id = s.order_id"
        " WHERE s.status = :status AND b.status = 'placed' ORDER BY b.total = b.paid DESC, s.id LIMIT 1",
        status=status,
    )
    shipment_id, order_id, owed = found[0]
    if owed > 0:
        record_payment(
            engine,
            order_ids=[order_id],
            amount=owed,
            method="bank transfer",
            received_at=datetime.now(UTC),
            idempotency_key=uuid.uuid4().hex,
            actor="test",
        )
    return shipment_id, order_id


def history(engine: Engine, shipment_id: int) -> list[tuple[str, str]]:
    return [
        tuple(r)
        for r in rows(
            engine,
            "SELECT status, actor FROM shipment_events WHERE shipment_id = :s ORDER BY at, id",
            s=shipment_id,
        )
    ]


def test_the_status_tabs_count_what_sql_counts(page, live_app) -> None:
    page.goto(live_app.url + "/shipments")
    page.wait_for_selector("#shipments-table")
    expected = dict(rows(live_app.engine, "SELECT status, count(*) FROM shipments GROUP BY status"))
    assert sum(expected.values()) > 0
    for status in STATUSES:
        assert shown_count(page, status) == expected.get(status, 0), status
    assert shown_count(page, "all") == sum(expected.values())


def test_stuck_shipments_have_their_own_tab_and_stand_out_in_the_list(page, live_app) -> None:
    live = "('pending', 'packed', 'shipped', 'in_transit')"
    stuck_sql = f"s.status IN {live} AND s.updated_at < now() - interval '3 days'"
    page.goto(live_app.url + "/shipments?stuck=1")
    page.wait_for_selector("#shipments-table")
    assert shown_count(page, "stuck") == scalar(
        live_app.engine, f"SELECT count(*) FROM shipments s WHERE {stuck_sql}"
    )
    oldest = [
        r[0]
        for r in rows(
            live_app.engine, f"SELECT id FROM shipments s WHERE {stuck_sql} ORDER BY updated_at, id LIMIT 25"
        )
    ]
    assert oldest
    listed = page.eval_on_selector_all("#shipments-table tbody tr", "els => els.map(e => e.id)")
    assert listed == [f"shipments-row-{i}" for i in oldest]

    # In the pending list, the page where stuck shipments begin marks exactly those.
    fresh = scalar(
        live_app.engine,
        "SELECT count(*) FROM shipments s WHERE s.status = 'pending' AND s.updated_at >= now() - interval '3 days'",
    )
    number = fresh // PAGE_SIZE + 1
    page.goto(f"{live_app.url}/shipments?status=pending&page={number}")
    page.wait_for_selector("#shipments-table")
    on_page = rows(
        live_app.engine,
        f"SELECT s.id, {stuck_sql} FROM shipments s WHERE s.status = 'pending'"
        " ORDER BY s.updated_at DESC, s.id DESC LIMIT 25 OFFSET :skip",
        skip=(number - 1) * PAGE_SIZE,
    )
    marked = page.eval_on_selector_all("#shipments-table tr.shipments-stuck", "els => els.map(e => e.id)")
    assert marked == [f"shipments-row-{i}" for i, stuck in on_page if stuck]
    assert marked
    assert page.inner_text(f"#shipments-row-{on_page[-1][0]}").count("stuck ") == 1


def test_the_status_and_the_page_are_kept_in_the_address(page, live_app) -> None:
    page.goto(live_app.url + "/shipments")
    page.wait_for_selector("#shipments-table")
    page.click("#shipments-tab-pending")
    page.wait_for_function("location.search === '?status=pending'")
    page.wait_for_selector("#shipments-tab-pending.btn-primary")
    page.click("#shipments-next")
    page.wait_for_function("location.search.includes('page=2')")
    assert parse_qs(urlparse(page.url).query) == {"status": ["pending"], "page": ["2"]}
    page.wait_for_selector("#shipments-count:text('Rows 26–50')")

    again = page.context.new_page()
    again.goto(page.url)
    again.wait_for_selector("#shipments-count:text('Rows 26–50')")
    assert again.locator("#shipments-tab-pending.btn-primary").count() == 1
    badges = again.eval_on_selector_all(
        "#shipments-table tbody tr .badge:first-child", "els => els.map(e => e.innerText)"
    )
    assert set(badges) == {"Pending"}


def test_a_bad_filter_value_shows_a_message_beside_its_field_and_stays(page, live_app) -> None:
    page.goto(live_app.url + "/shipments?status=packed")
    page.wait_for_selector("#shipments-table")
    page.fill("#shipments-order", "twelve")
    page.fill("#shipments-stuck-days", "0")
    page.click("#shipments-apply")
    page.wait_for_selector("#shipments-order-feedback:visible")
    assert (
        page.inner_text("#shipments-order-feedback")
        == "An order number is a whole number such as 1042; 'twelve' was entered."
    )
    assert (
        page.inner_text("#shipments-stuck-days-feedback")
        == "Enter whole days from 1 to 365; '0' was entered."
    )
    assert urlparse(page.url).query == "status=packed"


def test_a_pending_shipment_moves_step_by_step_to_delivered(page, app) -> None:
    shipment_id, order_id = paid_shipment(app.engine, "pending")
    before = history(app.engine, shipment_id)
    open_shipment(page, app, shipment_id, order_id)
    steps = [
        ("packed", ["packed", "cancelled"]),
        ("shipped", ["shipped", "cancelled"]),
        ("in_transit", ["in_transit", "returned"]),
        ("delivered", ["delivered", "returned"]),
    ]
    for n, (status, legal) in enumerate(steps, start=1):
        assert offered(page) == legal
        page.check(f"#shipments-move-to-{status}")
        if status == "shipped":
            page.wait_for_selector("#shipments-carrier", state="visible")
            page.fill("#shipments-carrier", "DHL")
            page.fill("#shipments-tracking", "JJD000111222")
        else:
            page.wait_for_selector("#shipments-carrier", state="hidden")  # asked on the move to shipped only
        page.click("#shipments-move-submit")
        page.wait_for_selector(f"#shipments-move-result:has-text('moved to {status.replace('_', ' ')}')")
        page.wait_for_function(
            f"document.querySelectorAll('#shipments-timeline tbody tr').length === {len(before) + n}"
        )
    assert offered(page) == []
    assert "nothing moves it further" in page.inner_text("#shipments-final")
    assert not page.is_visible("#shipments-move-submit")
    assert rows(
        app.engine, "SELECT status, carrier, tracking_number FROM shipments WHERE id = :s", s=shipment_id
    ) == [("delivered", "DHL", "JJD000111222")]
    assert history(app.engine, shipment_id) == [*before, *((s, "test-clerk") for s, _ in steps)]
    assert page.inner_text("#shipments-detail-status") == "Delivered"


def test_shipping_without_a_carrier_says_so_beside_the_field_and_writes_nothing(page, app) -> None:
    shipment_id, order_id = paid_shipment(app.engine, "packed")
    counts = "SELECT (SELECT count(*) FROM shipment_events), (SELECT count(*) FROM audit_log)"
    written = rows(app.engine, counts)
    open_shipment(page, app, shipment_id, order_id)
    assert offered(page) == ["shipped", "cancelled"]
    page.check("#shipments-move-to-shipped")
    page.fill("#shipments-carrier", "   ")
    page.fill("#shipments-tracking", "JJD000111222")
    page.click("#shipments-move-submit")
    page.wait_for_selector("#shipments-carrier-feedback:visible")
    assert page.inner_text("#shipments-carrier-feedback") == (
        f"Shipment {shipment_id} needs a carrier and a tracking number to ship; missing: carrier."
    )
    assert "is-invalid" in page.get_attribute("#shipments-carrier", "class")
    assert "is-invalid" not in page.get_attribute("#shipments-tracking", "class")
    assert scalar(app.engine, "SELECT status FROM shipments WHERE id = :s", s=shipment_id) == "packed"
    assert rows(app.engine, counts) == written
    assert timeline_length(page) == len(history(app.engine, shipment_id))


def test_a_move_made_illegal_by_another_clerk_is_refused_with_its_message(page, app) -> None:
    shipment_id, order_id = paid_shipment(app.engine, "packed")
    open_shipment(page, app, shipment_id, order_id)
    assert offered(page) == ["shipped", "cancelled"]
    # Meanwhile, at another desk, it ships.
    advance_shipment(
        app.engine,
        shipment_id=shipment_id,
        to_status="shipped",
        actor="desk-2",
        carrier="UPS",
        tracking_number="1Z999",
        settings=app.settings,
    )
    written = history(app.engine, shipment_id)
    page.check("#shipments-move-to-cancelled")
    page.click("#shipments-move-submit")
    page.wait_for_selector("#shipments-move-to-feedback:not(:empty)")
    assert page.inner_text("#shipments-move-to-feedback") == (
        f"Shipment {shipment_id} is shipped and cannot move to cancelled; it can move to: in_transit, returned."
    )
    assert history(app.engine, shipment_id) == written
    assert scalar(app.engine, "SELECT status FROM shipments WHERE id = :s", s=shipment_id) == "shipped"
