"""Every measurement, in one run, on one data set: the code behind
`python -m bench` (1,000,000 orders) and `python -m bench --small` (10,000).

Order: the seeding figure comes with the data set; then the reads
(dashboard callbacks, the page in Chromium, HTTP, the CSV export), then
what writes (the 10,000-open-order customer of the lookup, the clerks'
payments), then the customer import into a scratch database of its own.

A measurement whose tool is missing (Chromium, gunicorn, redis-server) is
reported as "skipped: <reason>", except under CI=true, where it fails the
run. A measurement that breaks is reported as "failed: <error>" and the
others still run; `Report.failures` lists them.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from bench import (
    browser_render,
    dashboard_callbacks,
    database,
    export,
    http_load,
    import_customers,
    machine,
    payment_lookup,
    payments_load,
)
from bench.processes import ToolMissing, gunicorn, redis_server
from bench.results import Figure, Report
from bench.signin import has_sign_in, sign_in_http
from workflow.db import make_engine

log = logging.getLogger("bench")
MEASUREMENTS = ("callbacks", "browser", "http", "export", "lookup", "payments", "import")


@dataclass(frozen=True)
class Options:
    """small: 10,000 orders in a scratch database on `server_url`'s server
    (default: the configured one); else 1,000,000 orders (bench.database).
    `only`: a subset of MEASUREMENTS (default all). `strict`: a missing tool
    fails the run instead of skipping (default: CI=true)."""

    small: bool
    reseed: bool = False
    server_url: str | None = None
    database_url: str | None = None
    repeat: int = 30
    only: frozenset[str] = frozenset(MEASUREMENTS)
    strict: bool = field(default_factory=lambda: os.environ.get("CI", "").lower() == "true")
    progress: bool = True

    @property
    def browser_rounds(self) -> int:
        return 2 if self.small else 5

    @property
    def http_seconds_each(self) -> float:
        return 1.5 if self.small else 10.0

    @property
    def payment_seconds(self) -> float:
        return 3.0 if self.small else 20.0

    @property
    def import_rows(self) -> int:
        return 10_000 if self.small else 1_000_000


def run_suite(options: Options, say: Callable[[str], None] = print) -> Report:
    """Prepare the data set, run every chosen measurement, return the report."""
    started = time.monotonic()
    with data_set(options, say) as (data, seed_figure):
        engine = make_engine(url=data.url, pool_size=12)
        report = Report(
            "small" if options.small else "1M",
            data.orders,
            data.name,
            machine.describe(engine),
        )
        report.add(seed_figure)
        if data.reused:
            report.notes.append(
                f"Reused the data set in `{data.name}` ({data.orders:,} orders); the payments, the bench "
                "customers and the bench-admin account are written into it. Before measuring: "
                f"{data.settled}."
            )
        try:
            Runner(options, report, engine, data, say).run_all()
        finally:
            report.machine_end = machine.describe(engine)
            engine.dispose()
    report.seconds = time.monotonic() - started
    return report


@contextmanager
def data_set(options: Options, say: Callable[[str], None]) -> Iterator[tuple[database.DataSet, Figure]]:
    if options.small:
        server = (
            database.normalize_url(options.server_url) if options.server_url else database.configured_url()
        )
        say(f"small: seeding {database.SMALL_ORDERS:,} orders into a scratch database")
        with database.small_data_set(database.render(database.admin_url_for(server))) as pair:
            yield pair
        return
    url = database.normalize_url(options.database_url) if options.database_url else database.configured_url()
    say("1M: looking for a data set of 1,000,000 orders (seeding one if none)")
    yield database.full_data_set(url, reseed=options.reseed, progress=options.progress)


class Runner:
    def __init__(self, options: Options, report: Report, engine: Engine, data: database.DataSet, say) -> None:
        self.options, self.report, self.engine, self.data, self.say = options, report, engine, data, say
        self.failures: list[str] = []

    def attempt(self, key: str, title: str, work: Callable[[], list[Figure]]) -> None:
        if key not in self.options.only:
            return
        self.say(f"measuring: {title}")
        began = time.monotonic()
        try:
            figures = work()
        except ToolMissing as exc:
            if self.options.strict:
                raise RuntimeError(f"{title}: {exc} (CI=true: every measurement must run)") from exc
            figures = [Figure(title, "(all figures)", None, "", skipped=f"skipped: {exc}")]
        except Exception as exc:
            log.debug("measurement %s failed", key, exc_info=True)
            self.failures.append(f"{title}: {exc!r}\n{traceback.format_exc()}")
            figures = [Figure(title, "(all figures)", None, "", skipped=f"failed: {exc!r}"[:300])]
        self.report.add(*figures)
        self.say(f"  done in {time.monotonic() - began:.0f} s")

    def run_all(self) -> None:
        with ExitStack() as stack:
            redis_url = self.redis(stack)
            self.backend = "Redis" if redis_url else "in-process"
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="ecc-bench-"))
            self.app = self.make_app(redis_url, folder)
            self.attempt("callbacks", dashboard_callbacks.MEASUREMENT, self.callbacks)
            self.attempt("browser", browser_render.MEASUREMENT, self.browser)
            self.attempt("http", http_load.MEASUREMENT, lambda: self.http(redis_url))
            self.attempt("export", export.MEASUREMENT, lambda: export.figures(*export.run(self.data.url)))
            self.attempt("lookup", payment_lookup.MEASUREMENT, self.lookup)
            self.attempt("payments", payments_load.MEASUREMENT, self.payments)
            self.attempt("import", "4. customer import", self.customer_import)
            self.app.server.extensions["ecc"].engine.dispose()
        self.report.failures = self.failures

    def redis(self, stack: ExitStack) -> str | None:
        try:
            return stack.enter_context(redis_server())
        except ToolMissing as exc:
            if self.options.strict:
                raise RuntimeError(f"{exc} (CI=true: the cached figures must use Redis)") from exc
            self.report.notes.append(f"No Redis ({exc}): cached figures use the in-process cache.")
            return None

    def make_app(self, redis_url: str | None, folder: str):
        from bi_app.app import create_app
        from workflow.settings import Settings

        env = {
            **os.environ,
            "DATABASE_URL": self.data.url,
            "REDIS_URL": redis_url or "",
            "ECC_DATA_DIR": folder,
        }
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per request
        return create_app(Settings.from_env(env))

    def callbacks(self) -> list[Figure]:
        panels = dashboard_callbacks.run(self.app, self.options.repeat)
        two_year = dashboard_callbacks.two_year_revenue(self.app, self.options.repeat)
        return dashboard_callbacks.figures(panels, two_year, self.backend)

    def browser(self) -> list[Figure]:
        return [browser_render.figure(*browser_render.run(self.app, self.options.browser_rounds))]

    def http(self, redis_url: str | None) -> list[Figure]:
        from bench.analytics import data_days

        with self.engine.connect() as conn:
            categories = (
                conn.execute(text("SELECT DISTINCT category FROM products ORDER BY 1")).scalars().all()
            )
            countries = (
                conn.execute(text("SELECT DISTINCT country FROM customers ORDER BY 1")).scalars().all()
            )
        with gunicorn(self.data.url, redis_url) as base:
            cookie = sign_in_http(base, self.engine) if has_sign_in(self.app.server) else ""
            client = http_load.Client(base, cookie)
            phases = http_load.run(
                client, data_days(self.engine), list(categories), list(countries),
                seconds_each=self.options.http_seconds_each,
            )  # fmt: skip
        return http_load.figures(phases, self.backend, threads=8)

    def lookup(self) -> list[Figure]:
        return [payment_lookup.figure(*payment_lookup.run(self.engine, self.options.repeat))]

    def payments(self) -> list[Figure]:
        ours, bare, over, _ = payments_load.run(self.engine, 8, self.options.payment_seconds)
        return payments_load.figures(ours, bare, over, 8)

    def customer_import(self) -> list[Figure]:
        admin = make_engine(url=self.data.admin_url, pool_size=1)
        try:
            timing, _ = import_customers.run(
                admin,
                self.options.import_rows,
                database=f"ecc_import_bench_{os.getpid()}",
                progress=self.options.progress,
            )
        finally:
            admin.dispose()
        return [import_customers.figure(timing)]
