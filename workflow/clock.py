"""Time rules: timestamps are timezone-aware and stored in UTC."""

from __future__ import annotations

from datetime import datetime

from workflow.errors import ErrorCode, WorkflowError


def require_aware(value: datetime, name: str) -> datetime:
    """Refuse a naive datetime: without a zone, nobody knows which day it is."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise WorkflowError(
            f"{name} {value.isoformat()} has no time zone; pass a timezone-aware time (e.g. in UTC).",
            ErrorCode.INVALID_ARGUMENT,
        )
    return value
