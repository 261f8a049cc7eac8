"""Inventory on a real PostgreSQL: receipts, adjustments, and stock on hand
always equal to the sum of its movements."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, insert, select

from workflow.errors import ErrorCode, WorkflowError
from workflow.inventory import StockLevel, adjust_stock, receive_stock, stock_level
from workflow.tables import audit_log, products, stock_movements

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


def _product(engine: Engine, *, stock: int, sku: str = "SKU-1", name: str = "Mug") -> int:
    """A product inserted with stock 0, then given `stock` by a receipt at 2.50."""
    with engine.begin() as conn:
        product_id = conn.execute(
            insert(products)
            .values(
                sku=sku,
                name=name,
                category="Kitchen",
                unit_price=Decimal("9.90"),
                unit_cost=Decimal("2.50"),
                stock_qty=0,
                active=True,
            )
            .returning(products.c.id)
        ).scalar_one()
        if stock:
            conn.execute(
                insert(stock_movements).values(
                    product_id=product_id,
                    quantity_delta=stock,
                    reason="receipt",
                    unit_cost=Decimal("2.50"),
                    at=T0,
                )
            )
    return product_id


@pytest.fixture
def product_with_10_in_stock(db_engine: Engine) -> int:
    return _product(db_engine, stock=10)


def _counts(engine: Engine) -> tuple[int, int, int]:
    """Movements, audit rows, and the stock column: everything a refused act must leave alone."""
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(stock_movements)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
            conn.execute(select(func.sum(products.c.stock_qty))).scalar_one(),
        )


def _refused(call, code: ErrorCode, message: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert caught.value.code is code
    assert caught.value.message == message


# Receipts -------------------------------------------------------------------


def test_a_receipt_raises_stock_and_writes_a_receipt_movement_at_cost_and_an_audit_row(
    db_engine, product_with_10_in_stock
):
    level = receive_stock(
        db_engine,
        product_id=product_with_10_in_stock,
        quantity=5,
        unit_cost=Decimal("3.10"),
        actor="ann",
        at=T0,
        note="  delivery 88 ",
    )
    assert level == StockLevel(product_with_10_in_stock, "SKU-1", "Mug", on_hand=15, ledger_total=15)
    with db_engine.connect() as conn:
        movement = conn.execute(select(stock_movements).order_by(stock_movements.c.id.desc())).first()
        audit = conn.execute(select(audit_log)).one()
    assert (movement.quantity_delta, movement.reason, movement.unit_cost) == (5, "receipt", Decimal("3.10"))
    assert (movement.at, movement.actor, movement.note) == (T0, "ann", "delivery 88")
    assert (audit.actor, audit.action, audit.entity, audit.entity_id) == (
        "ann",
        "stock.received",
        "product",
        str(product_with_10_in_stock),
    )
    assert audit.details["unit_cost"] == "3.10" and audit.details["on_hand"] == 15


def test_a_receipt_at_zero_cost_is_accepted(db_engine, product_with_10_in_stock):
    level = receive_stock(
        db_engine, product_id=product_with_10_in_stock, quantity=1, unit_cost=Decimal("0"), actor="ann"
    )
    assert level.on_hand == 11


@pytest.mark.parametrize("quantity", [0, -3, 2.5, True, "4"])
def test_a_receipt_of_anything_but_a_whole_number_of_at_least_one_is_refused(
    db_engine, product_with_10_in_stock, quantity
):
    before = _counts(db_engine)
    _refused(
        lambda: receive_stock(
            db_engine,
            product_id=product_with_10_in_stock,
            quantity=quantity,
            unit_cost=Decimal("1.00"),
            actor="ann",
        ),
        ErrorCode.INVALID_QUANTITY,
        f"Receive a whole number of units, at least 1; {quantity!r} was entered.",
    )
    assert _counts(db_engine) == before


@pytest.mark.parametrize(
    ("unit_cost", "message"),
    [
        (Decimal("-0.01"), "The unit cost cannot be negative; -0.01 was entered."),
        (Decimal("1.234"), "The unit cost has at most 2 decimals (cents); 1.234 was entered."),
        (0.1, "Enter the unit cost as an exact amount such as 4.20, not a float (0.1)."),
        ("abc", "The unit cost 'abc' is not an amount; enter e.g. 4.20."),
        (Decimal("NaN"), "The unit cost 'NaN' is not an amount; enter e.g. 4.20."),
        (Decimal("10000000000"), "The unit cost 10000000000 is too large; the most is 9999999999.99."),
    ],
)
def test_a_receipt_with_a_bad_unit_cost_is_refused(db_engine, product_with_10_in_stock, unit_cost, message):
    before = _counts(db_engine)
    _refused(
        lambda: receive_stock(
            db_engine, product_id=product_with_10_in_stock, quantity=1, unit_cost=unit_cost, actor="ann"
        ),
        ErrorCode.INVALID_AMOUNT,
        message,
    )
    assert _counts(db_engine) == before


def test_a_receipt_for_an_unknown_product_is_refused(db_engine):
    _refused(
        lambda: receive_stock(db_engine, product_id=999, quantity=1, unit_cost=Decimal("1.00"), actor="ann"),
        ErrorCode.PRODUCT_NOT_FOUND,
        "Product 999 does not exist.",
    )


def test_a_receipt_at_a_naive_time_is_refused(db_engine, product_with_10_in_stock):
    _refused(
        lambda: receive_stock(
            db_engine,
            product_id=product_with_10_in_stock,
            quantity=1,
            unit_cost=Decimal("1.00"),
            actor="ann",
            at=datetime(2024, 5, 1, 9, 0),
        ),
        ErrorCode.INVALID_ARGUMENT,
        "at 2024-05-01T09:00:00 has no time zone; pass a timezone-aware time (e.g. in UTC).",
    )


# Adjustments ----------------------------------------------------------------


def test_an_adjustment_writes_an_adjustment_movement_with_its_note_and_an_audit_row(
    db_engine, product_with_10_in_stock
):
    level = adjust_stock(
        db_engine,
        product_id=product_with_10_in_stock,
        quantity_delta=-2,
        reason_note=" two broken in the stock room ",
        actor="bob",
        at=T0,
    )
    assert (level.on_hand, level.ledger_total) == (8, 8)
    with db_engine.connect() as conn:
        movement = conn.execute(select(stock_movements).order_by(stock_movements.c.id.desc())).first()
        audit = conn.execute(select(audit_log)).one()
    assert (movement.quantity_delta, movement.reason, movement.note, movement.actor, movement.at) == (
        -2,
        "adjustment",
        "two broken in the stock room",
        "bob",
        T0,
    )
    assert movement.unit_cost == Decimal("2.50")
    assert (audit.action, audit.details["quantity_delta"], audit.details["on_hand_before"]) == (
        "stock.adjusted",
        -2,
        10,
    )


def test_an_adjustment_down_to_exactly_zero_is_allowed(db_engine, product_with_10_in_stock):
    level = adjust_stock(
        db_engine,
        product_id=product_with_10_in_stock,
        quantity_delta=-10,
        reason_note="stock count",
        actor="bob",
    )
    assert level.on_hand == 0


def test_an_adjustment_below_zero_is_refused_naming_the_product_and_writes_nothing(
    db_engine, product_with_10_in_stock
):
    before = _counts(db_engine)
    _refused(
        lambda: adjust_stock(
            db_engine,
            product_id=product_with_10_in_stock,
            quantity_delta=-11,
            reason_note="stock count",
            actor="bob",
        ),
        ErrorCode.STOCK_BELOW_ZERO,
        "Product SKU-1 (Mug) has 10 in stock; removing 11 would take it below zero.",
    )
    assert _counts(db_engine) == before


@pytest.mark.parametrize("note", ["", "   ", None])
def test_an_adjustment_without_a_reason_is_refused(db_engine, product_with_10_in_stock, note):
    before = _counts(db_engine)
    _refused(
        lambda: adjust_stock(
            db_engine, product_id=product_with_10_in_stock, quantity_delta=1, reason_note=note, actor="bob"
        ),
        ErrorCode.INVALID_ARGUMENT,
        "Say why the stock is adjusted (a stock count, damage, loss...); the note is blank.",
    )
    assert _counts(db_engine) == before


@pytest.mark.parametrize("delta", [0, 1.5, False])
def test_an_adjustment_by_zero_or_a_fraction_is_refused(db_engine, product_with_10_in_stock, delta):
    _refused(
        lambda: adjust_stock(
            db_engine,
            product_id=product_with_10_in_stock,
            quantity_delta=delta,
            reason_note="stock count",
            actor="bob",
        ),
        ErrorCode.INVALID_QUANTITY,
        f"An adjustment changes stock by a whole number other than 0; {delta!r} was entered.",
    )


def test_an_adjustment_of_an_unknown_product_is_refused(db_engine):
    _refused(
        lambda: adjust_stock(db_engine, product_id=999, quantity_delta=1, reason_note="found", actor="bob"),
        ErrorCode.PRODUCT_NOT_FOUND,
        "Product 999 does not exist.",
    )


def test_two_clerks_removing_more_than_is_left_at_once_cannot_take_stock_below_zero(
    db_engine, product_with_10_in_stock
):
    barrier = threading.Barrier(2)
    results: list = []

    def remove_six() -> None:
        barrier.wait()
        try:
            results.append(
                adjust_stock(
                    db_engine,
                    product_id=product_with_10_in_stock,
                    quantity_delta=-6,
                    reason_note="damaged",
                    actor="bob",
                )
            )
        except WorkflowError as exc:
            results.append(exc)

    threads = [threading.Thread(target=remove_six) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(type(r).__name__ for r in results) == ["StockLevel", "WorkflowError"]
    refused = next(r for r in results if isinstance(r, WorkflowError))
    assert refused.message == "Product SKU-1 (Mug) has 4 in stock; removing 6 would take it below zero."
    assert stock_level(db_engine, product_with_10_in_stock).on_hand == 4


# Stock level ----------------------------------------------------------------


def test_the_stock_level_of_an_unknown_product_is_refused(db_engine):
    _refused(lambda: stock_level(db_engine, 999), ErrorCode.PRODUCT_NOT_FOUND, "Product 999 does not exist.")


operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(min_value=1, max_value=50)),
        st.tuples(st.just("adjust"), st.integers(min_value=-60, max_value=60).filter(bool)),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_stock_on_hand_equals_the_sum_of_movements_after_any_receipts_and_adjustments(db_engine, ops):
    # One fresh product per example: the database is shared by all examples of this test.
    product_id = _product(db_engine, stock=0, sku=f"SKU-{uuid.uuid4().hex[:8]}")
    expected = 0
    for kind, quantity in ops:
        if kind == "receive":
            receive_stock(
                db_engine, product_id=product_id, quantity=quantity, unit_cost=Decimal("1.25"), actor="ann"
            )
            expected += quantity
        elif expected + quantity < 0:
            with pytest.raises(WorkflowError) as caught:
                adjust_stock(
                    db_engine,
                    product_id=product_id,
                    quantity_delta=quantity,
                    reason_note="count",
                    actor="ann",
                )
            assert caught.value.code is ErrorCode.STOCK_BELOW_ZERO
        else:
            adjust_stock(
                db_engine, product_id=product_id, quantity_delta=quantity, reason_note="count", actor="ann"
            )
            expected += quantity
    level = stock_level(db_engine, product_id)
    assert level.on_hand == level.ledger_total == expected
    with db_engine.connect() as conn:
        ledger = conn.execute(
            select(func.coalesce(func.sum(stock_movements.c.quantity_delta), 0)).where(
                stock_movements.c.product_id == product_id
            )
        ).scalar_one()
    assert ledger == expected
