"""The dashboard in headless Chromium: time from navigation until every
chart has rendered.

The app is served in this process (werkzeug's threaded server on a free
127.0.0.1 port). A load is timed from page.goto until every panel shows its
"as of" line, every dcc.Graph holds a drawn plot (.main-svg) and no element
is loading. Each round loads the page twice in a fresh tab of one browser
context: first with the dashboard cache cleared (the figure), then again
with the cache warm (the baseline: the browser, Dash's renderer and
Plotly drawing the same page, without the database work). One untimed load
first fills the browser's cache of scripts and styles.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from dash import Dash
from werkzeug.serving import make_server

from bench.processes import ToolMissing
from bench.results import Figure, timing_figure
from bench.signin import bench_credentials, has_sign_in
from bench.timing import Timing, timing_of

MEASUREMENT = "2. dashboard in Chromium"
CHROMIUM = os.environ.get("ECC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PANELS = ("kpi", "revenue", "turnover", "shipments", "stuck")
GRAPHS_ON_DASHBOARD = 4
RENDERED = """([panels, graphs]) => {
    if (panels.some(p => !(document.getElementById(`dashboard-${p}-as-of`)?.textContent))) return false;
    const plots = document.querySelectorAll('.dash-graph');
    if (plots.length < graphs) return false;
    for (const plot of plots) { if (!plot.querySelector('.main-svg')) return false; }
    return document.querySelectorAll('[data-dash-is-loading="true"]').length === 0;
}"""


def check_tools() -> None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        raise ToolMissing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set ECC_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise ToolMissing("the playwright package is not installed") from None


@contextmanager
def served(app: Dash) -> Iterator[str]:
    """The app on a free 127.0.0.1 port in a thread of this process; its base URL."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def run(app: Dash, rounds: int) -> tuple[Timing, Timing]:
    """(cache cleared, cache warm) load times over `rounds` rounds.

    Playwright's sync API refuses a thread whose asyncio loop is running (as
    the test suite's own browser fixture leaves it), so the browser is driven
    from a thread of its own."""
    check_tools()
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_run, app, rounds).result()


def _run(app: Dash, rounds: int) -> tuple[Timing, Timing]:
    from playwright.sync_api import sync_playwright

    ecc = app.server.extensions["ecc"]
    cold, warm = [], []
    with served(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            if has_sign_in(app.server):
                username, password = bench_credentials(ecc.engine)
                signed = context.request.post(
                    base + "/login",
                    form={"username": username, "password": password},
                    headers={"Origin": base},
                )
                if not signed.ok:
                    raise RuntimeError(f"bench sign-in failed in the browser: {signed.status}")
            load_seconds(context, base)  # scripts and styles into the browser's cache
            for _ in range(rounds):
                ecc.cache.clear()
                cold.append(load_seconds(context, base) * 1000)
                warm.append(load_seconds(context, base) * 1000)
        finally:
            browser.close()
    return timing_of("dashboard, cache cleared", cold), timing_of("dashboard, cache warm", warm)


def load_seconds(context, base: str) -> float:
    """Seconds from navigation to a fully drawn dashboard, in a fresh tab."""
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        started = time.perf_counter()
        page.goto(base + "/")
        page.wait_for_function(RENDERED, arg=[list(PANELS), GRAPHS_ON_DASHBOARD], polling="raf")
        return time.perf_counter() - started
    finally:
        page.close()


def figure(cold: Timing, warm: Timing) -> Figure:
    return timing_figure(
        MEASUREMENT,
        "dashboard page, cache cleared: navigation to every chart drawn, p95",
        cold,
        warm,
        "the same page with the cache warm, p95",
    )
