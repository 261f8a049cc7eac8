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
import time
from collections.abc import Callable, Hashable
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import redis
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache

from workflow.redis_link import DOWN, RedisLink, redis_client

T = TypeVar("T")
log = logging.getLogger("bi_app.cache")



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
        self._memory = SimpleCache(threshold=500, default_timeout=timeout)
        self._redis: RedisCache | None = None
        self._link: RedisLink | None = None
        if redis_url:
            client = redis_client(redis_url, socket_timeout)
            self._redis = RedisCache(host=client, default_timeout=timeout)
            self._link = RedisLink(
                client,
                meanwhile="the dashboard cache uses the in-process cache",
                again="the dashboard cache uses Redis",
                logger=log,
                first_retry_after=first_retry_after,
                max_retry_after=max_retry_after,
                monotonic=clock,
            )

    @property
    def backend(self) -> str:
        """Where values go right now: "redis" or "memory"."""
        return "redis" if self._link is not None and not self._link.down else "memory"

    def get_or_compute(self, name: str, key_parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """Return the cached value for (name, key_parts) or compute, store and return it.

        If compute raises, the exception propagates and nothing is stored. Redis
        trouble never reaches the caller: the value comes from memory or compute()."""
        key = cache_key(self._namespace, name, key_parts)
        found = self._read(key, name)
        if isinstance(found, tuple) and len(found) == 1:  # the envelope lets None be cached
            return found[0]
        value = compute()
        self._store(key, name, (value,))
        return value

    def clear(self) -> None:
        """Forget every value of this namespace, in Redis (if answering) and in memory."""
        self._memory.clear()
        if self._link is not None:
            self._link.run(self._delete_namespace)

    def _read(self, key: str, name: str) -> Any:
        """The stored envelope, from Redis while it answers, else from memory."""
        if self._link is None or self._redis is None:
            return self._memory.get(key)
        redis_cache = self._redis
        try:
            found = self._link.run(lambda _client: redis_cache.get(key))
        except Exception as e:  # Redis answered, the value is unreadable (a class renamed by a deploy)
            log.warning("Cached %s could not be read (%s); recomputing it.", name, e)
            return None
        return self._memory.get(key) if found is DOWN else found

    def _store(self, key: str, name: str, envelope: tuple[Any]) -> None:
        try:
            if self._link is not None and self._redis is not None:
                redis_cache = self._redis
                if self._link.run(lambda _client: redis_cache.set(key, envelope)) is not DOWN:
                    return
            # SimpleCache swallows a PicklingError and stores None, which its get() then
            # fails to load: find out here instead.
            pickle.dumps(envelope, pickle.HIGHEST_PROTOCOL)
            self._memory.set(key, envelope)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as e:
            log.warning("Value of %s cannot be pickled (%s); it is not cached.", name, e)

    def _delete_namespace(self, client: redis.Redis) -> None:
        keys = list(client.scan_iter(match=f"{self._namespace}:*"))
        if keys:
            client.delete(*keys)
