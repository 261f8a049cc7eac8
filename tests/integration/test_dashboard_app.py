"""The dashboard's server side over HTTP: figures are fresh right after a
write, and the app keeps answering through a Redis outage and returns to
Redis when it is back (a real redis-server, killed and restarted). A
manager is signed in: the dashboard's callbacks refuse anyone else."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
import redis

from tests.integration.dashboard_probe import kpi_orders, place_one_order
from tests.live_app import LiveApp


def window(app: LiveApp):
    end = datetime.now(app.settings.tz).date()
    return end - timedelta(days=29), end


def test_an_order_shows_on_the_dashboard_right_after_it_is_written(demo_db_url, redis_server) -> None:
    with LiveApp(demo_db_url, env={"REDIS_URL": redis_server.url}) as app:
        start, end = window(app)
        cookie = app.cookie("manager")
        before = kpi_orders(app.url, start, end, cookie=cookie)
        assert kpi_orders(app.url, start, end, cookie=cookie) == before  # served from the cache
        assert redis.Redis.from_url(redis_server.url).dbsize() > 0
        place_one_order(app.engine)
        assert kpi_orders(app.url, start, end, cookie=cookie) == before + 1


def test_the_dashboard_answers_through_a_redis_outage_and_returns_to_redis(demo_db_url, redis_server) -> None:
    with LiveApp(demo_db_url, env={"REDIS_URL": redis_server.url}) as app:
        cache = app.app.server.extensions["ecc"].cache
        start, end = window(app)
        cookie = app.cookie("manager")
        before = kpi_orders(app.url, start, end, cookie=cookie)
        assert cache.backend == "redis"

        redis_server.kill()
        assert kpi_orders(app.url, start, end, cookie=cookie) == before
        assert cache.backend == "memory"
        place_one_order(app.engine)
        assert kpi_orders(app.url, start, end, cookie=cookie) == before + 1  # fresh during the outage too

        redis_server.start()
        deadline = time.monotonic() + 10
        while cache.backend != "redis" and time.monotonic() < deadline:
            kpi_orders(app.url, start, end, cookie=cookie)
            time.sleep(0.2)
        assert cache.backend == "redis"
        place_one_order(app.engine)
        assert kpi_orders(app.url, start, end, cookie=cookie) == before + 2
        assert redis.Redis.from_url(redis_server.url).dbsize() > 0


@pytest.mark.parametrize("countries", [(), ("DE",)])
def test_the_dashboard_without_redis_uses_the_in_process_cache(demo_db_url, countries) -> None:
    with LiveApp(demo_db_url) as app:
        start, end = window(app)
        cookie = app.cookie("manager")
        before = kpi_orders(app.url, start, end, countries, cookie=cookie)
        assert app.app.server.extensions["ecc"].cache.backend == "memory"
        assert kpi_orders(app.url, start, end, countries, cookie=cookie) == before
