"""The dashboard cache: Redis when it is configured and answering, else memory.

Plain flask-caching raises ConnectionError from get/set and logs a traceback on
every memoized call while Redis is down, and redis-py retries a dead server
several times before giving up. This layer keeps the app answering instead:
one warning when Redis goes away, the in-process cache meanwhile, a retry after
a doubling back-off, and one info line when Redis is back. Every Redis call is
bounded by a short socket timeout and never retried by redis-py, so a dead or
hung Redis costs a request at most one timeout.

Keys carry whatever the caller passes, including the data version that every
committed write moves, so no process serves figures older than the last write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import pickle
import threading
import time
from collections.abc import Callable, Hashable
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import redis
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache
from redis.backoff import NoBackoff
from redis.retry import Retry

from workflow.errors import ConfigurationError

T = TypeVar("T")
log = logging.getLogger("bi_app.cache")

# Errors that mean "Redis is not answering", as opposed to a value we cannot read.
_REDIS_DOWN = (redis.exceptions.RedisError, OSError)


def _canonical(part: Any) -> Any:
    """A JSON-able form of one key part that is the same in every process.

    repr() of a set, and hash() of anything, change between processes; type tags
    keep 1, "1" and True apart."""
    if part is None or isinstance(part, (bool, str)):
        return part
    if isinstance(part, Enum):
        return ["enum", type(part).__name__, _canonical(part.value)]
    if isinstance(part, (int, float, Decimal)):
        return [type(part).__name__, str(part)]
    if isinstance(part, (dt.date, dt.time)):  # datetime is a date
        return [type(part).__name__, part.isoformat()]
    if isinstance(part, (tuple, list)):
        return ["seq", [_canonical(p) for p in part]]
    if isinstance(part, (set, frozenset)):
        return ["set", sorted((_canonical(p) for p in part), key=json.dumps)]
    raise TypeError(f"cache key part {part!r} of type {type(part).__name__} has no stable form")


def cache_key(namespace: str, name: str, key_parts: tuple[Hashable, ...]) -> str:
    """The key stored in Redis: readable prefix, sha256 of the canonical parts."""
    digest = hashlib.sha256(json.dumps(_canonical(key_parts)).encode()).hexdigest()
    return f"{namespace}:{name}:{digest}"


def _redis_client(redis_url: str, socket_timeout: float) -> redis.Redis:
    """A client whose every call fails within socket_timeout, with no retries."""
    try:
        client = redis.Redis.from_url(
            redis_url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
    except ValueError as e:
        raise ConfigurationError(
            f"REDIS_URL={_without_password(redis_url)} is not a Redis URL; expected redis://host:port/db"
        ) from e
    return client


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


def _describe(client: redis.Redis) -> str:
    """host:port/db (or the socket path) for logs; never the password."""
    kw = client.connection_pool.connection_kwargs
    where = kw.get("path") or f"{kw.get('host')}:{kw.get('port')}"
    return f"{where}/{kw.get('db', 0)}"


class DashboardCache:
    """Get-or-compute over Redis, falling back to an in-process cache while Redis is down.

    Values are pickled (Plotly figure dicts and Dash component trees both
    pickle). An exception from compute() is never stored. Thread-safe."""

    def __init__(
        self,
        redis_url: str | None,
        *,
        timeout: int = 600,
        namespace: str = "ecc",
        socket_timeout: float = 0.1,
        first_retry_after: float = 1.0,
        max_retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._namespace = namespace
        self._first_retry_after = first_retry_after
        self._max_retry_after = max_retry_after
        self._clock = clock
        self._memory = SimpleCache(threshold=500, default_timeout=timeout)
        self._client: redis.Redis | None = None
        self._redis: RedisCache | None = None
        if redis_url:
            self._client = _redis_client(redis_url, socket_timeout)
            self._redis = RedisCache(host=self._client, default_timeout=timeout)
            self._where = _describe(self._client)
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0
        self._retry_after = first_retry_after
        self._probing = False  # one thread re-tries Redis; the others keep using memory

    @property
    def backend(self) -> str:
        """Where values go right now: "redis" or "memory"."""
        return "redis" if self._redis is not None and not self._down else "memory"

    def get_or_compute(self, name: str, key_parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """Return the cached value for (name, key_parts) or compute, store and return it.

        If compute raises, the exception propagates and nothing is stored. Redis
        trouble never reaches the caller: the value comes from memory or compute()."""
        key = cache_key(self._namespace, name, key_parts)
        use_redis, probe = self._claim_redis()
        found = self._read_redis(key, name, probe) if use_redis else self._memory.get(key)
        if isinstance(found, tuple) and len(found) == 1:  # the envelope lets None be cached
            return found[0]
        value = compute()
        self._store(key, name, (value,))
        return value

    def clear(self) -> None:
        """Forget every value of this namespace, in Redis (if answering) and in memory."""
        self._memory.clear()
        if self._client is not None and not self._down:
            try:
                keys = list(self._client.scan_iter(match=f"{self._namespace}:*"))
                if keys:
                    self._client.delete(*keys)
            except _REDIS_DOWN as e:
                self._went_down(e, probe=False)

    def _read_redis(self, key: str, name: str, probe: bool) -> Any:
        try:
            found = self._redis.get(key)  # type: ignore[union-attr]
        except _REDIS_DOWN as e:
            self._went_down(e, probe)
            return None
        except Exception as e:  # Redis answered, the value is unreadable (a class renamed by a deploy)
            log.warning("Cached %s could not be read (%s); recomputing it.", name, e)
            found = None
        if probe:
            self._came_back()
        return found

    def _store(self, key: str, name: str, envelope: tuple[Any]) -> None:
        try:
            if self._redis is not None and not self._down:
                try:
                    self._redis.set(key, envelope)
                    return
                except _REDIS_DOWN as e:
                    self._went_down(e, probe=False)
            # SimpleCache swallows a PicklingError and stores None, which its get() then
            # fails to load: find out here instead.
            pickle.dumps(envelope, pickle.HIGHEST_PROTOCOL)
            self._memory.set(key, envelope)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as e:
            log.warning("Value of %s cannot be pickled (%s); it is not cached.", name, e)

    def _claim_redis(self) -> tuple[bool, bool]:
        """(use Redis, as the probe?) While down, one caller per expired back-off probes it."""
        if self._redis is None:
            return False, False
        with self._lock:
            if not self._down:
                return True, False
            if self._probing or self._clock() < self._retry_at:
                return False, False
            self._probing = True
            return True, True

    def _went_down(self, error: BaseException, probe: bool) -> None:
        with self._lock:
            if self._down and not probe:  # another thread already noted this outage
                return
            was_down, self._down, self._probing = self._down, True, False
            delay = self._retry_after
            self._retry_at = self._clock() + delay
            self._retry_after = min(delay * 2, self._max_retry_after)
        if was_down:
            log.debug("Redis at %s still unreachable (%s); next try in %g s.", self._where, error, delay)
        else:
            log.warning(
                "Redis at %s is unreachable (%s: %s); the dashboard cache uses the in-process cache "
                "and tries Redis again in %g s.",
                self._where,
                type(error).__name__,
                error,
                delay,
            )

    def _came_back(self) -> None:
        with self._lock:
            self._down, self._probing = False, False
            self._retry_after = self._first_retry_after
        log.info("Redis is back; the dashboard cache uses Redis at %s again.", self._where)
