"""Every benchmark of issue 9 in one command, each figure beside a raw
baseline measured in the same run.

    python -m bench                # 1,000,000 orders; writes BENCHMARKS.md
    python -m bench --small        # 10,000 orders in a scratch database (CI)

Measurements: 1. each dashboard callback (cache cleared and warm, p50/p95
over 30 random filters) beside a raw SQL query, and the two-year revenue
beside its raw scan; 2. the dashboard page in headless Chromium until every
chart is drawn, beside the same page with the cache warm; 3. 8 clerks
recording payments (20 s) beside bare INSERTs, a check that no order is
overpaid, and the payment form's lookup of a customer with 10,000 open
orders beside a raw page query; 4. customer import end to end beside a bare
COPY; 5. CSV export of every order (rows/s, peak RSS) beside a bare COPY;
6. gunicorn (4 workers) under a bounded load (30 s) beside a static file;
7. demo-data seeding beside a bare COPY of the same rows.

Database: DATABASE_URL, else the embedded one (ECC_DATA_DIR).
--small creates `ecc_bench_small_<pid>` on that server and drops it after:
your data is not touched. The 1M run reuses the DATABASE_URL database when
it holds about 1,000,000 orders, else the bench's own `ecc_bench_1m` on the
same server (seeded, and timed, when missing; --reseed recreates it). THE
1M RUN WRITES INTO THE DATABASE IT REUSES: six 'bench-pay-*' customers
with their orders and the clerks' payments, the 10,000-order customer
'bench-10k@example.com', and a 'bench-admin' account when the app has
sign-in. The import runs in a scratch database `ecc_import_bench_<pid>`.

Tools: Chromium (/usr/bin/chromium or ECC_CHROMIUM) with playwright,
gunicorn, and redis-server (started on a free port, for the cache). A
missing tool skips its measurement, except under CI=true, where it fails.
Exit status: 0 when every measurement ran (targets met or not), 1 when one
failed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bench.report import benchmarks_md, render
from bench.results import Report, merge
from bench.suite import MEASUREMENTS, Options, run_suite

LAST_RUN = Path(__file__).with_name("last-1m-run.json")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="10,000 orders in a scratch database (minutes)")
    parser.add_argument("--reseed", action="store_true", help="1M: recreate and seed ecc_bench_1m, timing it")
    parser.add_argument("--repeat", type=int, default=30, help="calls per timed figure (default 30)")
    parser.add_argument(
        "--only", nargs="+", choices=MEASUREMENTS, default=list(MEASUREMENTS), metavar="NAME",
        help=f"run only these measurements: {', '.join(MEASUREMENTS)} (the seeding figure always comes)",
    )  # fmt: skip
    parser.add_argument(
        "--output",
        type=Path,
        help="write the report there (default: BENCHMARKS.md for the 1M run, nothing for --small)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="also keep the figures as JSON there (default: bench/last-1m-run.json for the 1M run)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: render the run kept in PATH again (e.g. after editing bench/notes.md)",
    )
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        default=[],
        metavar="PATH",
        help="with --from-json: replace the figures of the measurements these later runs (kept with "
        "--json) measured, e.g. one re-run with --only after a fix; writes the merged run back",
    )
    parser.add_argument("--note", action="append", default=[], help="add this sentence to the report's notes")
    parser.add_argument("--no-write", action="store_true", help="print the report, write no file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: expected at least 1")
    if args.merge and not args.from_json:
        parser.error("--merge needs --from-json: the run the later figures go into")
    if args.small and args.reseed:
        parser.error("--reseed is for the 1M run; --small always seeds a fresh scratch database")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.from_json:
        report = Report.from_json(args.from_json.read_text())
        for later in args.merge:
            report = merge(report, Report.from_json(later.read_text()))
    else:
        options = Options(small=args.small, reseed=args.reseed, repeat=args.repeat, only=frozenset(args.only))
        report = run_suite(options, say=lambda line: print(line, file=sys.stderr, flush=True))
    report.notes.extend(args.note)
    print(render(report, html=False))
    full = not report.small
    kept = args.from_json if args.merge or args.note else None
    writes = [
        (args.json or (LAST_RUN if full and not args.from_json else kept), report.to_json()),
        (args.output or (Path("BENCHMARKS.md") if full else None), benchmarks_md(report)),
    ]
    for path, content in writes:
        if path and not args.no_write:
            path.write_text(content)
            print(f"wrote {path}", file=sys.stderr)
    for failure in report.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
