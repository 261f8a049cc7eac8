"""The app served for real on 127.0.0.1 (a threaded WSGI server in a thread), for tests
that talk HTTP to it or drive it with a browser, and signing in to it.

Every page, callback and download needs a signed-in user of a role that may
use it (bi_app.auth.policy). `app.user(role)` makes one ("test-<role>", with
TEST_PASSWORD) in the app's database on first use; `sign_in(page, app, role)`
signs a browser context in through POST /login; `app.cookie(role)` does the
same for tests/dash_client calls.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from dash import Dash
from sqlalchemy import select
from werkzeug.serving import make_server

from bi_app.app import create_app
from tests.dash_client import sign_in_http
from workflow.sessions import SessionStore
from workflow.settings import Settings
from workflow.tables import users
from workflow.users import create_user

TEST_PASSWORD = "a test password, long enough"


class LiveApp:
    def __init__(
        self,
        database_url: str,
        *,
        env: Mapping[str, str] | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        self.settings = Settings.from_env({"DATABASE_URL": database_url, **(env or {})})
        self.app: Dash = create_app(self.settings, sessions=sessions)
        self._server = make_server("127.0.0.1", 0, self.app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveApp:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()
        self.app.server.extensions["ecc"].engine.dispose()

    @property
    def engine(self):
        return self.app.server.extensions["ecc"].engine

    @property
    def sessions(self) -> SessionStore:
        return self.app.server.extensions["ecc"].sessions

    def user(self, role: str, *, name: str | None = None) -> str:
        """The name of an active user of `role` whose password is TEST_PASSWORD
        (made now if missing)."""
        name = name or f"test-{role}"
        with self.engine.connect() as conn:
            exists = conn.execute(select(users.c.id).where(users.c.username == name)).first()
        if exists is None:
            create_user(self.engine, username=name, role=role, password=TEST_PASSWORD, actor="test")
        return name

    def cookie(self, role: str) -> str:
        """A "Cookie:" header value signed in as `role`, through POST /login."""
        return sign_in_http(self.url, self.user(role), TEST_PASSWORD)


def sign_in(page: Any, app: LiveApp, role: str) -> None:
    """Sign the page's browser context in to `app` as `role`, through POST
    /login (the form's own request, without rendering a page first). One
    app per context: cookies do not tell ports apart."""
    response = page.request.post(
        f"{app.url}/login",
        form={"username": app.user(role), "password": TEST_PASSWORD},
        headers={"Origin": app.url},
        max_redirects=0,
    )
    if response.status != 303:
        raise AssertionError(f"sign-in as {role} answered {response.status}: {response.text()[:500]}")


def app_of(request: Any) -> LiveApp | None:
    """The LiveApp a test uses, whichever fixture gives it ("app", "refund_app", "live_app")."""
    for name in ("app", "refund_app", "live_app"):
        if name in request.fixturenames:
            found = request.getfixturevalue(name)
            if isinstance(found, LiveApp):
                return found
    return None
