"""The dashboard's filters survive the trip through the address bar, and a
bad parameter falls back to its default with a note."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import pytest

from bi_app.url_filters import dashboard_query_string, filters_from_controls, parse_dashboard_query
from workflow.analytics import Filters

TODAY = date(2026, 11, 25)
CATEGORIES = ("Home", "Kitchen")


def parse(query: str):
    return parse_dashboard_query(dict(parse_qsl(query.lstrip("?"))), TODAY, categories=CATEGORIES)


def test_no_parameters_mean_the_last_90_days_of_everything() -> None:
    view = parse("")
    assert view.filters == Filters(date(2026, 8, 28), TODAY)
    assert view.notes == ()


def test_the_default_view_writes_no_parameters_so_its_bookmark_stays_the_last_90_days() -> None:
    assert dashboard_query_string(Filters(date(2026, 8, 28), TODAY), TODAY) == ""


@pytest.mark.parametrize(
    "filters",
    [
        Filters(date(2026, 1, 1), date(2026, 1, 31)),
        Filters(date(2026, 8, 28), TODAY, "Kitchen"),
        Filters(date(2025, 11, 1), date(2026, 10, 31), "Home", ("FR", "DE")),
    ],
)
def test_a_view_written_to_the_url_reads_back_the_same(filters: Filters) -> None:
    view = parse(dashboard_query_string(filters, TODAY))
    assert view.filters == filters and view.notes == ()


def test_only_what_differs_from_the_default_is_written() -> None:
    query = dashboard_query_string(Filters(date(2026, 8, 28), TODAY, None, ("DE",)), TODAY)
    assert query == "?country=DE"


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("from=2026-13-01", "from='2026-13-01' is not a date (expected YYYY-MM-DD); using 2026-08-28."),
        ("from=2026-10-01&to=2026-09-01", "The range ends (2026-09-01) before it starts (2026-10-01); showing the last 90 days."),
        ("from=1990-01-01&to=2026-01-01", "The range spans more than 3660 days; showing the last 90 days."),
        ("category=Garden", "There is no product category 'Garden'; showing every category."),
        ("country=DE,Germany", "'GERMANY' is not an ISO country code (expected two letters such as DE); ignored."),
        ("form=2026-01-01", "The parameter 'form' is not a dashboard filter and was ignored."),
    ],
)
def test_a_bad_parameter_falls_back_to_its_default_with_a_note(query: str, note: str) -> None:
    view = parse(query)
    assert note in view.notes
    assert view.filters.days <= 3660


def test_good_parameters_beside_a_bad_one_are_kept() -> None:
    view = parse("from=2026-01-01&to=2026-01-31&country=DE,XX1")
    assert view.filters == Filters(date(2026, 1, 1), date(2026, 1, 31), None, ("DE",))
    assert len(view.notes) == 1


def test_controls_with_datetimes_and_no_choices_become_filters() -> None:
    filters = filters_from_controls("2026-02-01T00:00:00", "2026-02-28", None, [], TODAY)
    assert filters == Filters(date(2026, 2, 1), date(2026, 2, 28))
