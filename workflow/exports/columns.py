"""The columns of each CSV export: header, SQL over the view's aliases, kind.

The rows and their order are the listing's own (workflow.listings
*_selection); these are only the columns written for them, a few more than
a page shows (due dates, unit costs, ids). Headers are stable snake_case
names an analyst's script can rely on.

A column read from another table's rows (a latest shipment, allocated
orders, order figures) has two forms giving the same cell: looked up per
row, quick for a small export, and `bulk`, one pass over that whole table
joined by hash, quick for a large one (workflow.exports.views picks).
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.exports.cells import Kind, cell_sql
from workflow.listings import customers, orders, payments


@dataclass(frozen=True)
class Column:
    header: str
    expr: str
    kind: Kind
    bulk_expr: str | None = None  # the expression in the bulk form, when it differs


@dataclass(frozen=True)
class ExportColumns:
    columns: tuple[Column, ...]
    joins: str = ""  # display-only joins the columns read (never filters)
    bulk_joins: str = ""  # the joins of the bulk form, when it has its own

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def select_list(self, *, pii: bool, bulk: bool = False) -> str:
        return ", ".join(
            f'{cell_sql((bulk and c.bulk_expr) or c.expr, c.kind, pii=pii)} AS "{c.header}"'
            for c in self.columns
        )

    def join_sql(self, *, bulk: bool = False) -> str:
        return self.bulk_joins if bulk and self.bulk_joins else self.joins


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


ORDERS = ExportColumns(
    _cols(
        ("order_id", "b.order_id", Kind.ID),
        ("placed_at", "b.placed_at", Kind.TIME),
        ("due_at", "b.due_at", Kind.TIME),
        ("status", "b.status", Kind.CODE),
        ("customer_id", "b.customer_id", Kind.ID),
        ("customer_name", "c.full_name", Kind.TEXT),
        ("country", "c.country", Kind.CODE),
        ("total", "b.total", Kind.MONEY),
        ("paid", "b.paid", Kind.MONEY),
        ("refunded", "b.refunded", Kind.MONEY),
        ("balance_due", orders.BALANCE_DUE, Kind.MONEY),
        ("payment_state", orders.STATE, Kind.CODE),
        ("shipment_status", orders.LATEST_SHIPMENT, Kind.CODE, "ls.status"),
    ),
    joins=orders.CUSTOMER_JOIN,
    bulk_joins=f"{orders.CUSTOMER_JOIN} {orders.LATEST_SHIPMENTS_JOIN}",
)

ORDER_ITEMS = ExportColumns(
    _cols(
        ("item_id", "i.id", Kind.ID),
        ("order_id", "i.order_id", Kind.ID),
        ("order_status", "b.status", Kind.CODE),
        ("placed_at", "b.placed_at", Kind.TIME),
        ("customer_id", "b.customer_id", Kind.ID),
        ("customer_name", "c.full_name", Kind.TEXT),
        ("country", "c.country", Kind.CODE),
        ("product_id", "p.id", Kind.ID),
        ("sku", "p.sku", Kind.TEXT),
        ("product_name", "p.name", Kind.TEXT),
        ("category", "p.category", Kind.TEXT),
        ("quantity", "i.quantity", Kind.NUMBER),
        ("unit_price", "i.unit_price", Kind.MONEY),
        ("unit_cost", "i.unit_cost", Kind.MONEY),
        ("line_total", "(i.quantity * i.unit_price)", Kind.MONEY),
    )
)

PAYMENTS = ExportColumns(
    _cols(
        ("payment_id", "p.id", Kind.ID),
        ("received_at", "p.received_at", Kind.TIME),
        ("kind", "p.kind", Kind.CODE),
        ("amount", "p.amount", Kind.MONEY),
        ("method", "p.method", Kind.TEXT),
        ("reference", "p.reference", Kind.TEXT),
        ("customer_id", "p.customer_id", Kind.ID),
        ("customer_name", "c.full_name", Kind.TEXT),
        ("country", "c.country", Kind.CODE),
        # Space-separated ids: digits only, so never a formula.
        ("order_ids", f"array_to_string({payments.ALLOCATED_ORDERS}, ' ')", Kind.CODE, "pa.order_ids"),
        ("recorded_by", "p.recorded_by", Kind.TEXT),
    ),
    bulk_joins=payments.ALLOCATIONS_JOIN,
)

SHIPMENTS = ExportColumns(
    _cols(
        ("shipment_id", "sh.id", Kind.ID),
        ("order_id", "sh.order_id", Kind.ID),
        ("customer_id", "o.customer_id", Kind.ID),
        ("customer_name", "c.full_name", Kind.TEXT),
        ("country", "c.country", Kind.CODE),
        ("status", "sh.status", Kind.CODE),
        ("carrier", "sh.carrier", Kind.TEXT),
        ("tracking_number", "sh.tracking_number", Kind.TEXT),
        ("created_at", "sh.created_at", Kind.TIME),
        ("updated_at", "sh.updated_at", Kind.TIME),
    )
)

CUSTOMERS = ExportColumns(
    _cols(
        ("customer_id", "c.id", Kind.ID),
        ("full_name", "c.full_name", Kind.TEXT),
        ("email", "c.email", Kind.EMAIL),
        ("phone", "c.phone", Kind.PHONE),
        ("country", "c.country", Kind.CODE),
        ("created_at", "c.created_at", Kind.TIME),
        ("order_count", "coalesce(t.order_count, 0)", Kind.NUMBER),
        ("total_ordered", "coalesce(t.total_ordered, 0.00)", Kind.MONEY),
        ("balance_due", "coalesce(t.balance_due, 0.00)", Kind.MONEY),
    ),
    joins=customers.FIGURES_JOIN,
    bulk_joins=customers.FIGURES_BULK_JOIN,
)
