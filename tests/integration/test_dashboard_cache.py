"""The dashboard from the cache is the dashboard computed anew: every
panel's answer, taken from Redis, equals the one computed with the cache
cleared, and a write makes every panel compute again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from tests.dash_client import call_callback
from tests.integration.dashboard_probe import place_one_order
from tests.live_app import LiveApp

PANELS = {
    "kpis": ("dashboard-kpi", []),
    "revenue": ("dashboard-revenue", [("dashboard-revenue-measure", "value", "booked")]),
    "turnover": ("dashboard-turnover", []),
    "shipments": ("dashboard-shipments", []),
    "stuck": ("dashboard-stuck", [("dashboard-stuck-days", "value", 3)]),
}


def panel_body(app: LiveApp, cookie: str, panel: str, countries=()) -> object:
    prefix, extra = PANELS[panel]
    end = datetime.now(app.settings.tz).date()
    response = call_callback(
        app.url,
        ((f"{prefix}-body", "children"), (f"{prefix}-as-of", "children")),
        [
            ("dashboard-range", "start_date", (end - timedelta(days=59)).isoformat()),
            ("dashboard-range", "end_date", end.isoformat()),
            ("dashboard-category", "value", None),
            ("dashboard-country", "value", list(countries)),
            *extra,
        ],
        cookie=cookie,
    )
    assert response[f"{prefix}-as-of"]["children"].startswith("as of"), response  # not an alert
    return response[f"{prefix}-body"]["children"]


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "in-process"])
def test_every_panel_from_the_cache_equals_the_panel_computed_anew(demo_db_url, redis_server, with_redis):
    env = {"REDIS_URL": redis_server.url} if with_redis else {}
    with LiveApp(demo_db_url, env=env) as app:
        cache = app.app.server.extensions["ecc"].cache
        assert cache.backend == ("redis" if with_redis else "memory")
        cookie = app.cookie("manager")
        for panel in PANELS:
            for countries in ((), ("DE",)):
                cache.clear()
                computed = panel_body(app, cookie, panel, countries)
                cached = panel_body(app, cookie, panel, countries)
                assert cached == computed, panel
                assert computed, panel  # a panel with something in it


def test_a_write_makes_every_panel_compute_again(demo_db_url, redis_server):
    with LiveApp(demo_db_url, env={"REDIS_URL": redis_server.url}) as app:
        cookie = app.cookie("manager")
        for panel in PANELS:
            panel_body(app, cookie, panel)
        computed = []
        cache = app.app.server.extensions["ecc"].cache
        original = cache.get_or_compute

        def spy(name, key_parts, compute):
            return original(name, key_parts, lambda: (computed.append(name), compute())[1])

        cache.get_or_compute = spy
        for panel in PANELS:
            panel_body(app, cookie, panel)
        assert computed == []  # all from the cache
        place_one_order(app.engine)
        for panel in PANELS:
            panel_body(app, cookie, panel)
        assert computed == list(PANELS)


def test_a_cached_panel_costs_one_database_read_and_still_sees_a_new_write(demo_db_url, redis_server):
    """The session check reads the data version in the same statement, so a
    panel served from the cache asks PostgreSQL once; the version it used is
    still the one of the request's start, so a write in between recomputes."""
    with LiveApp(demo_db_url, env={"REDIS_URL": redis_server.url}) as app:
        cookie = app.cookie("manager")
        panel_body(app, cookie, "kpis")
        statements: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        event.listen(app.engine, "before_cursor_execute", count)
        try:
            first = panel_body(app, cookie, "kpis")
            assert len(statements) == 1 and "data_version" in statements[0], statements
            place_one_order(app.engine)
            statements.clear()
            after_write = panel_body(app, cookie, "kpis")
        finally:
            event.remove(app.engine, "before_cursor_execute", count)
        assert len(statements) > 1  # computed again: the new order's version is a new key
        assert after_write != first
