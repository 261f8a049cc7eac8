"""GET/POST /login and POST /logout.

Signing in ends the session the browser came with (if any) and starts a new
one with a fresh random id (workflow.sessions), so an id planted in the
browser before sign-in is worth nothing (no fixation). The cookie is
HttpOnly, SameSite=Lax, Secure over HTTPS, and lasts as long as a session
may (the idle limit is the server's to enforce). After sign-in the browser
goes to `next` when it is a local path the role may open, else to the
role's start page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import flask
from dash import Dash
from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_session
from bi_app.auth import policy
from bi_app.auth.guard import COOKIE
from bi_app.auth.login_page import login_page
from bi_app.auth.pages import page_key
from bi_app.services import services
from workflow.errors import ErrorCode, WorkflowError
from workflow.users import authenticate

log = logging.getLogger(__name__)

SIGNED_OUT = "You have signed out."
EXPIRED = "Your session has ended; sign in again to continue."
_STATUS = {
    ErrorCode.LOGIN_FAILED: 401,
    ErrorCode.ACCOUNT_LOCKED: 429,
    ErrorCode.ADDRESS_LOCKED: 429,
    ErrorCode.ACCOUNT_DISABLED: 403,
}


def register(app: Dash) -> None:
    blueprint = Blueprint("auth", __name__)
    stylesheets = [app.get_asset_url("00-bootstrap-flatly-5.3.8.min.css"), app.get_asset_url("10-ecc.css")]

    @blueprint.route("/login", methods=["GET", "POST"])
    def login() -> Response:
        target = local_path(request.values.get("next"))
        if request.method == "GET":
            session = current_session()
            if session is not None:
                return flask.redirect(landing(app, session.role, target), 303)
            notice, level = _notice()
            return _page(stylesheets, target, message=notice, level=level)
        return _sign_in(app, stylesheets, target)

    @blueprint.route("/logout", methods=["POST"])
    def logout() -> Response:
        services().sessions.delete(request.cookies.get(COOKIE))
        response = flask.redirect("/login?signed_out=1", 303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=request.is_secure)
        return response

    if "auth.login" not in app.server.view_functions:
        app.server.register_blueprint(blueprint)


def _sign_in(app: Dash, stylesheets: list[str], target: str) -> Response:
    ecc = services()
    username = request.form.get("username", "")
    try:
        user = authenticate(
            ecc.engine, username=username, password=request.form.get("password", ""),
            address=request.remote_addr or "",
        )  # fmt: skip
        ecc.sessions.delete(request.cookies.get(COOKIE))  # the id the browser came with ends here
        session_id = ecc.sessions.create(user.id, {"address": request.remote_addr or ""})
    except WorkflowError as exc:
        status = _STATUS.get(exc.code, 400)
        return _page(stylesheets, target, username=username, message=exc.message, status=status)
    except SQLAlchemyError:
        log.exception("sign-in: the database did not answer")
        message = "The database did not answer, so nobody can sign in now; try again shortly."
        return _page(stylesheets, target, username=username, message=message, status=503)
    response = flask.redirect(landing(app, user.role, target), 303)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(ecc.sessions.absolute_timeout.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def local_path(value: str | None) -> str:
    """`value` when it is a path on this site ("/orders?page=2"), else "".
    Refuses absolute and scheme-relative addresses ("//evil.example"), so
    the sign-in page cannot be used to send people elsewhere."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 2000:
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return ""
    return value


def landing(app: Dash, role: str, target: str) -> str:
    """Where to go after sign-in: `target` if the role may open it, else its start page."""
    if target and policy.allows(policy.page_roles(page_key(app, urlsplit(target).path)), role):
        return target
    return policy.home(role)


def _notice() -> tuple[str | None, str]:
    if request.args.get("signed_out"):
        return SIGNED_OUT, "success"
    if request.args.get("reason") == "expired":
        return EXPIRED, "warning"
    return None, "info"


def _page(
    stylesheets: list[str],
    target: str,
    *,
    username: str = "",
    message: str | None = None,
    level: str = "danger",
    status: int = 200,
) -> Response:
    html = login_page(
        stylesheets=stylesheets, next_path=target, username=username, message=message, level=level
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
