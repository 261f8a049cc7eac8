"""Servers a run starts for itself and stops afterwards: a redis-server (no
persistence) and gunicorn serving the app, each on a free 127.0.0.1 port."""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ToolMissing(Exception):
    """A tool a measurement needs is not on this machine (the reason says which)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server of our own; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ToolMissing("redis-server not found (apt-get install redis-server)")
    import redis

    port = free_port()
    folder = tempfile.mkdtemp(prefix="ecc-bench-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def gunicorn(
    database_url: str, redis_url: str | None, *, workers: int = 4, threads: int = 4
) -> Iterator[str]:
    """`gunicorn bi_app.wsgi:server` as the Procfile runs it (workers x threads)
    on a free port of 127.0.0.1, with its own secret key; its base URL once
    it answers."""
    try:
        import gunicorn as _  # noqa: F401
    except ImportError:
        raise ToolMissing("gunicorn is not installed (pip install gunicorn)") from None
    port = free_port()
    folder = tempfile.mkdtemp(prefix="ecc-bench-gunicorn-")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ECC_DATA_DIR": folder,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = Path(folder) / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "bi_app.wsgi:server"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_up(process: subprocess.Popen, port: int, log: Path, wait: float = 90) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-1500:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/assets/10-ecc.css")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer within {wait:.0f} s: {log.read_text(errors='replace')[-1500:]}"
    )
