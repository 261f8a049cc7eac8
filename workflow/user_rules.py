"""Sign-in rules without a database: roles, user names, passwords, throttling.

workflow.users applies them inside its transactions; the messages here are the
ones a person reads on the sign-in page or the command line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflow.errors import ErrorCode, WorkflowError

ROLES: tuple[str, ...] = ("admin", "manager", "clerk", "analyst")


def sees_pii(role: str, pii_access: bool) -> bool:
    """Whether an account sees customers' e-mail addresses and phone numbers
    unmasked: admins always, others once granted (`ecc users pii NAME --grant`)."""
    return role == "admin" or pii_access

USERNAME_MIN, USERNAME_MAX = 3, 40
PASSWORD_MIN = 12
# Long enough for any passphrase; bounds the work a single sign-in can ask of argon2.
PASSWORD_MAX = 1024
_USERNAME = re.compile(r"[a-z0-9._-]+")

# The one sentence for an unknown user and for a wrong password, so that the
# sign-in page never tells which user names exist.
WRONG_CREDENTIALS = "The user name or password is wrong."
DISABLED = "This account is disabled; ask an administrator to enable it."


@dataclass(frozen=True)
class LoginLimits:
    """Failed sign-ins tolerated within `window` before a lock of `lockout`:
    per account (the name typed, whether or not it exists, so a lock tells
    nothing about which names exist) and per client address (one address
    guessing many accounts)."""

    account_failures: int = 5
    address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


DEFAULT_LIMITS = LoginLimits()


def require_role(role: str) -> str:
    """`role` itself when it is one of ROLES; anything else is refused, listing them."""
    if role not in ROLES:
        raise WorkflowError(
            f"{role!r} is not a role; expected one of: {', '.join(ROLES)}.", ErrorCode.INVALID_ROLE
        )
    return role


def require_username(username: str) -> str:
    """A new user's name, trimmed: 3 to 40 lower-case letters, digits, '.', '_' or '-'."""
    name = (username or "").strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX or not _USERNAME.fullmatch(name):
        raise WorkflowError(
            f"{name!r} is not a valid user name: use {USERNAME_MIN} to {USERNAME_MAX} lower-case letters, "
            "digits, '.', '_' or '-'.",
            ErrorCode.INVALID_USERNAME,
        )
    return name


def require_password(password: str, username: str) -> str:
    """A new password, unchanged: at least 12 characters, at most 1,024, and
    not the user name (in any letter case, ignoring surrounding spaces)."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise WorkflowError(
            f"The password has {len(password)} characters; use at least {PASSWORD_MIN}.",
            ErrorCode.WEAK_PASSWORD,
        )
    if len(password) > PASSWORD_MAX:
        raise WorkflowError(
            f"The password has {len(password):,} characters; use at most {PASSWORD_MAX:,}.",
            ErrorCode.WEAK_PASSWORD,
        )
    if password.strip().lower() == (username or "").strip().lower():
        raise WorkflowError("The password must not be the user name.", ErrorCode.WEAK_PASSWORD)
    return password


def login_name(typed: str) -> str:
    """The account a sign-in attempt is about: trimmed and lower-cased (user
    names are lower-case), cut to 64 characters so that garbage typed into
    the field cannot bloat the failure records."""
    return (typed or "").strip().lower()[:64]


def login_address(address: str | None) -> str:
    """The client address an attempt came from, trimmed; "unknown" when absent."""
    return (address or "").strip()[:64] or "unknown"


def minutes_left(locked_until: datetime, now: datetime) -> int:
    """Whole minutes until a lock ends, rounded up, at least 1."""
    return max(1, math.ceil((locked_until - now).total_seconds() / 60))


def _minutes(count: int) -> str:
    return f"{count} minute" + ("" if count == 1 else "s")


def account_locked_message(minutes: int) -> str:
    return f"Too many failed sign-ins for this account; try again in {_minutes(minutes)}."


def address_locked_message(minutes: int) -> str:
    return f"Too many failed sign-ins from this address; try again in {_minutes(minutes)}."


def failures_since(now: datetime, limits: LoginLimits, lock_ended: datetime | None) -> datetime:
    """From when failures count towards the next lock: the window before
    `now`, but never before the end of the previous lock (a lock that has run
    out starts a clean slate)."""
    start = now - limits.window
    return max(start, lock_ended) if lock_ended is not None else start


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until
