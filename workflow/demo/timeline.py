"""When demo orders happen: the calendar of the demo shop, all in UTC seconds.

An order's moment is drawn in two steps: its day, from a daily intensity that
multiplies a mild yearly growth, a weekly pattern (Saturday is the quiet day,
Monday and Sunday evening the busy ones), a yearly season (Black Friday and the
weeks before Christmas peak, January and high summer are slow) and a little
day-to-day noise; then its second within the day, from a diurnal curve (night
is quiet, lunch and evening are busy). Orders fall in the half-open window
(now - days, now]; nothing is ever in the future.

Also here: small vectorised helpers for calendar months and digits, used by
the other generators. Excluded: time zones other than UTC, holidays by country.
"""

from __future__ import annotations

import numpy as np

DAY = 86_400
HOUR = 3_600

# Monday .. Sunday.
WEEKLY = np.array([1.06, 1.00, 0.99, 0.97, 0.92, 0.74, 0.94])
# January .. December.
MONTHLY = np.array([0.86, 0.88, 0.96, 0.97, 0.98, 0.94, 0.88, 0.89, 0.99, 1.03, 1.28, 1.42])
# Hour of day 0 .. 23: quiet nights, a lunch bump and an evening peak.
DIURNAL = np.array(
    [0.30, 0.18, 0.12, 0.09, 0.09, 0.13, 0.28, 0.55, 0.80, 0.95, 1.00, 1.08,
     1.18, 1.10, 1.00, 0.98, 1.00, 1.08, 1.22, 1.40, 1.50, 1.38, 1.05, 0.62]
)  # fmt: skip
YEARLY_GROWTH = 1.25


def unix_day_weekday(unix_days: np.ndarray) -> np.ndarray:
    """0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(unix_days) + 3) % 7


def month_of(unix_seconds: np.ndarray) -> np.ndarray:
    """Calendar month as months since 1970-01 (UTC)."""
    return np.asarray(unix_seconds, dtype="datetime64[s]").astype("datetime64[M]").astype(np.int64)


def month_start(months: np.ndarray) -> np.ndarray:
    """Unix seconds of 00:00 UTC on the first day of months since 1970-01."""
    return np.asarray(months, dtype="datetime64[M]").astype("datetime64[s]").astype(np.int64)


def daily_intensity(unix_days: np.ndarray, start_day: int, rng: np.random.Generator) -> np.ndarray:
    """Relative order rate of each day: growth x weekday x season x noise.

    The season adds a Black Friday / Cyber Monday bump (late November) on top
    of the monthly factors and lets the days after Christmas fall back."""
    days = np.asarray(unix_days, dtype=np.int64)
    dates = days.astype("datetime64[D]")
    month = (dates.astype("datetime64[M]").astype(np.int64)) % 12
    day_of_year = (dates - dates.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    growth = YEARLY_GROWTH ** ((days - start_day) / 365.25)
    black_friday = 0.9 * np.exp(-0.5 * ((day_of_year - 331) / 3.0) ** 2)
    after_christmas = np.where((month == 11) & (day_of_year >= 358), 0.65, 1.0)
    noise = rng.lognormal(0.0, 0.08, len(days))
    return growth * WEEKLY[unix_day_weekday(days)] * (MONTHLY[month] + black_friday) * after_christmas * noise


def _second_of_day_cdf() -> np.ndarray:
    """cdf[s] = share of a day's orders placed at or before second s."""
    weights = np.repeat(DIURNAL, HOUR)
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def order_times(rng: np.random.Generator, count: int, days: int, now: int) -> np.ndarray:
    """`count` sorted order moments (Unix seconds) in (now - days, now]."""
    start = now - days * DAY
    first_day, last_day = start // DAY, now // DAY
    unix_days = np.arange(first_day, last_day + 1)
    cdf = _second_of_day_cdf()
    # The first and last calendar days are partly outside the window; only
    # the diurnal mass inside it counts, and times are drawn inside it.
    low = np.zeros(len(unix_days))
    high = np.ones(len(unix_days))
    low[0] = cdf[start - first_day * DAY]
    high[-1] = cdf[now - last_day * DAY]
    weights = daily_intensity(unix_days, first_day, rng) * (high - low)
    per_day = rng.multinomial(count, weights / weights.sum())
    day_index = np.repeat(np.arange(len(unix_days)), per_day)
    share = low[day_index] + (high[day_index] - low[day_index]) * (1.0 - rng.random(count))
    second = np.minimum(np.searchsorted(cdf, share, side="left"), DAY - 1)
    times = unix_days[day_index] * DAY + second
    times = np.clip(times, start + 1, now)
    return np.sort(times)


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded ASCII digits ('S<width>' array)."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    matrix = ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)
    return np.ascontiguousarray(matrix).view(f"S{width}").ravel()


def lognormal_seconds(
    rng: np.random.Generator, size: int, median: float, sigma: float, low: float, high: float
) -> np.ndarray:
    """Durations (whole seconds) around a median, clipped to [low, high]."""
    values = rng.lognormal(np.log(median), sigma, size)
    return np.clip(values, low, high).astype(np.int64)
