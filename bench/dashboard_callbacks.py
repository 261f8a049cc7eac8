"""Each dashboard callback's server time, cache cleared and cache warm,
beside a raw SQL query of the same figure, in the same run; and the
two-year daily revenue beside its raw scan.

    python -m bench.dashboard_callbacks [--repeat 30]

Uses DATABASE_URL (else the embedded database in ./.ecc) and REDIS_URL
(else the in-process cache). Each call is a real POST to
/_dash-update-component through Flask's test client: the callback, the
workflow query, the figure builder and Dash's JSON encoding, no network.
Filters are drawn at random (seeded) as in bench.analytics. When the app
has sign-in, the client signs in first as bench-admin (bench.signin).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from dash import Dash
from sqlalchemy import Engine, text

from bench.analytics import (
    RAW_DAILY,
    RAW_KPIS,
    RAW_SHIPMENT_COUNTS,
    RAW_STAGE_DURATIONS,
    RAW_STUCK,
    RAW_TURNOVER,
    data_days,
    draw_filters,
    raw_params,
)
from bench.results import Figure, Target, timing_figure
from bench.signin import sign_in_test_client
from bench.timing import Timing, measure
from workflow.analytics import Filters

MEASUREMENT = "1. dashboard callbacks"
UNCACHED = Target("<=", 50, "ms")
CACHED = Target("<=", 5, "ms")
TWO_YEAR = Target(">=", 10, "", on_speedup=True, at_scale=True)
PANELS: dict[str, tuple[tuple[str, str], list, tuple[str, ...]]] = {
    # name: (outputs, extra inputs, raw baseline queries)
    "kpis": (("dashboard-kpi-body", "dashboard-kpi-as-of"), [], (RAW_KPIS,)),
    "revenue": (
        ("dashboard-revenue-body", "dashboard-revenue-as-of"),
        [("dashboard-revenue-measure", "value", "booked")],
        (RAW_DAILY,),
    ),
    "turnover": (("dashboard-turnover-body", "dashboard-turnover-as-of"), [], (RAW_TURNOVER,)),
    "shipments": (
        ("dashboard-shipments-body", "dashboard-shipments-as-of"),
        [],
        (RAW_SHIPMENT_COUNTS, RAW_STAGE_DURATIONS),
    ),
    "stuck": (
        ("dashboard-stuck-body", "dashboard-stuck-as-of"),
        [("dashboard-stuck-days", "value", 3)],
        (RAW_STUCK,),
    ),
}


@dataclass(frozen=True)
class PanelTimings:
    name: str
    uncached: Timing
    warm: Timing
    raw: Timing


def payload(outputs: tuple[str, str], filters: Filters, extra: list) -> dict:
    """The JSON body Dash's renderer sends for this callback and these filters."""
    inputs = [
        {"id": "dashboard-range", "property": "start_date", "value": filters.start.isoformat()},
        {"id": "dashboard-range", "property": "end_date", "value": filters.end.isoformat()},
        {"id": "dashboard-category", "property": "value", "value": filters.category},
        {"id": "dashboard-country", "property": "value", "value": list(filters.countries)},
        *({"id": i, "property": p, "value": v} for i, p, v in extra),
    ]
    return {
        "output": ".." + "...".join(f"{o}.children" for o in outputs) + "..",
        "outputs": [{"id": o, "property": "children"} for o in outputs],
        "inputs": inputs,
        "changedPropIds": ["dashboard-range.start_date"],
        "state": [],
    }


class Caller:
    """POSTs callbacks to an app through its test client, signed in if needed."""

    def __init__(self, app: Dash) -> None:
        ecc = app.server.extensions["ecc"]
        self.engine: Engine = ecc.engine
        self.cache = ecc.cache
        self.client = app.server.test_client()
        sign_in_test_client(self.client, self.engine)

    def post(self, name: str, filters: Filters) -> None:
        outputs, extra, _ = PANELS[name]
        response = self.client.post(
            "/_dash-update-component",
            json=payload(outputs, filters, extra),
            headers={"Origin": "http://localhost"},
        )
        # On the bytes as sent (as bench.http_load does): decoding and
        # re-encoding the response here took 0.4-2.2 ms of the timed call.
        if response.status_code != 200 or b"alert" in response.data[:400].lower():
            raise RuntimeError(f"{name}: the callback failed: {response.status_code} {response.data[:300]!r}")

    def uncached(self, name: str, filters: list[Filters]) -> Callable[[int], None]:
        def call(i: int) -> None:
            self.cache.clear()
            self.post(name, filters[i])

        return call

    def raw(self, queries: tuple[str, ...], filters: list[Filters]) -> Callable[[int], None]:
        def call(i: int) -> None:
            with self.engine.connect() as conn:
                for sql in queries:
                    conn.execute(text(sql), raw_params(filters[i])).all()

        return call


def run(app: Dash, repeat: int, seed: int = 7) -> list[PanelTimings]:
    """Every panel's callback: cache cleared before each call, then warm
    (the same filters again), and its raw SQL; `repeat` random filters."""
    caller = Caller(app)
    filters = draw_filters(caller.engine, repeat + 1, seed)
    results = []
    for name, (_, _, baseline) in PANELS.items():
        cold = measure(f"{name}: cache cleared", caller.uncached(name, filters), repeat)
        for i in range(-1, repeat):  # fill the cache for the warm run
            caller.post(name, filters[i])
        warm = measure(f"{name}: cache warm", lambda i, name=name: caller.post(name, filters[i]), repeat)
        raw = measure(f"{name}: raw SQL", caller.raw(baseline, filters), repeat)
        results.append(PanelTimings(name, cold, warm, raw))
    return results


def two_year_revenue(app: Dash, repeat: int) -> tuple[Timing, Timing]:
    """The revenue callback over the last two years of data (730 days, no
    narrowing), cache cleared before each call, and the raw scan of items x
    orders by day for the same range."""
    caller = Caller(app)
    first, last = data_days(caller.engine)
    filters = [Filters(max(first, last - timedelta(days=729)), last)] * (repeat + 1)
    ours = measure("revenue, two years, cache cleared", caller.uncached("revenue", filters), repeat)
    return ours, measure("raw: items x orders by day, two years", caller.raw((RAW_DAILY,), filters), repeat)


def figures(panels: list[PanelTimings], two_year: tuple[Timing, Timing], backend: str) -> list[Figure]:
    rows = []
    for p in panels:
        queries = len(PANELS[p.name][2])
        raw = "raw SQL p95" + (f" ({queries} queries)" if queries > 1 else "")
        rows.append(timing_figure(MEASUREMENT, f"{p.name}, uncached, p95", p.uncached, p.raw, raw, UNCACHED))
        rows.append(
            timing_figure(MEASUREMENT, f"{p.name}, cached ({backend}), p95", p.warm, p.raw, raw, CACHED)
        )
    ours, raw = two_year
    rows.append(
        timing_figure(
            MEASUREMENT, "revenue over two years, uncached, p95", ours, raw, "raw scan p95", TWO_YEAR
        )
    )
    return rows


def report(panels: list[PanelTimings], backend: str) -> str:
    lines = [
        f"Cache backend: {backend}.",
        "",
        "| callback | uncached p50 ms | uncached p95 ms | warm p50 ms | warm p95 ms | raw SQL p50 ms | raw / uncached (p50) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in panels:
        lines.append(
            f"| {p.name} | {p.uncached.p50_ms:.1f} | {p.uncached.p95_ms:.1f} | {p.warm.p50_ms:.1f} "
            f"| {p.warm.p95_ms:.1f} | {p.raw.p50_ms:.1f} | {p.raw.p50_ms / p.uncached.p50_ms:.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    from bi_app.app import create_app
    from workflow.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30, help="calls per callback and mode (default 30)")
    args = parser.parse_args()
    app = create_app()
    print(report(run(app, args.repeat), "Redis" if Settings.from_env().redis_url else "in-process"))
    ours, raw = two_year_revenue(app, args.repeat)
    print(f"\nrevenue, two years: p50 {ours.p50_ms:.1f} ms, p95 {ours.p95_ms:.1f} ms; "
          f"raw scan p50 {raw.p50_ms:.1f} ms, p95 {raw.p95_ms:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
