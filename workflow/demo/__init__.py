"""Demo data: a realistic, deterministic shop history for an empty database.

`seed_demo_data(engine, orders=...)` generates the rows (workflow.demo.generate,
pure numpy) and loads them with binary COPY in one transaction
(workflow.demo.load), then rebuilds most of the derived data on two
connections at once (workflow.demo.derive); a failure at any point leaves
the tables empty and the schema whole. It refuses a
database whose schema is not current, one that already has orders,
customers, products, stock movements, payments or shipments, and arguments
outside their ranges; a database an earlier seed was stopped on before the
end gets the rest of that seed's rebuilds instead (`finish_seed`). Users,
the audit log and import runs
stay empty. The base tables are loaded without their indexes, keys and
triggers, which are put back afterwards; order balances, stock on hand and
the daily rollups (every name of workflow.derived.DERIVED) are then derived
from the loaded rows set-based, exactly as the triggers would have derived
them row by row.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, text
from tqdm import tqdm

from workflow.db import transaction
from workflow.demo.derive import CONNECTIONS, pending, rebuild_apart, undo
from workflow.demo.generate import check_arguments, generate
from workflow.demo.load import copy_demo_data
from workflow.errors import ErrorCode, WorkflowError
from workflow.migrations import is_current

__all__ = ["SeedSummary", "finish_seed", "seed_demo_data"]

# A database with any of these rows is not empty; orders are named first.
_GUARDED_TABLES = ("orders", "customers", "products", "stock_movements", "payments", "shipments")
# Estimated rows written per order, for the progress bar before generation ends.
_ROWS_PER_ORDER = 14.5


@dataclass(frozen=True)
class SeedSummary:
    """What was written: rows per table (load order), total seconds, and
    seconds per stage (generate, prepare, one per table, indexes, one per
    derived table, foreign keys, commit...)."""

    rows: Mapping[str, int]
    seconds: float
    stages: Mapping[str, float] = field(default_factory=dict)
    finished: tuple[str, ...] = ()  # derived data an earlier, stopped seed left, rebuilt instead


def seed_demo_data(
    engine: Engine,
    *,
    orders: int,
    days: int = 730,
    seed: int = 1,
    now: datetime | None = None,
    progress: bool = True,
) -> SeedSummary:
    """Fill an empty database with `orders` orders spread over the `days`
    days before `now` (default: the current time), and everything around
    them, the same for the same arguments. Shows a progress bar on stderr
    unless `progress` is False."""
    check_arguments(orders, days, seed, now)
    started = time.perf_counter()
    if not is_current(engine):
        raise WorkflowError(
            "The database schema is missing or out of date; run `ecc db upgrade` first, then seed again.",
            ErrorCode.SCHEMA_NOT_READY,
        )
    if finished := finish_seed(engine):
        return SeedSummary(rows={}, seconds=time.perf_counter() - started, finished=finished)
    with engine.connect() as conn:
        _refuse_if_not_empty(conn)
    with tqdm(
        total=round(orders * _ROWS_PER_ORDER), unit="rows", unit_scale=True, desc="demo data: generating",
        file=sys.stderr, disable=not progress, dynamic_ncols=True,
    ) as bar:  # fmt: skip
        data = generate(orders=orders, days=days, seed=seed, now=now)
        stages = {"generate": time.perf_counter() - started}
        rows = data.row_counts()
        bar.total = sum(rows.values())
        bar.refresh()

        def advance(stage: str, written: int) -> None:
            bar.set_description(f"demo data: {stage}", refresh=not written)
            bar.update(written)

        with transaction(engine) as conn:
            conn.execute(text(f"LOCK TABLE {', '.join(_GUARDED_TABLES)} IN EXCLUSIVE MODE"))
            _refuse_if_not_empty(conn)
            copied, later = copy_demo_data(conn, data, advance)
            stages |= copied
            advance("committing", 0)
            committing = time.perf_counter()
        stages["commit"] = time.perf_counter() - committing
        apart = time.perf_counter()
        try:
            rebuilt = rebuild_apart(engine, later, lambda name: advance(f"rebuilding {name}", 0))
        except BaseException:
            undo(engine, list(data.tables))
            raise
        stages |= {f"rebuild {name} (after commit)": took for name, took in rebuilt.items()}
        stages[f"rebuilds after commit, {CONNECTIONS} connections"] = time.perf_counter() - apart
    return SeedSummary(rows=rows, seconds=time.perf_counter() - started, stages=stages)


def finish_seed(engine: Engine) -> tuple[str, ...]:
    """Rebuild the derived data an earlier seed left listed in
    derived_pending (its process was stopped before the end); returns the
    names rebuilt, none when nothing was left."""
    with engine.connect() as conn:
        names = pending(conn)
    if names:
        rebuild_apart(engine, names)
    return tuple(names)


def _refuse_if_not_empty(conn: Connection) -> None:
    for table in _GUARDED_TABLES:
        count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        if count:
            noun = table.replace("_", " ")[: -1 if count == 1 else None]
            raise WorkflowError(
                f"The database already has {count:,} {noun}; demo data goes only into an empty database. "
                "Point DATABASE_URL (or ECC_DATA_DIR) at a new database, run `ecc db upgrade` there, "
                "and seed again.",
                ErrorCode.DATABASE_NOT_EMPTY,
            )
