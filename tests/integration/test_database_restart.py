"""PostgreSQL restarted under a running app (a fast restart, as an operator
or a package upgrade does it) while the pool holds connections that the
restart ended: nobody sees an error for it, neither on the dashboard
(signed in, from the cache and computing anew) nor in workflow code that
takes a pooled connection.

The server is one of the test's own (pgserver in a temporary folder), so
restarting it disturbs no other test."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.dash_client import call_callback, find_component, text_of
from tests.integration.dashboard_probe import KPI_OUTPUTS, place_one_order
from tests.integration.shop import open_shop
from tests.live_app import LiveApp
from workflow.db import make_engine
from workflow.migrations import upgrade


class RestartableServer:
    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

        self._pgserver = pgserver
        self.folder = Path(tempfile.mkdtemp(prefix="ecc-restart-pg-"))
        self.server = pgserver.get_server(self.folder, cleanup_mode="delete")
        admin = create_engine(self.server.get_uri().replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")  # fmt: skip
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE ecc"))
        admin.dispose()
        socket_dir = self.server.get_uri().split("host=", 1)[1]
        self.url = f"postgresql+psycopg://postgres@/ecc?host={socket_dir}"

    def restart(self) -> None:
        """pg_ctl restart -m fast: every session is ended, the server is back when it returns."""
        self._pgserver.pg_ctl(
            ["-w", "-m", "fast", "restart"], pgdata=self.folder, user=self.server.system_user
        )

    def close(self) -> None:
        self.server.cleanup()


@pytest.fixture
def restartable() -> Iterator[RestartableServer]:
    server = RestartableServer()
    try:
        engine = make_engine(url=server.url)
        upgrade(engine)
        open_shop(engine)  # customers and products in stock
        engine.dispose()
        yield server
    finally:
        server.close()


def _orders_kpi(app: LiveApp, cookie: str) -> int:
    end = datetime.now(app.settings.tz).date()
    response = call_callback(
        app.url,
        KPI_OUTPUTS,
        [
            ("dashboard-range", "start_date", (end - timedelta(days=29)).isoformat()),
            ("dashboard-range", "end_date", end.isoformat()),
            ("dashboard-category", "value", None),
            ("dashboard-country", "value", []),
        ],
        cookie=cookie,
    )
    body = response["dashboard-kpi-body"]["children"]
    assert "could not" not in text_of(body) and "did not answer" not in text_of(body), body
    card = find_component(body, "dashboard-kpi-orders-value")
    assert card is not None, body
    return int(text_of(card).replace(",", ""))


def test_every_pooled_connection_is_replaced_after_a_restart_without_an_error(restartable) -> None:
    engine = make_engine(url=restartable.url)
    try:
        with ExitStack() as held:  # fill the pool: three connections, all returned
            before = {held.enter_context(engine.connect()).execute(text("SELECT pg_backend_pid()")).scalar()
                      for _ in range(3)}  # fmt: skip
        restartable.restart()
        with ExitStack() as held:
            after = {held.enter_context(engine.connect()).execute(text("SELECT pg_backend_pid()")).scalar()
                     for _ in range(3)}  # fmt: skip
        assert not before & after  # new sessions, each obtained without an error
        place_one_order(engine)  # a write, on pooled connections
        assert _scalar(engine, "SELECT count(*) FROM orders") == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "no-redis"])
def test_a_signed_in_manager_sees_no_error_on_the_dashboard_after_a_restart(
    restartable, redis_server, with_redis
) -> None:
    env = {"REDIS_URL": redis_server.url} if with_redis else {}
    with LiveApp(restartable.url, env=env) as app:
        cookie = app.cookie("manager")
        assert _orders_kpi(app, cookie) == 0
        assert _orders_kpi(app, cookie) == 0  # from the cache

        restartable.restart()
        assert _orders_kpi(app, cookie) == 0  # the session check and the data version on new connections

        place_one_order(app.engine)
        assert _orders_kpi(app, cookie) == 1  # computed anew, on new connections too
        restartable.restart()
        assert _orders_kpi(app, cookie) == 1


def _scalar(engine: Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()
