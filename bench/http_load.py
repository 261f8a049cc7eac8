"""The app over HTTP under a bounded load: gunicorn with 4 workers (x 4
threads, as the Procfile runs it) on 127.0.0.1, driven by client threads.

Three phases of equal length, at most 30 s in all:

1. baseline: GET of a static asset (/assets/10-ecc.css): what gunicorn,
   Flask and the network cost without any work;
2. the revenue callback, cached: the same filters on every request (the
   cache warmed first; Redis when a redis-server is at hand, shared by
   the workers);
3. the revenue callback, uncached: fresh random filters on every request
   (random range, half of them narrowed to a category or a country).

Each client thread keeps one connection open (keep-alive) and sends its
next request when the last one is answered.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from bench.dashboard_callbacks import PANELS, payload
from bench.results import Figure
from bench.timing import Timing, timing_of
from workflow.analytics import Filters

MEASUREMENT = "6. HTTP (gunicorn)"
STATIC = "/assets/10-ecc.css"


@dataclass(frozen=True)
class Phase:
    latency: Timing
    requests: int
    errors: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class Client:
    """Requests to one server, signed in by `cookie` (may be empty)."""

    def __init__(self, base_url: str, cookie: str) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = cookie

    def static(self) -> tuple[str, str, bytes | None, dict[str, str]]:
        return "GET", STATIC, None, self._headers()

    def callback(self, filters: Filters) -> tuple[str, str, bytes | None, dict[str, str]]:
        outputs, extra, _ = PANELS["revenue"]
        body = json.dumps(payload(outputs, filters, extra)).encode()
        headers = self._headers() | {"Content-Type": "application/json", "Origin": self.base_url}
        return "POST", "/_dash-update-component", body, headers

    def _headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie} if self.cookie else {}

    def warm(self, request: tuple[str, str, bytes | None, dict[str, str]], times: int) -> None:
        """Send `request` `times` times, each on a new connection, so every
        worker gets some (they load the app and its caches lazily)."""
        for _ in range(times):
            conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            method, path, body, headers = request
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")

    def load(self, make_request, threads: int, seconds: float) -> Phase:
        """`threads` clients sending make_request(rng) for `seconds`."""
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def client(number: int) -> None:
            rng = random.Random(number)
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            mine, failed = [], []
            while time.monotonic() < deadline:
                method, path, body, headers = make_request(rng)
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    failed.append(repr(exc))
                    conn.close()
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                    continue
                mine.append((time.perf_counter() - started) * 1000)
                if response.status != 200 or (method == "POST" and b"alert" in data[:400].lower()):
                    failed.append(f"{response.status} {data[:200]!r}")
            conn.close()
            with lock:
                latencies.extend(mine)
                errors.extend(failed)

        started = time.monotonic()
        workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        if errors and len(errors) * 10 > len(latencies):
            raise RuntimeError(f"{len(errors)} of {len(latencies)} requests failed, e.g. {errors[0]}")
        return Phase(timing_of("requests", latencies), len(latencies) - len(errors), len(errors), elapsed)


def random_filters(rng: random.Random, first: date, last: date, categories: list[str], countries: list[str]):
    span = (last - first).days
    start = first + timedelta(days=rng.randint(0, span))
    end = min(last, start + timedelta(days=rng.randint(6, 365)))
    narrowing = rng.random()
    return Filters(
        start,
        end,
        category=rng.choice(categories) if narrowing < 0.25 and categories else None,
        countries=(rng.choice(countries),) if 0.25 <= narrowing < 0.5 and countries else (),
    )


def run(
    client: Client,
    days: tuple[date, date],
    categories: list[str],
    countries: list[str],
    *,
    seconds_each: float,
    threads: int = 8,
) -> dict[str, Phase]:
    first, last = days
    same = Filters(max(first, last - timedelta(days=89)), last)
    client.warm(client.callback(same), 4 * threads)
    return {
        "static": client.load(lambda rng: client.static(), threads, seconds_each),
        "cached": client.load(lambda rng: client.callback(same), threads, seconds_each),
        "uncached": client.load(
            lambda rng: client.callback(random_filters(rng, first, last, categories, countries)),
            threads,
            seconds_each,
        ),
    }


def figures(phases: dict[str, Phase], backend: str, threads: int) -> list[Figure]:
    static = phases["static"]
    rows = []
    for mode, label in (("cached", f"cached ({backend})"), ("uncached", "uncached, random filters")):
        phase = phases[mode]
        detail = f"{threads} client threads, {phase.seconds:.0f} s, {phase.requests:,} requests"
        detail += f", {phase.errors} failed" if phase.errors else ""
        rows.append(
            Figure(
                MEASUREMENT,
                f"revenue callback, {label}: requests/s",
                phase.rate,
                "req/s",
                kind="rate",
                detail=detail,
                baseline=static.rate,
                baseline_name=f"GET {STATIC} under the same load",
            )
        )
        rows.append(
            Figure(
                MEASUREMENT,
                f"revenue callback, {label}: p95",
                phase.latency.p95_ms,
                "ms",
                detail=f"p50 {phase.latency.p50_ms:.1f} ms",
                baseline=static.latency.p95_ms,
                baseline_name=f"GET {STATIC} p95 (p50 {static.latency.p50_ms:.1f})",
            )
        )
    return rows
