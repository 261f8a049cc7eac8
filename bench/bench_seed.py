"""How long `seed_demo_data` takes, stage by stage, on a throwaway database.

    python -m bench.bench_seed --orders 1000000

Creates the database `ecc_seed_bench` (or `--database NAME`) on the server of DATABASE_URL (or on an
embedded one in ECC_DATA_DIR, default ./.ecc-bench), drops it first if it is
there, upgrades it, seeds it and prints the seconds per stage and the rows.
The rebuilds marked "after commit" run two at a time: their stages overlap,
and the line after them is their wall time.
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import datetime, timezone

from bench.database import admin_url_for, configured_url, drop, recreate, render
from workflow.db import make_engine
from workflow.demo import seed_demo_data
from workflow.settings import Settings

DATABASE = "ecc_seed_bench"


def database_name(value: str) -> str:
    """A plain lower-case PostgreSQL name, so that it needs no quoting rules."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a database name this script creates; expected lower-case letters, digits "
            "and underscores, not starting with a digit (at most 63)"
        )
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database",
        type=database_name,
        default=DATABASE,
        help=f"the throwaway database (default {DATABASE})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded database instead of dropping it")
    args = parser.parse_args()
    admin_url = admin_url_for(configured_url(Settings.from_env({"ECC_DATA_DIR": ".ecc-bench", **os.environ})))
    engine = make_engine(url=recreate(admin_url, args.database))
    now = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    summary = seed_demo_data(engine, orders=args.orders, days=args.days, seed=args.seed, now=now)
    print(f"orders={args.orders:,} days={args.days} seed={args.seed}: {summary.seconds:.1f} s in total")
    for stage, seconds in summary.stages.items():
        rows = summary.rows.get(stage)
        print(f"  {stage:<40} {seconds:7.1f} s" + (f"  {rows:>11,} rows" if rows is not None else ""))
    engine.dispose()
    if not args.keep:
        drop(render(admin_url), args.database)


if __name__ == "__main__":
    main()
