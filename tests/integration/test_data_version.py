"""Every committed write moves the data version; reads and refused writes do
not; an uncommitted write is invisible to other sessions' version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from tests.integration.shop import T0, Shop
from workflow.data_version import data_version
from workflow.errors import WorkflowError
from workflow.inventory import receive_stock
from workflow.orders import cancel_order
from workflow.payments import record_payment, record_refund
from workflow.shipments import advance_shipment, create_shipment


def moves(engine: Engine, act) -> int:
    before = data_version(engine)
    act()
    return data_version(engine) - before


def test_placing_paying_refunding_shipping_and_stocking_each_move_the_version(shop: Shop) -> None:
    engine = shop.engine
    placed = []
    assert moves(engine, lambda: placed.append(shop.order(shop.ann, (shop.mug, 2)))) > 0
    order_id = placed[0].id
    pay = {"order_ids": [order_id], "method": "transfer", "received_at": T0, "actor": "clerk"}
    assert moves(engine, lambda: record_payment(engine, amount="25.00", idempotency_key="p1", **pay)) > 0
    assert (
        moves(engine, lambda: record_refund(engine, amounts={order_id: "5.00"}, idempotency_key="r1", **pay))
        > 0
    )
    shipment = []
    assert (
        moves(
            engine, lambda: shipment.append(create_shipment(engine, order_id=order_id, actor="clerk", at=T0))
        )
        > 0
    )
    assert (
        moves(
            engine,
            lambda: advance_shipment(
                engine, shipment_id=shipment[0].id, to_status="packed", actor="clerk", at=T0
            ),
        )
        > 0
    )
    assert (
        moves(
            engine,
            lambda: receive_stock(
                engine, product_id=shop.lamp, quantity=5, unit_cost=Decimal("20.00"), actor="clerk"
            ),
        )
        > 0
    )
    other = shop.order(shop.bob, (shop.lamp, 1))
    assert moves(engine, lambda: cancel_order(engine, order_id=other.id, actor="clerk")) > 0


def test_reads_and_refused_writes_leave_the_version_alone(shop: Shop) -> None:
    engine = shop.engine
    order = shop.order(shop.ann, (shop.mug, 1))
    before = data_version(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT * FROM order_balances")).all()
    with pytest.raises(WorkflowError):
        record_payment(
            engine,
            order_ids=[order.id],
            amount="99.00",
            method="transfer",
            received_at=T0,
            idempotency_key="too-much",
            actor="clerk",
        )
    assert data_version(engine) == before


def test_an_uncommitted_write_does_not_show_in_another_sessions_version(shop: Shop) -> None:
    engine = shop.engine
    before = data_version(engine)
    with engine.connect() as writer:
        writer.execute(text("UPDATE products SET name = 'Big mug' WHERE id = :id"), {"id": shop.mug})
        assert data_version(engine) == before  # another session still sees the old number
        writer.commit()
    assert data_version(engine) > before


def _rename(conn, product: int, name: str) -> None:
    conn.execute(text("UPDATE products SET name = :n WHERE id = :id"), {"n": name, "id": product})


def test_writers_do_not_wait_for_each_other_and_the_version_moves_exactly_at_each_commit(shop: Shop) -> None:
    engine = shop.engine
    before = data_version(engine)
    with engine.connect() as a, engine.connect() as b, engine.connect() as c:
        for conn in (a, b, c):  # a wait on another writer's lock fails fast instead of hanging
            conn.execute(text("SET lock_timeout = '2s'"))
        _rename(a, shop.mug, "Mug A")
        _rename(b, shop.lamp, "Lamp B")  # migration 001 made this wait for a's commit
        c.execute(text("INSERT INTO business_calendar SELECT * FROM business_calendar WHERE false"))
        _rename(c, shop.lamp + shop.mug, "nobody")  # a write to no row still counts as a write
        assert data_version(engine) == before  # three open writers: not one moved it yet

        b.commit()
        assert data_version(engine) == before + 1
        with engine.connect() as reader:
            names = dict(reader.execute(text("SELECT id, name FROM products")).all())
        assert (names[shop.mug], names[shop.lamp]) != ("Mug A", "Lamp B")
        assert names[shop.lamp] == "Lamp B"

        c.rollback()
        assert data_version(engine) == before + 1  # a rolled-back write never moves it

        _rename(a, shop.mug, "Mug A again")  # a second write in a's transaction
        a.commit()
        assert data_version(engine) == before + 2  # one step per committed transaction
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM data_version_pending")).scalar_one() == 0


def test_a_write_rolled_back_to_a_savepoint_does_not_move_the_version_and_a_later_one_does(
    shop: Shop,
) -> None:
    engine = shop.engine
    before = data_version(engine)
    with engine.connect() as conn:
        with conn.begin():
            savepoint = conn.begin_nested()
            _rename(conn, shop.mug, "Mug (undone)")
            savepoint.rollback()
        assert data_version(engine) == before

        with conn.begin():
            savepoint = conn.begin_nested()
            _rename(conn, shop.mug, "Mug (undone)")
            savepoint.rollback()
            with conn.begin_nested():
                _rename(conn, shop.mug, "Mug (kept)")
            conn.execute(
                text(
                    "INSERT INTO customers (email, full_name, country) "
                    "SELECT 'bulk' || g || '@example.com', 'Bulk ' || g, 'DE' FROM generate_series(1, 500) g"
                )
            )
        assert data_version(engine) == before + 1
