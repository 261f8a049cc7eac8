"""One guard around every dashboard panel: cached by data version and
filters, timestamped, and never a stack trace on screen.

A panel's figures are computed once per (data version, filters, options):
any committed write moves the data version, so a cached panel is never
older than the last write. A failure is shown as an alert and, because the
exception passes through the cache, is never cached.

What is cached, and returned, is the panel as Dash sends it: the JSON form
of the component tree (plain dicts, lists, strings and numbers, as
plotly's encoder writes them), not the component objects. A cached request
then unpickles plain data and Dash's encoder writes it in one pass of the C
encoder, where component objects cost a Python call per component and
figures a walk of plotly's encoder; the browser receives the same bytes
either way.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from plotly.io.json import to_json_plotly
from sqlalchemy.exc import SQLAlchemyError

from bi_app.services import request_data_version, services
from workflow.analytics import FilterChoices, Filters, filter_choices
from workflow.errors import WorkflowError

log = logging.getLogger(__name__)

DATABASE_DOWN = (
    "The database did not answer, so these figures cannot be shown right now. "
    "They come back as soon as it does; nothing was lost."
)


def filters_key(filters: Filters) -> tuple[Hashable, ...]:
    return (filters.start.isoformat(), filters.end.isoformat(), filters.category, filters.countries)


def render_panel(name: str, key: tuple[Hashable, ...], compute: Callable[[], Any]) -> tuple[Any, str]:
    """(panel content, "as of HH:MM") for a panel, from the cache when the
    data has not changed since it was computed; an alert and "" on failure.
    The content is in its JSON form (see the module docstring)."""
    ecc = services()
    try:
        version = request_data_version()  # read before computing: a later write moves the key
        content, computed_at = ecc.cache.get_or_compute(
            name, (version, *key), lambda: (as_sent(compute()), datetime.now(UTC))
        )
        return content, as_of(computed_at, ecc.settings.tz)
    except WorkflowError as exc:
        return alert(exc.message, "warning"), ""
    except SQLAlchemyError:
        return database_down(log, f"panel {name}: database error"), ""
    except Exception:  # the last guard: a reference for the log, not a traceback for the manager
        reference = uuid.uuid4().hex[:8]
        log.exception("panel %s failed (reference %s)", name, reference)
        return alert(
            f"This panel could not be shown because of an error on our side (reference {reference}). "
            "The other panels are not affected."
        ), ""


def cached_filter_choices() -> FilterChoices:
    """The categories and countries the filter controls offer, computed once
    per data version (the dashboard's, the orders' and the inventory's)."""
    ecc = services()
    return ecc.cache.get_or_compute(
        "filter-choices", (request_data_version(),), lambda: filter_choices(ecc.engine)
    )


def as_sent(content: Any) -> Any:
    """Dash components, figures and plain values in the JSON form Dash sends
    them in (plotly's encoder, which Dash uses), as plain Python data."""
    return json.loads(to_json_plotly(content))


def as_of(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    if local.date() == datetime.now(tz).date():
        return f"as of {local:%H:%M}"
    return f"as of {local:%Y-%m-%d %H:%M}"


def alert(message: str, color: str = "danger") -> dbc.Alert:
    return dbc.Alert(message, color=color, className="mb-0")


def database_down(log: logging.Logger, what: str) -> dbc.Alert:
    """Log the database failure being handled as `what` went wrong (with its
    trace, for the operator) and give the user the plain DATABASE_DOWN alert
    instead: no stack trace reaches a user."""
    log.exception("%s", what)
    return alert(DATABASE_DOWN)
