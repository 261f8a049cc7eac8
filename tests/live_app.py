"""The app served for real on 127.0.0.1 (a threaded WSGI server in a thread), for tests
that talk HTTP to it or drive it with a browser."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from dash import Dash
from werkzeug.serving import make_server

from bi_app.app import create_app
from workflow.settings import Settings


class LiveApp:
    def __init__(self, database_url: str, *, env: Mapping[str, str] | None = None) -> None:
        self.settings = Settings.from_env({"DATABASE_URL": database_url, **(env or {})})
        self.app: Dash = create_app(self.settings)
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
