"""Inventory: receiving stock, correcting it, and reading what is on hand.

Stock changes only by appending stock_movements rows; the database trigger adds
each movement to products.stock_qty, so stock on hand always equals the sum of
a product's movements. Sales and cancellations are written by workflow.orders,
not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, Engine, func, insert, select

from workflow.audit import record_audit, require_actor
from workflow.clock import require_aware
from workflow.db import in_transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.money import CENT, quantize_money
from workflow.tables import products, stock_movements

MAX_STOCK = 2_147_483_647  # products.stock_qty is a PostgreSQL integer
MAX_COST = Decimal("9999999999.99")  # NUMERIC(12,2)


@dataclass(frozen=True)
class StockLevel:
    """A product's stock: on_hand is products.stock_qty, ledger_total the sum
    of its movements (receipts, sales, cancellations, returns, adjustments)."""

    product_id: int
    sku: str
    name: str
    on_hand: int
    ledger_total: int

    @property
    def agrees(self) -> bool:
        return self.on_hand == self.ledger_total


# Pure rules ---------------------------------------------------------------


def require_receipt_quantity(quantity: int) -> int:
    """A receipt brings a whole number of units, at least 1."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise WorkflowError(
            f"Receive a whole number of units, at least 1; {quantity!r} was entered.",
            ErrorCode.INVALID_QUANTITY,
        )
    return quantity


def require_adjustment(quantity_delta: int, reason_note: str | None) -> tuple[int, str]:
    """An adjustment changes stock by a whole number other than 0 and says why."""
    if isinstance(quantity_delta, bool) or not isinstance(quantity_delta, int) or quantity_delta == 0:
        raise WorkflowError(
            f"An adjustment changes stock by a whole number other than 0; {quantity_delta!r} was entered.",
            ErrorCode.INVALID_QUANTITY,
        )
    note = (reason_note or "").strip()
    if not note:
        raise WorkflowError(
            "Say why the stock is adjusted (a stock count, damage, loss...); the note is blank.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return quantity_delta, note


def require_unit_cost(unit_cost: Decimal | int | str) -> Decimal:
    """A unit cost is an exact amount from 0 to 9999999999.99 with at most two
    decimals; floats are refused because they cannot hold cents exactly."""
    if isinstance(unit_cost, float):
        raise WorkflowError(
            f"Enter the unit cost as an exact amount such as 4.20, not a float ({unit_cost!r}).",
            ErrorCode.INVALID_AMOUNT,
        )
    try:
        value = Decimal(unit_cost) if not isinstance(unit_cost, bool) else Decimal("NaN")
    except (InvalidOperation, TypeError, ValueError):
        value = Decimal("NaN")
    if not value.is_finite():
        raise WorkflowError(
            f"The unit cost {str(unit_cost)!r} is not an amount; enter e.g. 4.20.", ErrorCode.INVALID_AMOUNT
        )
    if value < 0:
        raise WorkflowError(
            f"The unit cost cannot be negative; {value} was entered.", ErrorCode.INVALID_AMOUNT
        )
    if value != value.quantize(CENT):
        raise WorkflowError(
            f"The unit cost has at most 2 decimals (cents); {value} was entered.", ErrorCode.INVALID_AMOUNT
        )
    if value > MAX_COST:
        raise WorkflowError(
            f"The unit cost {value} is too large; the most is {MAX_COST}.", ErrorCode.INVALID_AMOUNT
        )
    return quantize_money(value)


# Acts ---------------------------------------------------------------------


def receive_stock(
    engine: Engine,
    *,
    product_id: int,
    quantity: int,
    unit_cost: Decimal,
    actor: str,
    at: datetime | None = None,
    note: str | None = None,
) -> StockLevel:
    """Book goods in: one 'receipt' movement of +quantity at unit_cost (what
    these units cost us; the product's list unit_cost is not changed), at `at`
    (default now), plus an audit row. Inactive products may still receive stock."""
    quantity = require_receipt_quantity(quantity)
    cost = require_unit_cost(unit_cost)
    actor = require_actor(actor)
    note = (note or "").strip() or None
    if at is not None:
        require_aware(at, "at")

    def work(conn: Connection) -> StockLevel:
        moment = at or conn.execute(select(func.now())).scalar_one()
        product = _lock_product(conn, product_id)
        if product.stock_qty + quantity > MAX_STOCK:
            raise WorkflowError(
                f"Product {product.sku} ({product.name}) has {product.stock_qty} in stock; receiving "
                f"{quantity} would exceed the most one product can hold ({MAX_STOCK}).",
                ErrorCode.INVALID_QUANTITY,
            )
        return _book_movement(
            conn,
            product_id=product_id,
            quantity_delta=quantity,
            reason="receipt",
            unit_cost=cost,
            at=moment,
            actor=actor,
            note=note,
            action="stock.received",
            details={"quantity": quantity, "unit_cost": str(cost)},
        )

    return in_transaction(engine, work)


def adjust_stock(
    engine: Engine,
    *,
    product_id: int,
    quantity_delta: int,
    reason_note: str,
    actor: str,
    at: datetime | None = None,
) -> StockLevel:
    """Correct stock by quantity_delta (after a count, damage, loss, a find):
    one 'adjustment' movement valued at the product's current unit_cost, with
    the note saying why, plus an audit row. The product row is locked and a
    change that would take stock below zero is refused before anything is
    written. Sales, cancellations and returns are not adjustments."""
    quantity_delta, reason_note = require_adjustment(quantity_delta, reason_note)
    actor = require_actor(actor)
    if at is not None:
        require_aware(at, "at")

    def work(conn: Connection) -> StockLevel:
        moment = at or conn.execute(select(func.now())).scalar_one()
        product = _lock_product(conn, product_id)
        after = product.stock_qty + quantity_delta
        if after < 0:
            raise WorkflowError(
                f"Product {product.sku} ({product.name}) has {product.stock_qty} in stock; "
                f"removing {-quantity_delta} would take it below zero.",
                ErrorCode.STOCK_BELOW_ZERO,
            )
        if after > MAX_STOCK:
            raise WorkflowError(
                f"Product {product.sku} ({product.name}) has {product.stock_qty} in stock; adding "
                f"{quantity_delta} would exceed the most one product can hold ({MAX_STOCK}).",
                ErrorCode.INVALID_QUANTITY,
            )
        return _book_movement(
            conn,
            product_id=product_id,
            quantity_delta=quantity_delta,
            reason="adjustment",
            unit_cost=product.unit_cost,
            at=moment,
            actor=actor,
            note=reason_note,
            action="stock.adjusted",
            details={"quantity_delta": quantity_delta, "on_hand_before": product.stock_qty},
        )

    return in_transaction(engine, work)


def _book_movement(
    conn: Connection,
    *,
    product_id: int,
    quantity_delta: int,
    reason: str,
    unit_cost: Decimal,
    at: datetime,
    actor: str,
    note: str | None,
    action: str,
    details: dict,
) -> StockLevel:
    """Write one movement (the trigger moves stock_qty) and its audit row;
    return the new level."""
    movement_id = conn.execute(
        insert(stock_movements)
        .values(
            product_id=product_id,
            quantity_delta=quantity_delta,
            reason=reason,
            unit_cost=unit_cost,
            at=at,
            actor=actor,
            note=note,
        )
        .returning(stock_movements.c.id)
    ).scalar_one()
    level = _read_level(conn, product_id)
    record_audit(
        conn,
        actor=actor,
        action=action,
        entity="product",
        entity_id=product_id,
        details={
            "movement_id": movement_id,
            **details,
            "note": note,
            "at": at.isoformat(),
            "on_hand": level.on_hand,
        },
    )
    return level


def stock_level(engine: Engine, product_id: int) -> StockLevel:
    """What is on hand now, with the sum of all the product's movements beside it."""
    with engine.connect() as conn:
        return _read_level(conn, product_id)


def _lock_product(conn: Connection, product_id: int):
    # FOR NO KEY UPDATE: the lock the stock trigger's UPDATE takes anyway, so
    # stock writers queue here, while orders referencing the product are not blocked.
    product = conn.execute(
        select(products.c.sku, products.c.name, products.c.stock_qty, products.c.unit_cost)
        .where(products.c.id == product_id)
        .with_for_update(key_share=True)
    ).first()
    if product is None:
        raise WorkflowError(f"Product {product_id} does not exist.", ErrorCode.PRODUCT_NOT_FOUND)
    return product


def _read_level(conn: Connection, product_id: int) -> StockLevel:
    ledger = (
        select(func.coalesce(func.sum(stock_movements.c.quantity_delta), 0))
        .where(stock_movements.c.product_id == product_id)
        .scalar_subquery()
    )
    row = conn.execute(
        select(
            products.c.id, products.c.sku, products.c.name, products.c.stock_qty, ledger.label("ledger")
        ).where(products.c.id == product_id)
    ).first()
    if row is None:
        raise WorkflowError(f"Product {product_id} does not exist.", ErrorCode.PRODUCT_NOT_FOUND)
    return StockLevel(
        product_id=row.id, sku=row.sku, name=row.name, on_hand=row.stock_qty, ledger_total=int(row.ledger)
    )
