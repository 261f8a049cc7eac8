"""The data set a run measures, and the demo-data seeding figure.

- small: a scratch database `ecc_bench_small_<pid>` on the server of
  DATABASE_URL (else the embedded one), seeded with 10,000 orders and
  dropped at the end: the user's data is never touched.
- 1M: the database of DATABASE_URL (else the embedded default) when it
  already holds about 1,000,000 orders; otherwise the bench's own database
  `ecc_bench_1m` on the same server, reused when it holds them, else
  (re)created and seeded, with the seeding timed. `--reseed` always
  recreates `ecc_bench_1m` and times the seeding; it never drops the
  DATABASE_URL database.

The seeding's baseline is the same generated rows bare-COPYed (binary, as
the seeder does) into tables without keys, checks, indexes or triggers
(`CREATE TABLE ... (LIKE ...)` in a schema of their own, rolled back):
what the disk and the COPY protocol cost before the schema's guarantees.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from bench.results import Figure, Target
from workflow.db import database_url, make_engine, normalize_url
from workflow.demo import seed_demo_data
from workflow.demo.generate import generate
from workflow.demo.load import copy_table  # one table's binary COPY, as the seeder sends it
from workflow.migrations import is_current, upgrade
from workflow.settings import Settings

FULL_ORDERS = 1_000_000
SMALL_ORDERS = 10_000
DAYS = 730
FULL_DATABASE = "ecc_bench_1m"
SEED_MEASUREMENT = "7. demo data"
SEED_TARGET = Target("<=", 90, "s", at_scale=True)


@dataclass(frozen=True)
class DataSet:
    """The database measured: its URL, its server's maintenance URL (for
    scratch databases), how many orders it holds, and whether it was reused."""

    url: str
    admin_url: str
    orders: int
    reused: bool
    settled: str = ""  # what settle() did to a reused data set

    @property
    def name(self) -> str:
        return normalize_url(self.url).database or "?"


def render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def configured_url(settings: Settings | None = None) -> URL:
    """DATABASE_URL, else the embedded server's default database (started if needed)."""
    return database_url(settings or Settings.from_env())


def admin_url_for(url: URL) -> URL:
    """The maintenance database on the same server."""
    return url.set(database="postgres")


def order_count(url: str) -> int | None:
    """Orders in the database at `url`; None when it has no current schema or does not exist."""
    try:
        engine = make_engine(url=url, pool_size=1)
    except Exception:  # no such database: nothing to reuse
        return None
    try:
        if not is_current(engine):
            return None
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    finally:
        engine.dispose()


def recreate(admin_url: URL, name: str) -> str:
    """Drop and create the database `name`, upgraded to the current schema; its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = render(admin_url.set(database=name))
    engine = make_engine(url=url, pool_size=1)
    upgrade(engine)
    engine.dispose()
    return url


def drop(admin_url: str, name: str) -> None:
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def seed_figure(url: str, orders: int, *, progress: bool) -> Figure:
    """Seed the empty database at `url` with `orders` orders, timed, beside a
    bare COPY of the same generated rows."""
    now = datetime.now(UTC)
    engine = make_engine(url=url)
    try:
        summary = seed_demo_data(engine, orders=orders, days=DAYS, seed=1, now=now, progress=progress)
        bare = bare_copy_seconds(engine, orders, now)
    finally:
        engine.dispose()
    settled = settle(url)
    slowest = sorted(summary.stages.items(), key=lambda stage: -stage[1])[:4]
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
    return Figure(
        SEED_MEASUREMENT,
        f"seed {orders:,} orders (generate + COPY + indexes + keys + derived tables + commit)",
        summary.seconds,
        "s",
        detail=f"{sum(summary.rows.values()):,} rows; slowest stages: {stages}; then, not counted: {settled}",
        baseline=bare,
        baseline_name="generate + bare binary COPY of the same rows (no keys, indexes, triggers)",
        target=SEED_TARGET,
    )


def settle(url: str) -> str:
    """VACUUM (ANALYZE) the tables with more than 20 % dead rows (+1,000), as
    autovacuum would have on a live server, so that the measurements do not
    read dead row versions (a data set seeded through the triggers, before
    the bulk seed, updated each balance and rollup row many times; the
    payments measurement updates balances too); what was done, in words."""
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            bloated = (
                conn.execute(
                    text(
                        "SELECT relname FROM pg_stat_user_tables "
                        "WHERE n_dead_tup > 0.2 * n_live_tup + 1000 ORDER BY n_dead_tup DESC"
                    )
                )
                .scalars()
                .all()
            )
            started = time.perf_counter()
            for table in bloated:
                conn.execute(text(f'VACUUM (ANALYZE) "{table}"'))
    finally:
        engine.dispose()
    if not bloated:
        return "no table needed VACUUM"
    return f"VACUUM (ANALYZE) of {', '.join(bloated)} in {time.perf_counter() - started:.0f} s"


def bare_copy_seconds(engine: Engine, orders: int, now: datetime) -> float:
    """Seconds to generate the same rows and COPY them into bare tables, rolled back."""
    started = time.perf_counter()
    data = generate(orders=orders, days=DAYS, seed=1, now=now)
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(text("CREATE SCHEMA bench_bare"))
        for table in data.tables:
            conn.execute(text(f"CREATE TABLE bench_bare.{table} (LIKE public.{table} INCLUDING DEFAULTS)"))
        conn.execute(text("SET LOCAL search_path = bench_bare"))
        with conn.connection.driver_connection.cursor() as cursor:
            for table, columns in data.tables.items():
                copy_table(cursor, table, columns, lambda stage, rows: None)
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds


@contextmanager
def small_data_set(admin_url: str, orders: int = SMALL_ORDERS) -> Iterator[tuple[DataSet, Figure]]:
    """A scratch database of `orders` demo orders on the admin's server,
    dropped afterwards, and the figure of its seeding."""
    name = f"ecc_bench_small_{os.getpid()}"
    url = recreate(normalize_url(admin_url), name)
    try:
        figure = seed_figure(url, orders, progress=False)
        yield DataSet(url, admin_url, orders, reused=False), figure
    finally:
        drop(admin_url, name)


def full_data_set(url: URL, *, reseed: bool, progress: bool = True) -> tuple[DataSet, Figure]:
    """The 1M-order data set (see the module docstring) and the seeding figure
    (measured, or "reused")."""
    admin = admin_url_for(url)
    candidates = [] if reseed else [render(url), render(admin.set(database=FULL_DATABASE))]
    for candidate in candidates:
        count = order_count(candidate)
        if count is not None and count >= 0.95 * FULL_ORDERS:
            reused = Figure(
                SEED_MEASUREMENT,
                f"seed {FULL_ORDERS:,} orders",
                None,
                "s",
                skipped="reused an existing data set; run with --reseed to measure",
                target=SEED_TARGET,
            )
            return DataSet(candidate, render(admin), count, reused=True, settled=settle(candidate)), reused
    fresh = recreate(admin, FULL_DATABASE)
    figure = seed_figure(fresh, FULL_ORDERS, progress=progress)
    return DataSet(fresh, render(admin), FULL_ORDERS, reused=False), figure
