"""Who is acting, and what they may see and do: the one place these are decided.

Every request's session is loaded by bi_app.auth.guard before anything
else runs (it refuses the request when there is none and the route needs
one); these functions read it. What each role may open or do is the table
in bi_app.auth.policy. Hiding a button with may_do() is a courtesy: the
guard refuses the callback behind it anyway.
"""

from __future__ import annotations

import flask

from bi_app.auth import policy
from workflow.errors import ErrorCode, WorkflowError
from workflow.sessions import Session
from workflow.user_rules import sees_pii

SESSION_KEY = "ecc_session"
SIGN_IN_AGAIN = "Your session has ended; sign in again to continue. Nothing was changed."


def current_session() -> Session | None:
    """The signed-in session of this request, or None (outside a request too)."""
    if not flask.has_request_context():
        return None
    return flask.g.get(SESSION_KEY)


def current_role() -> str | None:
    session = current_session()
    return session.role if session is not None else None


def current_actor() -> str:
    """The user name recorded in audit_log and on payments for this request's
    writes. Without a signed-in user (which the guard never lets reach a
    write) the write is refused rather than recorded under no name."""
    session = current_session()
    if session is None:
        raise WorkflowError(SIGN_IN_AGAIN, ErrorCode.LOGIN_FAILED)
    return session.username


def may_see_pii() -> bool:
    """Whether this request may see customers' e-mail addresses and phone
    numbers unmasked: admins, and accounts granted PII access."""
    session = current_session()
    return session is not None and sees_pii(session.role, session.pii_access)


def may_do(action: str) -> bool:
    """Whether the signed-in user may do `action` (a key of policy.ACTIONS)."""
    return policy.may_do(current_role(), action)


def may_open(page_path: str) -> bool:
    """Whether the signed-in user may open the page registered with this path."""
    return policy.allows(policy.page_roles(page_path), current_role())
