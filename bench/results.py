"""What a benchmark run produces: figures, each beside its baseline from the
same run, with the issue's target and whether it is met.

A figure's `value` is the number its target is judged on (a p95, a rate, a
peak); `detail` carries the rest (p50, counts). The comparison with the
baseline depends on the kind of figure: for times and memory less is
better, for rates more is.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

from bench.timing import Timing

Kind = Literal["time", "rate", "memory", "count"]
LOWER_IS_BETTER = {"time", "memory", "count"}


@dataclass(frozen=True)
class Target:
    """`value op bound` (op "<=" or ">="), judged on the figure's value, or
    on its speed-up over the baseline when `on_speedup` (baseline time /
    figure time). `at_scale`: the bound is meant for the 1M-order data set
    only, so a small run reports it without judging it."""

    op: Literal["<=", ">="]
    bound: float
    unit: str
    on_speedup: bool = False
    at_scale: bool = False

    def describe(self) -> str:
        if self.on_speedup:
            return f"≥ {self.bound:g}x faster than baseline" if self.op == ">=" else f"≤ {self.bound:g}x"
        bound = f"{self.bound:,.0f}" if self.bound >= 1000 else f"{self.bound:g}"
        return f"{'≤' if self.op == '<=' else '≥'} {bound} {self.unit}".strip()


@dataclass(frozen=True)
class Figure:
    """One measured figure and its raw baseline."""

    measurement: str  # e.g. "1. dashboard callbacks"
    name: str  # e.g. "revenue, uncached, p95"
    value: float | None
    unit: str
    kind: Kind = "time"
    detail: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    target: Target | None = None
    skipped: str | None = None  # why it was not measured

    @property
    def speedup(self) -> float | None:
        """How many times better than the baseline (>1: better, <1: worse)."""
        if self.value is None or self.baseline is None or self.value == 0 or self.baseline == 0:
            return None
        if self.kind in LOWER_IS_BETTER:
            return self.baseline / self.value
        return self.value / self.baseline

    def met(self, *, small: bool) -> bool | None:
        """True/False when the target can be judged in this run, else None."""
        if self.target is None or self.value is None or (small and self.target.at_scale):
            return None
        judged = self.speedup if self.target.on_speedup else self.value
        if judged is None:
            return None
        return judged <= self.target.bound if self.target.op == "<=" else judged >= self.target.bound

    def versus(self) -> str:
        """The ratio in words: "12.3x faster", "2.0x slower", "0.5x the memory"."""
        ratio = self.speedup
        if ratio is None:
            return "–"
        better, worse = {"time": ("faster", "slower"), "rate": ("faster", "slower")}.get(
            self.kind, ("less", "more")
        )
        return f"{ratio:.1f}x {better}" if ratio >= 1 else f"{1 / ratio:.1f}x {worse}"


def skipped(measurement: str, name: str, reason: str, target: Target | None = None) -> Figure:
    return Figure(measurement, name, None, "", skipped=reason, target=target)


def timing_figure(
    measurement: str,
    name: str,
    ours: Timing,
    base: Timing | None,
    baseline_name: str,
    target: Target | None = None,
) -> Figure:
    """A p95 figure (p50 in the detail) beside the baseline's p95."""
    return Figure(
        measurement,
        name,
        ours.p95_ms,
        "ms",
        detail=f"p50 {ours.p50_ms:.1f} ms, {ours.calls} calls",
        baseline=base.p95_ms if base else None,
        baseline_name=f"{baseline_name} (p50 {base.p50_ms:.1f})" if base else baseline_name,
        target=target,
    )


@dataclass
class Report:
    """Everything one run produced, in the order it was measured."""

    mode: str  # "small" or "1M"
    orders: int
    database: str
    machine_start: dict[str, str]
    machine_end: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # measurements that broke, with their traceback
    seconds: float = 0.0
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def small(self) -> bool:
        return self.mode == "small"

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> Report:
        """A report written by to_json (to render it again, e.g. with new notes)."""
        fields = json.loads(data)
        figures = [
            Figure(**{**f, "target": Target(**f["target"]) if f["target"] else None})
            for f in fields.pop("figures")
        ]
        return cls(**fields, figures=figures)


def merge(base: Report, later: Report) -> Report:
    """`base` with the figures of every measurement `later` measured replaced
    by `later`'s (its seeding figure only if it seeded), and a note saying so."""
    measured = {f.measurement for f in later.figures if not (f.skipped or "").startswith("reused")}
    kept = [f for f in base.figures if f.measurement not in measured]
    fresh = [f for f in later.figures if f.measurement in measured]
    load = later.machine_start.get("load average (1/5/15 min)", "?")
    note = (
        f"{', '.join(sorted(measured))}: measured in a later run of their own on the same data set "
        f"(started {later.started_at}, load average {load} at start)."
    )
    return Report(
        base.mode,
        base.orders,
        base.database,
        base.machine_start,
        base.machine_end,
        kept + fresh,
        [*base.notes, note],
        [f for f in base.failures if f.split(":")[0] not in measured] + later.failures,
        base.seconds,
        base.started_at,
    )
