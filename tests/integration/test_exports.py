"""CSV exports on real PostgreSQL: exactly the listing's rows for a filter,
exact money, ISO times, UTF-8, formula-safe cells, masked contact details,
and flat memory for a large export."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from etl.pii import mask_email, mask_phone
from tests.integration.shop import T0, Shop
from tests.integration.test_listings import AT, History, build_history, raw_orders
from workflow.errors import ErrorCode, WorkflowError
from workflow.exports import (
    export_csv,
    export_customers,
    export_items,
    export_orders,
    export_payments,
    export_shipments,
    iter_export,
    views,
)
from workflow.listings import (
    CustomerQuery,
    ItemQuery,
    OrderQuery,
    PaymentQuery,
    ShipmentQuery,
    list_items,
    list_orders,
    list_payments,
    list_shipments,
)
from workflow.tables import customers


@pytest.fixture
def history(shop: Shop) -> History:
    return build_history(shop)


def exported(export, engine, query, *, pii=False, **kw) -> tuple[list[dict[str, str]], int, bytes]:
    sink = io.BytesIO()
    count = export(engine, query, sink, pii=pii, **kw)
    data = sink.getvalue()
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))), count, data


@pytest.fixture(params=[False, True], ids=["per-row", "bulk"])
def bulk(request, monkeypatch) -> bool:
    """Run a test with the small-export form and again with the large-export form."""
    monkeypatch.setattr(views, "MAX_ROWS", -1 if request.param else 10**9)
    return request.param


def test_an_order_export_is_the_listing_of_its_filter_with_exact_money(history: History, bulk):
    engine = history.shop.engine
    query = OrderQuery(countries=["DE", "FR"], sort="balance_due")
    rows, count, _ = exported(export_orders, engine, query, at=AT)
    listed = list_orders(engine, query, at=AT).rows
    assert count == len(rows) == len(listed) == 5
    assert [int(r["order_id"]) for r in rows] == [r.order_id for r in listed]
    expected = {r[0]: r for r in raw_orders(engine)}
    for row in rows:
        _, name, total, paid, due, state = expected[int(row["order_id"])]
        assert (row["customer_name"], Decimal(row["total"]), Decimal(row["paid"])) == (name, total, paid)
        assert (Decimal(row["balance_due"]), row["payment_state"]) == (due, state.value)
        assert row["total"] == f"{total:.2f}"  # two decimals as stored, never a float's digits
    by_id = {int(r["order_id"]): r for r in rows}
    assert by_id[history.paid]["shipment_status"] == "delivered"
    assert by_id[history.unpaid]["shipment_status"] == "pending"
    assert by_id[history.partly]["shipment_status"] == ""


def test_times_are_iso_8601_in_utc_with_the_offset(history: History):
    rows, _, _ = exported(export_orders, history.shop.engine, OrderQuery(customer_id=history.dan))
    (late,) = rows
    assert late["placed_at"] == "2026-03-08T23:30:00+00:00"
    assert datetime.fromisoformat(late["placed_at"]) == T0 + timedelta(days=6, hours=14, minutes=30)
    with history.shop.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET created_at = :t WHERE id = :id"),
                     {"t": T0 + timedelta(microseconds=250), "id": history.dan})  # fmt: skip
    (dan,), _, _ = exported(export_customers, history.shop.engine, CustomerQuery(search=str(history.dan)))
    assert dan["created_at"] == "2026-03-02T09:00:00.00025+00:00"


def test_names_are_written_in_utf8(history: History):
    rows, _, data = exported(export_customers, history.shop.engine, CustomerQuery(countries=["DE", "JP"]))
    assert {"Chloé Müller", "東京 Trading"} <= {r["full_name"] for r in rows}
    assert "東京 Trading".encode() in data and "Müller".encode() in data
    assert data.startswith(b"customer_id,full_name,email,phone,country,created_at,order_count,")


def test_cells_that_would_start_a_formula_are_neutralised(shop: Shop):
    names = [
        '=HYPERLINK("http://evil.example","click")',
        "+1",
        "-2",
        "@x",
        "\tTab",
        "\rReturn",
        "Plain = safe",
    ]
    with shop.engine.begin() as conn:
        conn.execute(
            customers.insert(),
            [{"email": f"n{i}@example.com", "full_name": n, "country": "DE", "created_at": T0} for i, n in enumerate(names)],
        )  # fmt: skip
    rows, _, _ = exported(export_customers, shop.engine, CustomerQuery(search="n"))
    got = {r["full_name"] for r in rows}
    assert got == {"'" + n for n in names[:-1]} | {"Plain = safe"}


def test_a_payment_reference_that_is_a_formula_is_neutralised(history: History):
    rows, _, _ = exported(export_payments, history.shop.engine, PaymentQuery(order_id=history.paid))
    assert [r["reference"] for r in rows] == ['\'=HYPERLINK("http://evil")']


def test_email_and_phone_are_masked_like_the_import_masks_them_unless_pii_is_allowed(history: History, bulk):
    engine = history.shop.engine
    query = CustomerQuery(countries=["DE", "JP"], sort="name", descending=False)
    masked, _, _ = exported(export_customers, engine, query, pii=False)
    shown, _, _ = exported(export_customers, engine, query, pii=True)
    assert [r["email"] for r in shown] == [
        "ann@example.com",
        "chloe.mueller@example.de",
        "info@tokyo.example.jp",
    ]
    assert [r["email"] for r in masked] == [mask_email(r["email"]) for r in shown]
    assert [r["phone"] for r in shown] == ["", "'+4915112345678", "'+81312345678"]
    assert [r["phone"] for r in masked] == [
        "",
        "'" + mask_phone("+4915112345678"),
        "'" + mask_phone("+81312345678"),
    ]
    assert [(r["order_count"], r["total_ordered"], r["balance_due"]) for r in masked] == [
        ("2", "65.00", "30.00"), ("1", "37.50", "0.00"), ("1", "0.00", "0.00")
    ]  # fmt: skip


def test_every_view_exports_the_rows_its_listing_shows(history: History, bulk):
    engine = history.shop.engine
    cases = [
        (export_items, ItemQuery(product="mug", include_cancelled=False), list_items, "item_id", "item_id"),
        (
            export_payments,
            PaymentQuery(kinds=["payment"], sort="amount"),
            list_payments,
            "payment_id",
            "payment_id",
        ),
        (export_shipments, ShipmentQuery(customer="ann"), list_shipments, "shipment_id", "shipment_id"),
    ]
    for export, query, listing, header, field in cases:
        rows, count, _ = exported(export, engine, query)
        assert [int(r[header]) for r in rows] == [getattr(r, field) for r in listing(engine, query).rows]
        assert count == len(rows) > 0
    items, _, _ = exported(export_items, engine, ItemQuery(order_id=history.part_refunded))
    assert [(r["sku"], r["quantity"], r["unit_price"], r["line_total"]) for r in items] == [
        ("MUG-1", "3", "12.50", "37.50")
    ]
    payments, _, _ = exported(export_payments, engine, PaymentQuery(kinds=["refund"], sort="amount"))
    assert [(r["order_ids"], r["amount"]) for r in payments] == [
        (str(history.refunded), "40.00"), (str(history.part_refunded), "12.50")
    ]  # fmt: skip


def test_an_empty_filter_exports_the_header_only(history: History):
    rows, count, data = exported(export_orders, history.shop.engine, OrderQuery(customer="nobody"))
    assert (rows, count) == ([], 0)
    assert data == (
        b"order_id,placed_at,due_at,status,customer_id,customer_name,country,total,paid,refunded,"
        b"balance_due,payment_state,shipment_status\n"
    )


def test_a_streamed_export_gives_the_same_bytes_as_one_written_to_a_file(history: History):
    engine = history.shop.engine
    _, _, data = exported(export_orders, engine, OrderQuery(), at=AT)
    assert b"".join(iter_export(engine, OrderQuery(), pii=False, at=AT)) == data


def test_an_export_refuses_the_query_of_another_view(history: History):
    with pytest.raises(WorkflowError) as refused:
        export_orders(history.shop.engine, PaymentQuery(), io.BytesIO(), pii=False)
    assert (refused.value.code, refused.value.message) == (
        ErrorCode.INVALID_ARGUMENT, "This export takes a OrderQuery, not a PaymentQuery."
    )  # fmt: skip


def test_a_hundred_thousand_row_export_streams_with_flat_memory_and_reports_progress(shop: Shop):
    with shop.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO orders (customer_id, placed_at, due_at) "
                 "SELECT CASE WHEN g % 2 = 0 THEN :ann ELSE :bob END, :t - g * interval '1 second', :t "
                 "FROM generate_series(1, 100000) AS g"),
            {"ann": shop.ann, "bob": shop.bob, "t": T0},
        )  # fmt: skip

    class CountingSink:
        size = 0

        def write(self, chunk: bytes) -> int:
            self.size += len(chunk)
            return len(chunk)

    seen: list[int] = []
    sink = CountingSink()
    tracemalloc.start()
    try:
        count = export_csv(shop.engine, OrderQuery(), sink, pii=False, progress=seen.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert sink.size > 10_000_000  # about 10 MB of CSV went through ...
    assert peak < 20_000_000  # ... while Python held a few chunks of it at most
    assert seen == sorted(seen) and seen[-1] == 100_000 and len(seen) > 5
