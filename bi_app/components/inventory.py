"""Pure builders for the inventory page: the products table's view in the
address bar, the table and its pager, the low-stock list, and the
receive-stock form's field checks and messages.

The checks on a receipt are workflow.inventory's own rules
(require_receipt_quantity, require_unit_cost), applied to what was typed so
that every field's message shows at once, beside it, before anything is
written."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.figures.operations import link_pager
from bi_app.formatting import DASH, format_count, format_days, format_money, format_turnover
from bi_app.ids import inventory as ids
from bi_app.listing_url import listing_query_string, parse_listing_query
from bi_app.theme import CHANGE_NEUTRAL
from workflow.errors import ErrorCode, WorkflowError
from workflow.inventory import StockLevel, require_receipt_quantity, require_unit_cost
from workflow.listings import Page
from workflow.stock_views import (
    LOW_COVER_DAYS,
    MAX_WINDOW_DAYS,
    SALES_WINDOW_DAYS,
    TURNOVER_DAYS,
    LowStockRow,
    ProductChoice,
    StockQuery,
    StockRow,
)

PATH = "/inventory"
PAGE_SIZE = 25
_WHOLE = re.compile(r"^[+-]?\d{1,12}$")


@dataclass(frozen=True)
class InventoryView:
    """The products table's query and page, and a note for each address
    parameter that could not be used."""

    query: StockQuery = dataclasses.field(default_factory=StockQuery)
    page: int = 1
    notes: tuple[str, ...] = ()


def parse_inventory_view(params: Mapping[str, str | list[str] | None]) -> InventoryView:
    """`?search=mug&category=Books&sort=stock_value&desc=true&page=2`; a bad
    parameter is dropped with a note and the page still opens."""
    flat = {k: ",".join(v) if isinstance(v, list) else (v or "") for k, v in params.items()}
    query, notes = parse_listing_query(StockQuery, flat)
    page_text = flat.get("page", "").strip()
    page = int(page_text) if page_text.isdigit() and int(page_text) >= 1 else 1
    if page_text and str(page) != page_text:
        notes = (*notes, f"page={page_text!r} is not a page number; showing page 1")
    return InventoryView(query, page, tuple(notes))


def inventory_href(view: InventoryView, **changes: object) -> str:
    view = dataclasses.replace(view, **changes)
    return PATH + listing_query_string(view.query, page=view.page if view.page > 1 else None)


def parse_days(value: object, what: str) -> int:
    """Whole days from 1 to 365, as typed in a field."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_WINDOW_DAYS:
        raise WorkflowError(
            f"Enter {what} as whole days from 1 to {MAX_WINDOW_DAYS}; {text!r} was entered.",
            ErrorCode.INVALID_ARGUMENT,
        )
    return int(text)


# The products table ----------------------------------------------------------


@dataclass(frozen=True)
class StockColumn:
    header: str
    sort: str
    numeric: bool = False


COLUMNS = (
    StockColumn("SKU", "sku"),
    StockColumn("Name", "name"),
    StockColumn("Category", "category"),
    StockColumn("On hand", "stock_qty", True),
    StockColumn("Unit cost", "unit_cost", True),
    StockColumn("Stock value", "stock_value", True),
    StockColumn(f"Sold ({TURNOVER_DAYS} d)", "sold_qty", True),
    StockColumn("Turnover", "turnover", True),
    StockColumn("Days of inventory", "days_of_inventory", True),
)
# A header clicked for the first time sorts text A to Z, figures biggest first.
_TEXT_SORTS = frozenset({"sku", "name", "category"})


def stock_table(page: Page[StockRow], view: InventoryView, currency: str) -> dbc.Table:
    """The page's products under headers that sort (click again to reverse).
    Money is shown exactly; no sales means "no sales" and "–"."""
    header = html.Tr(
        [
            html.Th(_sort_link(c, view), className="text-end text-nowrap" if c.numeric else "text-nowrap")
            for c in COLUMNS
        ]
    )
    body = [_stock_row(r, currency) for r in page.rows]
    if not body:
        body = [html.Tr(html.Td("No product matches.", colSpan=len(COLUMNS), className="text-muted"))]
    return dbc.Table(
        [html.Thead(header), html.Tbody(body)],
        hover=True,
        striped=True,
        size="sm",
        responsive=True,
        id=ids.INV_TABLE,
        className="align-middle",
    )


def _stock_row(r: StockRow, currency: str) -> html.Tr:
    name = [r.name] if r.active else [r.name, " ", html.Span("discontinued", className="badge bg-secondary")]
    unsold = {"color": CHANGE_NEUTRAL, "fontStyle": "italic"} if r.turnover is None else {}
    end = "text-end text-nowrap"
    return html.Tr(
        [
            html.Td(r.sku, className="font-monospace text-nowrap"),
            html.Td(name),
            html.Td(r.category),
            html.Td(format_count(r.stock_qty), className=end + " fw-semibold"),
            html.Td(format_money(r.unit_cost, currency), className=end),
            html.Td(format_money(r.stock_value, currency), className=end),
            html.Td(format_count(r.sold_qty), className=end),
            html.Td(format_turnover(r.turnover), className=end, style=unsold),
            html.Td(format_days(r.days_of_inventory), className=end),
        ],
        id=ids.inv_row(r.product_id),
    )


def _sort_link(column: StockColumn, view: InventoryView) -> dcc.Link:
    active = view.query.sort == column.sort
    descending = not view.query.descending if active else column.sort not in _TEXT_SORTS
    query = dataclasses.replace(view.query, sort=column.sort, descending=descending)
    arrow = (" ▼" if view.query.descending else " ▲") if active else ""
    return dcc.Link(
        column.header + arrow,
        href=inventory_href(view, query=query, page=1),
        className="text-reset",
        id=ids.inv_sort(column.sort),
    )


def pager(page: Page, view: InventoryView) -> dbc.Row:
    """ "Products 26–50 of 100" with previous / next links."""
    return link_pager(
        page,
        lambda number: inventory_href(view, page=number),
        "Products",
        (ids.INV_COUNT, ids.INV_PREV, ids.INV_NEXT),
    )


# The low-stock list -----------------------------------------------------------


def low_stock_table(rows: Sequence[LowStockRow], cover_days: int = LOW_COVER_DAYS) -> html.Div | dbc.Alert:
    """The products running low, most urgent first: SKU, name, category, on
    hand, sold in the sales window, and how many days the stock covers."""
    if not rows:
        return dbc.Alert(
            f"Nothing is running low: every product covers {cover_days} days of sales or more.",
            color="success",
            className="mb-0",
            id=ids.INV_LOW_TABLE,
        )
    numeric = ("On hand", f"Sold ({SALES_WINDOW_DAYS} d)", "Covers")
    header = html.Tr(
        [html.Th("SKU"), html.Th("Name"), html.Th("Category")]
        + [html.Th(h, className="text-end text-nowrap") for h in numeric]
    )
    body = [
        html.Tr(
            [
                html.Td(r.sku, className="font-monospace text-nowrap"),
                html.Td(r.name),
                html.Td(r.category, className="text-muted"),
                html.Td(format_count(r.stock_qty), className="text-end fw-semibold"),
                html.Td(format_count(r.sold_qty), className="text-end"),
                html.Td(
                    format_days(r.days_of_cover) if r.days_of_cover is not None else DASH,
                    className="text-end text-nowrap",
                ),
            ],
            id=ids.inv_low_row(r.product_id),
            className="inventory-low-row",
        )
        for r in rows
    ]
    count = f"{len(rows):,} product{'' if len(rows) == 1 else 's'} running low"
    return html.Div(
        [
            html.Small(count, className="text-muted"),
            dbc.Table([html.Thead(header), html.Tbody(body)], size="sm", hover=True, id=ids.INV_LOW_TABLE),
        ]
    )


# The receive-stock form ----------------------------------------------------------


def product_options(choices: Sequence[ProductChoice]) -> list[dict[str, object]]:
    """Picker options: "MUG-1 · Mug (12 on hand)", discontinued ones say so."""
    return [
        {
            "label": f"{c.sku} · {c.name} ({c.stock_qty:,} on hand)"
            + ("" if c.active else " · discontinued"),
            "value": c.product_id,
        }
        for c in choices
    ]


def product_info(choice: ProductChoice, currency: str) -> str:
    return f"On hand: {choice.stock_qty:,} · list unit cost {format_money(choice.unit_cost, currency)}"


@dataclass(frozen=True)
class Receipt:
    product_id: int
    quantity: int
    unit_cost: Decimal
    note: str | None


@dataclass(frozen=True)
class ReceiptErrors:
    """Each field's message, None where the field is fine."""

    product: str | None = None
    quantity: str | None = None
    unit_cost: str | None = None

    def __bool__(self) -> bool:
        return any((self.product, self.quantity, self.unit_cost))


def check_receipt(
    product_id: object, quantity: object, unit_cost: object, note: str | None
) -> Receipt | ReceiptErrors:
    """What the form holds as a receipt, or every field's message at once."""
    errors: dict[str, str] = {}
    if product_id in (None, ""):
        errors["product"] = "Pick the product that arrived."
    quantity_text = str(quantity if quantity is not None else "").strip()
    count = int(quantity_text) if _WHOLE.match(quantity_text) else quantity_text
    if quantity_text == "":
        errors["quantity"] = "Enter how many units arrived, e.g. 12."
    else:
        try:
            count = require_receipt_quantity(count)
        except WorkflowError as exc:
            errors["quantity"] = exc.message
    cost_text = str(unit_cost if unit_cost is not None else "").strip()
    cost = Decimal(0)
    if cost_text == "":
        errors["unit_cost"] = "Enter what one unit cost, e.g. 4.20."
    else:
        try:
            cost = require_unit_cost(cost_text)
        except WorkflowError as exc:
            errors["unit_cost"] = exc.message
    if errors:
        return ReceiptErrors(**errors)
    return Receipt(int(product_id), count, cost, (note or "").strip() or None)


def receipt_error(error: WorkflowError) -> ReceiptErrors:
    """A refusal from workflow.inventory.receive_stock beside its field."""
    if error.code is ErrorCode.INVALID_QUANTITY:
        return ReceiptErrors(quantity=error.message)
    if error.code is ErrorCode.INVALID_AMOUNT:
        return ReceiptErrors(unit_cost=error.message)
    return ReceiptErrors(product=error.message)


def received_alert(level: StockLevel, quantity: int) -> dbc.Alert:
    """ "Received 12 units of MUG-1 (Mug). Stock on hand is now 57." """
    units = "unit" if quantity == 1 else "units"
    return dbc.Alert(
        [
            f"Received {quantity:,} {units} of {level.sku} ({level.name}). Stock on hand is now ",
            html.Strong(f"{level.on_hand:,}", id=ids.INV_NEW_LEVEL),
            ".",
        ],
        color="success",
        className="mb-0",
    )
