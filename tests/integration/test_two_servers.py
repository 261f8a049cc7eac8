"""Two gunicorn servers (as on two hosts) on one PostgreSQL and one Redis
show the same, fresh figures after a write, to one session signed in on
the first (sessions are shared, like everything else)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.dash_client import sign_in_http
from tests.integration.dashboard_probe import kpi_orders, place_one_order
from tests.live_app import TEST_PASSWORD
from workflow.db import make_engine
from workflow.settings import Settings
from workflow.users import create_user

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, redis_url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "bi_app.wsgi:server",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.poll() is not None else ""
                    raise AssertionError(f"gunicorn did not start on {url}: {output[-2000:]}") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_gunicorn_servers_show_the_same_fresh_figures_after_a_write(demo_db_url, redis_server) -> None:
    settings = Settings.from_env({"DATABASE_URL": demo_db_url})
    end = datetime.now(settings.tz).date()
    start = end - timedelta(days=29)
    engine = make_engine(url=demo_db_url)
    create_user(engine, username="test-manager", role="manager", password=TEST_PASSWORD, actor="test")
    with gunicorn(demo_db_url, redis_server.url) as first, gunicorn(demo_db_url, redis_server.url) as second:
        cookie = sign_in_http(first, "test-manager", TEST_PASSWORD)
        before = kpi_orders(first, start, end, cookie=cookie)
        assert kpi_orders(second, start, end, cookie=cookie) == before
        place_one_order(engine)
        assert kpi_orders(second, start, end, cookie=cookie) == before + 1
        assert kpi_orders(first, start, end, cookie=cookie) == before + 1
        place_one_order(engine)
        assert [kpi_orders(url, start, end, cookie=cookie) for url in (first, second) for _ in range(3)] == [
            before + 2
        ] * 6
    engine.dispose()
