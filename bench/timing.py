"""Timing helpers for the benchmarks: percentiles over repeated calls."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    name: str
    p50_ms: float
    p95_ms: float
    calls: int


def measure(name: str, call: Callable[[int], object], repeat: int) -> Timing:
    """Call `call(i)` `repeat` times (after one warm-up call) and keep the
    wall-clock milliseconds of each."""
    call(-1)
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return timing_of(name, samples)


def timing_of(name: str, samples_ms: list[float]) -> Timing:
    """p50 and p95 (nearest rank) of samples in milliseconds."""
    if not samples_ms:
        raise ValueError(f"{name}: no samples")
    samples = sorted(samples_ms)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Timing(name, statistics.median(samples), p95, len(samples))
