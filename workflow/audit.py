"""The audit trail: every write appends who did what, in the write's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from workflow.errors import ErrorCode, WorkflowError
from workflow.tables import audit_log


def require_actor(actor: str) -> str:
    """Who makes a change, trimmed; a blank actor is refused."""
    if not (actor or "").strip():
        raise WorkflowError("Say who is making this change: the actor is blank.", ErrorCode.INVALID_ARGUMENT)
    return actor.strip()


def record_audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit_log row on `conn` (so it commits or rolls back with the
    write it describes). Values in `details` must be JSON-serialisable: pass
    money as str(Decimal), never float."""
    conn.execute(
        insert(audit_log).values(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            details=details or {},
        )
    )
