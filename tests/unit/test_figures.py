"""The dashboard's figure builders and components, from hand-written
analytics frames shaped like workflow.analytics returns them."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from bi_app.figures import (
    build_revenue_figure,
    build_shipment_status_figure,
    build_stage_durations_figure,
    build_turnover_category_figure,
    empty_figure,
    is_empty_figure,
    kpi_card,
    kpi_cards,
    payment_state_badges,
    products_table,
    stuck_shipments_table,
)
from bi_app.panels import as_sent
from bi_app.theme import (
    CHANGE_BAD,
    CHANGE_GOOD,
    PAYMENT_STATE_STYLE,
    SHIPMENT_STATUS_STYLE,
    STUCK_ALERT_BACKGROUND,
)
from tests.plain_components import as_dash
from workflow.analytics import KpiComparison, Kpis
from workflow.balances import PaymentState


def walk(component):
    """Every Dash component in a tree, the root first."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def by_id(component, wanted: str):
    return next(c for c in walk(component) if getattr(c, "id", None) == wanted)


def text_of(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, list | tuple):
        return "".join(text_of(c) for c in children)
    return text_of(children) if hasattr(children, "to_plotly_json") else str(children)


def revenue_frame(booked: list[str], collected: list[str] | None = None) -> pd.DataFrame:
    """Days from 2024-05-01 with nothing sold in the week before them."""
    collected = collected or ["0.00"] * len(booked)

    def week(values: list[str], i: int) -> tuple[D, D]:
        total = sum((D(x) for x in values[max(0, i - 6) : i + 1]), D("0.00"))
        return total, (total / 7).quantize(D("0.01"))

    rows = []
    for i, (b, c) in enumerate(zip(booked, collected, strict=True)):
        (booked_sum, booked_mean), (collected_sum, collected_mean) = week(booked, i), week(collected, i)
        rows.append(
            {"day": date(2024, 5, 1 + i), "booked": D(b), "collected": D(c),
             "booked_7d_sum": booked_sum, "booked_7d_mean": booked_mean,
             "collected_7d_sum": collected_sum, "collected_7d_mean": collected_mean}
        )  # fmt: skip
    columns = ["day", "booked", "collected", "booked_7d_sum", "booked_7d_mean"]
    return pd.DataFrame(rows, columns=[*columns, "collected_7d_sum", "collected_7d_mean"])


def test_revenue_bars_and_the_7_day_average_show_the_exact_decimal_amounts():
    frame = revenue_frame(["1234.50", "0.10", "90071992547409.93"])
    figure = build_revenue_figure(frame, "booked", "EUR")
    bars, line = figure["data"]
    assert (bars["type"], line["type"], line["name"]) == ("bar", "scatter", "7-day average")
    assert bars["x"] == line["x"] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert bars["y"] == [1234.5, 0.1, float(D("90071992547409.93"))]
    assert [row[0] for row in bars["customdata"]] == ["€1,234.50", "€0.10", "€90,071,992,547,409.93"]
    assert line["customdata"][0] == ["€176.36", "€1,234.50"]
    assert "%{customdata[0]}" in bars["hovertemplate"] and "%{y" not in bars["hovertemplate"]
    assert "%{customdata[0]}" in line["hovertemplate"] and "%{customdata[1]}" in line["hovertemplate"]
    assert figure["layout"]["yaxis"]["tickprefix"] == "€"
    assert figure["layout"]["yaxis"]["tickformat"] == "~s"  # over 10,000: "€12k", "€1.5M"


def test_collected_cash_is_drawn_from_its_own_columns():
    frame = revenue_frame(["10.00", "0.00"], ["0.00", "25.25"])
    bars, line = build_revenue_figure(frame, "collected", "USD")["data"]
    assert [row[0] for row in bars["customdata"]] == ["$0.00", "$25.25"]
    assert [row[0] for row in line["customdata"]] == ["$0.00", "$3.61"]


def test_a_suffix_currency_locale_puts_the_symbol_after_the_ticks():
    figure = build_revenue_figure(revenue_frame(["1234.50"]), "booked", "EUR", locale="de_DE")
    assert figure["data"][0]["customdata"][0][0] == "1.234,50\xa0€"
    yaxis = figure["layout"]["yaxis"]
    assert (yaxis["tickprefix"], yaxis["ticksuffix"]) == ("", "\xa0€")
    assert figure["layout"]["separators"] == ",."


@pytest.mark.parametrize("frame", [revenue_frame([]), revenue_frame(["0.00", "0.00"])])
def test_no_sales_gives_the_empty_figure_with_its_message(frame):
    figure = build_revenue_figure(frame, "booked", "EUR", hint="Try a wider range.")
    assert is_empty_figure(figure) and not figure["data"]
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "No sales in this range",
        "Try a wider range.",
    ]


def test_the_empty_figure_has_no_axes_and_no_grid():
    layout = empty_figure("Nothing yet")["layout"]
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False
    assert layout["xaxis"]["showgrid"] is False and layout["yaxis"]["showgrid"] is False
    assert [a["text"] for a in layout["annotations"]] == ["Nothing yet"]


def turnover_category_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"category": "Books", "sold_qty": D(0), "cogs": D("0.00"), "average_inventory_value": D("500.00"),
             "turnover": None, "days_of_inventory": None},
            {"category": "Games", "sold_qty": D(40), "cogs": D("800.00"), "average_inventory_value": D("200.00"),
             "turnover": D("4.00"), "days_of_inventory": D("7.5")},
            {"category": "Toys", "sold_qty": D(5), "cogs": D("50.00"), "average_inventory_value": D("100.00"),
             "turnover": D("0.50"), "days_of_inventory": D("60.0")},
        ]
    )  # fmt: skip


def test_categories_without_sales_are_shown_as_no_sales_not_dropped():
    figure = build_turnover_category_figure(turnover_category_frame(), "EUR")
    bar = figure["data"][0]
    assert bar["orientation"] == "h"
    assert bar["y"] == ["Books", "Toys", "Games"]  # drawn bottom-up: fastest on top
    assert figure["layout"]["yaxis"]["categoryarray"] == ["Books", "Toys", "Games"]
    assert bar["x"] == [0.0, 0.5, 4.0]
    assert bar["text"] == ["no sales", "0.50×", "4.00×"]
    assert "Days of inventory: 7.5 days" in bar["customdata"][2][1]
    assert "Average inventory value: €500.00" in bar["customdata"][0][1]
    assert figure["layout"]["xaxis"]["title"] == {"text": "Turnover (times)"}


def product(pid: int, turnover: str | None, stock: int, value: str = "100.00") -> dict:
    return {
        "product_id": pid, "sku": f"SKU-{pid:03d}", "name": f"Product {pid}", "category": "Toys",
        "sold_qty": 0 if turnover is None else 10, "cogs": D("0.00") if turnover is None else D("10.00"),
        "stock_at_end": stock, "average_stock": D(stock), "average_inventory_value": D(value),
        "turnover": None if turnover is None else D(turnover),
        "days_of_inventory": None if turnover is None else (D(30) / D(turnover)).quantize(D("0.1")),
    }  # fmt: skip


def test_the_products_table_shows_exact_values_and_no_sales():
    frame = pd.DataFrame([product(1, "2.50", 4, "1234.50"), product(2, None, 3)])
    plain = products_table(frame, "EUR", table_id="dashboard-products-top")
    table = as_dash(plain)  # every property known to its component
    assert isinstance(table, dbc.Table) and as_sent(table) == plain  # what Dash would send for it
    assert table.id == "dashboard-products-top"
    header = [text_of(th) for th in table.children[0].children.children]
    assert header == [
        "SKU",
        "Name",
        "Category",
        "Sold",
        "Turnover",
        "Days of inventory",
        "Avg. inventory value",
    ]
    first, second = table.children[1].children
    assert [text_of(td) for td in first.children] == [
        "SKU-001", "Product 1", "Toys", "10", "2.50×", "12.0 days", "€1,234.50",
    ]  # fmt: skip
    assert [text_of(td) for td in second.children][4:6] == ["no sales", "–"]


def test_shipment_statuses_come_in_pipeline_order_with_theme_colours():
    order = ["pending", "packed", "shipped", "in_transit", "delivered", "cancelled", "returned"]
    frame = pd.DataFrame({"status": list(reversed(order)), "shipments": [1, 0, 7, 3, 2, 5, 4]})
    bar = build_shipment_status_figure(frame)["data"][0]
    assert bar["x"] == ["Pending", "Packed", "Shipped", "In transit", "Delivered", "Cancelled", "Returned"]
    assert bar["y"] == [4, 5, 2, 3, 7, 0, 1]
    assert bar["marker"]["color"] == [SHIPMENT_STATUS_STYLE[s].background for s in order]
    assert [row[0] for row in bar["customdata"]] == order


def test_no_shipments_gives_the_empty_figure():
    frame = pd.DataFrame({"status": ["pending", "delivered"], "shipments": [0, 0]})
    figure = build_shipment_status_figure(frame)
    assert is_empty_figure(figure)
    assert figure["layout"]["annotations"][0]["text"] == "No shipments in this range"
    assert is_empty_figure(
        build_stage_durations_figure(pd.DataFrame(columns=["status", "shipments", "median_days"]))
    )


def test_stage_durations_show_the_median_days_per_stage_in_pipeline_order():
    frame = pd.DataFrame(
        {"status": ["shipped", "pending"], "shipments": [12, 30], "median_days": [D("2.25"), D("0.50")]}
    )
    figure = build_stage_durations_figure(frame)
    bar = figure["data"][0]
    assert bar["x"] == ["Pending", "Shipped"]
    assert bar["y"] == [0.5, 2.25]
    assert bar["customdata"][1] == ["shipped", "2.3 days", "12"]
    assert figure["layout"]["yaxis"]["title"] == {"text": "Median days in stage"}


CHARTS = {
    "revenue": lambda: build_revenue_figure(revenue_frame(["1234.50", "0.10"]), "booked", "EUR"),
    "revenue, nothing sold": lambda: build_revenue_figure(revenue_frame([]), "booked", "EUR"),
    "turnover": lambda: build_turnover_category_figure(turnover_category_frame(), "EUR"),
    "shipment statuses": lambda: build_shipment_status_figure(
        pd.DataFrame({"status": ["pending", "delivered"], "shipments": [3, 9]})
    ),
    "stage durations": lambda: build_stage_durations_figure(
        pd.DataFrame({"status": ["pending"], "shipments": [3], "median_days": [D("1.50")]})
    ),
    "empty": lambda: empty_figure("Nothing yet", "Try later."),
}


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_is_plain_json_that_plotly_accepts_in_the_white_template(chart):
    figure = CHARTS[chart]()
    assert json.loads(json.dumps(figure)) == figure  # no numpy, no Decimal: Dash sends it as it is
    go.Figure(figure)  # Plotly's validation: raises on a misspelt property or a bad value
    assert figure["layout"]["template"] == pio.templates["plotly_white"].to_plotly_json()


def stuck_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"shipment_id": 7, "order_id": 1042, "customer": "Ada Lovelace", "country": "GB", "status": "packed",
             "since": datetime(2024, 5, 1, 22, 30, tzinfo=timezone.utc), "days_in_stage": D("9.4")},
            {"shipment_id": 8, "order_id": 1043, "customer": "Alan Turing", "country": "DE", "status": "shipped",
             "since": datetime(2024, 5, 6, 8, 0, tzinfo=timezone.utc), "days_in_stage": D("4.0")},
        ]
    )  # fmt: skip


def test_stuck_shipments_show_local_time_and_make_the_long_stuck_stand_out():
    plain = stuck_shipments_table(
        stuck_frame(), ZoneInfo("Europe/Berlin"), older_than_days=3, order_href=lambda o: f"/orders/{o}"
    )
    table = as_dash(plain)  # every property known to its component
    assert isinstance(table, dbc.Table) and as_sent(table) == plain  # what Dash would send for it
    long_row, short_row = table.children[1].children
    assert [text_of(td) for td in long_row.children] == [
        "#7", "#1042", "Ada Lovelace", "GB", "Packed", "2024-05-02 00:30", "9.4 days",
    ]  # fmt: skip
    assert long_row.className == "stuck-long" and long_row.style["--bs-table-bg"] == STUCK_ALERT_BACKGROUND
    assert getattr(short_row, "className", None) is None and getattr(short_row, "style", None) is None
    link = long_row.children[1].children
    assert link.href == "/orders/1042"


def test_no_stuck_shipment_gives_a_reassuring_sentence():
    note = stuck_shipments_table(stuck_frame().iloc[0:0], ZoneInfo("UTC"), older_than_days=5)
    assert text_of(note) == "No shipment has been stuck longer than 5 days"


def test_a_rise_in_money_owed_is_shown_in_red_with_an_up_arrow():
    card = kpi_card("Outstanding balance", "€20.00", D("0.25"), up_is_good=False, card_id="k")
    change = by_id(card, "k-change")
    assert text_of(change) == "▲ +25.0 %"
    assert change.style["color"] == CHANGE_BAD and "kpi-change-bad" in change.className
    fall = by_id(
        kpi_card("Outstanding balance", "€1.00", D("-0.1"), up_is_good=False, card_id="k"), "k-change"
    )
    assert text_of(fall) == "▼ −10.0 %"
    assert fall.style["color"] == CHANGE_GOOD and "kpi-change-good" in fall.className


def test_a_fall_in_revenue_is_bad_news():
    change = by_id(kpi_card("Booked revenue", "€1.00", D("-0.5"), card_id="k"), "k-change")
    assert text_of(change) == "▼ −50.0 %" and "kpi-change-bad" in change.className


def kpis(booked: str, orders: int, overdue: str, overdue_count: int = 0) -> Kpis:
    return Kpis(
        booked_revenue=D(booked), collected_cash=D("0.00"), orders=orders,
        average_order_value=(D(booked) / orders).quantize(D("0.01")) if orders else D("0.00"),
        outstanding_balance=D(overdue), overdue_count=overdue_count, overdue_amount=D(overdue),
        state_counts={PaymentState.PAID: orders - overdue_count, PaymentState.OVERDUE: overdue_count},
    )  # fmt: skip


def test_the_six_kpi_cards_carry_stable_ids_and_the_exact_value():
    comparison = KpiComparison(kpis("1234.50", 3, "40.00", 1), kpis("1000.00", 2, "0.00"))
    cards = kpi_cards(comparison, "EUR", 30, href_for=lambda name: "/orders" if name == "orders" else None)
    names = [
        "booked_revenue",
        "collected_cash",
        "orders",
        "average_order_value",
        "outstanding_balance",
        "overdue_amount",
    ]
    assert [by_id(c, f"dashboard-kpi-{n}").id for c, n in zip(cards, names, strict=True)] == [
        f"dashboard-kpi-{n}" for n in names
    ]
    assert text_of(by_id(cards[0], "dashboard-kpi-booked_revenue-value")) == "€1,234.50"
    assert text_of(by_id(cards[0], "dashboard-kpi-booked_revenue-change")) == "▲ +23.5 %"
    assert text_of(by_id(cards[1], "dashboard-kpi-collected_cash-change")) == "–"  # both periods zero
    assert text_of(by_id(cards[5], "dashboard-kpi-overdue_amount-change")) == "new"
    assert cards[2].href == "/orders"
    assert "vs previous 30 days" in text_of(cards[0])


def test_payment_state_badges_follow_the_design_order_with_theme_colours():
    badges = payment_state_badges({PaymentState.PAID: 12, PaymentState.OVERDUE: 3}, href_for=lambda s: None)
    ids = [b.id for b in badges.children]
    assert ids == [f"dashboard-badge-{s.value}" for s in PaymentState]
    overdue = by_id(badges, "dashboard-badge-overdue")
    assert overdue.color == PAYMENT_STATE_STYLE[PaymentState.OVERDUE].background
    assert overdue.style["color"] == PAYMENT_STATE_STYLE[PaymentState.OVERDUE].text
    assert text_of(by_id(badges, "dashboard-badge-overdue-count")) == "3"
    assert text_of(by_id(badges, "dashboard-badge-unpaid-count")) == "0"
    linked = payment_state_badges({}, href_for=lambda s: f"/orders?state={s.value}")
    assert linked.children[0].href == "/orders?state=refunded"
