"""The dashboard cache against a real redis-server: sharing, versions, outages."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable

import dash_bootstrap_components as dbc
import plotly
import plotly.graph_objects as go
import pytest
import redis
from dash import html

from bi_app.cache import DashboardCache, cache_key
from tests.redis_server import RedisServer

VERSION = 7
PARTS = (VERSION, dt.date(2024, 1, 1), dt.date(2024, 1, 31), "Books", None)


class FakeClock:
    """The cache's back-off clock, moved by hand so no test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counter:
    """A compute() that counts its calls and returns a fresh value each time."""

    def __init__(self, value: object = "figure") -> None:
        self.calls = 0
        self.value = value

    def __call__(self) -> object:
        self.calls += 1
        return self.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_cache(redis_server: RedisServer, clock: FakeClock) -> Callable[..., DashboardCache]:
    def make(url: str | None = None) -> DashboardCache:
        return DashboardCache(url or redis_server.url, clock=clock)

    return make


@pytest.fixture
def plain_client(redis_server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(redis_server.url)


def cache_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bi_app.cache" and r.levelno == level]


def connections_received(client: redis.Redis) -> int:
    return int(client.info("stats")["total_connections_received"])


def test_a_value_computed_once_is_served_from_redis_to_every_process(make_cache, plain_client) -> None:
    compute = Counter()
    first, second_process = make_cache(), make_cache()

    assert first.get_or_compute("revenue", PARTS, compute) == "figure"
    assert first.get_or_compute("revenue", PARTS, compute) == "figure"
    assert second_process.get_or_compute("revenue", PARTS, compute) == "figure"

    assert compute.calls == 1
    assert first.backend == second_process.backend == "redis"
    assert plain_client.exists(cache_key("ecc", "revenue", PARTS))


def test_a_new_data_version_recomputes(make_cache) -> None:
    cache, compute = make_cache(), Counter()

    cache.get_or_compute("revenue", (7, "Books"), compute)
    cache.get_or_compute("revenue", (8, "Books"), compute)
    cache.get_or_compute("revenue", (8, "Books"), compute)

    assert compute.calls == 2


def test_an_exception_in_compute_propagates_and_nothing_is_cached(make_cache, plain_client) -> None:
    cache = make_cache()

    def failing() -> str:
        raise RuntimeError("database unreachable")

    with pytest.raises(RuntimeError, match="database unreachable"):
        cache.get_or_compute("revenue", PARTS, failing)

    assert not plain_client.exists(cache_key("ecc", "revenue", PARTS))
    compute = Counter()
    assert cache.get_or_compute("revenue", PARTS, compute) == "figure"
    assert compute.calls == 1


def test_none_and_empty_values_are_cached_like_any_other(make_cache) -> None:
    cache = make_cache()
    for value in (None, [], 0, ""):
        compute = Counter(value)
        cache.get_or_compute("kpi", (VERSION, repr(value)), compute)
        assert cache.get_or_compute("kpi", (VERSION, repr(value)), compute) == value
        assert compute.calls == 1


def test_a_plotly_figure_and_a_dash_layout_come_back_from_redis_unchanged(make_cache) -> None:
    figure = go.Figure(go.Bar(x=["2024-01-01"], y=["12.50"])).to_dict()
    layout = html.Div([dbc.Card(dbc.CardBody([html.H4("Revenue"), dbc.Badge("paid", color="success")]))])
    writer, reader = make_cache(), make_cache()
    writer.get_or_compute("figure", PARTS, lambda: figure)
    writer.get_or_compute("layout", PARTS, lambda: layout)

    def as_json(value: object) -> str:
        return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)

    assert as_json(reader.get_or_compute("figure", PARTS, Counter())) == as_json(figure)
    assert as_json(reader.get_or_compute("layout", PARTS, Counter())) == as_json(layout)


def test_clear_forgets_this_namespace_only(make_cache, plain_client) -> None:
    cache, compute = make_cache(), Counter()
    plain_client.set("sessions:abc", "someone")
    cache.get_or_compute("revenue", PARTS, compute)

    cache.clear()
    cache.get_or_compute("revenue", PARTS, compute)

    assert compute.calls == 2
    assert plain_client.get("sessions:abc") == b"someone"


def test_with_redis_killed_the_cache_answers_from_memory_and_warns_once(redis_server, caplog) -> None:
    cache = DashboardCache(redis_server.url.replace("redis://", "redis://:s3cret@"), clock=FakeClock())
    redis_server.kill()
    compute = Counter()

    with caplog.at_level(logging.DEBUG, logger="bi_app.cache"):
        answers = [cache.get_or_compute("revenue", (VERSION, i % 5), compute) for i in range(50)]

    assert answers == ["figure"] * 50
    assert compute.calls == 5  # the first call per key computes; memory serves the rest
    assert cache.backend == "memory"
    [warning] = cache_records(caplog, logging.WARNING)
    assert f"127.0.0.1:{redis_server.port}" in warning.getMessage()
    assert "in-process cache" in warning.getMessage()
    assert "s3cret" not in caplog.text


def test_many_threads_hitting_a_dead_redis_log_one_warning(redis_server, caplog) -> None:
    cache = DashboardCache(redis_server.url, clock=FakeClock())
    redis_server.kill()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(20):
                cache.get_or_compute("revenue", (VERSION, i), Counter())
        except BaseException as e:  # collected for the assertion below
            errors.append(e)

    with caplog.at_level(logging.INFO, logger="bi_app.cache"):
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert errors == []
    assert len(cache_records(caplog, logging.WARNING)) == 1


def test_while_down_redis_is_not_touched_until_the_backoff_passes_then_used_again(
    redis_server,
    make_cache,
    clock,
    caplog,
) -> None:
    cache = make_cache()
    redis_server.kill()
    with caplog.at_level(logging.INFO, logger="bi_app.cache"):
        cache.get_or_compute("revenue", PARTS, Counter())
        redis_server.start()
        plain = redis.Redis.from_url(redis_server.url)
        before = connections_received(plain)

        clock.now += 0.9  # first_retry_after is 1 s
        cache.get_or_compute("revenue", (VERSION, "during back-off"), Counter())
        assert cache.backend == "memory"
        assert connections_received(plain) == before

        clock.now += 0.1
        value = cache.get_or_compute("revenue", (VERSION, "after back-off"), Counter("fresh"))

    assert value == "fresh"
    assert cache.backend == "redis"
    assert plain.exists(cache_key("ecc", "revenue", (VERSION, "after back-off")))
    [info] = cache_records(caplog, logging.INFO)
    assert info.getMessage().startswith("Redis is back")
    assert len(cache_records(caplog, logging.WARNING)) == 1


def test_the_backoff_doubles_while_redis_stays_down_and_failed_retries_do_not_warn_again(
    redis_server,
    make_cache,
    clock,
    caplog,
) -> None:
    cache = make_cache()
    redis_server.kill()
    with caplog.at_level(logging.INFO, logger="bi_app.cache"):
        cache.get_or_compute("revenue", PARTS, Counter())  # down; retry in 1 s
        clock.now += 1.0
        cache.get_or_compute("revenue", PARTS, Counter())  # retry fails; next in 2 s
        redis_server.start()
        clock.now += 1.9
        cache.get_or_compute("revenue", PARTS, Counter())
        assert cache.backend == "memory"
        clock.now += 0.1
        cache.get_or_compute("revenue", PARTS, Counter())

    assert cache.backend == "redis"
    assert len(cache_records(caplog, logging.WARNING)) == 1


def test_a_hung_redis_costs_one_attempt_and_every_call_still_answers(
    redis_server, make_cache, caplog
) -> None:
    plain = redis.Redis.from_url(redis_server.url)
    before = connections_received(plain)
    cache = make_cache()
    redis_server.pause()
    try:
        with caplog.at_level(logging.INFO, logger="bi_app.cache"):
            started = time.perf_counter()
            first = cache.get_or_compute("revenue", PARTS, Counter())
            first_elapsed = time.perf_counter() - started
            elapsed = []
            for i in range(20):
                started = time.perf_counter()
                cache.get_or_compute("revenue", (VERSION, i), Counter())
                elapsed.append(time.perf_counter() - started)
    finally:
        redis_server.resume()

    print(
        f"hung Redis: first call {first_elapsed * 1000:.0f} ms, next 20 at most {max(elapsed) * 1000:.1f} ms"
    )
    assert first == "figure"
    assert cache.backend == "memory"
    assert len(cache_records(caplog, logging.WARNING)) == 1
    # Connections opened while frozen wait in the kernel's backlog and are counted on resume.
    assert connections_received(plain) - before == 1
