"""Figures for the dashboard, the exports and the benchmarks: the one place
they come from. Every function takes a Filters value (date range in business
days, categories, countries) and reads the daily rollups, not the raw items."""

from workflow.analytics.choices import FilterChoices, filter_choices
from workflow.analytics.filters import Filters
from workflow.analytics.fulfilment import shipment_status_counts, stage_durations, stuck_shipments
from workflow.analytics.kpis import KpiComparison, Kpis, kpis
from workflow.analytics.revenue import daily_revenue
from workflow.analytics.turnover import (
    TurnoverReport,
    turnover_by_category,
    turnover_by_product,
    turnover_report,
)

__all__ = [
    "FilterChoices",
    "Filters",
    "KpiComparison",
    "Kpis",
    "TurnoverReport",
    "daily_revenue",
    "filter_choices",
    "kpis",
    "shipment_status_counts",
    "stage_durations",
    "stuck_shipments",
    "turnover_by_category",
    "turnover_by_product",
    "turnover_report",
]
