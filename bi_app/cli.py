"""`ecc`, the command line: schema upgrades, demo data, the demo and the app server.

Every command runs through workflow; a WorkflowError or bad flag prints one
line and exits non-zero, never a stack trace (ECC_DEBUG=1 shows it).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import Engine, func, select

from bi_app.cli_users import add_users_parser, cmd_users, print_demo_accounts
from etl.cli import add_import_parser, cmd_import
from workflow import tables
from workflow.analytics import Filters, kpis
from workflow.calendar import business_today, sync_business_timezone
from workflow.db import make_engine
from workflow.errors import ErrorCode, WorkflowError
from workflow.migrations import upgrade
from workflow.settings import Settings

MAX_ORDERS = 5_000_000
DEMO_ORDERS = 20_000


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number within [low, high], or a clear message."""

    def parse(value: str) -> int:
        cleaned = value.replace("_", "").replace(",", "")
        if not cleaned.lstrip("-").isdigit() or not low <= int(cleaned) <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}; got {value!r}"
            )
        return int(cleaned)

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecc",
        description="E-Commerce Command Center: operations and business intelligence for online shops.",
        epilog="Configuration comes from environment variables (see README.md). "
        "Without DATABASE_URL an embedded PostgreSQL starts in ./.ecc/pgdata.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser(
        "db", help="manage the database schema", description="Manage the database schema."
    )
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    db_commands.add_parser(
        "upgrade",
        help="apply db/schema.sql and pending migrations",
        description="Apply db/schema.sql to an empty database, then each db/migrations/NNN_name.sql "
        "not yet applied, in order. Running it again changes nothing.",
    )

    seed = commands.add_parser(
        "seed",
        help="load deterministic demo data into an empty database",
        description="Generate realistic, deterministic demo data (products, customers, orders, payments, "
        "refunds, shipments, stock) and load it with COPY. Upgrades the schema first. "
        "Refuses a database that already has orders.",
    )
    _add_seed_flags(seed, default_orders=None)

    demo = commands.add_parser(
        "demo",
        help="start the demo on the embedded defaults",
        description="Upgrade the database, seed a modest data set if it has no orders, create one demo "
        "account per role (printing their passwords the first time), then serve the app.",
    )
    _add_seed_flags(demo, default_orders=DEMO_ORDERS)
    _add_serve_flags(demo)

    serve = commands.add_parser(
        "serve",
        help="serve the app",
        description="Serve the app with waitress on HOST:PORT, against DATABASE_URL (or the embedded "
        "PostgreSQL) and REDIS_URL (or the in-process cache). Production runs gunicorn from the Procfile.",
    )
    _add_serve_flags(serve)
    add_import_parser(commands)
    add_users_parser(commands)
    return parser


def _add_seed_flags(parser: argparse.ArgumentParser, default_orders: int | None) -> None:
    parser.add_argument(
        "--orders",
        type=bounded_int(1, MAX_ORDERS),
        required=default_orders is None,
        default=default_orders,
        help="how many orders to generate (about 3 items each)"
        + (f"; default {default_orders:,}" if default_orders else ""),
    )
    parser.add_argument(
        "--days",
        type=bounded_int(1, 3650),
        default=730,
        help="spread orders over this many days up to now; default 730",
    )
    parser.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=1, help="random seed; default 1")


def _add_serve_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on; default 127.0.0.1")
    parser.add_argument("--port", type=bounded_int(1, 65535), default=8050, help="port; default 8050")
    parser.add_argument(
        "--threads", type=bounded_int(1, 64), default=8, help="requests served at once; default 8"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("ECC_LOG_LEVEL", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
        return COMMANDS[args.command](args, settings)
    except WorkflowError as exc:
        print(f"ecc: error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ecc: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: one line, the details only on request
        if os.environ.get("ECC_DEBUG"):
            traceback.print_exc()
        print(
            f"ecc: unexpected error: {type(exc).__name__}: {exc}. Run with ECC_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return 1


def _upgrade(engine: Engine, settings: Settings) -> None:
    """Apply pending schema changes, then make the database count days in
    ECC_TIMEZONE (a change rebuilds the daily rollups)."""
    result = upgrade(engine)
    if result.applied:
        print(f"Schema: applied {', '.join(result.applied)}.")
    else:
        print("Schema: up to date; nothing to apply.")
    for name in result.changed_after_apply:
        print(
            f"warning: {name} changed after it was applied; put changes in a new migration.", file=sys.stderr
        )
    if sync_business_timezone(engine, settings.business_timezone):
        print(f"Business days now count in {settings.business_timezone}; daily rollups rebuilt.")


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    _upgrade(make_engine(settings), settings)
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
    _upgrade(engine, settings)
    _seed(engine, args)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
    _upgrade(engine, settings)
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(tables.orders)).scalar_one()
    if existing:
        print(f"Demo data: the database already has {existing:,} orders; keeping them.")
        from workflow.demo import finish_seed

        started = time.perf_counter()
        if finished := finish_seed(engine):
            _print_finished(finished, time.perf_counter() - started)
    else:
        _seed(engine, args)
    _print_last_90_days(engine, settings)
    print_demo_accounts(engine)
    return _serve(args, settings, engine)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    return _serve(args, settings, make_engine(settings))


def _serve(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    import waitress

    from bi_app.app import create_app

    app = create_app(settings, engine=engine)
    try:
        server = waitress.create_server(app.server, host=args.host, port=args.port, threads=args.threads)
    except OSError as exc:
        raise WorkflowError(
            f"Cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
            "stop the program using it or pass another --port.",
            ErrorCode.INVALID_ARGUMENT,
        ) from None
    cache = "Redis" if settings.redis_url else "the in-process cache"
    print(
        f"Serving the dashboard at http://{args.host}:{args.port}/ with {cache} (sign in at /login); "
        "press Ctrl+C to stop."
    )
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):  # waitress itself returns on Ctrl+C
        server.run()
    print("Stopped.")
    return 0


def _print_last_90_days(engine: Engine, settings: Settings) -> None:
    """The KPI cards of the coming dashboard, as text."""
    with engine.connect() as conn:
        today = business_today(conn)
    result = kpis(engine, Filters(today - timedelta(days=89), today))
    now, money = result.current, settings.currency
    states = ", ".join(
        f"{count:,} {state.value.replace('_', ' ')}" for state, count in now.state_counts.items()
    )
    print(
        f"Last 90 days to {today} ({settings.business_timezone}): booked {now.booked_revenue:,} {money} "
        f"in {now.orders:,} orders (average {now.average_order_value:,}), collected {now.collected_cash:,}, "
        f"outstanding {now.outstanding_balance:,}, of which overdue {now.overdue_amount:,} "
        f"on {now.overdue_count:,} orders.\nPayment states: {states}."
    )


def _seed(engine: Engine, args: argparse.Namespace) -> None:
    from workflow.demo import seed_demo_data

    summary = seed_demo_data(engine, orders=args.orders, days=args.days, seed=args.seed, progress=True)
    if summary.finished:
        _print_finished(summary.finished, summary.seconds)
        return
    counts = ", ".join(f"{count:,} {table}" for table, count in summary.rows.items())
    print(f"Demo data: wrote {counts} in {summary.seconds:.1f} s.")


def _print_finished(names: tuple[str, ...], seconds: float) -> None:
    print(f"Demo data: an earlier seed was stopped before the end; rebuilt what it left "
          f"({', '.join(names)}) in {seconds:.1f} s.")  # fmt: skip


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "db": cmd_db,
    "seed": cmd_seed,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "import": cmd_import,
    "users": cmd_users,
}

if __name__ == "__main__":
    sys.exit(main())
