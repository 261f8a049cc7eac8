"""The embedded PostgreSQL used when DATABASE_URL is unset.

pgserver ships real PostgreSQL binaries. The server lives in a data folder
(default ./.ecc/pgdata), listens on a Unix socket only, is reused by every
process that asks for the same folder, and is stopped when the last of them
exits.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

from workflow.errors import DatabaseUnavailable, ErrorCode

log = logging.getLogger(__name__)

_servers: dict[Path, object] = {}


def embedded_database_url(pgdata: Path, database: str = "postgres", *, throwaway: bool = False) -> str:
    """Start (or join) the embedded server in `pgdata` and return a SQLAlchemy
    URL for `database` on it. A `throwaway` server's folder is deleted when
    the last process using it exits (tests)."""
    pgdata = pgdata.resolve()
    server = _servers.get(pgdata)
    if server is None:
        server = _start(pgdata, "delete" if throwaway else "stop")
        _servers[pgdata] = server
    socket_dir = server.get_uri().split("host=", 1)[1]
    return f"postgresql+psycopg://postgres@/{database}?host={quote(socket_dir)}"


def _start(pgdata: Path, cleanup_mode: str) -> object:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            import pgserver

            pgdata.mkdir(parents=True, exist_ok=True)
            log.info("starting embedded PostgreSQL in %s", pgdata)
            return pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
    except Exception as exc:  # pgserver raises plain exceptions of many kinds
        raise DatabaseUnavailable(
            f"Could not start the embedded PostgreSQL in {pgdata}: {exc}. "
            "Check that the folder is writable, or set DATABASE_URL to use an existing server.",
            ErrorCode.EMBEDDED_DATABASE_FAILED,
        ) from exc
