"""Reading the dashboard's orders KPI over HTTP, and writing an order, for
tests of freshness across caches and processes."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tests.dash_client import call_callback, find_component, text_of
from workflow.orders import OrderLine, place_order

KPI_OUTPUTS = (("dashboard-kpi-body", "children"), ("dashboard-kpi-as-of", "children"))


def kpi_orders(base_url: str, start, end, countries=(), *, cookie: str) -> int:
    """The orders KPI as the dashboard serves it for this range, to the
    session of `cookie` (LiveApp.cookie, dash_client.sign_in_http)."""
    response = call_callback(
        base_url,
        KPI_OUTPUTS,
        [
            ("dashboard-range", "start_date", start.isoformat()),
            ("dashboard-range", "end_date", end.isoformat()),
            ("dashboard-category", "value", None),
            ("dashboard-country", "value", list(countries)),
        ],
        cookie=cookie,
    )
    card = find_component(response["dashboard-kpi-body"]["children"], "dashboard-kpi-orders-value")
    assert card is not None, response
    return int(text_of(card).replace(",", ""))


def place_one_order(engine: Engine) -> None:
    with engine.connect() as conn:
        customer = conn.execute(text("SELECT id FROM customers ORDER BY id LIMIT 1")).scalar_one()
        product = conn.execute(
            text("SELECT id FROM products WHERE active AND stock_qty > 10 ORDER BY id LIMIT 1")
        ).scalar_one()
    place_order(engine, customer_id=customer, lines=[OrderLine(product, 1)], actor="test")
