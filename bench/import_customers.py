"""End-to-end customer import beside a bare COPY of the same file.

    python -m bench.import_customers [--rows 1000000] [--seed 1]

Generates a customer CSV in a temporary folder (unique e-mails, names,
phones in international and national formats, countries as codes and as
names, a few bad rows), creates the database `ecc_import_bench` on the
server of DATABASE_URL (or an embedded one in ECC_DATA_DIR, default
/tmp/ecc-importbench), upgrades it, and measures:

1. `ecc import customers` end to end (read, normalise, validate with Great
   Expectations, load in one transaction: into this empty table by COPY
   with the e-mail and name indexes built after, see
   workflow.customer_loading), rows/s and the
   peak memory of this process (ru_maxrss, read right after the import);
2. a bare `COPY ... FROM STDIN (FORMAT csv)` of the same file into a plain
   table with no constraints, no indexes and no validation.

3. the loading alone: the valid rows of (1), already validated and encoded,
   through workflow.customers.import_customers into a second, empty
   database: what the database needs for the load, the floor of (1).

Prints the rates and the ratio of (1) to (2), then drops the databases.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, text

from bench.results import Figure, Target
from etl.importer import ImportOptions, import_customer_file
from etl.reading import CHUNK_ROWS
from workflow.customers import CustomerBatch, ImportSource, import_customers
from workflow.db import make_engine
from workflow.migrations import upgrade
from workflow.settings import Settings

DATABASE = "ecc_import_bench"
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Léa", "Marta",
         "Noah", "Olga", "Paul", "Rosa", "Sven", "Tomás", "Ute", "Zoë"]  # fmt: skip
LAST = ["Müller", "Schmidt", "Dubois", "Rossi", "García", "Smith", "Jansen", "Nowak", "Andersson", "Silva",
        "O'Brien", "Kowalski", "Fischer", "Martin", "Bianchi", "López", "Jones", "de Vries", "Berg", "Weber"]  # fmt: skip
# (code, name, calling code, national prefix, national number length)
COUNTRIES = [("DE", "Germany", "49", "0", 10), ("FR", "France", "33", "0", 9), ("GB", "United Kingdom", "44", "0", 10),
             ("NL", "Netherlands", "31", "0", 9), ("US", "USA", "1", "", 10), ("AT", "Austria", "43", "0", 10),
             ("IT", "Italy", "39", "", 10), ("ES", "Spain", "34", "", 9)]  # fmt: skip
# National numbers that phonenumbers finds valid, one leading block per country.
LEADING = {
    "DE": "3012",
    "FR": "6123",
    "GB": "7400",
    "NL": "6123",
    "US": "4155",
    "AT": "6641",
    "IT": "3123",
    "ES": "6123",
}


def generate(path: Path, rows: int, seed: int) -> None:
    """Write a customer CSV of `rows` rows (about 0.5 % of them invalid)."""
    rng = np.random.default_rng(seed)
    first = np.array(FIRST)[rng.integers(0, len(FIRST), rows)]
    last = np.array(LAST)[rng.integers(0, len(LAST), rows)]
    country = rng.integers(0, len(COUNTRIES), rows)
    style = rng.integers(0, 3, rows)
    digits = rng.integers(0, 10**6, rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,full_name,phone,country\r\n")
        for i in range(rows):
            code, name, calling, prefix, length = COUNTRIES[country[i]]
            nsn = (LEADING[code] + f"{digits[i]:06d}" + "0000")[:length]
            if style[i] == 0:
                phone = f"+{calling} {nsn[:3]} {nsn[3:]}"
            elif style[i] == 1 and prefix:
                phone = f"{prefix}{nsn[:3]} {nsn[3:]}"
            else:
                phone = f"+{calling}{nsn}"
            where = name if style[i] == 2 else code
            email = f"{first[i].lower()}.{i}@example{i % 97}.com"
            if i % 200 == 7:
                email = email.replace("@", " at ")
            out.write(f'{email},"{last[i]}, {first[i]}",{phone},{where}\r\n')


@dataclass(frozen=True)
class ImportRun:
    rows: int  # rows in the file
    valid: int
    rejected: int
    seconds: float  # end to end
    bare_seconds: float  # bare COPY of the same file
    peak_mb: float  # this process's peak RSS so far

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def bare_rate(self) -> float:
        return self.rows / self.bare_seconds


def run(
    admin: Engine,
    rows: int,
    seed: int = 1,
    database: str = DATABASE,
    keep_rows: bool = False,
    progress: bool = True,
):
    """Generate `rows` customers, import them end to end into a fresh database
    `database` on the admin's server, then COPY the same file bare. Drops the
    database unless `keep_rows`, in which case it also returns the imported
    rows and leaves dropping to the caller: (ImportRun, rows or None)."""
    engine = fresh_database(admin, database)
    try:
        with tempfile.TemporaryDirectory(prefix="ecc-import-bench-") as folder:
            path = Path(folder) / "customers.csv"
            generate(path, rows, seed)
            summary = import_customer_file(
                engine, path, ImportOptions(actor="bench", max_invalid_pct=100, progress=progress)
            )
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            bare = bare_copy(engine, path)
        result = summary.result
        loaded = None
        if keep_rows:
            with engine.connect() as conn:
                query = text("SELECT email, full_name, phone, country FROM customers")
                loaded = [tuple(row) for row in conn.execute(query)]
    finally:
        engine.dispose()
        if not keep_rows:
            drop_database(admin, database)
    timing = ImportRun(
        result.rows_read, result.rows_valid, result.rows_rejected, summary.seconds, bare, peak_mb
    )
    return timing, loaded


def figure(timing: ImportRun) -> Figure:
    return Figure(
        "4. customer import",
        f"import {timing.rows:,} customer rows end to end (read, validate, COPY + upsert)",
        timing.rate,
        "rows/s",
        kind="rate",
        detail=f"{timing.seconds:.1f} s; {timing.valid:,} valid, {timing.rejected:,} rejected",
        baseline=timing.bare_rate,
        baseline_name=f"bare COPY of the same file ({timing.bare_seconds:.2f} s)",
        target=Target(">=", 100_000, "rows/s", at_scale=True),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings = Settings.from_env({"ECC_DATA_DIR": "/tmp/ecc-importbench", **os.environ})
    admin = make_engine(settings)
    timing, rows = run(admin, args.rows, args.seed, keep_rows=True)
    print(f"import: {timing.rows:,} read, {timing.valid:,} valid, {timing.rejected:,} rejected "
          f"in {timing.seconds:.1f} s: {timing.rate:,.0f} rows/s; peak RSS {timing.peak_mb:,.0f} MB")  # fmt: skip
    print(f"bare COPY: {timing.rows:,} rows in {timing.bare_seconds:.1f} s: {timing.bare_rate:,.0f} rows/s")
    print(f"ratio: the import runs at 1/{timing.bare_rate / timing.rate:.1f} of a bare COPY")
    floor = load_only(fresh_database(admin, f"{DATABASE}_load"), rows or [])
    print(
        f"load only (the import's COPY + upsert of the {len(rows or []):,} valid rows into an empty customers "
        f"table, no reading or validation): {floor:.1f} s: {len(rows or []) / floor:,.0f} rows/s"
    )
    for name in (DATABASE, f"{DATABASE}_load"):
        drop_database(admin, name)


def drop_database(admin: Engine, name: str) -> None:
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def fresh_database(admin, name: str):
    """An engine on a new, upgraded database `name` on the admin's server."""
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine = make_engine(url=admin.url.set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    return engine


def load_only(engine, rows: list[tuple]) -> float:
    """Seconds workflow.customers.import_customers takes for rows already
    validated and encoded: the part of the import the database does."""
    batches = [
        CustomerBatch(rows[k : k + CHUNK_ROWS], rows_read=len(rows[k : k + CHUNK_ROWS]), rows_rejected=0)
        for k in range(0, len(rows), CHUNK_ROWS)
    ]
    started = time.perf_counter()
    source = ImportSource("load-only.csv", "0" * 64)
    import_customers(engine, batches, source=source, actor="bench", max_invalid_pct=Decimal(0))
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def bare_copy(engine, path: Path) -> float:
    """Seconds to COPY the file as it is into a plain table and commit."""
    started = time.perf_counter()
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("CREATE TABLE bare_customers (email text, full_name text, phone text, country text)")
        with (
            cursor.copy("COPY bare_customers FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as file,
        ):
            while block := file.read(1 << 20):
                copy.write(block)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
