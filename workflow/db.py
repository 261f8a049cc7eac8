"""Database access: one engine factory and one transaction helper.

No engine is created at import. Every write in workflow goes through
`transaction(engine)`, so it commits whole or not at all.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from psycopg import errors as pg_errors
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InvalidatePoolError,
    OperationalError,
)

from workflow.embedded import embedded_database_url
from workflow.errors import ConfigurationError, DatabaseUnavailable
from workflow.settings import Settings

CONNECT_TIMEOUT_SECONDS = 5
RETRY_ATTEMPTS = 5
T = TypeVar("T")


def normalize_url(url: str) -> URL:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// URLs and
    return one that uses the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "DATABASE_URL is not a valid URL; expected e.g. postgresql://user:password@host:5432/dbname."
        ) from None
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigurationError(
        f"DATABASE_URL uses {parsed.drivername!r}; expected a PostgreSQL URL such as "
        "postgresql://user:password@host:5432/dbname."
    )


def database_url(settings: Settings) -> URL:
    """DATABASE_URL when set, else the embedded server in settings.pgdata."""
    if settings.database_url:
        return normalize_url(settings.database_url)
    return make_url(embedded_database_url(settings.pgdata))


def make_engine(settings: Settings | None = None, url: str | None = None, **kwargs) -> Engine:
    """A pooled engine that hands out live connections, checked by one round
    trip so that an unreachable server is reported now, in one sentence, not
    at first use.

    A pooled connection is checked without a round trip (`_check_alive`)
    instead of SQLAlchemy's pre-ping, which sent a `SELECT 1` before every
    checkout (half the cost of a cached dashboard request)."""
    settings = settings or Settings.from_env()
    target = normalize_url(url) if url else database_url(settings)
    engine = create_engine(
        target,
        pool_pre_ping=False,
        pool_size=kwargs.pop("pool_size", 5),
        max_overflow=kwargs.pop("max_overflow", 10),
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        **kwargs,
    )
    event.listen(engine, "checkout", _check_alive)
    check_connection(engine)
    return engine


def _check_alive(dbapi_connection, _record, _proxy) -> None:
    """Refuse a pooled connection that the server has ended.

    An idle connection has nothing to read: the server speaks only when
    asked. When it restarts, or ends the session (idle timeout,
    pg_terminate_backend), it sends a FATAL message and closes the socket,
    so the socket becomes readable. Seeing that costs a poll, not a round
    trip. A readable socket is then pinged for real; a failed ping
    invalidates the whole pool (a restart ends every connection at once),
    and SQLAlchemy retries the checkout with a new connection, so the
    caller never sees the dead one. A server that vanished without closing
    its sockets (a host lost, a network cut) is not seen here; a `SELECT 1`
    would not see it either before the TCP timeout."""
    if dbapi_connection.closed:
        raise DisconnectionError("the connection was closed")
    if not _readable(dbapi_connection.fileno()):
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:  # whatever the driver says, this connection is unusable
        raise InvalidatePoolError(f"the server ended the connection ({exc})") from exc


def _readable(fd: int) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseUnavailable(describe_unreachable(engine.url, exc)) from exc


def describe_unreachable(url: URL, exc: OperationalError) -> str:
    """One line: where we tried, what the server or network said, what to check."""
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    host = url.host or url.query.get("host") or "local socket"
    where = f"{host}:{url.port or 5432}" if url.host else str(host)
    database = url.database or "(default)"
    return (
        f"Cannot reach PostgreSQL at {where}, database {database}: {reason}. "
        "Check that the server is running and accepts connections there, and that DATABASE_URL "
        "has the right host, port, user, password and database name."
    )


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """The one way workflow writes: a connection in a transaction that commits
    when the block ends and rolls back if it raises."""
    with engine.begin() as conn:
        yield conn


def in_transaction(engine: Engine, work: Callable[[Connection], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
    """Run `work(conn)` in `transaction(engine)`, again from the start if
    PostgreSQL aborts it for a deadlock or a serialization failure, so those
    never reach a caller. Writers lock rows in a fixed order, so a retry is a
    safety net, not the plan. `work` must do nothing but database work."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction(engine) as conn:
                return work(conn)
        except DBAPIError as exc:
            retryable = isinstance(exc.orig, pg_errors.DeadlockDetected | pg_errors.SerializationFailure)
            if not retryable or attempt == attempts:
                raise
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")
