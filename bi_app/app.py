"""The app factory: one Dash app with its pages, callbacks, cache and
database engine, built from Settings; nothing is connected at import."""

from __future__ import annotations

import importlib
import pkgutil

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import bi_app.callbacks
import bi_app.pages
from bi_app import access, auth, ids
from bi_app.auth.config import AuthConfig
from bi_app.auth.pages import guarded_layout, registered_key
from bi_app.auth.policy import home
from bi_app.cache import DashboardCache
from bi_app.downloads import register_downloads
from bi_app.routes import import_reports
from bi_app.services import EXTENSION, Services
from workflow.db import make_engine
from workflow.errors import ErrorCode, WorkflowError
from workflow.migrations import is_current
from workflow.sessions import SessionStore
from workflow.settings import Settings

TITLE = "E-Commerce Command Center"


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, sessions: SessionStore | None = None
) -> Dash:
    """The app for these settings (default: the environment). Refuses a
    database whose schema is behind, with the command that fixes it, and
    (ECC_ENV=production) a missing SECRET_KEY. `sessions` replaces the
    session store made from the settings (tests give one a clock)."""
    settings = settings or Settings.from_env()
    auth_config = AuthConfig.from_env(settings.data_dir)
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
    app.server.secret_key = auth_config.secret_key
    if auth_config.proxy_hops:
        # Behind a TLS-ending proxy: the client's address (sign-in limits),
        # scheme (Secure cookie) and host (same-origin check) come from the
        # X-Forwarded-* headers the trusted proxies add.
        hops = auth_config.proxy_hops
        app.server.wsgi_app = ProxyFix(app.server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    sessions = sessions or SessionStore(
        engine,
        settings.redis_url,
        idle_timeout=auth_config.idle_timeout,
        absolute_timeout=auth_config.absolute_timeout,
    )
    app.server.extensions[EXTENSION] = Services(
        settings, engine, DashboardCache(settings.redis_url), sessions
    )
    register_downloads(app.server)
    import_reports.register(app.server)
    auth.install(app)
    app.layout = shell
    return app


def shell() -> html.Div:
    """Navbar (from the page registry: only pages that exist and the signed-in
    role may open; pages that name a `menu` are grouped under it), who is
    signed in with a Sign out button, and the page."""
    pages = [
        page
        for page in sorted(dash.page_registry.values(), key=lambda p: p["order"] or 0)
        if page.get("nav", True)
        and not page.get("path_template")
        and page["path"] != "/404"
        and access.may_open(registered_key(page))
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
    items += _signed_in()
    return html.Div(
        [
            dcc.Location(id=ids.URL),
            dbc.NavbarSimple(
                items,
                brand=TITLE,
                brand_href=home(access.current_role()),
                color="primary",
                dark=True,
                className="mb-3",
            ),
            dbc.Container(dash.page_container, fluid=True, className="pb-5"),
        ]
    )


def _signed_in() -> list:
    """The user's name and role, and a Sign out button (a form POST: a link
    could be followed by anyone's page)."""
    session = access.current_session()
    if session is None:
        return []
    return [
        dbc.NavItem(
            html.Span(
                [
                    session.username,
                    " ",
                    dbc.Badge(session.role, color="light", text_color="primary", className="ms-2"),
                ],
                id="auth-user",
                className="text-white ms-lg-4",
            ),
            className="d-flex align-items-center",
        ),
        dbc.NavItem(
            html.Form(
                html.Button(
                    "Sign out", type="submit", id="auth-sign-out", className="btn btn-outline-light btn-sm"
                ),
                action="/logout",
                method="POST",
                className="d-flex align-items-center h-100 ms-lg-3",
            )
        ),
    ]


def _import_pages() -> None:
    """Every module in bi_app/pages calls register_page right after its
    imports, as Dash's page modules do; like Dash's own pages_folder loader,
    we then hand the registry each module's layout (Python imports a module
    once, however many apps are built), wrapped so that a role that may not
    open the page gets the no-access page instead."""
    for info in pkgutil.iter_modules(bi_app.pages.__path__, "bi_app.pages."):
        module = importlib.import_module(info.name)
        page = dash.page_registry[info.name]
        page["layout"] = guarded_layout(registered_key(page), module.layout)


def _attach_callbacks(app: Dash) -> None:
    """Each module in bi_app/callbacks declares a CallbackSet named CALLBACKS."""
    for info in pkgutil.iter_modules(bi_app.callbacks.__path__, "bi_app.callbacks."):
        importlib.import_module(info.name).CALLBACKS.attach(app)
