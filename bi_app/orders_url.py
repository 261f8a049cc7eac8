"""The orders listing's view in the URL query string, both ways, and the
dashboard's links into it.

`/orders?state=overdue,unpaid&from=2026-08-01&to=2026-08-31&customer=ann&country=DE,FR
&status=placed&sort=total&dir=asc&page=3&size=100`: only what differs from the
default (every order, newest placed first, page 1 of 50 rows) is written, so
the bare `/orders` stays "all orders". A bad parameter falls back to its
default and says so in a note; it never stops the page.

- state: payment states (comma-separated); any state leaves cancelled orders out;
- from, to: business days the order was placed on, inclusive, either may be open;
- customer: an id or the start of a customer's name or e-mail;
- country: customer countries, ISO alpha-2;
- status=placed: leave cancelled orders out (what the dashboard counts);
- category: product categories (comma-separated): orders holding an item of one;
- sort, dir: a column of workflow.listings.orders.SORTS, asc or desc (default);
- page, size: the page (from 1) and rows per page (one of PAGE_SIZES).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

import pycountry

from workflow.analytics import Filters
from workflow.balances import OPEN_STATES, PaymentState
from workflow.errors import WorkflowError
from workflow.listings import OrderQuery
from workflow.listings.orders import SORTS
from workflow.listings.query import MAX_SEARCH_LENGTH, require_page

PATH = "/orders"
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
DEFAULT_SORT = "placed_at"
# A header clicked for the first time sorts names A to Z, figures and dates biggest or newest first.
ASCENDING_FIRST = frozenset({"customer"})
KNOWN = ("state", "from", "to", "customer", "country", "status", "category", "sort", "dir", "page", "size")
STATE_VALUES = ", ".join(s.value for s in PaymentState)


@dataclass(frozen=True)
class OrdersView:
    """What the orders page shows: the query, which page of it, and the
    notes explaining any parameter that was replaced by its default."""

    query: OrderQuery = field(default_factory=OrderQuery)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    notes: tuple[str, ...] = ()


def order_href(order_id: int) -> str:
    """The order detail page of one order."""
    return f"{PATH}/{order_id}"


def parse_orders_query(params: Mapping[str, str | Sequence[str] | None]) -> OrdersView:
    """The view from query parameters (a repeated parameter is read as its
    values joined by commas); each bad one is replaced by its default and
    explained in a note a clerk can read."""
    values = {name: _joined(value) for name, value in params.items()}
    notes: list[str] = []
    start = _date(values.get("from"), "from", notes)
    end = _date(values.get("to"), "to", notes)
    if start and end and end < start:
        notes.append(f"The range ends ({end}) before it starts ({start}); showing every date.")
        start = end = None
    customer = " ".join((values.get("customer") or "").split()) or None
    if customer and len(customer) > MAX_SEARCH_LENGTH:
        notes.append(
            f"The customer search is {len(customer)} characters long (at most {MAX_SEARCH_LENGTH}); "
            "showing every customer."
        )
        customer = None
    status = (values.get("status") or "").strip().lower()
    if status not in ("", "placed"):
        notes.append(f"status={status!r} is not a choice (only status=placed); showing cancelled orders too.")
    categories = tuple(c.strip() for c in (values.get("category") or "").split(",") if c.strip())
    sort = (values.get("sort") or DEFAULT_SORT).strip()
    if sort not in SORTS:
        notes.append(f"Orders cannot be sorted by {sort!r} (choose from {', '.join(SORTS)}); newest first.")
        sort = DEFAULT_SORT
    direction = (values.get("dir") or "desc").strip().lower()
    if direction not in ("asc", "desc"):
        notes.append(f"dir={direction!r} is not asc or desc; sorting descending.")
        direction = "desc"
    query = OrderQuery(
        start=start,
        end=end,
        states=_states(values.get("state"), notes),
        customer=customer,
        countries=_countries(values.get("country"), notes),
        categories=categories,
        include_cancelled=status != "placed",
        sort=sort,
        descending=direction == "desc",
    )
    size = _whole(values.get("size"), "size", DEFAULT_PAGE_SIZE, notes)
    if size not in PAGE_SIZES:
        notes.append(
            f"size={size} is not a page size (choose from {', '.join(map(str, PAGE_SIZES))}); "
            f"showing {DEFAULT_PAGE_SIZE} rows."
        )
        size = DEFAULT_PAGE_SIZE
    page = _whole(values.get("page"), "page", 1, notes)
    try:
        require_page(page, size)
    except WorkflowError as exc:
        notes.append(f"{exc.message} Showing page 1.")
        page = 1
    for name in sorted(set(values) - set(KNOWN)):
        notes.append(f"The parameter {name!r} is not an orders filter and was ignored.")
    return OrdersView(query, page, size, tuple(notes))


def orders_query_string(query: OrderQuery, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> str:
    """`?...` with the parameters that differ from the default, or ''."""
    params: dict[str, str] = {}
    if query.states:
        params["state"] = ",".join(s.value for s in query.states)
    if query.start:
        params["from"] = query.start.isoformat()
    if query.end:
        params["to"] = query.end.isoformat()
    if query.customer:
        params["customer"] = query.customer
    if query.countries:
        params["country"] = ",".join(query.countries)
    if query.categories:
        params["category"] = ",".join(query.categories)
    if not query.include_cancelled:
        params["status"] = "placed"
    if query.sort != DEFAULT_SORT:
        params["sort"] = query.sort
    if not query.descending:
        params["dir"] = "asc"
    if page != 1:
        params["page"] = str(page)
    if page_size != DEFAULT_PAGE_SIZE:
        params["size"] = str(page_size)
    return "?" + urlencode(params, safe=",") if params else ""


def orders_href(view: OrdersView, *, page: int | None = None) -> str:
    """The address of this view, at another page when given."""
    return PATH + orders_query_string(view.query, view.page if page is None else page, view.page_size)


def sort_href(view: OrdersView, column: str) -> str:
    """The address of this view sorted by `column`, back on page 1: the
    other direction when it is already the sort, else the column's natural one."""
    same = view.query.sort == column
    descending = not view.query.descending if same else column not in ASCENDING_FIRST
    sorted_view = replace(view, query=replace(view.query, sort=column, descending=descending))
    return orders_href(sorted_view, page=1)


def query_from_controls(
    states: Sequence[str] | None,
    start: str | None,
    end: str | None,
    customer: str | None,
    countries: Sequence[str] | None,
    base: OrderQuery,
) -> OrderQuery:
    """The filter controls' values over the parts of `base` they do not set
    (the sort and whether cancelled orders are shown). Raises WorkflowError
    for a value the query refuses."""
    return replace(
        base,
        states=tuple(states or ()),
        start=date.fromisoformat(start[:10]) if start else None,
        end=date.fromisoformat(end[:10]) if end else None,
        customer=customer or None,
        countries=tuple(countries or ()),
    )


def dashboard_state_href(filters: Filters, state: PaymentState) -> str:
    """The orders behind a dashboard payment-state badge: that state, the
    dashboard's range and narrowing."""
    return _dashboard_href(filters, state=state.value)


def dashboard_kpi_href(filters: Filters, name: str) -> str | None:
    """The orders behind a dashboard KPI card: every placed order of the
    range for the sales figures, the open ones for the balance (largest
    first), the overdue ones for the overdue amount; cash collected is not
    a list of orders, so it has no link."""
    if name in ("orders", "booked_revenue", "average_order_value"):
        return _dashboard_href(filters, status="placed")
    if name == "outstanding_balance":
        return _dashboard_href(filters, state=",".join(s.value for s in OPEN_STATES), sort="balance_due")
    if name == "overdue_amount":
        return _dashboard_href(filters, state=PaymentState.OVERDUE.value, sort="balance_due")
    return None


def _dashboard_href(filters: Filters, **first: str) -> str:
    params = {**first, "from": filters.start.isoformat(), "to": filters.end.isoformat()}
    if filters.countries:
        params["country"] = ",".join(filters.countries)
    if filters.category:
        params["category"] = filters.category
    return PATH + "?" + urlencode(params, safe=",")


def _joined(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


def _date(value: str | None, name: str, notes: list[str]) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        notes.append(f"{name}={value!r} is not a date (expected YYYY-MM-DD); ignored.")
        return None


def _whole(value: str | None, name: str, default: int, notes: list[str]) -> int:
    if value is None or not value.strip():
        return default
    text = value.strip()
    if not text.isdigit() or int(text) < 1:
        notes.append(f"{name}={value!r} is not a whole number from 1; using {default}.")
        return default
    return int(text)


def _states(value: str | None, notes: list[str]) -> tuple[PaymentState, ...]:
    kept = []
    for name in (part.strip().lower() for part in (value or "").split(",")):
        if not name:
            continue
        try:
            kept.append(PaymentState(name))
        except ValueError:
            notes.append(f"{name!r} is not a payment state (choose from {STATE_VALUES}); ignored.")
    return tuple(kept)


def _countries(value: str | None, notes: list[str]) -> tuple[str, ...]:
    kept = []
    for code in (part.strip().upper() for part in (value or "").split(",")):
        if not code:
            continue
        if len(code) == 2 and pycountry.countries.get(alpha_2=code):
            kept.append(code)
        else:
            notes.append(f"{code!r} is not an ISO country code (expected two letters such as DE); ignored.")
    return tuple(kept)
