"""How long `seed_demo_data` takes, stage by stage, on a throwaway database.

    python bench/bench_seed.py --orders 1000000

Creates the database `ecc_seed_bench` (or `--database NAME`) on the server of DATABASE_URL (or on an
embedded one in ECC_DATA_DIR, default ./.ecc-bench), drops it first if it is
there, upgrades it, seeds it and prints the seconds per stage and the rows.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timezone

from sqlalchemy import text

from workflow.db import make_engine
from workflow.demo import seed_demo_data
from workflow.migrations import upgrade
from workflow.settings import Settings

DATABASE = "ecc_seed_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=DATABASE, help=f"the throwaway database (default {DATABASE})")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database instead of dropping it")
    args = parser.parse_args()
    settings = Settings.from_env({"ECC_DATA_DIR": ".ecc-bench", **os.environ})
    admin = make_engine(settings)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {args.database}"))
    engine = make_engine(url=admin.url.set(database=args.database).render_as_string(hide_password=False))
    upgrade(engine)
    now = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    summary = seed_demo_data(engine, orders=args.orders, days=args.days, seed=args.seed, now=now)
    print(f"orders={args.orders:,} days={args.days} seed={args.seed}: {summary.seconds:.1f} s in total")
    for stage, seconds in summary.stages.items():
        rows = summary.rows.get(stage)
        print(f"  {stage:<22} {seconds:7.1f} s" + (f"  {rows:>11,} rows" if rows is not None else ""))
    engine.dispose()
    if not args.keep:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"))


if __name__ == "__main__":
    main()
