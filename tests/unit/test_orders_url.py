"""The orders list's view survives the trip through the address bar, a bad
parameter falls back to its default with a note, and the dashboard's badges
and cards link to the orders behind them."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, parse_qsl, urlparse

import pytest

from bi_app.orders_url import (
    OrdersView,
    dashboard_kpi_href,
    dashboard_state_href,
    orders_href,
    orders_query_string,
    parse_orders_query,
    query_from_controls,
    sort_href,
)
from workflow.analytics import Filters
from workflow.balances import PaymentState
from workflow.listings import OrderQuery


def parse(query: str) -> OrdersView:
    return parse_orders_query(dict(parse_qsl(query.lstrip("?"))))


def params_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(href).query)


def test_no_parameters_mean_every_order_newest_first_on_page_one_of_fifty() -> None:
    view = parse("")
    assert view.query == OrderQuery()
    assert (view.query.sort, view.query.descending, view.query.include_cancelled) == ("placed_at", True, True)
    assert (view.page, view.page_size, view.notes) == (1, 50, ())


def test_the_default_view_writes_no_parameters() -> None:
    assert orders_query_string(OrderQuery()) == ""


def test_every_parameter_is_read_into_the_query() -> None:
    view = parse(
        "state=overdue,unpaid&from=2026-08-01&to=2026-08-31&customer=ann%20lee&country=de,FR"
        "&status=placed&sort=total&dir=asc&page=3&size=100"
    )
    assert view.query == OrderQuery(
        start=date(2026, 8, 1),
        end=date(2026, 8, 31),
        states=(PaymentState.UNPAID, PaymentState.OVERDUE),
        customer="ann lee",
        countries=("DE", "FR"),
        include_cancelled=False,
        sort="total",
        descending=False,
    )
    assert (view.page, view.page_size, view.notes) == (3, 100, ())


@pytest.mark.parametrize(
    ("query", "page", "size"),
    [
        (OrderQuery(states=(PaymentState.OVERDUE,)), 1, 50),
        (OrderQuery(start=date(2026, 1, 1), customer="42", countries=("FR", "DE")), 2, 25),
        (
            OrderQuery(end=date(2026, 1, 31), include_cancelled=False, sort="customer", descending=False),
            7,
            200,
        ),
        (OrderQuery(states=tuple(PaymentState), sort="balance_due"), 1, 100),
    ],
)
def test_a_view_written_to_the_url_reads_back_the_same(query: OrderQuery, page: int, size: int) -> None:
    view = parse(orders_query_string(query, page, size))
    assert view == OrdersView(query, page, size)


def test_repeated_parameters_are_read_as_one_list() -> None:
    view = parse_orders_query({"state": ["overdue", "unpaid"], "country": ["DE", "FR"]})
    assert view.query.states == (PaymentState.OVERDUE, PaymentState.UNPAID)
    assert view.query.countries == ("DE", "FR")
    assert view.notes == ()


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("from=2026-13-01", "from='2026-13-01' is not a date (expected YYYY-MM-DD); ignored."),
        ("from=2026-10-01&to=2026-09-01", "The range ends (2026-09-01) before it starts (2026-10-01); showing every date."),
        ("state=overdue,late", "'late' is not a payment state (choose from refunded, partially_refunded, paid, overdue, partially_paid, unpaid); ignored."),
        ("country=DE,Germany", "'GERMANY' is not an ISO country code (expected two letters such as DE); ignored."),
        ("status=open", "status='open' is not a choice (only status=placed); showing cancelled orders too."),
        ("sort=profit", "Orders cannot be sorted by 'profit' (choose from placed_at, order_id, customer, due_at, total, paid, balance_due); newest first."),
        ("dir=up", "dir='up' is not asc or desc; sorting descending."),
        ("page=0", "page='0' is not a whole number from 1; using 1."),
        ("page=two", "page='two' is not a whole number from 1; using 1."),
        ("size=30", "size=30 is not a page size (choose from 25, 50, 100, 200); showing 50 rows."),
        ("page=201", "Page 201 starts after the first 10,000 rows; narrow the filter or reverse the sort to reach these rows. Showing page 1."),
        ("customer=" + "x" * 101, "The customer search is 101 characters long (at most 100); showing every customer."),
        ("stat=paid", "The parameter 'stat' is not an orders filter and was ignored."),
    ],
)  # fmt: skip
def test_a_bad_parameter_falls_back_to_its_default_with_a_note(query: str, note: str) -> None:
    view = parse(query)
    assert view.notes == (note,)
    assert view.page >= 1 and view.page_size in (25, 50, 100, 200)


def test_good_parameters_beside_a_bad_one_are_kept() -> None:
    view = parse("state=overdue,late&from=2026-01-01&page=2&size=31")
    assert view.query == OrderQuery(start=date(2026, 1, 1), states=(PaymentState.OVERDUE,))
    assert (view.page, view.page_size) == (2, 50)
    assert len(view.notes) == 2


def test_a_header_sorts_by_its_column_on_page_one_then_reverses_when_clicked_again() -> None:
    view = parse("state=unpaid&page=4")
    by_total = sort_href(view, "total")
    assert params_of(by_total) == {"state": ["unpaid"], "sort": ["total"]}  # biggest first, page 1
    reversed_total = sort_href(parse(urlparse(by_total).query), "total")
    assert params_of(reversed_total) == {"state": ["unpaid"], "sort": ["total"], "dir": ["asc"]}


def test_names_sort_from_a_to_z_at_the_first_click() -> None:
    assert params_of(sort_href(OrdersView(), "customer")) == {"sort": ["customer"], "dir": ["asc"]}


def test_the_pager_keeps_the_filters_and_the_page_size() -> None:
    view = parse("country=DE&size=25&sort=paid")
    assert params_of(orders_href(view, page=3)) == {
        "country": ["DE"], "sort": ["paid"], "page": ["3"], "size": ["25"]
    }  # fmt: skip
    assert orders_href(OrdersView(), page=1) == "/orders"


def test_filter_controls_keep_the_sort_and_the_cancelled_choice() -> None:
    base = OrderQuery(include_cancelled=False, sort="total", descending=False)
    query = query_from_controls(["paid", "overdue"], "2026-02-01T00:00:00", None, "ann", ["fr"], base)
    assert query == OrderQuery(
        start=date(2026, 2, 1),
        states=(PaymentState.PAID, PaymentState.OVERDUE),
        customer="ann",
        countries=("FR",),
        include_cancelled=False,
        sort="total",
        descending=False,
    )


def test_cleared_filter_controls_mean_every_order() -> None:
    assert query_from_controls(None, None, None, "", None, OrderQuery()) == OrderQuery()


FILTERS = Filters(date(2026, 9, 1), date(2026, 9, 30), "Kitchen", ("FR", "DE"))


def test_a_dashboard_badge_links_to_its_state_with_the_dashboards_range_and_narrowing() -> None:
    href = dashboard_state_href(FILTERS, PaymentState.OVERDUE)
    assert urlparse(href).path == "/orders"
    assert params_of(href) == {
        "state": ["overdue"],
        "from": ["2026-09-01"],
        "to": ["2026-09-30"],
        "country": ["DE,FR"],
        "category": ["Kitchen"],
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders", {"status": ["placed"]}),
        ("booked_revenue", {"status": ["placed"]}),
        ("average_order_value", {"status": ["placed"]}),
        ("outstanding_balance", {"state": ["unpaid,partially_paid,overdue"], "sort": ["balance_due"]}),
        ("overdue_amount", {"state": ["overdue"], "sort": ["balance_due"]}),
    ],
)
def test_a_kpi_card_links_to_the_orders_behind_its_figure(name: str, expected: dict) -> None:
    params = params_of(dashboard_kpi_href(Filters(date(2026, 9, 1), date(2026, 9, 30)), name))
    assert params == {**expected, "from": ["2026-09-01"], "to": ["2026-09-30"]}


def test_cash_collected_is_not_a_list_of_orders_so_it_has_no_link() -> None:
    assert dashboard_kpi_href(FILTERS, "collected_cash") is None


def test_a_dashboard_link_reads_back_as_the_matching_orders_query() -> None:
    view = parse(urlparse(dashboard_kpi_href(Filters(date(2026, 9, 1), date(2026, 9, 30), None, ("DE",)),
                                             "outstanding_balance")).query)  # fmt: skip
    assert view.query == OrderQuery(
        start=date(2026, 9, 1),
        end=date(2026, 9, 30),
        states=(PaymentState.OVERDUE, PaymentState.PARTIALLY_PAID, PaymentState.UNPAID),
        countries=("DE",),
        sort="balance_due",
    )
    assert view.notes == ()


def test_a_category_from_the_dashboard_narrows_the_orders_and_is_written_back() -> None:
    view = parse("category=Books,Home&from=2026-01-01")
    assert view.query.categories == ("Books", "Home") and view.notes == ()
    assert "category=Books,Home" in orders_query_string(view.query)
