"""CSV export of every order: rows/s and peak memory, beside a bare COPY.

    python -m bench.export [--url URL]

Each side runs in a subprocess of its own, so its peak RSS (VmHWM, else
resource.getrusage's ru_maxrss) is its own:

1. workflow.exports.export_orders of all orders (OrderQuery(), cancelled
   ones included; customer e-mail and phone masked, as an analyst without
   PII access gets them) into a sink that counts the bytes;
2. a bare `COPY orders TO STDOUT (FORMAT csv)` of the same orders through
   psycopg, no joins, no formatting.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from bench.results import Figure, Target

MEASUREMENT = "5. CSV export"


class CountingSink:
    """A binary sink that keeps nothing and counts the bytes."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)


def export_worker(url: str) -> dict[str, float]:
    from workflow.db import make_engine
    from workflow.exports import export_orders
    from workflow.listings import OrderQuery

    engine = make_engine(url=url)
    sink = CountingSink()
    started = time.perf_counter()
    rows = export_orders(engine, OrderQuery(), sink, pii=False)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "bytes": sink.bytes, "peak_mb": _peak_mb()}


def copy_worker(url: str) -> dict[str, float]:
    import psycopg

    from workflow.db import normalize_url

    conninfo = normalize_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    size = rows = 0
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY orders TO STDOUT (FORMAT csv)") as copy:
            for data in copy:
                size += len(data)
        rows = cursor.rowcount
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "bytes": size, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's
    own address space; ru_maxrss would also count the parent's, which a
    forked child inherits across exec on Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_subprocess(kind: str, url: str) -> dict[str, float]:
    """Run one worker in a fresh Python and return what it measured."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.export", "--worker", kind, "--url", url],
        capture_output=True,
        text=True,
        check=False,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    if done.returncode != 0:
        raise RuntimeError(f"export {kind} worker failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(url: str) -> tuple[dict[str, float], dict[str, float]]:
    return in_subprocess("export", url), in_subprocess("copy", url)


def figures(ours: dict[str, float], bare: dict[str, float]) -> list[Figure]:
    rate, bare_rate = ours["rows"] / ours["seconds"], bare["rows"] / bare["seconds"]
    return [
        Figure(
            MEASUREMENT,
            f"export_orders of {ours['rows']:,.0f} orders (masked PII)",
            rate,
            "rows/s",
            kind="rate",
            detail=f"{ours['seconds']:.1f} s, {ours['bytes'] / 1e6:,.0f} MB of CSV",
            baseline=bare_rate,
            baseline_name=f"bare COPY orders TO STDOUT ({bare['seconds']:.1f} s, {bare['bytes'] / 1e6:,.0f} MB)",
            target=Target(">=", 150_000, "rows/s", at_scale=True),
        ),
        Figure(
            MEASUREMENT,
            "export_orders: peak RSS of the exporting process",
            ours["peak_mb"],
            "MB",
            kind="memory",
            baseline=bare["peak_mb"],
            baseline_name="peak RSS of the bare COPY process",
            target=Target("<=", 300, "MB"),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="database URL (default: DATABASE_URL, else the embedded database)")
    parser.add_argument("--worker", choices=["export", "copy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.url is None:
        from bench.database import configured_url, render

        args.url = render(configured_url())
    if args.worker:
        work = export_worker if args.worker == "export" else copy_worker
        print(json.dumps(work(args.url)))
        return
    for figure in figures(*run(args.url)):
        print(f"{figure.name}: {figure.value:,.0f} {figure.unit}; {figure.baseline_name}: "
              f"{figure.baseline:,.0f} ({figure.versus()}) {figure.detail}")  # fmt: skip


if __name__ == "__main__":
    main()
