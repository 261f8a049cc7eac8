"""Pure builders for the manager dashboard: analytics frames in, Plotly
figures (plain dicts, see bi_app.figures.plain) and Dash components out. No
database, no callbacks; money reaches text through bi_app.formatting only,
never through float."""

from bi_app.figures.empty import empty_figure, is_empty_figure
from bi_app.figures.kpi import KPI_NAMES, kpi_card, kpi_cards, payment_state_badge, payment_state_badges
from bi_app.figures.revenue import build_revenue_figure
from bi_app.figures.shipments import (
    build_shipment_status_figure,
    build_stage_durations_figure,
    stuck_shipments_empty,
    stuck_shipments_table,
)
from bi_app.figures.turnover import build_turnover_category_figure, products_table

__all__ = [
    "KPI_NAMES",
    "build_revenue_figure",
    "build_shipment_status_figure",
    "build_stage_durations_figure",
    "build_turnover_category_figure",
    "empty_figure",
    "is_empty_figure",
    "kpi_card",
    "kpi_cards",
    "payment_state_badge",
    "payment_state_badges",
    "products_table",
    "stuck_shipments_empty",
    "stuck_shipments_table",
]
