"""A real PostgreSQL for every database test.

The server is the one ECC_TEST_DATABASE_URL names, else an embedded pgserver
started once per run in a temporary folder. The schema is applied once to a
template database; each test gets its own copy (CREATE DATABASE ... TEMPLATE),
so tests are isolated even when they commit, lock and run threads.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from tests.redis_server import redis_server  # noqa: F401  (a real redis-server per test)
from workflow.db import make_engine, normalize_url
from workflow.embedded import embedded_database_url
from workflow.migrations import upgrade

_counter = itertools.count()


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server_url() -> URL:
    """URL of the maintenance database on the test server. The embedded one
    lives outside pytest's tmp_path folders: pytest prunes old ones while
    another run may still be using them."""
    external = os.environ.get("ECC_TEST_DATABASE_URL")
    if external:
        return normalize_url(external)
    folder = Path(tempfile.mkdtemp(prefix="ecc-test-pg-"))
    return normalize_url(embedded_database_url(folder, throwaway=True))


@pytest.fixture(scope="session")
def pg_admin(pg_server_url: URL) -> Iterator[Engine]:
    engine = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _template_db(pg_admin: Engine, pg_server_url: URL) -> Iterator[str]:
    name = f"ecc_t{os.getpid()}_template"
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url=_render(pg_server_url.set(database=name)))
    upgrade(engine)
    engine.dispose()
    yield name
    _drop(pg_admin, name)


def _drop(pg_admin: Engine, name: str) -> None:
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def fresh_database(pg_admin: Engine, pg_server_url: URL) -> Iterator[str]:
    """URL of a brand-new, empty database (no schema), dropped afterwards."""
    name = f"ecc_t{os.getpid()}_{next(_counter)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _render(pg_server_url.set(database=name))
    _drop(pg_admin, name)


@pytest.fixture
def db_url(pg_admin: Engine, pg_server_url: URL, _template_db: str) -> Iterator[str]:
    """URL of a fresh database with the current schema and no rows."""
    name = f"ecc_t{os.getpid()}_{next(_counter)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template_db}"'))
    yield _render(pg_server_url.set(database=name))
    _drop(pg_admin, name)


DEMO_ORDERS = 3_000


@pytest.fixture(scope="session")
def _demo_template(pg_admin: Engine, pg_server_url: URL, _template_db: str) -> Iterator[str]:
    """A database of demo data (DEMO_ORDERS orders over the last 180 days),
    built once per run and only ever copied, never connected to by tests."""
    from workflow.demo import seed_demo_data

    name = f"ecc_t{os.getpid()}_demo"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template_db}"'))
    engine = make_engine(url=_render(pg_server_url.set(database=name)))
    seed_demo_data(engine, orders=DEMO_ORDERS, days=180, seed=7, progress=False)
    engine.dispose()
    yield name
    _drop(pg_admin, name)


def copy_database(pg_admin: Engine, pg_server_url: URL, template: str) -> str:
    """URL of a new database copied from `template` (drop it with drop_database)."""
    name = f"ecc_t{os.getpid()}_{next(_counter)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    return _render(pg_server_url.set(database=name))


def drop_database(pg_admin: Engine, url: str) -> None:
    _drop(pg_admin, normalize_url(url).database)


@pytest.fixture
def demo_db_url(pg_admin: Engine, pg_server_url: URL, _demo_template: str) -> Iterator[str]:
    """URL of a database of its own holding the demo data."""
    url = copy_database(pg_admin, pg_server_url, _demo_template)
    yield url
    drop_database(pg_admin, url)


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh, upgraded, empty database of its own."""
    engine = make_engine(url=db_url)
    yield engine
    engine.dispose()
