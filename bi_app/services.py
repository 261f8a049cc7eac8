"""What a request needs from the process: settings, the engine, the cache, the sessions.

create_app puts one Services on the Flask server; callbacks reach it through
`services()`, so nothing is created at import and two apps in one process
(as in tests) keep their own database and cache.

`request_read(work)` runs the small reads that every request makes (the
session check, which reads the data version too) on one connection per
request, in autocommit: one round trip per read, no BEGIN or ROLLBACK
around it, and no transaction held while the request goes on to compute. The connection is
returned to the pool when the request ends (`release_request_connection`,
registered by the guard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import flask
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bi_app.cache import DashboardCache
from workflow.data_version import data_version
from workflow.sessions import SessionStore
from workflow.settings import Settings

EXTENSION = "ecc"
_CONNECTION = "ecc_request_connection"
_DATA_VERSION = "ecc_data_version"
T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    cache: DashboardCache
    sessions: SessionStore

    def today(self) -> date:
        """Today in the business time zone."""
        return datetime.now(self.settings.tz).date()


def services() -> Services:
    return flask.current_app.extensions[EXTENSION]


def request_read(work: Callable[[Connection], T]) -> T:
    """work(conn) on this request's connection (outside a request: a
    connection of its own). `work` must only read: if the connection turns
    out to be dead (the database restarted since the pool last saw it), it
    is run once more on a new connection, so the restart costs the user
    nothing."""
    if not flask.has_request_context():
        with services().engine.connect() as conn:
            return work(conn)
    try:
        return work(_request_connection())
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        release_request_connection()
        return work(_request_connection())


def request_data_version() -> int:
    """The data version, read once per request (every panel of the request
    then uses the same one, read before any of them computes): the one the
    session check read with the session (`note_data_version`), else read now."""
    if not flask.has_request_context():
        return request_read(data_version)
    version = flask.g.get(_DATA_VERSION)
    if version is None:
        version = request_read(data_version)
        note_data_version(version)
    return version


def note_data_version(version: int) -> None:
    """Keep a data version read at this request's start for its panels."""
    setattr(flask.g, _DATA_VERSION, version)


def release_request_connection(_error: BaseException | None = None) -> None:
    """Return this request's connection to the pool (teardown)."""
    conn = flask.g.pop(_CONNECTION, None)
    if conn is not None:
        conn.close()


def _request_connection() -> Connection:
    conn = flask.g.get(_CONNECTION)
    if conn is None:
        conn = services().engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        setattr(flask.g, _CONNECTION, conn)
    return conn
