"""The manager's dashboard in a real Chromium, on demo data."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from tests.live_app import app_of, sign_in
from workflow.analytics import Filters, kpis


@pytest.fixture(autouse=True)
def _signed_in(request, page) -> None:
    """Every test here acts as a manager, whose page this is."""
    sign_in(page, app_of(request), "manager")


GRAPHS = (
    "dashboard-revenue-graph",
    "dashboard-turnover-graph",
    "dashboard-shipment-status-graph",
    "dashboard-stage-durations-graph",
)
KPI_MONEY = ("booked_revenue", "collected_cash", "outstanding_balance", "overdue_amount")


def today(app) -> date:
    return datetime.now(app.settings.tz).date()


def wait_for_panels(page) -> None:
    for graph in GRAPHS:
        page.wait_for_selector(f"#{graph} .js-plotly-plot .main-svg")
    page.wait_for_selector("#dashboard-kpi-booked_revenue-value")
    page.wait_for_selector("#dashboard-stuck-as-of:not(:empty)")
    page.wait_for_function("document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0")


def trace_lengths(page, graph: str) -> list[int]:
    return page.evaluate(
        """(id) => document.querySelector('#' + id + ' .js-plotly-plot').data
                 .map(t => (t.x || t.y || t.values || []).length)""",
        graph,
    )


def shown_money(page, name: str) -> Decimal:
    """The KPI as displayed ("€12,345.60"), read back as an exact amount."""
    text = page.inner_text(f"#dashboard-kpi-{name}-value")
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def shown_count(page, name: str) -> int:
    return int(re.sub(r"\D", "", page.inner_text(f"#dashboard-kpi-{name}-value")))


def assert_kpis_match(page, app, filters: Filters) -> None:
    expected = kpis(app.engine, filters).current
    for name in KPI_MONEY:
        assert shown_money(page, name) == getattr(expected, name), name
    assert shown_count(page, "orders") == expected.orders


def test_the_dashboard_shows_every_panel_with_data_and_the_workflow_figures(page, live_app) -> None:
    page.goto(live_app.url + "/")
    wait_for_panels(page)
    for graph in GRAPHS:
        lengths = trace_lengths(page, graph)
        assert lengths and all(n > 0 for n in lengths), graph
    assert trace_lengths(page, "dashboard-revenue-graph")[0] == 90  # one bar per day of the default range
    end = today(live_app)
    assert_kpis_match(page, live_app, Filters(end - timedelta(days=89), end))
    for state in ("paid", "unpaid", "overdue", "partially_paid", "partially_refunded", "refunded"):
        assert page.is_visible(f"#dashboard-badge-{state}")
    assert "as of" in page.inner_text("#dashboard-revenue-as-of")


def test_changing_the_range_updates_every_panel_and_the_address(page, live_app) -> None:
    page.goto(live_app.url + "/")
    wait_for_panels(page)
    before = {graph: trace_lengths(page, graph) for graph in GRAPHS}
    end = today(live_app)
    start = end - timedelta(days=29)
    page.fill("input.dash-datepicker-start-date", start.isoformat())
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('#dashboard-revenue-graph .js-plotly-plot').data[0].x.length === 30"
    )
    wait_for_panels(page)
    assert_kpis_match(page, live_app, Filters(start, end))
    assert parse_qs(urlparse(page.url).query) == {"from": [start.isoformat()], "to": [end.isoformat()]}
    after = {graph: trace_lengths(page, graph) for graph in GRAPHS}
    assert after["dashboard-revenue-graph"] != before["dashboard-revenue-graph"]


def test_a_shared_url_shows_the_same_view_in_a_fresh_browser(browser, live_app) -> None:
    end = today(live_app)
    filters = Filters(end - timedelta(days=59), end - timedelta(days=10), None, ("DE",))
    url = f"{live_app.url}/?from={filters.start}&to={filters.end}&country=DE"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sign_in(page, live_app, "manager")
    page.goto(url)
    wait_for_panels(page)
    assert_kpis_match(page, live_app, filters)
    assert trace_lengths(page, "dashboard-revenue-graph")[0] == filters.days
    assert page.input_value("input.dash-datepicker-start-date") == filters.start.isoformat()
    assert "Germany" in page.inner_text("#dashboard-country")
    assert page.url == url
    context.close()


def test_a_bad_url_parameter_shows_a_note_and_the_default_view(page, live_app) -> None:
    page.goto(live_app.url + "/?from=2026-13-45")
    wait_for_panels(page)
    assert "is not a date (expected YYYY-MM-DD)" in page.inner_text("#dashboard-note")
    assert trace_lengths(page, "dashboard-revenue-graph")[0] == 90


def test_a_range_without_sales_shows_a_friendly_empty_state(page, live_app) -> None:
    page.goto(live_app.url + "/?from=2019-01-01&to=2019-01-31")
    page.wait_for_selector("#dashboard-revenue-body >> text=No sales in this range")
    assert shown_count(page, "orders") == 0
