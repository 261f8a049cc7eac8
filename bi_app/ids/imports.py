"""The Imports page's component ids."""

# choosing a file and the options
IMPORTS_UPLOAD = "imports-upload"
IMPORTS_CHOSEN = "imports-chosen"  # the chosen file's name and size
IMPORTS_LIMIT = "imports-limit"  # the size limit in bytes, for the browser's check
IMPORTS_SIZE_CHECK = "imports-size-check"  # sink of the clientside callback that installs it
IMPORTS_TOO_LARGE = "imports-too-large"  # {name, size} of a file the browser refused
IMPORTS_DRY_RUN = "imports-dry-run"
IMPORTS_MAX_INVALID = "imports-max-invalid-pct"
IMPORTS_MAX_INVALID_FEEDBACK = "imports-max-invalid-pct-feedback"
IMPORTS_FORCE = "imports-force"
IMPORTS_START = "imports-start"
IMPORTS_MESSAGE = "imports-message"  # why a file was refused before anything was written

# the running import and its summary
IMPORTS_UPLOAD_ID = "imports-upload-id"  # the import_uploads row being watched (session storage)
IMPORTS_POLL = "imports-poll"
IMPORTS_STATUS = "imports-status"
IMPORTS_PROGRESS = "imports-progress"
IMPORTS_OUTCOME = "imports-outcome"
IMPORTS_HEADLINE = "imports-headline"
IMPORTS_COUNTS = "imports-counts"
IMPORTS_REJECTS_BY_RULE = "imports-rejects-by-rule"
IMPORTS_FIRST_REJECTS = "imports-first-rejects"
IMPORTS_REPORT_LINK = "imports-report-link"

# past runs
IMPORTS_RUNS_REFRESH = "imports-runs-refresh"
IMPORTS_RUNS = "imports-runs"
IMPORTS_RUNS_TABLE = "imports-runs-table"
