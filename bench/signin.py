"""Signing the benchmarks in, when the app asks for it.

When the app has a /login route, the benchmarks act as an admin named
`bench-admin` (created in the measured database, or given a new random
password if it is there) and sign in through the form, as a person does;
the session cookie then goes with every request. Without /login they send
no cookie. Every POST carries an Origin header naming the server, as a
browser's does, so a same-origin check lets it through.
"""

from __future__ import annotations

import http.client
import secrets
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Engine

from workflow.errors import ErrorCode, WorkflowError

BENCH_USER = "bench-admin"
_known: dict[str, tuple[str, str]] = {}  # database URL -> credentials set in this process


def has_sign_in(flask_app) -> bool:
    """Whether the Flask server has a /login route."""
    return any(rule.rule == "/login" for rule in flask_app.url_map.iter_rules())


def bench_credentials(engine: Engine) -> tuple[str, str]:
    """(user name, password) of the bench's admin account, given a fresh
    password once per process (a new password may end earlier sessions)."""
    from workflow.users import create_user, set_password

    key = engine.url.render_as_string(hide_password=False)
    if key in _known:
        return _known[key]
    password = "bench-" + secrets.token_urlsafe(24)
    try:
        create_user(engine, username=BENCH_USER, role="admin", password=password, actor="bench")
    except WorkflowError as exc:
        if exc.code != ErrorCode.USERNAME_TAKEN:
            raise
        set_password(engine, username=BENCH_USER, password=password, actor="bench")
    _known[key] = (BENCH_USER, password)
    return _known[key]


def sign_in_test_client(client, engine: Engine, origin: str = "http://localhost") -> None:
    """Sign a Flask test client in (it keeps the cookie) when the app asks for it."""
    if not has_sign_in(client.application):
        return
    username, password = bench_credentials(engine)
    response = client.post(
        "/login", data={"username": username, "password": password}, headers={"Origin": origin}
    )
    if response.status_code not in (302, 303):
        raise RuntimeError(f"bench sign-in failed: {response.status_code} {response.data[:200]!r}")


def sign_in_http(base_url: str, engine: Engine) -> str:
    """The Cookie header value of a signed-in session on the server at
    `base_url` (call it only when the app has sign-in: has_sign_in)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        username, password = bench_credentials(engine)
        body = urlencode({"username": username, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": base_url}
        conn.request("POST", "/login", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        cookies = [
            value.split(";", 1)[0] for key, value in response.getheaders() if key.lower() == "set-cookie"
        ]
        if response.status not in (302, 303) or not cookies:
            raise RuntimeError(f"bench sign-in failed: HTTP {response.status}")
        return "; ".join(cookies)
    finally:
        conn.close()
