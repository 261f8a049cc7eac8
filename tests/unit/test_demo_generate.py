"""The pure demo-data generator: deterministic, well-formed, and shaped like a
real shop (weekly and yearly seasons, long-tailed customers), without a database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np
import phonenumbers
import pytest

from workflow.demo.generate import DemoData, generate
from workflow.demo.timeline import DAY, digits, unix_day_weekday
from workflow.errors import ErrorCode, WorkflowError

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
NOW_S = int(NOW.timestamp())


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate(orders=3000, days=400, seed=3, now=NOW)


@pytest.fixture(scope="module")
def large() -> DemoData:
    return generate(orders=120_000, days=730, seed=5, now=NOW)


def test_the_same_arguments_give_identical_data_and_another_seed_does_not(small):
    again = generate(orders=3000, days=400, seed=3, now=NOW)
    other = generate(orders=3000, days=400, seed=4, now=NOW)
    for table, columns in small.tables.items():
        for name, values in columns.items():
            assert np.array_equal(values, again.tables[table][name]), (table, name)
    assert not np.array_equal(small.tables["orders"]["placed_at"], other.tables["orders"]["placed_at"])


def test_every_column_of_a_table_has_one_value_per_row(small):
    for table, columns in small.tables.items():
        assert len({len(values) for values in columns.values()}) == 1, table


def test_catalogue_and_customer_sizes_follow_the_order_count():
    tiny = generate(orders=1, days=1, now=NOW).row_counts()
    assert (tiny["products"], tiny["customers"], tiny["orders"]) == (20, 20, 1)
    assert generate(orders=10_000, days=30, now=NOW).row_counts()["products"] == 50


def test_orders_have_one_to_five_distinct_products_three_on_average(large):
    items = large.tables["order_items"]
    sizes = np.bincount(items["order_id"])[1:]
    assert sizes.min() == 1 and sizes.max() == 5 and 2.9 < sizes.mean() < 3.2
    pairs = items["order_id"] * 10_000 + items["product_id"]
    assert len(np.unique(pairs)) == len(pairs)
    quantity = items["quantity"]
    assert set(np.unique(quantity)) == {1, 2, 3, 4} and (quantity == 1).mean() > 0.6


def test_prices_exceed_costs_with_a_margin_of_twenty_to_sixty_percent(small):
    products = small.tables["products"]
    price, cost = products["unit_price"], products["unit_cost"]
    assert np.all(cost > 0) and np.all(price > cost)
    margin = 1 - cost / price
    assert margin.min() > 0.19 and margin.max() < 0.61
    assert len(np.unique(products["sku"])) == len(products["sku"])
    assert 0 < (~products["active"]).sum() < len(price) / 5
    assert 8 <= len(np.unique(products["category"])) <= 12


def test_customers_have_unique_lowercase_emails_and_valid_mobile_numbers(small):
    customers = small.tables["customers"]
    emails = [e.decode() for e in customers["email"]]
    assert len(set(emails)) == len(emails) and all(e == e.lower() for e in emails)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\.\d+@example\.com", e) for e in emails)
    assert 10 <= len(np.unique(customers["country"])) <= 12
    phones = [p.decode() for p in customers["phone"] if p]
    assert 0.85 * len(emails) < len(phones) < len(emails)
    for phone, country in zip(customers["phone"][:300], customers["country"][:300], strict=True):
        if phone:
            assert re.fullmatch(r"\+[1-9][0-9]{6,14}", phone.decode())
            parsed = phonenumbers.parse(phone.decode())
            assert phonenumbers.region_code_for_number(parsed) == country.decode()


def test_everything_happens_in_the_window_and_nothing_after_now(small):
    orders = small.tables["orders"]
    assert orders["placed_at"].min() > NOW_S - 400 * DAY and orders["placed_at"].max() <= NOW_S
    for table, columns in small.tables.items():
        for name in ("created_at", "placed_at", "cancelled_at", "at", "received_at", "recorded_at", "updated_at"):
            if name in columns:
                assert columns[name].max() <= NOW_S, (table, name)


def test_a_customer_exists_before_each_of_their_orders(small):
    created = small.tables["customers"]["created_at"]
    orders = small.tables["orders"]
    assert np.all(created[orders["customer_id"] - 1] < orders["placed_at"])


def test_some_customers_order_much_more_than_most(large):
    per_customer = np.sort(np.bincount(large.tables["orders"]["customer_id"]))[::-1]
    top_tenth = per_customer[: len(per_customer) // 10].sum()
    assert top_tenth > 0.3 * per_customer.sum()


def test_saturday_is_quieter_than_an_average_weekday(large):
    days = large.tables["orders"]["placed_at"] // DAY
    per_weekday = np.bincount(unix_day_weekday(days), minlength=7)
    weekday_mean = per_weekday[:5].mean()
    assert per_weekday[5] < 0.85 * weekday_mean
    weekend_share = per_weekday[5:].sum() / per_weekday.sum()
    assert abs(weekend_share - 2 / 7) > 0.02


def test_november_and_december_are_the_busiest_months(large):
    placed = large.tables["orders"]["placed_at"].astype("datetime64[s]")
    month = placed.astype("datetime64[M]").astype(int) % 12
    last_year = placed >= np.datetime64("2025-01-01")
    per_month = np.bincount(month[last_year & (placed < np.datetime64("2026-01-01"))], minlength=12)
    days_in_month = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    rate = per_month / days_in_month
    assert rate[10:].min() > 1.15 * rate[:10].mean()
    assert np.argmax(rate) in (10, 11)


def test_order_volume_grows_from_year_to_year(large):
    placed = large.tables["orders"]["placed_at"]
    first_year = (placed < NOW_S - 365 * DAY).sum()
    assert placed.size - first_year > 1.1 * first_year


def test_evenings_are_busier_than_nights(large):
    hour = (large.tables["orders"]["placed_at"] % DAY) // 3600
    per_hour = np.bincount(hour, minlength=24)
    assert per_hour[19:22].mean() > 5 * per_hour[2:5].mean()


def test_every_payment_is_allocated_exactly_and_positively(small):
    payments, allocations = small.tables["payments"], small.tables["payment_allocations"]
    allocated = np.bincount(allocations["payment_id"], weights=allocations["amount"], minlength=len(payments["id"]) + 1)
    assert np.array_equal(allocated[1:].round().astype(np.int64), payments["amount"])
    assert allocations["amount"].min() > 0
    assert len(np.unique(payments["idempotency_key"])) == len(payments["id"])


def test_shipment_events_are_in_time_order_and_end_in_the_shipment_status(small):
    shipments, events = small.tables["shipments"], small.tables["shipment_events"]
    assert np.all(np.diff(events["at"]) >= 0)
    order = np.lexsort((events["id"], events["shipment_id"]))
    last = order[np.r_[np.flatnonzero(np.diff(events["shipment_id"][order])), len(order) - 1]]
    assert np.array_equal(events["status"][last], shipments["status"])
    assert np.array_equal(events["at"][last], shipments["updated_at"])


def test_stock_movements_never_take_a_product_below_zero(small):
    moves = small.tables["stock_movements"]
    order = np.lexsort((moves["id"], moves["product_id"]))
    product, delta = moves["product_id"][order], moves["quantity_delta"][order]
    running = np.cumsum(delta)
    starts = np.r_[0, np.flatnonzero(np.diff(product)) + 1]
    before = np.repeat(np.r_[0, running[starts[1:] - 1]], np.diff(np.r_[starts, len(product)]))
    assert (running - before).min() >= 0


def test_stock_ends_at_about_a_month_of_sales(large):
    moves = large.tables["stock_movements"]
    on_hand = moves["quantity_delta"].sum()
    sold_per_month = -moves["quantity_delta"][moves["reason"] == b"sale"].sum() / (730 / 30.4)
    assert 0.5 * sold_per_month < on_hand < 2.5 * sold_per_month


def test_digits_pads_with_zeros():
    assert digits(np.array([0, 7, 12345]), 5).tolist() == [b"00000", b"00007", b"12345"]


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        ({"orders": 0}, "orders=0 is not possible; expected a whole number from 1 to 5,000,000."),
        ({"orders": 10, "days": 3651}, "days=3651 is not possible; expected a whole number of days from 1 to 3650."),
        ({"orders": 10, "now": NOW.replace(tzinfo=None) + timedelta(0)}, "now=2026-03-01T12:00:00 has no time zone"),
    ],
)
def test_impossible_arguments_are_refused_with_the_value_and_the_range(arguments, start):
    with pytest.raises(WorkflowError) as refused:
        generate(**arguments)
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
    assert refused.value.message.startswith(start)
