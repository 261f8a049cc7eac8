"""The guard in front of every request: who is asking, may they, and is the
request from our own pages.

In order, before any view or Dash callback runs:

1. A state-changing request (POST, PUT, PATCH, DELETE: Dash callbacks,
   sign-in, sign-out, uploads) must come from the app's own origin: its
   Origin header, or when absent its Referer, names this host. Otherwise 403.
   (With SameSite=Lax cookies this is belt and braces; it also covers
   browsers and proxies that drop SameSite.)
2. The session named by the cookie is loaded (workflow.sessions: PostgreSQL,
   with Redis in front) and kept in flask.g for bi_app.access. Its
   PostgreSQL read runs on the request's own connection
   (bi_app.services.request_read), which later reads of the request share.
3. The route's roles come from bi_app.auth.policy: by endpoint; for the Dash
   index by the page the path opens; for /_dash-update-component by the
   callback the body names (`output`, the key Dash itself dispatches on),
   before Dash runs it. Not allowed: nobody signed in gets 401 (a browser
   navigating to a page is sent to /login?next=... instead), a signed-in
   role gets 403 with a sentence and no data. The Dash index of a page the
   role may not open is answered 403 too, with the app's shell, which shows
   "You do not have access to this page" (bi_app.auth.pages).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import flask
from dash import Dash
from flask import Response, request
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import SESSION_KEY
from bi_app.auth import policy
from bi_app.auth.pages import page_key
from bi_app.services import note_data_version, release_request_connection, request_read, services

log = logging.getLogger(__name__)

COOKIE = "ecc_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CALLBACK_ENDPOINT = "/_dash-update-component"
_FORBIDDEN_PAGE = "ecc_forbidden_page"
_NO_SESSION_LOOKUP = frozenset({"static", "_dash_assets.static", "/_favicon.ico"})

CROSS_SITE = "Refused: this request did not come from the app's own pages (cross-site request)."
SIGN_IN = "Sign in first: your session has ended or you have not signed in. Nothing was changed."


def register(app: Dash) -> None:
    server = app.server

    @server.before_request
    def guard() -> Response | None:
        return check_request(app)

    # The session check's connection (and the data version it read) serves the whole request.
    server.teardown_request(release_request_connection)

    @server.after_request
    def mark(response: Response) -> Response:
        if flask.g.get(_FORBIDDEN_PAGE):
            response.status_code = 403
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")  # no clicking our buttons in a frame
        return response


def check_request(app: Dash) -> Response | None:
    """None to let the request through, else the refusal."""
    if request.method in UNSAFE_METHODS and not same_origin():
        log.warning("refused a cross-site %s %s (Origin %r, Referer %r)", request.method, request.path,
                    request.headers.get("Origin"), request.headers.get("Referer"))  # fmt: skip
        return _refuse(403, CROSS_SITE)
    session_id = request.cookies.get(COOKIE)
    session = None
    if session_id and request.endpoint not in _NO_SESSION_LOOKUP:
        try:
            session = services().sessions.get(session_id, read=request_read)
            if session is not None:  # read with the session: the panels need no read of their own
                note_data_version(session.data_version)
        except SQLAlchemyError:
            log.exception("sessions: the database did not answer")
            return _refuse(
                503, "The database did not answer, so you cannot be signed in now; try again shortly."
            )
    setattr(flask.g, SESSION_KEY, session)
    role = session.role if session is not None else None

    if request.endpoint is None:  # no route, or not this method: Flask answers 404/405, no data
        return None if session is not None else _unauthenticated(stale=bool(session_id), page=False)
    rule = policy.route_roles(request.endpoint)
    if rule == policy.BY_PAGE:
        allowed = policy.page_roles(page_key(app, request.path))
    elif rule == policy.BY_CALLBACK:
        allowed = policy.callback_roles(callback_id(app) or "")
    else:
        allowed = rule
    if policy.allows(allowed, role):
        return None
    if session is None:
        return _unauthenticated(stale=bool(session_id), page=rule == policy.BY_PAGE)
    if rule == policy.BY_PAGE and request.method in ("GET", "HEAD"):
        setattr(flask.g, _FORBIDDEN_PAGE, True)  # the shell says so, in the app's own look
        return None
    log.info("refused %s %s to %s (%s)", request.method, request.path, session.username, role)
    if not allowed:
        return _refuse(403, "You do not have access to this: no role may use it.")
    return _refuse(403, f"You do not have access to this: it is for {policy.describe(allowed)}.")


def same_origin() -> bool:
    """Whether Origin (or, absent, Referer) names this host. An HTTPS request
    also needs an https origin; an http request may come from https (TLS
    ended at a proxy in front)."""
    source = request.headers.get("Origin")
    if source == "null":  # a sandboxed frame, a data: URL: never our own page
        return False
    source = source or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https") or (request.is_secure and parts.scheme != "https"):
        return False
    return parts.netloc.lower() == request.host.lower()


def callback_id(app: Dash) -> str | None:
    """`module.function` of the server callback this request asks Dash to run,
    found the way Dash finds it (the body's `output` key), or None."""
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    entry = app.callback_map.get(output) if isinstance(output, str) else None
    if not entry or "callback" not in entry:
        return None
    return function_id(entry["callback"])


def function_id(function) -> str:
    """`module.name` of a callback, under Dash's wrappers."""
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return f"{function.__module__}.{function.__name__}"


def _unauthenticated(*, stale: bool, page: bool) -> Response:
    """Nobody signed in: opening a page, or a browser opening a file link,
    goes to the sign-in page (and comes back after); anything else (Dash's
    own requests) is told 401."""
    navigating = request.method in ("GET", "HEAD") and (
        page or any(value == "text/html" for value, _ in request.accept_mimetypes)
    )
    if navigating:
        query = {"next": request.full_path.rstrip("?")}
        if stale:
            query["reason"] = "expired"
        response = flask.redirect("/login?" + urlencode(query), 303)
    else:
        response = _refuse(401, SIGN_IN)
    if stale:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def _refuse(status: int, message: str) -> Response:
    """A refusal with the sentence only: JSON for Dash's requests, text otherwise."""
    if request.path.startswith("/_dash-"):
        response = flask.jsonify(message=message)
        response.status_code = status
    else:
        response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
