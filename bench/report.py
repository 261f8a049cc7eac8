"""The report of a run, in Markdown: the machine at start and end, and one
table of every figure beside its baseline, the ratio, the target and
whether it is met; for BENCHMARKS.md also the hand-written reasons
(bench/notes.md) for the targets missed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bench.results import Figure, Report

NOTES = Path(__file__).with_name("notes.md")


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit in ("ms", "s"):
        text = f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    elif unit == "MB" or value >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.1f}"
    return f"{text} {unit}".strip()


def met_cell(figure: Figure, small: bool) -> str:
    if figure.skipped:
        return "–"
    met = figure.met(small=small)
    if met is None:
        return "n/a at 10,000 orders" if small and figure.target and figure.target.at_scale else "–"
    return "met" if met else "**not met**"


def table(report: Report, *, html: bool = True) -> list[str]:
    lines = [
        "| measurement | figure | value | baseline (same run) | vs baseline | target | met |",
        "|---|---|---:|---|---:|---|---|",
    ]
    for f in sorted(report.figures, key=lambda f: f.measurement.split(".")[0].zfill(3)):
        target = f.target.describe() if f.target else "–"
        if f.skipped:
            lines.append(f"| {f.measurement} | {f.name} | {f.skipped} | – | – | {target} | – |")
            continue
        detail = (f"<br><small>{f.detail}</small>" if html else f" ({f.detail})") if f.detail else ""
        value = number(f.value, f.unit) + detail
        baseline = (
            f"{number(f.baseline, f.unit)}: {f.baseline_name}"
            if f.baseline is not None
            else (f.baseline_name or "–")
        )
        lines.append(
            f"| {f.measurement} | {f.name} | {value} | {baseline} | {f.versus()} | {target} "
            f"| {met_cell(f, report.small)} |"
        )
    return lines


def machine(report: Report) -> list[str]:
    lines = ["| machine | |", "|---|---|"]
    for key, value in report.machine_start.items():
        if key.startswith("load average"):
            end = report.machine_end.get(key, "?")
            lines.append(f"| {key} | {value} at start, {end} at end |")
        else:
            lines.append(f"| {key} | {value} |")
    return lines


def summary(report: Report) -> str:
    judged = [f.met(small=report.small) for f in report.figures]
    met = sum(1 for m in judged if m is True)
    missed = sum(1 for m in judged if m is False)
    skipped = sum(1 for f in report.figures if f.skipped)
    return f"{met} targets met, {missed} not met, {skipped} figures skipped."


def render(report: Report, *, html: bool = True) -> str:
    """The report as Markdown; `html=False` keeps <br> and <small> out of
    the table, for a terminal."""
    when = datetime.fromisoformat(report.started_at).astimezone(UTC)
    lines = [
        f"## Run: {report.mode} ({report.orders:,} orders), {when:%Y-%m-%d %H:%M} UTC",
        "",
        f"Data set: database `{report.database}`; the run took {report.seconds / 60:.1f} min. "
        "Every figure stands beside its baseline measured in the same run; `vs baseline` says how many "
        "times faster (or smaller) the figure is than its baseline, because this machine is shared and "
        "noisy and the ratios move less than the absolute figures.",
        "",
        *machine(report),
        "",
        *table(report, html=html),
        "",
        summary(report),
    ]
    if report.notes:
        lines += ["", *(f"- {note}" for note in report.notes)]
    return "\n".join(lines) + "\n"


def why_missed(report: Report, notes_text: str) -> str:
    """The sections of bench/notes.md whose figure missed its target in this
    run. A section's heading is "## <start of a figure's name>", or several
    such starts separated by " | " when one reason covers several figures."""
    sections = re.split(r"^## ", notes_text, flags=re.MULTILINE)[1:]
    missed = [f for f in report.figures if f.met(small=report.small) is False]
    kept = []
    for section in sections:
        heading, _, body = section.partition("\n")
        starts = [start.strip() for start in heading.split(" | ")]
        hits = [f.name for f in missed if any(f.name.startswith(start) for start in starts)]
        if hits:
            kept.append(f"### {'; '.join(hits)}\n{body.rstrip()}\n")
    return "\n".join(kept)


def benchmarks_md(report: Report, intro: str = "") -> str:
    """BENCHMARKS.md: title, how to run, the report, and why each missed target is missed."""
    notes = NOTES.read_text() if NOTES.exists() else ""
    why = why_missed(report, notes)
    parts = [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (the 1,000,000-order run); `python -m bench --small` runs the same "
        "code on 10,000 orders, as CI does through tests/integration/test_bench_small.py. "
        "See `python -m bench --help` for what each measurement does and what it writes.",
        "",
        intro,
        render(report),
    ]
    if why:
        parts += ["## Why the missed targets are missed", "", why]
    return "\n".join(part for part in parts if part is not None)
