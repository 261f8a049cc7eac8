"""The bulk seed's derived data, rebuilt on two connections at once.

A transaction runs on one backend, so on one core: at 1M orders the seed's
single transaction spent about half of its 98 s in the rebuild functions of
workflow.derived, one after the other, while the machine's second core
waited. So the seed (workflow.demo) splits the rebuilds:

- its transaction, which loads the base tables, rebuilds the derived data
  that cannot be rebuilt beside other work (`kept_in_load`): a name without
  a table of its own (product_stock is products.stock_qty, a base table
  with triggers) and a name whose tables have a foreign key (dropping and
  adding it locks the referenced table, products, against every read of the
  other connection). The other names' tables are committed empty, with
  their indexes and triggers, and listed in derived_pending (migration 017);
- `rebuild_apart` then rebuilds those, each in a transaction of its own, on
  two connections, longest first (DERIVED's order): the tables' indexes set
  aside and their triggers disabled (bulk.set_aside), the rebuild function,
  the indexes built and the triggers enabled again, ANALYZE, and the name
  deleted from derived_pending as the transaction commits.

If a rebuild fails, the other connection stops after its current one and
`undo` empties every table the seed wrote: a failing seed still leaves an
empty database with its schema whole. If the process is killed in between,
derived_pending names what is left and the next seed rebuilds it.

Until the last rebuild commits, other sessions can see the base rows beside
empty derived tables; the seed fills a new database before the app serves it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor, wait

from sqlalchemy import Connection, Engine, text

from workflow import bulk
from workflow.data_version import move_data_version
from workflow.derived import DERIVED, derived_tables, rebuild_function, tables_of

__all__ = ["kept_in_load", "mark_pending", "pending", "rebuild_apart", "undo"]

CONNECTIONS = 2
# A bulk load sorts and hashes millions of rows; the server's defaults (4 MB
# and 64 MB) would spill most of it to disk. For the transaction only.
MEMORY = ("SET LOCAL work_mem = '256MB'", "SET LOCAL maintenance_work_mem = '512MB'")


def kept_in_load(aside: bulk.SetAside, derived: Collection[str]) -> list[str]:
    """The names of DERIVED the load's own transaction rebuilds (see the
    module docstring); `aside` is what the load set aside, `derived` the
    derived tables the database has (workflow.derived.derived_tables)."""
    with_keys = {fk.table for fk in aside.foreign_keys}
    kept = []
    for name in DERIVED:
        tables = set(tables_of(name)).intersection(derived)
        if not tables or tables & with_keys:
            kept.append(name)
    return kept


def mark_pending(conn: Connection, names: Sequence[str]) -> None:
    """List `names` as still to be rebuilt, in the load's transaction."""
    conn.execute(
        text("INSERT INTO derived_pending (name) SELECT unnest(CAST(:names AS text[]))"), {"names": names}
    )


def pending(conn: Connection) -> list[str]:
    """The names a seed left to rebuild, in DERIVED's order."""
    listed = set(conn.execute(text("SELECT name FROM derived_pending")).scalars())
    return [name for name in DERIVED if name in listed]


def rebuild_apart(
    engine: Engine, names: Sequence[str], before_each: Callable[[str], None] | None = None
) -> dict[str, float]:
    """Rebuild `names`, each in its own transaction, on CONNECTIONS connections
    at once, in the order given; seconds per name. The first failure is raised
    once the rebuilds under way have ended; the names not started are left."""
    seconds: dict[str, float] = {}
    stop = threading.Event()

    def rebuild(name: str) -> None:
        if stop.is_set():
            return
        if before_each:
            before_each(name)
        started = time.perf_counter()
        try:
            _rebuild_one(engine, name)
        except BaseException:
            stop.set()
            raise
        seconds[name] = time.perf_counter() - started

    with ThreadPoolExecutor(CONNECTIONS, thread_name_prefix="seed-rebuild") as pool:
        futures = [pool.submit(rebuild, name) for name in names]
        try:
            wait(futures)  # after a failure, the names not started return at once
        except BaseException:  # Ctrl-C: the rebuilds under way end, no other starts
            stop.set()
            raise
    failures = [future.exception() for future in futures if future.exception() is not None]
    if failures:
        raise failures[0]
    with engine.begin() as conn:  # a dashboard read between the commits is stale now
        move_data_version(conn)
    return seconds


def _rebuild_one(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        for setting in MEMORY:
            conn.exec_driver_sql(setting)
        tables = derived_tables(conn, [name])
        aside = bulk.set_aside(conn, tables)
        conn.execute(text(f"SELECT {rebuild_function(name)}()"))
        bulk.restore_indexes(conn, aside, tables)
        bulk.restore_triggers(conn, aside)
        conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")
        conn.execute(text("DELETE FROM derived_pending WHERE name = :name"), {"name": name})


def undo(engine: Engine, loaded: Collection[str]) -> None:
    """Empty the base tables a seed `loaded`, every derived table and
    derived_pending, at once."""
    with engine.begin() as conn:
        tables = [*loaded, *derived_tables(conn), "derived_pending"]
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
        move_data_version(conn)
