"""Each dashboard callback's server time, cache cleared and cache warm,
beside a raw SQL query of the same figure, in the same run.

    python -m bench.dashboard_callbacks [--repeat 30]

Uses DATABASE_URL (else the embedded database in ./.ecc) and REDIS_URL
(else the in-process cache). Each call is a real POST to
/_dash-update-component through Flask's test client: the callback, the
workflow query, the figure builder and Dash's JSON encoding, no network.
Filters are drawn at random (seeded) as in bench.analytics.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from sqlalchemy import text

from bench.analytics import RAW_DAILY, RAW_KPIS, RAW_TURNOVER, draw_filters
from bench.timing import Timing, measure
from bi_app.app import create_app
from workflow.analytics import Filters

PANELS = {
    # name: (outputs, extra inputs, raw baseline)
    "kpis": (("dashboard-kpi-body", "dashboard-kpi-as-of"), [], RAW_KPIS),
    "revenue": (
        ("dashboard-revenue-body", "dashboard-revenue-as-of"),
        [("dashboard-revenue-measure", "value", "booked")],
        RAW_DAILY,
    ),
    "turnover": (("dashboard-turnover-body", "dashboard-turnover-as-of"), [], RAW_TURNOVER),
    "shipments": (("dashboard-shipments-body", "dashboard-shipments-as-of"), [], None),
    "stuck": (
        ("dashboard-stuck-body", "dashboard-stuck-as-of"),
        [("dashboard-stuck-days", "value", 3)],
        None,
    ),
}


def payload(outputs: tuple[str, str], filters: Filters, extra: list) -> dict:
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


def run(repeat: int, seed: int = 7) -> list[tuple[Timing, Timing, Timing | None]]:
    app = create_app()
    ecc = app.server.extensions["ecc"]
    engine, cache = ecc.engine, ecc.cache
    filters = draw_filters(engine, repeat + 1, seed)
    client = app.server.test_client()

    def post(name: str, i: int) -> None:
        outputs, extra, _ = PANELS[name]
        response = client.post("/_dash-update-component", json=payload(outputs, filters[i], extra))
        body = json.loads(response.data)
        if response.status_code != 200 or "alert" in json.dumps(body)[:400].lower():
            raise SystemExit(f"{name}: the callback failed: {response.status_code} {response.data[:300]!r}")

    def uncached(name: str):
        def call(i: int) -> None:
            cache.clear()
            post(name, i)

        return call

    def raw(sql: str):
        def call(i: int) -> None:
            f = filters[i]
            params = {
                "start": f.start,
                "after": f.end + timedelta(days=1),
                "category": f.category,
                "country": f.countries[0] if f.countries else None,
            }
            with engine.connect() as conn:
                conn.execute(text(sql), params).all()

        return call

    results = []
    for name, (_, _, baseline) in PANELS.items():
        cold = measure(f"{name}: cache cleared", uncached(name), repeat)
        for i in range(-1, repeat):  # fill the cache for the warm run
            post(name, i)
        warm = measure(f"{name}: cache warm", lambda i, name=name: post(name, i), repeat)
        results.append((cold, warm, measure(f"{name}: raw SQL", raw(baseline), repeat) if baseline else None))
    return results


def report(results: list[tuple[Timing, Timing, Timing | None]], backend: str) -> str:
    lines = [
        f"Cache backend: {backend}.",
        "",
        "| callback | uncached p50 ms | uncached p95 ms | warm p50 ms | warm p95 ms | raw SQL p50 ms | raw / uncached (p50) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cold, warm, raw in results:
        name = cold.name.split(":")[0]
        raw_cells = f"{raw.p50_ms:.1f} | {raw.p50_ms / cold.p50_ms:.1f}x" if raw else "– | –"
        lines.append(
            f"| {name} | {cold.p50_ms:.1f} | {cold.p95_ms:.1f} | {warm.p50_ms:.1f} | {warm.p95_ms:.1f} | {raw_cells} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30, help="calls per callback and mode (default 30)")
    args = parser.parse_args()
    results = run(args.repeat)
    from workflow.settings import Settings

    print(report(results, "Redis" if Settings.from_env().redis_url else "in-process"))


if __name__ == "__main__":
    main()
