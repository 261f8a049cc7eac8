"""The dashboard's filters in the URL query string, both ways.

`?from=2026-08-01&to=2026-08-31&category=Kitchen&country=DE,FR`: only what
differs from the default (the last 90 business days, everything) is
written, so a bookmark of the default view stays "the last 90 days". A bad
parameter falls back to its default and says so in a note; it never stops
the page.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import pycountry

from workflow.analytics import Filters
from workflow.analytics.filters import MAX_DAYS
from workflow.errors import WorkflowError

DEFAULT_DAYS = 90
KNOWN = ("from", "to", "category", "country")


@dataclass(frozen=True)
class DashboardView:
    filters: Filters
    notes: tuple[str, ...] = ()


def default_filters(today: date) -> Filters:
    return Filters(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_dashboard_query(
    params: Mapping[str, str | None], today: date, *, categories: Collection[str] | None = None
) -> DashboardView:
    """Filters from query parameters; each bad one is replaced by its default
    and explained in a note a manager can read."""
    notes: list[str] = []
    default = default_filters(today)
    start = _date(params.get("from"), "from", default.start, notes)
    end = _date(params.get("to"), "to", default.end, notes)
    if "from" in params and "to" not in params and start > end:
        end = start + timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        notes.append(
            f"The range ends ({end}) before it starts ({start}); showing the last {DEFAULT_DAYS} days."
        )
        start, end = default.start, default.end
    elif (end - start).days + 1 > MAX_DAYS:
        notes.append(f"The range spans more than {MAX_DAYS} days; showing the last {DEFAULT_DAYS} days.")
        start, end = default.start, default.end
    category = (params.get("category") or "").strip() or None
    if category and categories is not None and category not in categories:
        notes.append(f"There is no product category {category!r}; showing every category.")
        category = None
    countries = _countries(params.get("country"), notes)
    for name in sorted(set(params) - set(KNOWN)):
        notes.append(f"The parameter {name!r} is not a dashboard filter and was ignored.")
    try:
        return DashboardView(Filters(start, end, category, countries), tuple(notes))
    except WorkflowError as exc:  # defensive: the checks above mirror Filters' own
        return DashboardView(default, (*notes, exc.message))


def dashboard_query_string(filters: Filters, today: date) -> str:
    """`?...` with the parameters that differ from the default, or ''."""
    default = default_filters(today)
    params: dict[str, str] = {}
    if (filters.start, filters.end) != (default.start, default.end):
        params["from"], params["to"] = filters.start.isoformat(), filters.end.isoformat()
    if filters.category:
        params["category"] = filters.category
    if filters.countries:
        params["country"] = ",".join(filters.countries)
    return "?" + urlencode(params) if params else ""


def filters_from_controls(
    start: str | None, end: str | None, category: str | None, countries: list[str] | None, today: date
) -> Filters:
    """Filters from the page's controls (ISO dates from the date picker);
    a cleared date falls back to the default range's end."""
    default = default_filters(today)
    return Filters(
        date.fromisoformat(start[:10]) if start else default.start,
        date.fromisoformat(end[:10]) if end else default.end,
        category or None,
        tuple(countries or ()),
    )


def _date(value: str | None, name: str, default: date, notes: list[str]) -> date:
    if value is None or not value.strip():
        return default
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        notes.append(f"{name}={value!r} is not a date (expected YYYY-MM-DD); using {default}.")
        return default


def _countries(value: str | None, notes: list[str]) -> tuple[str, ...]:
    kept = []
    for code in (part.strip().upper() for part in (value or "").split(",")):
        if not code:
            continue
        if len(code) == 2 and pycountry.countries.get(alpha_2=code):
            kept.append(code)
        else:
            notes.append(f"{code!r} is not an ISO country code (expected two letters such as DE); ignored.")
    return tuple(kept)
