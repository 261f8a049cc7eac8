"""Talking to a Redis that may go away: the dashboard cache and the session
store both keep working without it and return to it when it is back.

- `redis_client` gives a client whose every call fails within the socket
  timeout and is never retried by redis-py (which by default retries a dead
  server three times with back-off: 4.4 s for one GET to a refused port).
- `RedisLink.run(call)` runs a call, or returns DOWN while Redis is down
  and backing off. The first failure logs one warning (what the caller does
  meanwhile, where Redis is, never its password); then one thread at a time
  retries after a back-off doubling from `first_retry_after` up to
  `max_retry_after`, the others keep using their fallback; success logs one
  info line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from workflow.errors import ConfigurationError

# Errors that mean "Redis is not answering", as opposed to a value that cannot be read.
REDIS_DOWN = (redis.exceptions.RedisError, OSError)


class _Down:
    """Returned instead of a result when Redis is down or backing off."""

    def __repr__(self) -> str:
        return "DOWN"


DOWN = _Down()


def redis_client(redis_url: str, socket_timeout: float) -> redis.Redis:
    """A client for REDIS_URL; a URL that is not one raises ConfigurationError."""
    try:
        return redis.Redis.from_url(
            redis_url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
    except ValueError as e:
        raise ConfigurationError(
            f"REDIS_URL={without_password(redis_url)} is not a Redis URL; expected redis://host:port/db"
        ) from e


def without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


class RedisLink:
    """Runs Redis calls, or refuses them while Redis is down and backing off.

    `meanwhile` finishes the warning ("the dashboard cache uses the in-process
    cache"), `again` the info line ("the dashboard cache uses Redis")."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        meanwhile: str,
        again: str,
        logger: logging.Logger,
        first_retry_after: float = 1.0,
        max_retry_after: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        kw = client.connection_pool.connection_kwargs
        where = kw.get("path") or f"{kw.get('host')}:{kw.get('port')}"
        self.where = f"{where}/{kw.get('db', 0)}"  # never the password
        self._meanwhile, self._again, self._log = meanwhile, again, logger
        self._first, self._max, self._monotonic = first_retry_after, max_retry_after, monotonic
        self._lock = threading.Lock()
        self._down, self._probing = False, False
        self._retry_at, self._retry_after = 0.0, first_retry_after

    @property
    def down(self) -> bool:
        return self._down

    def run(self, call: Callable[[redis.Redis], Any]) -> Any:
        """call(client), or DOWN if Redis is backing off or fails now. Other
        exceptions (Redis answered, the caller could not use the answer) pass."""
        with self._lock:
            probe = self._down
            if probe and (self._probing or self._monotonic() < self._retry_at):
                return DOWN
            self._probing = self._probing or probe
        try:
            result = call(self.client)
        except REDIS_DOWN as error:
            self._went_down(error, probe)
            return DOWN
        except BaseException:
            if probe:
                self._came_back()
            raise
        if probe:
            self._came_back()
        return result

    def _went_down(self, error: BaseException, probe: bool) -> None:
        with self._lock:
            if self._down and not probe:  # another thread already noted this outage
                return
            was_down, self._down, self._probing = self._down, True, False
            delay = self._retry_after
            self._retry_at = self._monotonic() + delay
            self._retry_after = min(delay * 2, self._max)
        if was_down:
            self._log.debug("Redis at %s still unreachable (%s); next try in %g s.", self.where, error, delay)
        else:
            self._log.warning(
                "Redis at %s is unreachable (%s: %s); %s and tries Redis again in %g s.",
                self.where, type(error).__name__, error, self._meanwhile, delay,
            )  # fmt: skip

    def _came_back(self) -> None:
        with self._lock:
            self._down, self._probing, self._retry_after = False, False, self._first
        self._log.info("Redis is back; %s at %s again.", self._again, self.where)
