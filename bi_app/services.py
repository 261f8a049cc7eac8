"""What a request needs from the process: settings, the engine, the cache, the sessions.

create_app puts one Services on the Flask server; callbacks reach it through
`services()`, so nothing is created at import and two apps in one process
(as in tests) keep their own database and cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import flask
from sqlalchemy import Engine

from bi_app.cache import DashboardCache
from workflow.sessions import SessionStore
from workflow.settings import Settings

EXTENSION = "ecc"


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    cache: DashboardCache
    sessions: SessionStore

    def today(self) -> date:
        """Today in the business time zone."""
        return datetime.now(self.settings.tz).date()


def services() -> Services:
    return flask.current_app.extensions[EXTENSION]
