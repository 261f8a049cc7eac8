"""Pages a role may not open: the layout is never built for them.

create_app wraps every registered page's layout with `guarded_layout`, so
Dash's page router (a navigation inside the app, or the first load of an
address) shows "You do not have access to this page" instead of calling the
page's layout, which is where its data is read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html
from dash._pages import _path_to_page  # the lookup Dash's own router uses

from bi_app import access
from bi_app.auth import policy

NO_ACCESS_ID = "auth-no-access"


def page_key(app: Dash, pathname: str) -> str:
    """The registered path (or path_template) of the page this address opens;
    NOT_FOUND_PAGE when it opens none."""
    page, _ = _path_to_page(app.strip_relative_path(pathname) or "")
    if not page:
        return policy.NOT_FOUND_PAGE
    return page.get("path_template") or page["path"]


def registered_key(page: dict[str, Any]) -> str:
    return page.get("path_template") or page["path"]


def guarded_layout(page_path: str, layout: Callable[..., Any]) -> Callable[..., Any]:
    """`layout`, or the no-access page for a role that may not open `page_path`."""

    @functools.wraps(layout)
    def layout_for_role(**kwargs: Any) -> Any:
        if not access.may_open(page_path):
            return no_access(page_path)
        return layout(**kwargs)

    return layout_for_role


def no_access(page_path: str) -> html.Div:
    session = access.current_session()
    who = f"{session.username} ({session.role})" if session is not None else "nobody"
    return html.Div(
        [
            html.H2("You do not have access to this page", id=NO_ACCESS_ID),
            html.P(
                f"You are signed in as {who}; this page is for "
                f"{policy.describe(policy.page_roles(page_path))}. "
                "Ask an administrator if your work needs it."
            ),
            dbc.Button("Go to your start page", href=policy.home(access.current_role()), color="primary"),
        ],
        className="py-5",
    )
