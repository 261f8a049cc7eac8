"""CSV exports without a database: file names, the columns of each view and
the SQL each kind of cell is written with (tests/integration/test_exports.py
runs them on PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.errors import ErrorCode, WorkflowError
from workflow.exports import VIEWS, export_file_name, export_sql, view_of
from workflow.exports.cells import FORMULA_STARTS, Kind, cell_sql, neutralise_sql
from workflow.exports.columns import CUSTOMERS
from workflow.listings import CustomerQuery, ItemQuery, OrderQuery, PaymentQuery, ShipmentQuery


def test_a_file_name_says_what_and_which_business_days():
    query = OrderQuery(start=date(2026, 8, 26), end=date(2026, 11, 24))
    assert export_file_name("orders", query) == "orders_2026-08-26_2026-11-24.csv"


@pytest.mark.parametrize(
    ("view", "query", "name"),
    [
        ("order_items", ItemQuery(start=date(2026, 1, 5)), "order_items_from_2026-01-05.csv"),
        ("payments", PaymentQuery(end=date(2026, 2, 1)), "payments_until_2026-02-01.csv"),
        ("shipments", ShipmentQuery(), "shipments_all_dates.csv"),
        ("customers", CustomerQuery(countries=("de",)), "customers_all_dates.csv"),
    ],
)
def test_an_open_range_is_named_as_such(view, query, name):
    assert export_file_name(view, query) == name


def test_an_unknown_view_has_no_file_name():
    with pytest.raises(WorkflowError) as refused:
        export_file_name("invoices", OrderQuery())
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
    assert refused.value.message == (
        "There is no export named 'invoices'; choose one of: orders, order_items, payments, shipments, customers."
    )


def test_a_query_of_another_view_is_refused_for_a_file_name():
    with pytest.raises(WorkflowError, match=r"^A PaymentQuery does not describe the orders export\.$"):
        export_file_name("orders", PaymentQuery())


def test_each_query_type_belongs_to_one_view():
    assert [view_of(t()) for t, _ in VIEWS.values()] == list(VIEWS)


def test_every_export_has_distinct_snake_case_headers():
    for _, columns in VIEWS.values():
        assert len(set(columns.headers)) == len(columns.headers)
        assert all(h.replace("_", "").isalnum() and h == h.lower() for h in columns.headers)


def test_text_cells_get_an_apostrophe_before_any_formula_character():
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")
    sql = neutralise_sql("c.full_name")
    assert "chr(61), chr(43), chr(45), chr(64), chr(9), chr(13)" in sql
    assert "'''' || c.full_name" in sql
    assert cell_sql("c.full_name", Kind.TEXT, pii=False) == sql


def test_numbers_money_and_codes_are_written_as_the_database_stores_them():
    for kind in (Kind.ID, Kind.NUMBER, Kind.MONEY, Kind.CODE):
        assert cell_sql("b.total", kind, pii=False) == "b.total"


def test_times_are_written_in_utc_with_their_offset():
    sql = cell_sql("b.placed_at", Kind.TIME, pii=False)
    assert "AT TIME ZONE 'UTC'" in sql and sql.endswith("|| '+00:00')")


def test_email_and_phone_are_masked_unless_the_caller_allows_pii():
    masked = CUSTOMERS.select_list(pii=False)
    shown = CUSTOMERS.select_list(pii=True)
    assert "'***@'" in masked and "repeat('*'" in masked
    assert "'***@'" not in shown and "repeat('*'" not in shown
    assert neutralise_sql("c.email") in shown and neutralise_sql("c.phone") in shown


def test_what_a_person_typed_travels_as_a_parameter_never_as_sql():
    typed = "x'); DROP TABLE customers; --"
    select_sql, params = export_sql(CustomerQuery(search=typed), pii=False)
    assert "DROP TABLE" not in select_sql
    assert params["customer_prefix"] == "x'); drop table customers; --%"


def test_a_search_takes_like_wildcards_literally():
    _, params = export_sql(OrderQuery(customer="50%_off\\"), pii=False)
    assert params["customer_prefix"] == "50\\%\\_off\\\\%"
