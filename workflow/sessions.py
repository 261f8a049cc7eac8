"""Server-side sessions: PostgreSQL holds the truth, Redis a copy in front of it.

Storage. `create` writes the session to PostgreSQL (user_sessions) and then
to Redis; only the SHA-256 of the session id is stored in either, never the
id, so a dump of the table or of Redis lets nobody in. A fresh id per sign-in
(`secrets.token_urlsafe(32)`) is the rotation: the app creates a new session
at login and deletes the one the browser came with, so a planted id is worth
nothing (no fixation).

Ending. `delete`, `delete_all_for_user` and disabling a user (workflow.users)
write to PostgreSQL first: user_sessions.revoked_at, users.active = false.
Redis keys are deleted as well when Redis answers, but correctness never
depends on it.

Why every `get` reads PostgreSQL. A logout written while this process could
not reach Redis exists only in PostgreSQL; the Redis copy of that session
may survive (Redis restarted from a snapshot, a network split between one
host and Redis while the others still reach it, another worker that was
idle during the outage and never noticed it). No value kept in Redis, and no
per-process version refreshed "every N seconds", can tell a reader about a
write that only PostgreSQL saw; only reading PostgreSQL can, so skipping it
would let a stale session come back for a while. So `get` is:

* one Redis GET of the session (its data and exact last_seen_at), then
* one PostgreSQL read by primary key, joined to the user by primary key:
  created_at, last_seen_at, revoked_at, and the user's active, username,
  role, pii_access; and the data version (workflow.data_version), so a
  request that goes on to serve cached figures needs no second read. No
  write, no session data, one round trip. A role change or a disable
  therefore takes effect on the very next request, on every worker. The
  read runs in autocommit (no BEGIN and ROLLBACK around it) on the caller's
  connection when given one: the app passes the request's own.
* at most once a second, one Redis SET ... XX to move last_seen_at (XX:
  never re-creates a key that a concurrent logout has just deleted).

What Redis saves is the write: last_seen_at changes on every request, and
PostgreSQL receives it at most once a minute per session (the row's
last_seen_at lags by up to that; idle expiry takes the later of the two
clocks). While Redis is unreachable, `get` reads the whole row from
PostgreSQL and moves its last_seen_at at most once a second; a session that
was idle just under `idle_timeout` when Redis went away may therefore end
up to a minute early, never late. A session missing from Redis (created
during an outage, or Redis restarted empty) is read from PostgreSQL and
copied back into Redis.

Redis trouble never reaches the caller: every call is bounded by a short
socket timeout, a failure logs one warning and switches to PostgreSQL alone,
and Redis is tried again after a doubling back-off (workflow.redis_link,
shared with the dashboard cache); one info line when it is back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import redis
from sqlalchemy import Connection, Engine, func, text, update

from workflow.data_version import SQL as DATA_VERSION_SQL
from workflow.db import transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.redis_link import DOWN, RedisLink, redis_client
from workflow.tables import user_sessions

log = logging.getLogger("workflow.sessions")
T = TypeVar("T")
# Runs a read on some connection: a web request passes its own (one per request).
Reader = Callable[[Callable[[Connection], T]], T]

_REDIS_TOUCH = timedelta(seconds=1)  # a page's burst of callbacks moves last_seen_at once
_PG_TOUCH_WITH_REDIS = timedelta(seconds=60)
_PG_TOUCH_WITHOUT_REDIS = timedelta(seconds=1)
_KEEP_ENDED = timedelta(days=1)  # revoked and expired rows are purged after this


def utc_now() -> datetime:
    return datetime.now(UTC)


def hash_session_id(session_id: str) -> str:
    """The stored form of a session id: SHA-256, hex. The id carries 256 random
    bits, so no salt or slow hash is needed to make the digest useless to a thief."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A live session and, read at this request, its user."""

    user_id: int
    username: str
    role: str
    pii_access: bool
    data: dict[str, Any]
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # when it ends unless used again: the idle or the absolute limit, the earlier
    data_version: int  # workflow.data_version, read in the same statement as the session


def revoke_user_sessions(conn: Connection, user_id: int, at: datetime) -> list[str]:
    """End every session of a user on `conn` (in the caller's transaction, e.g.
    disabling the user); returns the hashes of all its rows, ended before or now."""
    rows = conn.execute(
        update(user_sessions)
        .where(user_sessions.c.user_id == user_id)
        .values(revoked_at=func.coalesce(user_sessions.c.revoked_at, at))
        .returning(user_sessions.c.id_hash)
    )
    return [row.id_hash for row in rows]


# Every request with a Redis copy: by primary keys, no session data, no write.
_CHECK = text(
    "SELECT s.user_id, s.created_at, s.last_seen_at, s.revoked_at, u.username, u.role, u.active, "
    f"u.pii_access, ({DATA_VERSION_SQL}) AS data_version "
    "FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = :h"
)
# Without a Redis copy (a miss or an outage): the whole row.
_LOAD = text(
    "SELECT s.user_id, s.data, s.created_at, s.last_seen_at, s.revoked_at, u.username, u.role, u.active, "
    f"u.pii_access, ({DATA_VERSION_SQL}) AS data_version "
    "FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = :h"
)
_CREATE = text(
    "INSERT INTO user_sessions (id_hash, user_id, data, created_at, last_seen_at) "
    "SELECT :h, id, CAST(:data AS jsonb), :now, :now FROM users WHERE id = :user_id AND active"
)


class SessionStore:
    """Sessions in PostgreSQL with a Redis copy; see the module docstring. Thread-safe."""

    def __init__(
        self,
        engine: Engine,
        redis_url: str | None,
        *,
        idle_timeout: timedelta = timedelta(minutes=30),
        absolute_timeout: timedelta = timedelta(hours=12),
        socket_timeout: float = 0.1,
        clock: Callable[[], datetime] = utc_now,
        namespace: str = "ecc",
        first_retry_after: float = 1.0,
        max_retry_after: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self.idle_timeout, self.absolute_timeout = idle_timeout, absolute_timeout
        self._clock = clock
        self._prefix = f"{namespace}:session:"
        self._ttl = max(1, int(idle_timeout.total_seconds()) + 1)
        self._redis: RedisLink | None = None
        if redis_url:
            self._redis = RedisLink(
                redis_client(redis_url, socket_timeout),
                meanwhile="the session store uses PostgreSQL alone",
                again="sessions are cached in Redis",
                logger=log,
                first_retry_after=first_retry_after,
                max_retry_after=max_retry_after,
                monotonic=monotonic,
            )

    @property
    def backend(self) -> str:
        """Where sessions are read from right now: "redis" or "postgresql"."""
        return "redis" if self._redis is not None and not self._redis.down else "postgresql"

    def create(self, user_id: int, data: dict[str, Any] | None = None) -> str:
        """A new session for an active user; returns its id (for the cookie)."""
        try:
            payload = json.dumps(data or {})
        except (TypeError, ValueError) as e:
            raise WorkflowError(f"Session data must be JSON: {e}.", ErrorCode.INVALID_ARGUMENT) from None
        session_id = secrets.token_urlsafe(32)
        id_hash, now = hash_session_id(session_id), self._now()
        with transaction(self._engine) as conn:
            conn.execute(
                user_sessions.delete().where(
                    user_sessions.c.created_at < now - self.absolute_timeout - _KEEP_ENDED
                )
            )
            made = conn.execute(_CREATE, {"h": id_hash, "data": payload, "now": now, "user_id": user_id})
            if made.rowcount != 1:
                raise WorkflowError(
                    f"User {user_id} does not exist or is disabled; no session was created.",
                    ErrorCode.ACCOUNT_DISABLED,
                )
        self._cache(id_hash, _entry(data or {}, now, now))
        return session_id

    def get(self, session_id: str | None, *, read: Reader | None = None) -> Session | None:
        """The live session for this id, or None (unknown, ended, idle too long,
        past its absolute lifetime, or its user disabled). Moves last_seen_at.

        `read` runs the PostgreSQL read on a connection of the caller's (a
        request's own), else on one from the engine, in autocommit."""
        if not isinstance(session_id, str) or not 16 <= len(session_id) <= 128:
            return None
        id_hash, now = hash_session_id(session_id), self._now()
        read = read or self._read
        found = self._redis_call(lambda r: r.get(self._key(id_hash)))
        entry = _parse_entry(found) if isinstance(found, bytes | str) else None
        if entry is not None:
            return self._from_redis(id_hash, entry, now, read)
        return self._from_database(id_hash, now, read, redis_answered=found is not DOWN)

    def delete(self, session_id: str | None) -> None:
        """End one session (logout, or the old id at login). Unknown ids are ignored."""
        if not isinstance(session_id, str) or not session_id:
            return
        id_hash = hash_session_id(session_id)
        self._end(id_hash, self._now())

    def delete_all_for_user(self, user_id: int) -> int:
        """End every session of a user (disabled, new password); returns how many
        rows that user had, ended now or before."""
        with transaction(self._engine) as conn:
            hashes = revoke_user_sessions(conn, user_id, self._now())
        if hashes:
            self._redis_call(lambda r: r.delete(*(self._key(h) for h in hashes)))
        return len(hashes)

    # -- reading

    def _read(self, work: Callable[[Connection], T]) -> T:
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return work(conn)

    def _from_redis(self, id_hash: str, entry: dict[str, Any], now: datetime, read: Reader) -> Session | None:
        row = read(lambda conn: conn.execute(_CHECK, {"h": id_hash}).first())
        if row is None:
            self._redis_call(lambda r: r.delete(self._key(id_hash)))
            return None
        last_seen = max(datetime.fromisoformat(entry["s"]), row.last_seen_at)
        if not self._alive(id_hash, row, last_seen, now):
            return None
        pg_seen = max(datetime.fromisoformat(entry["p"]), row.last_seen_at)
        if now - pg_seen >= _PG_TOUCH_WITH_REDIS:
            self._touch_database(id_hash, now)
            pg_seen = now
        seen = max(last_seen, now)
        if seen - datetime.fromisoformat(entry["s"]) >= _REDIS_TOUCH or pg_seen == now:
            self._cache(id_hash, _entry(entry["d"], seen, pg_seen), only_if_there=True)
        return self._session(row, entry["d"], seen)

    def _from_database(
        self, id_hash: str, now: datetime, read: Reader, *, redis_answered: bool
    ) -> Session | None:
        row = read(lambda conn: conn.execute(_LOAD, {"h": id_hash}).first())
        if row is None or not self._alive(id_hash, row, row.last_seen_at, now):
            return None
        seen = max(row.last_seen_at, now)
        if now - row.last_seen_at >= _PG_TOUCH_WITHOUT_REDIS:
            self._touch_database(id_hash, now)
        if redis_answered:  # a miss, not an outage: put the copy back
            self._cache(id_hash, _entry(row.data, seen, seen))
        return self._session(row, row.data, seen)

    def _alive(self, id_hash: str, row: Any, last_seen: datetime, now: datetime) -> bool:
        """Whether the session may be used now; an expired one is ended on the spot."""
        if row.revoked_at is not None or not row.active:
            self._redis_call(lambda r: r.delete(self._key(id_hash)))
            return False
        if now - last_seen > self.idle_timeout or now - row.created_at > self.absolute_timeout:
            self._end(id_hash, now)
            return False
        return True

    def _session(self, row: Any, data: dict[str, Any], last_seen: datetime) -> Session:
        expires = min(last_seen + self.idle_timeout, row.created_at + self.absolute_timeout)
        return Session(
            user_id=row.user_id, username=row.username, role=row.role, pii_access=row.pii_access,
            data=dict(data), created_at=row.created_at, last_seen_at=last_seen, expires_at=expires,
            data_version=row.data_version,
        )  # fmt: skip

    # -- writing

    def _touch_database(self, id_hash: str, now: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(
                update(user_sessions)
                .where(user_sessions.c.id_hash == id_hash, user_sessions.c.last_seen_at < now)
                .values(last_seen_at=now)
            )

    def _end(self, id_hash: str, now: datetime) -> None:
        """The tombstone first (PostgreSQL), then the Redis copy if Redis answers."""
        with transaction(self._engine) as conn:
            conn.execute(
                update(user_sessions)
                .where(user_sessions.c.id_hash == id_hash)
                .values(revoked_at=func.coalesce(user_sessions.c.revoked_at, now))
            )
        self._redis_call(lambda r: r.delete(self._key(id_hash)))

    # -- plumbing

    def _cache(self, id_hash: str, entry: dict[str, Any], *, only_if_there: bool = False) -> None:
        """Write the Redis copy; only_if_there (SET XX) never re-creates a key
        that a concurrent logout has just deleted."""
        value = json.dumps(entry)
        self._redis_call(lambda r: r.set(self._key(id_hash), value, ex=self._ttl, xx=only_if_there))

    def _redis_call(self, call: Callable[[redis.Redis], Any]) -> Any:
        return DOWN if self._redis is None else self._redis.run(call)

    def _key(self, id_hash: str) -> str:
        return self._prefix + id_hash

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the session clock must return timezone-aware datetimes")
        return now


def _entry(data: Any, seen: datetime, pg_seen: datetime) -> dict[str, Any]:
    """The Redis copy: the data, last seen (exact), and last seen as PostgreSQL has it
    (who the user is, and whether the session still counts, always come from PostgreSQL)."""
    return {"d": data, "s": seen.isoformat(), "p": pg_seen.isoformat()}


def _parse_entry(raw: bytes | str) -> dict[str, Any] | None:
    """A Redis entry, or None if it cannot be read (then PostgreSQL answers)."""
    try:
        entry = json.loads(raw)
        if isinstance(entry, dict) and {"d", "s", "p"} <= entry.keys():
            return entry
    except ValueError:
        pass
    log.warning("A session entry in Redis could not be read; it is reloaded from PostgreSQL.")
    return None
