"""Each role in a real Chromium: signs in through the form, sees only its
pages in the navbar and only its actions on them; a page opened by its
address that the role may not open says so; signing out, and a session
that ends while a page is open, lead back to the sign-in form."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.live_app import TEST_PASSWORD, LiveApp

# From the issue: manager: dashboard, orders, shipments, inventory; clerk: payments and refunds,
# shipment moves, receiving stock, orders; analyst: the dashboard, every read; admin: everything.
READS = ["/orders", "/shipments", "/inventory"]
DATA = ["/items", "/ledger", "/customers"]
NAVBAR = {
    "manager": ["/", *READS],
    "clerk": ["/orders", "/payments", "/shipments", "/inventory"],
    "analyst": ["/", *READS, *DATA],
    "admin": ["/", "/orders", "/payments", "/shipments", "/inventory", "/imports", *DATA],
}
ACTIONS = ("#order-detail-refund-submit", "#inventory-receive-submit", "#shipments-move-submit")


def sign_in_with_the_form(page, app: LiveApp, role: str, start: str = "/login") -> None:
    page.goto(app.url + start)
    page.fill("#login-username", app.user(role))
    page.fill("#login-password", TEST_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#auth-user")


def navbar_links(page) -> list[str]:
    """The pages the navbar links to, menus opened."""
    for toggle in page.query_selector_all("nav .dropdown-toggle"):
        toggle.click()
        page.wait_for_selector("nav .dropdown-menu.show")
    return page.eval_on_selector_all(
        "nav a.nav-link:not(.dropdown-toggle), nav a.dropdown-item",
        "links => links.map(a => new URL(a.href).pathname)",
    )


def refusals(page) -> list[str]:
    """Collects every 401 or 403 the page is answered from now on."""
    seen: list[str] = []
    page.on("response", lambda r: seen.append(f"{r.status} {r.url}") if r.status in (401, 403) else None)
    return seen


def sql(app: LiveApp, query: str):
    with app.engine.connect() as conn:
        return conn.execute(text(query)).scalar_one()


@pytest.mark.parametrize("role", ["manager", "clerk", "analyst", "admin"])
def test_each_role_signs_in_through_the_form_and_its_navbar_holds_only_its_pages(
    page, live_app, role
) -> None:
    refused = refusals(page)
    sign_in_with_the_form(page, live_app, role)
    assert page.inner_text("#auth-user").split() == [f"test-{role}", role]
    assert navbar_links(page) == NAVBAR[role]
    page.wait_for_function("document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0")
    assert refused == []  # the start page asks for nothing its role may not have


@pytest.mark.parametrize(
    "role, path, absent",
    [
        ("manager", "/payments", "#payments-submit"),
        ("clerk", "/", "#dashboard-kpi-body"),
        ("analyst", "/imports", "#imports-start"),
        ("manager", "/customers", "#customers-count"),
        ("clerk", "/ledger", "#ledger-count"),
    ],
)
def test_a_page_opened_by_its_address_that_the_role_may_not_open_says_so(
    page, live_app, role, path, absent
) -> None:
    sign_in_with_the_form(page, live_app, role)
    response = page.goto(live_app.url + path)
    assert response.status == 403
    page.wait_for_selector("#auth-no-access")
    assert "You do not have access to this page" in page.inner_text("#auth-no-access")
    assert page.query_selector(absent) is None


def test_nobody_signed_in_is_sent_to_the_form_and_then_to_the_page_asked_for(page, live_app) -> None:
    page.goto(live_app.url + "/orders?state=overdue")
    assert page.url.startswith(live_app.url + "/login?next=")
    page.fill("#login-username", live_app.user("clerk"))
    page.fill("#login-password", TEST_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#orders-table")
    assert page.url == live_app.url + "/orders?state=overdue"


def test_a_wrong_password_is_explained_on_the_form_and_signs_nobody_in(page, live_app) -> None:
    page.goto(live_app.url + "/login")
    page.fill("#login-username", live_app.user("manager"))
    page.fill("#login-password", "not the password at all")
    page.click("#login-submit")
    assert page.inner_text("#login-message") == "The user name or password is wrong."
    assert page.input_value("#login-username") == "test-manager"
    assert page.context.cookies() == []


def test_a_clerk_sees_the_refund_receive_and_move_actions(page, live_app) -> None:
    sign_in_with_the_form(page, live_app, "clerk")
    for selector, path in zip(ACTIONS, pages_with_actions(live_app), strict=True):
        page.goto(live_app.url + path)
        if selector == "#shipments-move-submit":
            open_first_movable_shipment(page)
        page.wait_for_selector(selector, state="visible")


def test_a_manager_sees_none_of_them_and_nothing_asks_the_server_for_them(page, live_app) -> None:
    refused = refusals(page)
    sign_in_with_the_form(page, live_app, "manager")
    for selector, path in zip(ACTIONS, pages_with_actions(live_app), strict=True):
        page.goto(live_app.url + path)
        if selector == "#shipments-move-submit":
            open_first_movable_shipment(page)
        else:
            page.wait_for_selector("#order-detail-items, #inventory-low-body table")
        assert not page.is_visible(selector), selector
    page.wait_for_function("document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0")
    assert refused == []


def pages_with_actions(app: LiveApp) -> list[str]:
    order = sql(app, "SELECT order_id FROM order_balances WHERE status = 'placed' AND paid > refunded "
                     "ORDER BY order_id LIMIT 1")  # fmt: skip
    return [f"/orders/{order}", "/inventory", "/shipments?status=pending"]


def open_first_movable_shipment(page) -> None:
    page.wait_for_selector("#shipments-table tbody tr")
    page.click("#shipments-table tbody tr button >> nth=0")
    page.wait_for_selector("#shipments-modal-title:not(:empty)")
    page.wait_for_selector("#shipments-timeline")


def test_signing_out_ends_the_session_and_the_pages_ask_to_sign_in_again(page, live_app) -> None:
    sign_in_with_the_form(page, live_app, "analyst")
    page.click("#auth-sign-out")
    page.wait_for_selector("#login-message")
    assert page.inner_text("#login-message") == "You have signed out."
    page.goto(live_app.url + "/orders")
    assert page.url.startswith(live_app.url + "/login?next=")


def test_a_session_ended_while_a_page_is_open_sends_the_next_action_to_the_form(page, live_app) -> None:
    sign_in_with_the_form(page, live_app, "clerk", start="/login?next=/inventory")
    page.wait_for_selector("#inventory-low-body table")
    with live_app.engine.connect() as conn:
        clerk = conn.execute(text("SELECT id FROM users WHERE username = 'test-clerk'")).scalar_one()
    live_app.sessions.delete_all_for_user(clerk)
    page.fill("#inventory-low-days", "30")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login?reason=expired&next=%2Finventory")
    assert "Your session has ended" in page.inner_text("#login-message")
