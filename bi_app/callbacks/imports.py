"""Imports page callbacks: start an import from the uploaded file, poll its
progress from the database (any worker can answer), list the past runs.

The uploaded bytes stay in the browser until Import is pressed (the chosen
file's name and size are shown by a clientside callback), so a 50 MB file
crosses the network once. A file over the limit never leaves the browser:
dcc.Upload's max_size drops it silently, so a listener installed by a
clientside callback reports its name and size, and the server says why.
"""

from __future__ import annotations

import argparse
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from dash import Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError

from bi_app.access import current_actor
from bi_app.callbacks import CallbackSet
from bi_app.components.import_runs import runs_table
from bi_app.components.imports import starting_panel, status_panel
from bi_app.ids import imports as ids
from bi_app.import_runner import parse_upload, start_import, too_large_message, upload_limit
from bi_app.panels import alert, database_down
from bi_app.services import services
from etl.cli import percentage
from etl.importer import ImportOptions
from workflow.errors import WorkflowError
from workflow.import_history import list_import_runs
from workflow.import_uploads import upload_status

log = logging.getLogger(__name__)
CALLBACKS = CallbackSet()
PERCENT_EXPECTED = "Enter a percentage from 0 to 100, such as 5 or 2.5."
STILL_RUNNING = "The import above has not finished yet; wait for its summary, then start the next one."


def guarded(what: str, work: Callable[[], Any]) -> tuple[Any, bool]:
    """(result, True), or (an alert, False): a WorkflowError's message as is,
    the database being down, or a reference for the log; never a traceback."""
    try:
        return work(), True
    except WorkflowError as exc:
        return alert(exc.message, "warning"), False
    except SQLAlchemyError:
        return database_down(log, f"imports: {what}: database error"), False
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("imports: %s failed (reference %s)", what, reference)
        return alert(
            f"This could not be done because of an error on our side (reference {reference})."
        ), False


# Install, once per browser window, the size check (see the module docstring).
# The listener is on the document, in the capture phase: dcc.Upload is loaded
# lazily, so its element may not exist yet when this runs.
CALLBACKS.clientside(
    f"""function (limit) {{
        window.eccImportLimit = limit;
        if (window.eccImportSizeCheck) {{ return "on"; }}
        window.eccImportSizeCheck = true;
        const check = (event, files) => {{
            if (!event.target.closest || !event.target.closest("#" + {json.dumps(ids.IMPORTS_UPLOAD)})) {{ return; }}
            for (const file of Array.from(files || [])) {{
                if (file.size > window.eccImportLimit) {{
                    window.dash_clientside.set_props({json.dumps(ids.IMPORTS_TOO_LARGE)},
                        {{data: {{name: file.name, size: file.size, at: Date.now()}}}});
                }}
            }}
        }};
        document.addEventListener("change", (event) => check(event, event.target.files), true);
        document.addEventListener("drop", (event) => check(event, event.dataTransfer && event.dataTransfer.files), true);
        return "on";
    }}""",
    Output(ids.IMPORTS_SIZE_CHECK, "data"),
    Input(ids.IMPORTS_LIMIT, "data"),
)

# The chosen file, from its data URL's length: the bytes are not sent for this.
CALLBACKS.clientside(
    """function (contents, filename) {
        if (!contents) { return ["No file chosen yet.", true]; }
        const encoded = contents.slice(contents.indexOf(",") + 1);
        const size = Math.floor(encoded.length * 3 / 4) - (encoded.match(/=*$/)[0].length);
        const shown = size < 1024 ? size + " bytes" : size < 1048576 ? (size / 1024).toFixed(1) + " KB"
            : (size / 1048576).toFixed(1) + " MB";
        return ["Ready to import: " + filename + " (" + shown + ")", false];
    }""",
    Output(ids.IMPORTS_CHOSEN, "children"),
    Output(ids.IMPORTS_START, "disabled"),
    Input(ids.IMPORTS_UPLOAD, "contents"),
    State(ids.IMPORTS_UPLOAD, "filename"),
)


@CALLBACKS.callback(
    Output(ids.IMPORTS_MESSAGE, "children", allow_duplicate=True),
    Output(ids.IMPORTS_UPLOAD, "contents", allow_duplicate=True),
    Input(ids.IMPORTS_TOO_LARGE, "data"),
    prevent_initial_call=True,
)
def refuse_too_large(refused):
    if not refused:
        return no_update, no_update
    name, size = str(refused.get("name") or "The file"), int(refused.get("size") or 0)
    return alert(too_large_message(name, size, upload_limit()), "warning"), None


@CALLBACKS.callback(
    Output(ids.IMPORTS_UPLOAD_ID, "data"),
    Output(ids.IMPORTS_MESSAGE, "children", allow_duplicate=True),
    Output(ids.IMPORTS_MAX_INVALID, "invalid"),
    Output(ids.IMPORTS_MAX_INVALID_FEEDBACK, "children"),
    Output(ids.IMPORTS_UPLOAD, "contents", allow_duplicate=True),
    Output(ids.IMPORTS_STATUS, "children", allow_duplicate=True),
    Input(ids.IMPORTS_START, "n_clicks"),
    State(ids.IMPORTS_UPLOAD, "contents"),
    State(ids.IMPORTS_UPLOAD, "filename"),
    State(ids.IMPORTS_DRY_RUN, "value"),
    State(ids.IMPORTS_MAX_INVALID, "value"),
    State(ids.IMPORTS_FORCE, "value"),
    State(ids.IMPORTS_POLL, "disabled"),
    prevent_initial_call=True,
)
def start(_clicks, contents, filename, dry_run, max_invalid, force, idle):
    if idle is False:  # this page is following an import that has not ended
        return no_update, alert(STILL_RUNNING, "warning"), False, None, no_update, no_update
    try:
        max_invalid_pct = percentage(str(max_invalid or ""))
    except argparse.ArgumentTypeError:
        return no_update, None, True, PERCENT_EXPECTED, no_update, no_update
    ecc = services()

    def begin() -> tuple[int, int, str]:
        upload = parse_upload(contents, filename, upload_limit())
        options = ImportOptions(
            max_invalid_pct=max_invalid_pct, dry_run=bool(dry_run), force=bool(force), actor=current_actor()
        )
        return start_import(ecc.engine, upload, options), len(upload.data), upload.name

    result, ok = guarded("start", begin)
    if not ok:  # refused before anything was written: the file stays chosen only if it may be retried
        return no_update, result, False, None, None, no_update
    upload_id, size, name = result
    return upload_id, None, False, None, None, starting_panel(name, size)


@CALLBACKS.callback(
    Output(ids.IMPORTS_STATUS, "children", allow_duplicate=True),
    Output(ids.IMPORTS_POLL, "disabled"),
    Output(ids.IMPORTS_RUNS_REFRESH, "data"),
    Input(ids.IMPORTS_POLL, "n_intervals"),
    Input(ids.IMPORTS_UPLOAD_ID, "data"),
    prevent_initial_call="initial_duplicate",
)
def poll(_ticks, upload_id):
    if not isinstance(upload_id, int):
        return no_update, True, no_update
    ecc = services()
    status, ok = guarded("progress", lambda: upload_status(ecc.engine, upload_id))
    if not ok:
        return status, False, no_update  # keep polling: the database may come back
    if status is None:  # an upload of another database (the session outlived it)
        return no_update, True, no_update
    panel = status_panel(status, ecc.settings.tz)
    return panel, status.done, f"{upload_id}:{status.state}" if status.done else no_update


@CALLBACKS.callback(Output(ids.IMPORTS_RUNS, "children"), Input(ids.IMPORTS_RUNS_REFRESH, "data"))
def show_runs(_refresh):
    ecc = services()
    table, _ = guarded("past runs", lambda: runs_table(list_import_runs(ecc.engine), ecc.settings.tz))
    return table
