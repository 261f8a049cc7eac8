"""Set a table's indexes, keys and triggers aside for a bulk load, and put them back.

A COPY of millions of rows into tables with their indexes, foreign keys and
maintenance triggers in place pays for each of them row by row: a B-tree
insert per index, a key lookup per foreign key, a derived-row update per
trigger. Built once after the data, an index is one sort, a foreign key one
anti-join, a derived table one INSERT ... SELECT ... GROUP BY.

`set_aside` reads the definitions from the catalog, then drops the foreign
keys that point to or from the tables, their primary key, unique and
exclusion constraints and other indexes, and disables their user triggers
(not the internal ones); `restore_indexes`, `restore_foreign_keys` and
`restore_triggers` recreate exactly what was there; `set_aside_indexes` and
`build_indexes` do the same for the indexes that back no constraint alone
(the customer import's fill of an empty table, workflow.customer_loading).
Every step is DDL in the
caller's transaction: PostgreSQL rolls it all back if the load fails, and
other sessions, which wait on the tables' locks, never see them bare. The
caller must own the tables, and holds their ACCESS EXCLUSIVE locks until it
commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

__all__ = [
    "SetAside", "build_indexes", "restore_foreign_keys", "restore_indexes", "restore_triggers", "set_aside",
    "set_aside_indexes",
]  # fmt: skip

_FOREIGN_KEYS = """
    SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
      FROM pg_constraint
     WHERE contype = 'f' AND (conrelid = ANY (CAST(:tables AS regclass[])) OR confrelid = ANY (CAST(:tables AS regclass[])))
     ORDER BY 1, 2"""
# Primary key, unique and exclusion constraints: their index goes with them.
_CONSTRAINTS = """
    SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
      FROM pg_constraint
     WHERE contype IN ('p', 'u', 'x') AND conrelid = ANY (CAST(:tables AS regclass[]))
     ORDER BY 1, contype, 2"""
_INDEXES = """
    SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
      FROM pg_index AS i
     WHERE i.indrelid = ANY (CAST(:tables AS regclass[]))
       AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c
                        WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
     ORDER BY 1, 2"""
_TRIGGERS = """
    SELECT tgrelid::regclass::text, quote_ident(tgname), tgenabled::text
      FROM pg_trigger
     WHERE tgrelid = ANY (CAST(:tables AS regclass[])) AND NOT tgisinternal AND tgenabled <> 'D'
     ORDER BY 1, 2"""
# pg_trigger.tgenabled -> the ALTER TABLE clause that restores it.
_ENABLE = {"O": "ENABLE TRIGGER", "A": "ENABLE ALWAYS TRIGGER", "R": "ENABLE REPLICA TRIGGER"}


@dataclass(frozen=True)
class Definition:
    table: str  # as regclass prints it: quoted where needed
    name: str
    sql: str  # the constraint's definition, the index's CREATE statement, or the trigger's tgenabled


@dataclass(frozen=True)
class SetAside:
    """What `set_aside` dropped or disabled, to be put back."""

    foreign_keys: tuple[Definition, ...]
    constraints: tuple[Definition, ...]
    indexes: tuple[Definition, ...]
    triggers: tuple[Definition, ...]


def set_aside(conn: Connection, tables: Sequence[str]) -> SetAside:
    """Drop the indexes, keys and foreign keys of `tables` (and the foreign
    keys of other tables that point to them), and disable their user triggers."""

    def read(sql: str) -> tuple[Definition, ...]:
        return tuple(Definition(*row) for row in conn.execute(text(sql), {"tables": list(tables)}))

    foreign_keys, constraints, triggers = read(_FOREIGN_KEYS), read(_CONSTRAINTS), read(_TRIGGERS)
    for fk in foreign_keys:
        conn.exec_driver_sql(f"ALTER TABLE {fk.table} DROP CONSTRAINT {fk.name}")
    for key in constraints:
        conn.exec_driver_sql(f"ALTER TABLE {key.table} DROP CONSTRAINT {key.name}")
    indexes = set_aside_indexes(conn, tables)
    for trigger in triggers:
        conn.exec_driver_sql(f"ALTER TABLE {trigger.table} DISABLE TRIGGER {trigger.name}")
    return SetAside(foreign_keys, constraints, indexes, triggers)


def set_aside_indexes(conn: Connection, tables: Sequence[str]) -> tuple[Definition, ...]:
    """Drop only the indexes of `tables` that back no constraint (keys, foreign
    keys and triggers stay); what was dropped, for `build_indexes`."""
    indexes = tuple(Definition(*row) for row in conn.execute(text(_INDEXES), {"tables": list(tables)}))
    if indexes:
        conn.exec_driver_sql(f"DROP INDEX {', '.join(index.name for index in indexes)}")
    return indexes


def build_indexes(
    conn: Connection, indexes: Sequence[Definition], tables: Collection[str] | None = None
) -> None:
    """Build again the set-aside `indexes` (of `tables` only, as regclass names them, if given)."""
    for index in indexes:
        if tables is None or index.table in tables:
            conn.exec_driver_sql(index.sql)


def restore_indexes(conn: Connection, aside: SetAside, tables: Collection[str]) -> None:
    """Build again the constraints and indexes of `tables` (as regclass names them)."""
    for key in aside.constraints:
        if key.table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {key.table} ADD CONSTRAINT {key.name} {key.sql}")
    build_indexes(conn, aside.indexes, tables)


# How PostgreSQL checks a new foreign key against every row: one anti-join of
# the referencing column with the referenced key. Left to itself it hashes
# the referenced table in parallel workers (order_items -> orders at 1M
# orders: 0.8 s in three processes); once both sides' indexes are built (the
# caller restores them first), a merge of the two in key order reads index
# pages only (the rows were COPYed frozen, so all visible) in one process
# (0.4 s). For the checks only: the settings are put back afterwards.
_CHECK_BY_MERGING = {"enable_hashjoin": "off", "max_parallel_workers_per_gather": "0"}


def restore_foreign_keys(conn: Connection, aside: SetAside) -> None:
    """Add the foreign keys again; each is checked against every row (one
    anti-join per key), so a bad row still fails the load. Call it after
    `restore_indexes`: the checks merge the keys' indexes."""
    before = {name: conn.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one()
              for name in _CHECK_BY_MERGING}  # fmt: skip
    for name, value in _CHECK_BY_MERGING.items():
        conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    for fk in aside.foreign_keys:
        conn.exec_driver_sql(f"ALTER TABLE {fk.table} ADD CONSTRAINT {fk.name} {fk.sql}")
    for name, value in before.items():
        conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})


def restore_triggers(conn: Connection, aside: SetAside) -> None:
    """Enable the disabled triggers again, each as it was (origin, always, replica)."""
    for trigger in aside.triggers:
        conn.exec_driver_sql(f"ALTER TABLE {trigger.table} {_ENABLE[trigger.sql]} {trigger.name}")
