"""The app factory: one Dash app with its pages, callbacks, cache and
database engine, built from Settings; nothing is connected at import."""

from __future__ import annotations

import importlib

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from sqlalchemy import Engine

from bi_app import ids
from bi_app.cache import DashboardCache
from bi_app.callbacks import dashboard as dashboard_callbacks
from bi_app.services import EXTENSION, Services
from workflow.db import make_engine
from workflow.errors import ErrorCode, WorkflowError
from workflow.migrations import is_current
from workflow.settings import Settings

TITLE = "E-Commerce Command Center"


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Dash:
    """The app for these settings (default: the environment). Refuses a
    database whose schema is behind, with the command that fixes it."""
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings)
    if not is_current(engine):
        raise WorkflowError(
            "The database schema is not up to date; run `ecc db upgrade` first.", ErrorCode.SCHEMA_NOT_READY
        )
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        title=TITLE,
        update_title=None,
        suppress_callback_exceptions=True,
    )
    _import_pages()
    dashboard_callbacks.CALLBACKS.attach(app)
    app.server.extensions[EXTENSION] = Services(settings, engine, DashboardCache(settings.redis_url))
    app.layout = shell
    return app


def shell() -> html.Div:
    """Navbar (from the page registry: only pages that exist) and the page."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in sorted(dash.page_registry.values(), key=lambda p: p["order"] or 0)
        if page.get("nav", True) and page["module"] != "bi_app.pages.not_found_404"
    ]
    return html.Div(
        [
            dcc.Location(id=ids.URL),
            dbc.NavbarSimple(links, brand=TITLE, brand_href="/", color="primary", dark=True, className="mb-3"),
            dbc.Container(dash.page_container, fluid=True, className="pb-5"),
        ]
    )


PAGES = ("bi_app.pages.dashboard", "bi_app.pages.not_found_404")


def _import_pages() -> None:
    """Pages call register_page right after their imports, as Dash's page
    modules do; like Dash's own pages_folder loader, we then hand the
    registry each module's layout (Python imports a module only once)."""
    for name in PAGES:
        module = importlib.import_module(name)
        dash.page_registry[name]["layout"] = module.layout
