"""CSV downloads: /download/<view>.csv?<the view's filters>.

The page's address and its download link carry the same parameters
(bi_app.listing_url), so the file holds exactly the rows on screen, all
pages of them. Streamed from PostgreSQL by COPY (workflow.exports): memory
stays flat however many rows. Whether e-mail and phone are masked is
bi_app.access.may_see_pii()'s decision.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
import flask
from flask import Response

from bi_app.access import may_do, may_see_pii
from bi_app.listing_url import listing_query_string, parse_listing_query
from bi_app.services import services
from workflow.errors import WorkflowError
from workflow.exports import VIEWS, export_file_name, iter_export, view_of

log = logging.getLogger(__name__)


def register_downloads(server: flask.Flask) -> None:
    server.add_url_rule("/download/<view>.csv", "download_csv", download_csv, methods=["GET"])


def download_csv(view: str) -> Response:
    if view not in VIEWS:
        return _refuse(
            404, f"There is no CSV download named {view!r}; the downloads are: {', '.join(VIEWS)}."
        )
    query, notes = parse_listing_query(VIEWS[view][0], flask.request.args.to_dict(flat=True))
    if notes:  # never hand out a file for a different filter than the one asked for
        return _refuse(
            400, "No file was made: " + "; ".join(notes) + ". Correct the address and download again."
        )
    try:
        chunks = iter_export(services().engine, query, pii=may_see_pii())
        name = export_file_name(view, query)
    except WorkflowError as exc:
        return _refuse(400, exc.message)
    log.info("CSV download %s (%s)", name, flask.request.query_string.decode()[:200])
    return Response(
        chunks,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def download_button(query, *, component_id: str | None = None) -> dbc.Button | None:
    """ "Download CSV" for exactly this query (a plain link: the browser
    downloads the streamed file itself); None for a user who may not
    download (the route refuses them anyway)."""
    if not may_do("download_csv"):
        return None
    view = view_of(query)
    extra = {"id": component_id} if component_id else {}
    return dbc.Button(
        "Download CSV",
        href=f"/download/{view}.csv{listing_query_string(query)}",
        external_link=True,
        color="primary",
        outline=True,
        size="sm",
        **extra,
    )


def _refuse(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
