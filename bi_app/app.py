"""The app factory: one Dash app with its pages, callbacks, cache and
database engine, built from Settings; nothing is connected at import."""

from __future__ import annotations

import importlib
import pkgutil

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from sqlalchemy import Engine

import bi_app.callbacks
import bi_app.pages
from bi_app import ids
from bi_app.cache import DashboardCache
from bi_app.downloads import register_downloads
from bi_app.routes import import_reports
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
    _attach_callbacks(app)
    app.server.extensions[EXTENSION] = Services(settings, engine, DashboardCache(settings.redis_url))
    register_downloads(app.server)
    import_reports.register(app.server)
    app.layout = shell
    return app


def shell() -> html.Div:
    """Navbar (from the page registry: only pages that exist; pages that
    name a `menu` are grouped under it) and the page."""
    pages = [
        page
        for page in sorted(dash.page_registry.values(), key=lambda p: p["order"] or 0)
        if page.get("nav", True) and not page.get("path_template") and page["path"] != "/404"
    ]
    items: list = []
    menus: dict[str, dbc.DropdownMenu] = {}
    for page in pages:
        link = dbc.NavLink(page["name"], href=page["relative_path"], active="exact")
        menu = page.get("menu")
        if not menu:
            items.append(dbc.NavItem(link))
        elif menu in menus:
            menus[menu].children.append(dbc.DropdownMenuItem(page["name"], href=page["relative_path"]))
        else:
            menus[menu] = dbc.DropdownMenu(
                [dbc.DropdownMenuItem(page["name"], href=page["relative_path"])],
                label=menu,
                nav=True,
                in_navbar=True,
            )
            items.append(menus[menu])
    return html.Div(
        [
            dcc.Location(id=ids.URL),
            dbc.NavbarSimple(
                items, brand=TITLE, brand_href="/", color="primary", dark=True, className="mb-3"
            ),
            dbc.Container(dash.page_container, fluid=True, className="pb-5"),
        ]
    )


def _import_pages() -> None:
    """Every module in bi_app/pages calls register_page right after its
    imports, as Dash's page modules do; like Dash's own pages_folder loader,
    we then hand the registry each module's layout (Python imports a module
    once, however many apps are built)."""
    for info in pkgutil.iter_modules(bi_app.pages.__path__, "bi_app.pages."):
        module = importlib.import_module(info.name)
        dash.page_registry[info.name]["layout"] = module.layout


def _attach_callbacks(app: Dash) -> None:
    """Each module in bi_app/callbacks declares a CallbackSet named CALLBACKS."""
    for info in pkgutil.iter_modules(bi_app.callbacks.__path__, "bi_app.callbacks."):
        importlib.import_module(info.name).CALLBACKS.attach(app)
