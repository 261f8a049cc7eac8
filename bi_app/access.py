"""Who is acting, and what they may see: the one place these are decided.

There is no sign-in yet (it arrives with the authentication issue), so
every request acts as the shared "web" account and personal data (customer
e-mail and phone) is masked in pages and exports. When users and roles
land, these two functions read the signed-in account and its role; nothing
else in the app decides either question.
"""

from __future__ import annotations

ANONYMOUS_ACTOR = "web"


def current_actor() -> str:
    """The name recorded in audit_log and on payments for this request's writes."""
    return ANONYMOUS_ACTOR


def may_see_pii() -> bool:
    """Whether this request may see customers' e-mail addresses and phone
    numbers unmasked (analysts granted PII access and admins, once roles exist)."""
    return False
