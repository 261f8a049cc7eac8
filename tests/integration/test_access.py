"""Access on the server, for every Flask route, every Dash callback and every
page the app has, enumerated from the app itself (so a new one is covered
the day it lands): nobody signed in is refused (401, or a browser sent to
/login), each role the policy does not allow is refused (403) with no data,
and each role it allows gets through. Sessions are real: each role signs in
through POST /login and the session lives in PostgreSQL.

The policy table itself is checked against the issue's wording, written out
here by hand, so a change to who may do what is a change to this file too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from bi_app.app import create_app
from bi_app.auth import guard, policy
from bi_app.auth.guard import function_id
from bi_app.auth.pages import NO_ACCESS_ID, registered_key
from tests.conftest import copy_database, drop_database
from tests.live_app import TEST_PASSWORD
from workflow.db import make_engine
from workflow.settings import Settings
from workflow.user_rules import ROLES
from workflow.users import create_user

ORIGIN = {"Origin": "http://localhost"}
HTML = {"Accept": "text/html,application/xhtml+xml"}
WHO = (None, *ROLES)  # None: nobody signed in

# The issue, role by role: "manager: dashboard, read orders, shipments, inventory; clerk: payments and
# refunds, shipment moves, receive stock, read orders; analyst: dashboard, every read, CSV exports;
# admin: everything, imports and users."
EVERY = set(ROLES)
ISSUE_PAGES = {
    "/": {"manager", "analyst", "admin"},
    "/orders": EVERY,
    "/orders/<order_id>": EVERY,
    "/payments": {"clerk", "admin"},
    "/shipments": EVERY,
    "/inventory": EVERY,
    "/imports": {"admin"},
    "/items": {"analyst", "admin"},
    "/ledger": {"analyst", "admin"},
    "/customers": {"analyst", "admin"},
    "/404": EVERY,
}
ISSUE_WRITES = {
    "bi_app.callbacks.order_detail.submit_refund": {"clerk", "admin"},
    "bi_app.callbacks.payments.submit": {"clerk", "admin"},
    "bi_app.callbacks.shipments.move_shipment": {"clerk", "admin"},
    "bi_app.callbacks.inventory.receive": {"clerk", "admin"},
    "bi_app.callbacks.imports.start": {"admin"},
}
ISSUE_FILES = {"download_csv": {"analyst", "admin"}, "import_reject_report": {"admin"}}
# sample values for the routes' URL variables
SAMPLE = {
    "filename": "00-bootstrap-flatly-5.3.8.min.css",
    "package_name": "dash",
    "fingerprinted_path": "dash-renderer/build/dash_renderer.v4_0_0m1.min.js",
    "path": "orders",
    "view": "orders",
    "run_id": "1",
    "order_id": "1",
}


class Clients:
    """A Flask test client per role, each signed in through POST /login, and one signed in as nobody."""

    def __init__(self, app: dash.Dash) -> None:
        self.app = app
        self.by_role: dict[str | None, FlaskClient] = {None: app.server.test_client()}
        for role in ROLES:
            client = app.server.test_client()
            answer = client.post(
                "/login", data={"username": f"test-{role}", "password": TEST_PASSWORD}, headers=ORIGIN
            )
            assert answer.status_code == 303, answer.get_data(as_text=True)
            self.by_role[role] = client

    def __getitem__(self, role: str | None) -> FlaskClient:
        return self.by_role[role]


@pytest.fixture(scope="module")
def clients(pg_admin, pg_server_url, _template_db) -> Iterator[Clients]:
    url = copy_database(pg_admin, pg_server_url, _template_db)
    app = create_app(Settings.from_env({"DATABASE_URL": url}))
    engine = app.server.extensions["ecc"].engine
    for role in ROLES:
        create_user(engine, username=f"test-{role}", role=role, password=TEST_PASSWORD, actor="test")
    every = Clients(app)
    every[None].get("/login")  # the first request makes Dash register its page router callback
    yield every
    engine.dispose()
    drop_database(pg_admin, url)


def allowed_roles(allowed: frozenset[str]) -> set[str | None]:
    return {role for role in WHO if policy.allows(allowed, role)}


def refused_with_no_data(response, who: str | None) -> str | None:
    """Why this answer is not a refusal of `who` carrying no data, or None when it is."""
    body = body_of(response)
    if who is None and response.status_code == 303:
        return None if response.headers["Location"].startswith("/login?") else f"sent to {response.location}"
    expected = 401 if who is None else 403
    if response.status_code != expected:
        return f"answered {response.status_code}, not {expected}"
    if '"response"' in body or len(body) > 200:
        return f"refused, but with {len(body)} characters: {body[:120]!r}"
    return None


def body_of(response) -> str:
    return response.get_data().decode("utf-8", errors="replace")


def refused_by_the_guard(response) -> bool:
    """A 401 or 403 carrying one of the guard's sentences (a view may answer 401
    for its own reasons: the sign-in form for a wrong password)."""
    body = body_of(response)
    sentences = (guard.SIGN_IN, guard.CROSS_SITE, "You do not have access to this")
    return response.status_code in (401, 403) and any(s.split(":")[0] in body for s in sentences)


def server_callbacks(app: dash.Dash) -> dict[str, dict]:
    return {key: entry for key, entry in app.callback_map.items() if "callback" in entry}


def callback_body(key: str, entry: dict) -> dict:
    """A body as the browser would send it: the outputs named by the key, each
    input and state with no value (a wildcard id with no component matched)."""

    def spec(item: dict) -> dict | list:
        if item["id"].startswith("{"):  # a pattern-matching id: no matching component on this page
            return []
        return {"id": item["id"], "property": item["property"], "value": None}

    outputs = [
        {"id": json.loads(i) if i.startswith("{") else i, "property": p}
        for i, p in (o.rsplit("@", 1)[0].rsplit(".", 1) for o in re.split(r"\.\.\.", key.strip(".")))
    ]
    inputs = [spec(i) for i in entry["inputs"]]
    return {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": [spec(s) for s in entry["state"]],
        "changedPropIds": [],
    }


# -- the table, against the issue ------------------------------------------------------------------


def test_the_policy_gives_each_page_exactly_the_roles_the_issue_names() -> None:
    assert {path: set(roles) for path, roles in policy.PAGES.items()} == ISSUE_PAGES


def test_every_write_callback_and_file_route_is_for_exactly_the_roles_the_issue_names() -> None:
    assert {name: set(policy.CALLBACKS[name]) for name in ISSUE_WRITES} == ISSUE_WRITES
    assert {name: set(policy.ROUTES[name]) for name in ISSUE_FILES} == ISSUE_FILES


def test_every_route_callback_and_page_of_the_app_has_an_entry_and_no_entry_is_left_over(clients) -> None:
    app = clients.app
    endpoints = {rule.endpoint for rule in app.server.url_map.iter_rules()}
    assert endpoints == set(policy.ROUTES), "give the new route roles in bi_app/auth/policy.py"
    callbacks = {function_id(entry["callback"]) for entry in server_callbacks(app).values()}
    assert callbacks == set(policy.CALLBACKS), "give the new callback roles in bi_app/auth/policy.py"
    pages = {registered_key(page) for page in dash.page_registry.values()}
    assert pages == set(policy.PAGES), "give the new page roles in bi_app/auth/policy.py"


def test_a_route_or_callback_missing_from_the_table_is_refused_to_every_role_admins_included() -> None:
    assert policy.route_roles("a_route_added_tomorrow") == frozenset()
    assert policy.callback_roles("bi_app.callbacks.reports.a_callback_added_tomorrow") == frozenset()
    assert not any(policy.allows(policy.page_roles("/reports"), role) for role in WHO)


# -- enforcement, over HTTP ------------------------------------------------------------------------


def test_every_route_refuses_nobody_and_every_role_it_should_and_lets_the_others_through(clients) -> None:
    clients = Clients(clients.app)  # of its own: POST /logout ends their sessions
    failures = []
    for rule in clients.app.server.url_map.iter_rules():
        allowed = policy.ROUTES[rule.endpoint]
        if allowed in (policy.BY_PAGE, policy.BY_CALLBACK):
            continue  # the page and callback tests below
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for who in WHO:
                form = {"username": f"test-{who}", "password": TEST_PASSWORD} if method == "POST" else None
                response = clients[who].open(url, method=method, data=form, headers={**ORIGIN, **HTML})
                if who in allowed_roles(allowed):
                    if refused_by_the_guard(response):
                        failures.append(f"{method} {url} as {who}: refused ({response.status_code})")
                elif reason := refused_with_no_data(response, who):
                    failures.append(f"{method} {url} as {who}: {reason}")
    assert not failures, "\n".join(failures)


def test_every_callback_refuses_nobody_and_every_role_it_should_before_it_runs(clients) -> None:
    failures = []
    for key, entry in server_callbacks(clients.app).items():
        name = function_id(entry["callback"])
        body = callback_body(key, entry)
        for who in WHO:
            response = clients[who].post("/_dash-update-component", json=body, headers=ORIGIN)
            if who in allowed_roles(policy.callback_roles(name)):
                if response.status_code in (401, 403):
                    failures.append(f"{name} as {who}: refused ({response.status_code})")
            elif reason := refused_with_no_data(response, who):
                failures.append(f"{name} as {who}: {reason}")
    assert not failures, "\n".join(failures)


def test_a_callback_that_is_not_a_server_callback_is_refused_to_every_role(clients) -> None:
    for who in ROLES:
        for output in ("nothing-here.children", "dashboard-query-sink.data"):  # unknown; clientside
            body = {
                "output": output,
                "outputs": {"id": output.split(".")[0], "property": "data"},
                "inputs": [],
            }
            response = clients[who].post("/_dash-update-component", json=body, headers=ORIGIN)
            assert response.status_code == 403, (who, output)


def test_every_page_opens_for_its_roles_and_shows_no_access_to_the_others(clients) -> None:
    failures = []
    for page in dash.page_registry.values():
        key = registered_key(page)
        path = re.sub(r"<(\w+)>", lambda m: SAMPLE[m.group(1)], key)
        allowed = allowed_roles(policy.page_roles(key))
        for who in WHO:
            index = clients[who].get(path, headers=HTML)
            router = (
                clients[who]
                .post("/_dash-update-component", json=router_body(path), headers=ORIGIN)
                .get_data(as_text=True)
            )
            if who in allowed:
                if index.status_code != 200 or NO_ACCESS_ID in router:
                    failures.append(
                        f"{path} as {who}: {index.status_code}, no-access page {NO_ACCESS_ID in router}"
                    )
            elif who is None:
                if reason := refused_with_no_data(index, None):
                    failures.append(f"{path} as nobody: {reason}")
                if '"response"' in router:
                    failures.append(f"{path} as nobody: the page router answered")
            elif index.status_code != 403 or NO_ACCESS_ID not in router or router.count('"id"') > 3:
                failures.append(f"{path} as {who}: {index.status_code}, router {router[:200]!r}")
    assert not failures, "\n".join(failures)


def router_body(path: str) -> dict:
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }


def hrefs(tree) -> Iterator[str]:
    """Every link target in a serialised layout."""
    if isinstance(tree, dict):
        if isinstance(tree.get("href"), str):
            yield tree["href"]
        for value in tree.values():
            yield from hrefs(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from hrefs(value)


def test_the_navbar_lists_exactly_the_pages_each_role_may_open(clients) -> None:
    for role in ROLES:
        linked = set(hrefs(clients[role].get("/_dash-layout").get_json()))
        expected = {path for path, roles in ISSUE_PAGES.items() if role in roles and "<" not in path} - {
            "/404"
        }
        assert linked == expected, role


# -- a hand-made request for a protected callback, on demo data ----------------------------------


def refund_body(order_id: int, key: str) -> dict:
    """Exactly what the order page's "Record refund" button posts."""
    outputs = [
        ("order-detail-refund-amount", "invalid"),
        ("order-detail-refund-amount-feedback", "children"),
        ("order-detail-refund-method", "invalid"),
        ("order-detail-refund-method-feedback", "children"),
        ("order-detail-refund-alert", "children"),
        ("order-detail-refund-done", "data"),
    ]
    states = [
        ("order-detail-id", "data", order_id),
        ("order-detail-refund-key", "data", key),
        ("order-detail-refund-kind", "value", "full"),
        ("order-detail-refund-amount", "value", None),
        ("order-detail-refund-method", "value", "bank_transfer"),
        ("order-detail-refund-reference", "value", "hand-made"),
    ]
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": "order-detail-refund-submit", "property": "n_clicks", "value": 1}],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in states],
        "changedPropIds": ["order-detail-refund-submit.n_clicks"],
    }


def test_a_hand_made_refund_post_is_refused_to_a_manager_and_an_analyst_and_writes_nothing(
    demo_db_url,
) -> None:
    app = create_app(Settings.from_env({"DATABASE_URL": demo_db_url}))
    engine = make_engine(url=demo_db_url)
    for role in ("manager", "analyst", "clerk"):
        create_user(engine, username=f"test-{role}", role=role, password=TEST_PASSWORD, actor="test")
    with engine.connect() as conn:
        order_id = conn.execute(
            text(
                "SELECT order_id FROM order_balances b JOIN orders o ON o.id = b.order_id "
                "WHERE o.status = 'placed' AND b.paid > 0 AND b.refunded = 0 ORDER BY order_id LIMIT 1"
            )
        ).scalar_one()
    refunds = "SELECT count(*) FROM payments WHERE kind = 'refund'"
    with engine.connect() as conn:
        before = conn.execute(text(refunds)).scalar_one()
    for role in ("manager", "analyst"):
        client = app.server.test_client()
        client.post("/login", data={"username": f"test-{role}", "password": TEST_PASSWORD}, headers=ORIGIN)
        response = client.post(
            "/_dash-update-component", json=refund_body(order_id, f"k-{role}"), headers=ORIGIN
        )
        assert response.status_code == 403 and '"response"' not in response.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(text(refunds)).scalar_one() == before

    clerk = app.server.test_client()
    clerk.post("/login", data={"username": "test-clerk", "password": TEST_PASSWORD}, headers=ORIGIN)
    response = clerk.post("/_dash-update-component", json=refund_body(order_id, "k-clerk"), headers=ORIGIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    with engine.connect() as conn:
        recorded_by = conn.execute(
            text("SELECT recorded_by FROM payments WHERE kind = 'refund' AND idempotency_key = 'k-clerk'")
        ).scalar_one()
    assert recorded_by == "test-clerk"  # the actor is the signed-in user
    engine.dispose()
    app.server.extensions["ecc"].engine.dispose()
