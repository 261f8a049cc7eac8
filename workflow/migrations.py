"""Schema management: db/schema.sql once, then db/migrations/NNN_name.sql in order.

Each file runs in its own transaction and is recorded in schema_migrations
with its SHA-256, so re-running changes nothing, and a failing file leaves
nothing of itself behind. An advisory lock keeps two upgrades from racing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlparse
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from workflow.errors import MigrationFailed

DB_DIR = Path(__file__).resolve().parent.parent / "db"
SCHEMA_VERSION = "000_schema"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x0ECC_DB  # any constant shared by every `ecc db upgrade`


@dataclass(frozen=True)
class SqlFile:
    version: str
    path: Path
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass
class UpgradeResult:
    applied: list[str] = field(default_factory=list)
    changed_after_apply: list[str] = field(default_factory=list)


def schema_file(db_dir: Path = DB_DIR) -> SqlFile:
    path = db_dir / "schema.sql"
    if not path.is_file():
        raise MigrationFailed(f"{path} not found: run ecc from a checkout installed with `pip install -e .`.")
    return SqlFile(SCHEMA_VERSION, path, path.read_text(encoding="utf-8"))


def migration_files(db_dir: Path = DB_DIR) -> list[SqlFile]:
    """db/migrations/NNN_name.sql in number order; a badly named .sql file or a
    repeated number is refused rather than silently skipped."""
    folder = db_dir / "migrations"
    files = sorted(folder.glob("*.sql")) if folder.is_dir() else []
    seen: dict[str, Path] = {}
    for path in files:
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationFailed(
                f"{path.name} is not a valid migration name; expected NNN_lower_case_name.sql, e.g. 001_add_index.sql."
            )
        if match.group(1) in seen:
            raise MigrationFailed(
                f"{path.name} and {seen[match.group(1)].name} share the number {match.group(1)}."
            )
        seen[match.group(1)] = path
    return [SqlFile(p.stem, p, p.read_text(encoding="utf-8")) for p in files]


def upgrade(engine: Engine, db_dir: Path = DB_DIR) -> UpgradeResult:
    """Bring the database to the newest schema; returns what was applied."""
    schema = schema_file(db_dir)
    migrations = migration_files(db_dir)
    result = UpgradeResult()
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        conn.commit()
        try:
            applied = _applied_checksums(conn)
            if applied is None:
                _refuse_if_not_empty(conn)
            conn.rollback()  # end the read; each file gets a transaction of its own
            if applied is None:
                _apply(conn, schema)
                result.applied.append(schema.version)
                applied = {schema.version: schema.checksum}
            for sql_file in [schema, *migrations]:
                if sql_file.version not in applied:
                    _apply(conn, sql_file)
                    result.applied.append(sql_file.version)
                elif applied[sql_file.version] != sql_file.checksum:
                    result.changed_after_apply.append(sql_file.path.name)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            conn.commit()
    return result


def is_current(engine: Engine, db_dir: Path = DB_DIR) -> bool:
    """True when schema.sql and every migration have been applied."""
    with engine.connect() as conn:
        applied = _applied_checksums(conn)
    wanted = {SCHEMA_VERSION, *(m.version for m in migration_files(db_dir))}
    return applied is not None and wanted <= applied.keys()


def _applied_checksums(conn: Connection) -> dict[str, str] | None:
    if not inspect(conn).has_table("schema_migrations"):
        return None
    rows = conn.execute(text("SELECT version, checksum FROM schema_migrations"))
    return {version: checksum for version, checksum in rows}


def _refuse_if_not_empty(conn: Connection) -> None:
    tables = inspect(conn).get_table_names()
    if tables:
        raise MigrationFailed(
            f"The database already has tables ({', '.join(sorted(tables)[:5])}) but no schema_migrations; "
            "refusing to apply schema.sql over them. Point DATABASE_URL at an empty database."
        )


def _apply(conn: Connection, sql_file: SqlFile) -> None:
    """Run every statement of one file in one transaction, then record it."""
    with conn.begin():
        cursor = conn.connection.cursor()
        for number, (line, statement) in enumerate(_statements(sql_file.sql), start=1):
            try:
                cursor.execute(statement)  # no parameters: '%' in the SQL stays literal
            except Exception as exc:
                raise MigrationFailed(_failure(sql_file, number, line, statement, exc)) from exc
        conn.execute(
            text("INSERT INTO schema_migrations (version, checksum) VALUES (:v, :c)"),
            {"v": sql_file.version, "c": sql_file.checksum},
        )


def _statements(sql: str) -> list[tuple[int, str]]:
    """Split a file into statements, each with the line its first code line is on."""
    found: list[tuple[int, str]] = []
    offset = 0
    for statement in sqlparse.split(sql):
        start = sql.find(statement, offset)
        offset = start + len(statement)
        code_lines = [i for i, line in enumerate(statement.splitlines()) if _is_code(line)]
        if code_lines:
            found.append((sql.count("\n", 0, start) + 1 + code_lines[0], statement))
    return found


def _is_code(line: str) -> bool:
    return bool(line.strip()) and not line.strip().startswith("--")


def _failure(sql_file: SqlFile, number: int, line: int, statement: str, exc: Exception) -> str:
    reason = str(getattr(exc, "orig", exc) if isinstance(exc, DBAPIError) else exc).strip().splitlines()[0]
    head = next(line.strip() for line in statement.splitlines() if _is_code(line))
    return (
        f"{sql_file.path.name} failed at statement {number} (line {line}: {head[:80]}): {reason}. "
        f"Nothing of {sql_file.path.name} was applied; fix the file and run `ecc db upgrade` again."
    )
