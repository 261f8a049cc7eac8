"""Signing in and staying signed in, over HTTP, on real PostgreSQL and a real
redis-server: a new session id at every sign-in (no fixation), idle and
absolute expiry, lockout after failed sign-ins, cross-site requests refused,
and sessions that survive a Redis outage and are shared by two apps."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from bi_app.app import create_app
from bi_app.auth.guard import COOKIE, CROSS_SITE, SIGN_IN
from tests.dash_client import call_callback
from tests.integration.dashboard_probe import KPI_OUTPUTS, kpi_orders
from tests.live_app import TEST_PASSWORD, LiveApp
from workflow.db import make_engine
from workflow.sessions import SessionStore
from workflow.settings import Settings
from workflow.users import create_user

ORIGIN = {"Origin": "http://localhost"}
HTML = {"Accept": "text/html"}
LOCKED = "Too many failed sign-ins for this account; try again in 15 minutes."


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(url=db_url)
    create_user(engine, username="ann", role="clerk", password=TEST_PASSWORD, actor="test")
    yield engine
    engine.dispose()


@pytest.fixture
def app(db_url: str, engine: Engine, clock: FakeClock):
    """The app with sessions on a clock of the test's (30 minutes idle, 12 hours at most)."""
    sessions = SessionStore(engine, None, clock=clock)
    return create_app(Settings.from_env({"DATABASE_URL": db_url}), engine=engine, sessions=sessions)


def sign_in(client: FlaskClient, username: str = "ann", password: str = TEST_PASSWORD, **headers: str):
    return client.post(
        "/login", data={"username": username, "password": password}, headers={**ORIGIN, **headers}
    )


def cookie_of(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def signed_in(client: FlaskClient) -> bool:
    """Whether the client's session may read the app's layout (any role may)."""
    status = client.get("/_dash-layout").status_code
    assert status in (200, 401), status
    return status == 200


# -- fixation --------------------------------------------------------------------------------------


def test_an_id_planted_before_sign_in_is_replaced_and_never_signs_anyone_in(app) -> None:
    client = app.server.test_client()
    planted = "planted-by-someone-else-0123456789abcdef"
    client.set_cookie(COOKIE, planted)
    assert sign_in(client).status_code == 303
    assert cookie_of(client) not in (None, planted)
    assert signed_in(client)
    attacker = app.server.test_client()
    attacker.set_cookie(COOKIE, planted)
    assert not signed_in(attacker)


def test_signing_in_again_rotates_the_id_and_the_old_one_stops_working(app) -> None:
    client = app.server.test_client()
    sign_in(client)
    first = cookie_of(client)
    sign_in(client)
    second = cookie_of(client)
    assert first and second and first != second
    old = app.server.test_client()
    old.set_cookie(COOKIE, first)
    assert not signed_in(old)
    assert signed_in(client)


def test_the_cookie_is_http_only_same_site_lax_and_secure_only_over_https(app) -> None:
    plain = sign_in(app.server.test_client()).headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    tls = app.server.test_client()
    answer = tls.post(
        "/login",
        base_url="https://localhost",
        data={"username": "ann", "password": TEST_PASSWORD},
        headers={"Origin": "https://localhost"},
    )
    assert "; Secure" in answer.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_its_forwarded_scheme_host_and_address_are_used(
    db_url, engine, clock, monkeypatch
) -> None:
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "shop.example",
        "Origin": "https://shop.example",
    }
    direct = create_app(Settings.from_env({"DATABASE_URL": db_url}), engine=engine,
                        sessions=SessionStore(engine, None, clock=clock))  # fmt: skip
    # Without ECC_PROXY_HOPS the headers are anyone's to send: ignored, so the
    # forwarded origin does not match the request's own host.
    assert sign_in(direct.server.test_client(), **forwarded).status_code == 403
    monkeypatch.setenv("ECC_PROXY_HOPS", "1")
    proxied = create_app(Settings.from_env({"DATABASE_URL": db_url}), engine=engine,
                         sessions=SessionStore(engine, None, clock=clock))  # fmt: skip
    client = proxied.server.test_client()
    answer = sign_in(client, **forwarded, **{"X-Forwarded-For": "203.0.113.50"})
    assert answer.status_code == 303 and "; Secure" in answer.headers["Set-Cookie"]
    with engine.connect() as conn:
        details = conn.execute(
            text("SELECT details->>'address' FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert details == "203.0.113.50"


def test_signing_out_ends_the_session_on_the_server(app) -> None:
    client = app.server.test_client()
    sign_in(client)
    kept = cookie_of(client)
    answer = client.post("/logout", headers=ORIGIN)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login?signed_out=1"
    replay = app.server.test_client()
    replay.set_cookie(COOKIE, kept)
    assert not signed_in(replay)


# -- expiry ----------------------------------------------------------------------------------------


def test_a_session_left_idle_past_the_limit_ends_and_the_browser_is_sent_back_after_sign_in(
    app, clock
) -> None:
    client = app.server.test_client()
    sign_in(client)
    clock.advance(minutes=29)
    assert signed_in(client)
    clock.advance(minutes=29)  # 29 idle minutes again: still within the limit
    assert signed_in(client)
    clock.advance(minutes=31)
    page = client.get("/orders?page=2", headers=HTML)
    assert page.status_code == 303
    assert page.headers["Location"] == "/login?next=%2Forders%3Fpage%3D2&reason=expired"
    assert "Your session has ended" in client.get(page.headers["Location"]).get_data(as_text=True)
    assert not signed_in(client)


def test_a_session_in_constant_use_still_ends_at_its_absolute_limit(app, clock) -> None:
    client = app.server.test_client()
    sign_in(client)
    for _ in range(28):  # 11 h 40 min, never idle for long
        clock.advance(minutes=25)
        assert signed_in(client)
    clock.advance(minutes=25)
    assert not signed_in(client)


# -- failed sign-ins -------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_with_a_clear_message_even_for_the_right_one(app) -> None:
    client = app.server.test_client()
    for _ in range(4):
        answer = sign_in(client, password="not the password at all")
        assert answer.status_code == 401
        assert "The user name or password is wrong." in answer.get_data(as_text=True)
    fifth = sign_in(client, password="not the password at all")
    assert fifth.status_code == 429 and LOCKED in fifth.get_data(as_text=True)
    right = sign_in(client)
    assert right.status_code == 429 and LOCKED in right.get_data(as_text=True)
    assert cookie_of(client) is None and not signed_in(client)


def test_twenty_failures_from_one_address_lock_that_address_for_every_account(app) -> None:
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for attempt in range(20):
        answer = sign_in(client, username=f"guess{attempt % 5}-{attempt}")
    assert "Too many failed sign-ins from this address; try again in 15 minutes." in answer.get_data(
        as_text=True
    )
    assert sign_in(client).status_code == 429  # ann's right password, from that address
    elsewhere = app.server.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(elsewhere).status_code == 303


# -- cross-site requests ---------------------------------------------------------------------------


def kpi_body() -> dict:
    return {
        "output": "..dashboard-kpi-body.children...dashboard-kpi-as-of.children..",
        "outputs": [{"id": "dashboard-kpi-body", "property": "children"},
                    {"id": "dashboard-kpi-as-of", "property": "children"}],
        "inputs": [{"id": "dashboard-range", "property": "start_date", "value": "2026-01-01"},
                   {"id": "dashboard-range", "property": "end_date", "value": "2026-01-31"},
                   {"id": "dashboard-category", "property": "value", "value": None},
                   {"id": "dashboard-country", "property": "value", "value": []}],
        "state": [],
        "changedPropIds": ["dashboard-range.start_date"],
    }  # fmt: skip


def test_a_cross_origin_callback_post_is_refused_although_the_cookie_is_valid(db_url, engine) -> None:
    app = create_app(Settings.from_env({"DATABASE_URL": db_url}), engine=engine)
    create_user(engine, username="mia", role="manager", password=TEST_PASSWORD, actor="test")
    client = app.server.test_client()
    sign_in(client, "mia")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {},  # neither Origin nor Referer
    ):
        answer = client.post("/_dash-update-component", json=kpi_body(), headers=headers)
        assert answer.status_code == 403, headers
        assert answer.get_json() == {"message": CROSS_SITE}
    same_site = client.post(
        "/_dash-update-component", json=kpi_body(), headers={"Referer": "http://localhost/"}
    )
    assert same_site.status_code == 200 and "dashboard-kpi-body" in same_site.get_json()["response"]


def test_a_cross_origin_sign_in_or_sign_out_is_refused_and_changes_nothing(app, engine) -> None:
    client = app.server.test_client()
    answer = sign_in(client, Origin="https://evil.example")
    assert answer.status_code == 403 and "Set-Cookie" not in answer.headers
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_sessions")).scalar_one() == 0
    sign_in(client)
    assert client.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert signed_in(client)


def test_after_sign_in_the_browser_goes_only_to_a_local_page(app) -> None:
    for asked, landed in (
        ("/orders?state=overdue", "/orders?state=overdue"),
        ("//evil.example/x", "/payments"),  # a clerk's start page
        ("https://evil.example/", "/payments"),
        ("/\\evil.example", "/payments"),
        ("/", "/payments"),  # the dashboard is not a clerk's
    ):
        client = app.server.test_client()
        answer = client.post(
            "/login", data={"username": "ann", "password": TEST_PASSWORD, "next": asked}, headers=ORIGIN
        )
        assert answer.headers["Location"] == landed, asked


def test_the_anonymous_dash_endpoints_say_to_sign_in_and_hold_no_data(app) -> None:
    client = app.server.test_client()
    for answer in (
        client.get("/_dash-layout"),
        client.get("/_dash-dependencies"),
        client.post("/_dash-update-component", json=kpi_body(), headers=ORIGIN),
    ):
        assert answer.status_code == 401 and answer.get_json() == {"message": SIGN_IN}


# -- a real Redis, killed and restarted; two apps --------------------------------------------------


def window(app: LiveApp):
    end = datetime.now(app.settings.tz).date()
    return end - timedelta(days=29), end


def session_keys(redis_url: str) -> list[bytes]:
    return redis.Redis.from_url(redis_url).keys("ecc:session:*")


def test_a_signed_in_user_keeps_working_through_a_redis_outage_and_after_it(
    demo_db_url, redis_server
) -> None:
    with LiveApp(demo_db_url, env={"REDIS_URL": redis_server.url}) as app:
        start, end = window(app)
        cookie = app.cookie("manager")
        before = kpi_orders(app.url, start, end, cookie=cookie)
        assert app.sessions.backend == "redis" and len(session_keys(redis_server.url)) == 1

        redis_server.kill()
        assert kpi_orders(app.url, start, end, cookie=cookie) == before
        assert app.sessions.backend == "postgresql"
        during = app.cookie("analyst")  # signing in works during the outage too
        assert kpi_orders(app.url, start, end, cookie=during) == before

        redis_server.start()
        deadline = time.monotonic() + 10
        while app.sessions.backend != "redis" and time.monotonic() < deadline:
            kpi_orders(app.url, start, end, cookie=cookie)
            time.sleep(0.2)
        assert app.sessions.backend == "redis"
        for each in (cookie, during):
            assert kpi_orders(app.url, start, end, cookie=each) == before
        assert len(session_keys(redis_server.url)) == 2  # both copied back into the empty Redis


def post_logout(base_url: str, cookie: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/logout", data=b"", headers={"Origin": base_url, "Cookie": cookie}, method="POST"
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs) -> None:
        return None


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "postgresql only"])
def test_two_apps_share_sessions_and_a_sign_out_on_one_ends_it_on_both(
    demo_db_url, redis_server, with_redis
) -> None:
    env = {"REDIS_URL": redis_server.url} if with_redis else {}
    with LiveApp(demo_db_url, env=env) as first, LiveApp(demo_db_url, env=env) as second:
        start, end = window(first)
        cookie = first.cookie("manager")
        assert kpi_orders(second.url, start, end, cookie=cookie) == kpi_orders(
            first.url, start, end, cookie=cookie
        )
        assert post_logout(second.url, cookie) == 303
        for app in (first, second):
            with pytest.raises(AssertionError, match="callback answered 401"):
                call_callback(app.url, KPI_OUTPUTS, [("dashboard-range", "start_date", None)], cookie=cookie)
