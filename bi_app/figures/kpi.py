"""The KPI cards and payment-state badges at the top of the dashboard, from
workflow.analytics.kpis (a period beside the previous one of equal length).

Ids are stable for the browser tests: the card `dashboard-kpi-{name}`, its
exact figure `dashboard-kpi-{name}-value`, its change
`dashboard-kpi-{name}-change`; a badge `dashboard-badge-{state}` and its
count `dashboard-badge-{state}-count`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import dcc, html

from bi_app.formatting import (
    DASH,
    DEFAULT_LOCALE,
    NEW,
    change_direction,
    format_change,
    format_count,
    format_money,
)
from bi_app.theme import CHANGE_BAD, CHANGE_GOOD, CHANGE_NEUTRAL, PAYMENT_STATE_ORDER, PAYMENT_STATE_STYLE
from workflow.analytics import KpiComparison
from workflow.balances import PaymentState

# name -> (title, is money, a rise is good news)
KPI_NAMES: dict[str, tuple[str, bool, bool]] = {
    "booked_revenue": ("Booked revenue", True, True),
    "collected_cash": ("Cash collected", True, True),
    "orders": ("Orders", False, True),
    "average_order_value": ("Average order value", True, True),
    "outstanding_balance": ("Outstanding balance", True, False),
    "overdue_amount": ("Overdue amount", True, False),
}


def kpi_card(
    title: str,
    value_text: str,
    change: Decimal | None,
    *,
    up_is_good: bool = True,
    href: str | None = None,
    card_id: str | None = None,
    subtitle: str | None = None,
    none_text: str = DASH,
    note: str | None = None,
) -> dbc.Card | dcc.Link:
    """A card with `title`, the figure `value_text` (in a Span with id
    `{card_id}-value`), and the change against the previous period: ▲ or ▼
    and the formatted change, green (class "kpi-change-good") when the move
    is good news, red ("kpi-change-bad") when it is bad, grey
    ("kpi-change-neutral") when there is no move or nothing to compare
    (`none_text`, e.g. "new"). With up_is_good=False (money owed) a rise is
    bad. `subtitle` follows the change ("vs previous 30 days"); `note` is a
    small line under the figure. With `href` the card is a link."""
    direction = change_direction(change)
    if direction == 0:
        arrow, tone, color = "", "neutral", CHANGE_NEUTRAL
    else:
        good = (direction > 0) == up_is_good
        arrow = "▲ " if direction > 0 else "▼ "
        tone, color = ("good", CHANGE_GOOD) if good else ("bad", CHANGE_BAD)

    def part(suffix: str) -> dict[str, str]:
        return {"id": f"{card_id}-{suffix}"} if card_id else {}

    change_line = [
        html.Span(
            arrow + format_change(change, when_none=none_text),
            className=f"kpi-change kpi-change-{tone} fw-semibold",
            style={"color": color},
            **part("change"),
        )
    ]
    if subtitle:
        change_line.append(html.Span(f" {subtitle}", className="text-muted small"))
    body = [
        html.Div(title, className="text-muted small text-uppercase fw-semibold"),
        html.Div(html.Span(value_text, **part("value")), className="kpi-value fw-bold text-nowrap"),
    ]
    if note:
        body.append(html.Div(note, className="text-muted small", **part("note")))
    body.append(html.Div(change_line, className="small mt-1"))
    card = dbc.Card(dbc.CardBody(body), className="h-100 shadow-sm", **({"id": card_id} if card_id else {}))
    if href:
        return dcc.Link(card, href=href, className="text-reset text-decoration-none d-block h-100")
    return card


def kpi_cards(
    comparison: KpiComparison,
    currency: str,
    period_days: int,
    href_for: Callable[[str], str | None] | None = None,
    *,
    locale: str = DEFAULT_LOCALE,
) -> list[dbc.Card | dcc.Link]:
    """The six cards in order: booked revenue, cash collected, orders,
    average order value, outstanding balance, overdue amount (with the count
    of overdue orders as a note). Money is formatted from the Decimal; a
    change with no previous figure reads "new" when the current figure is
    not zero, "–" when both are zero. `href_for(name)` may give each card a
    link (to the orders behind the number). Card ids: dashboard-kpi-{name}."""
    subtitle = f"vs previous {period_days} days" if period_days != 1 else "vs previous day"
    cards = []
    for name, (title, money, up_is_good) in KPI_NAMES.items():
        value = getattr(comparison.current, name)
        text = format_money(value, currency, locale) if money else format_count(value, locale)
        note = None
        if name == "overdue_amount":
            count = comparison.current.overdue_count
            note = f"{format_count(count, locale)} overdue order{'' if count == 1 else 's'}"
        cards.append(
            kpi_card(
                title,
                text,
                comparison.change(name),
                up_is_good=up_is_good,
                href=href_for(name) if href_for else None,
                card_id=f"dashboard-kpi-{name}",
                subtitle=subtitle,
                none_text=NEW if value else DASH,
                note=note,
            )
        )
    return cards


def payment_state_badge(
    state: PaymentState,
    count: int | None = None,
    *,
    badge_id: str | None = None,
    locale: str = DEFAULT_LOCALE,
) -> dbc.Badge:
    """One pill in the state's colours from the theme: its label, and the
    count (in a Span with id `{badge_id}-count`) when given. Usable in any
    list or detail view."""
    style = PAYMENT_STATE_STYLE[state]
    children: list = [style.label]
    if count is not None:
        count_extra = {"id": f"{badge_id}-count"} if badge_id else {}
        children += [" ", html.Span(format_count(count, locale), className="fw-bold", **count_extra)]
    return dbc.Badge(
        children,
        color=style.background,
        pill=True,
        style={"color": style.text, "fontSize": "0.85rem"},
        className=f"payment-state payment-state-{state.value}",
        **({"id": badge_id} if badge_id else {}),
    )


def payment_state_badges(
    state_counts: dict[PaymentState, int],
    href_for: Callable[[PaymentState], str | None] | None = None,
    *,
    locale: str = DEFAULT_LOCALE,
) -> html.Div:
    """One badge per payment state in DESIGN.md's order (refunded, partially
    refunded, paid, overdue, partially paid, unpaid), with its count (0 when
    absent); ids dashboard-badge-{state.value}. When href_for(state) gives a
    URL the badge is a link to those orders."""
    items = []
    for state in PAYMENT_STATE_ORDER:
        badge = payment_state_badge(
            state, state_counts.get(state, 0), badge_id=f"dashboard-badge-{state.value}", locale=locale
        )
        href = href_for(state) if href_for else None
        items.append(dcc.Link(badge, href=href, className="text-decoration-none") if href else badge)
    return html.Div(items, className="d-flex flex-wrap gap-2", id="dashboard-payment-states")
