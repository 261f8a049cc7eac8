"""Users and sign-in: accounts, argon2 password hashes, throttled authentication.

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher and its
RFC 9106 defaults); a hash made with older parameters is replaced at the next
successful sign-in. Failed sign-ins are counted in PostgreSQL (login_failures,
login_locks), so every worker on every host applies the same limits:
user_rules.DEFAULT_LIMITS, 5 failures for one account name or 20 from one
address within 15 minutes lock it for 15 minutes. Every sign-in, failure,
lockout, creation and disable is an audit_log row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from workflow.audit import record_audit, require_actor
from workflow.clock import require_aware
from workflow.db import transaction
from workflow.errors import ErrorCode, WorkflowError
from workflow.sessions import revoke_user_sessions
from workflow.tables import login_failures, login_locks, users
from workflow.user_rules import (
    DEFAULT_LIMITS,
    DISABLED,
    ROLES,
    WRONG_CREDENTIALS,
    LoginLimits,
    account_locked_message,
    address_locked_message,
    failures_since,
    is_locked,
    login_address,
    login_name,
    minutes_left,
    require_password,
    require_role,
    require_username,
)

# Module-level so that tests may swap in cheaper parameters; production uses the defaults.
HASHER = PasswordHasher()
DEMO_ACTOR = "ecc demo"
_FORGET_FAILURES_AFTER = timedelta(days=1)  # far longer than any window


@dataclass(frozen=True)
class User:
    """An account as the app and the CLI see it (never its password hash)."""

    id: int
    username: str
    role: str
    active: bool
    pii_access: bool
    created_at: datetime


_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.role,
    users.c.active,
    users.c.pii_access,
    users.c.created_at,
)


def _user(row) -> User:
    return User(row.id, row.username, row.role, row.active, row.pii_access, row.created_at)


def create_user(engine: Engine, *, username: str, role: str, password: str, actor: str) -> User:
    """A new, active account. Refused, writing nothing: a bad name, role or
    password (the message says which rule), or a name already taken."""
    actor = require_actor(actor)
    name = require_username(username)
    require_role(role)
    password_hash = HASHER.hash(require_password(password, name))
    try:
        with transaction(engine) as conn:
            row = conn.execute(
                insert(users)
                .values(username=name, role=role, password_hash=password_hash)
                .returning(*_COLUMNS)
            ).one()
            record_audit(
                conn,
                actor=actor,
                action="user_created",
                entity="user",
                entity_id=row.id,
                details={"role": role},
            )
    except IntegrityError as e:
        if "users_username_key" in str(e.orig):
            raise WorkflowError(f"A user named {name!r} already exists.", ErrorCode.USERNAME_TAKEN) from None
        raise
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    """Every account, active or not, by name."""
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(*_COLUMNS).order_by(users.c.username))]


def find_user(engine: Engine, username: str) -> User:
    """The account with this name; USER_NOT_FOUND otherwise."""
    with engine.connect() as conn:
        return _user(_named(conn, username))


def disable_user(engine: Engine, *, username: str, actor: str) -> bool:
    """Take away an account's sign-in and end all its sessions in the same
    transaction (a Redis copy left behind is refused by SessionStore.get,
    which reads users.active). True when this call disabled it, False when it
    already was (nothing written then)."""
    actor = require_actor(actor)
    with transaction(engine) as conn:
        row = _named(conn, username, lock=True)
        if not row.active:
            return False
        conn.execute(update(users).where(users.c.id == row.id).values(active=False))
        ended = revoke_user_sessions(conn, row.id, datetime.now(UTC))
        record_audit(
            conn, actor=actor, action="user_disabled", entity="user", entity_id=row.id,
            details={"username": row.username, "sessions": len(ended)},
        )  # fmt: skip
    return True


def set_password(engine: Engine, *, username: str, password: str, actor: str) -> None:
    """Give an account a new password and end its sessions (a forgotten demo
    password, a suspected leak). The same password rules as at creation."""
    actor = require_actor(actor)
    name = login_name(username)
    password_hash = HASHER.hash(require_password(password, name))
    with transaction(engine) as conn:
        row = _named(conn, name, lock=True)
        conn.execute(update(users).where(users.c.id == row.id).values(password_hash=password_hash))
        ended = revoke_user_sessions(conn, row.id, datetime.now(UTC))
        record_audit(
            conn, actor=actor, action="password_changed", entity="user", entity_id=row.id,
            details={"username": row.username, "sessions": len(ended)},
        )  # fmt: skip


def set_pii_access(engine: Engine, *, username: str, allowed: bool, actor: str) -> bool:
    """Let an account see customers' e-mail addresses and phone numbers
    unmasked (allowed=True), or stop it. Takes effect at the account's next
    request. True when this call changed it, False when it already was so
    (nothing written then)."""
    actor = require_actor(actor)
    with transaction(engine) as conn:
        row = _named(conn, username, lock=True)
        if row.pii_access == allowed:
            return False
        conn.execute(update(users).where(users.c.id == row.id).values(pii_access=allowed))
        record_audit(
            conn, actor=actor, action="pii_access_granted" if allowed else "pii_access_revoked",
            entity="user", entity_id=row.id, details={"username": row.username},
        )  # fmt: skip
    return True


def authenticate(
    engine: Engine,
    *,
    username: str,
    password: str,
    address: str,
    at: datetime | None = None,
    limits: LoginLimits = DEFAULT_LIMITS,
) -> User:
    """The active account these credentials belong to, or a WorkflowError:
    LOGIN_FAILED ("The user name or password is wrong.", the same for an
    unknown name, so the page never tells which names exist), ACCOUNT_LOCKED
    or ADDRESS_LOCKED (with the minutes left), ACCOUNT_DISABLED (only once the
    password was right). An unknown name costs one argon2 verification too.

    Attempts on one name are serialised by an advisory lock, so concurrent
    guesses cannot slip past the account limit; the address limit may be
    overshot by as many attempts as run at the same instant."""
    now = require_aware(at, "at") if at is not None else datetime.now(UTC)
    name, where = login_name(username), login_address(address)
    with transaction(engine) as conn:
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"ecc.login:{name}"}
        )
        outcome = _attempt(conn, name, where, password or "", now, limits)
    if isinstance(outcome, WorkflowError):
        raise outcome
    return outcome


def _attempt(
    conn: Connection, name: str, where: str, password: str, now: datetime, limits: LoginLimits
) -> User | WorkflowError:
    """One sign-in attempt inside its transaction: the refusal is returned, not
    raised, so that the failure records and audit rows are committed."""
    audit_actor = name or "(blank)"
    locks = _locks(conn, name, where)
    for scope, message, code in (
        ("account", account_locked_message, ErrorCode.ACCOUNT_LOCKED),
        ("address", address_locked_message, ErrorCode.ADDRESS_LOCKED),
    ):
        if is_locked(locks.get(scope), now):
            record_audit(conn, actor=audit_actor, action="login_failed", entity="user", entity_id=None,
                         details={"address": where, "reason": f"{scope}_locked"})  # fmt: skip
            return WorkflowError(message(minutes_left(locks[scope], now)), code)
    row = conn.execute(select(*_COLUMNS, users.c.password_hash).where(users.c.username == name)).first()
    if row is not None and _verify(row.password_hash, password):
        if not row.active:
            record_audit(conn, actor=audit_actor, action="login_failed", entity="user", entity_id=row.id,
                         details={"address": where, "reason": "disabled"})  # fmt: skip
            return WorkflowError(DISABLED, ErrorCode.ACCOUNT_DISABLED)
        if HASHER.check_needs_rehash(row.password_hash):
            conn.execute(
                update(users).where(users.c.id == row.id).values(password_hash=HASHER.hash(password))
            )
        conn.execute(delete(login_failures).where(login_failures.c.username == name))
        record_audit(
            conn, actor=name, action="login", entity="user", entity_id=row.id, details={"address": where}
        )
        return _user(row)
    if row is None:
        _verify(_dummy_hash(HASHER), password)  # as slow as a real check: no timing hint
    return _failed(conn, name, where, now, limits, locks, None if row is None else row.id)


def _failed(
    conn: Connection,
    name: str,
    where: str,
    now: datetime,
    limits: LoginLimits,
    locks: dict[str, datetime],
    user_id: int | None,
) -> WorkflowError:
    """Record a failure; lock the account and/or the address when this failure
    reaches its limit (the account's message wins when both do)."""
    audit_actor = name or "(blank)"
    conn.execute(delete(login_failures).where(login_failures.c.at < now - _FORGET_FAILURES_AFTER))
    conn.execute(insert(login_failures).values(at=now, username=name, address=where))
    reason = "unknown_user" if user_id is None else "wrong_password"
    record_audit(conn, actor=audit_actor, action="login_failed", entity="user", entity_id=user_id,
                 details={"address": where, "reason": reason})  # fmt: skip
    refusals: list[WorkflowError] = []
    for scope, key, column, limit, message, code in (
        ("account", name, login_failures.c.username, limits.account_failures,
         account_locked_message, ErrorCode.ACCOUNT_LOCKED),
        ("address", where, login_failures.c.address, limits.address_failures,
         address_locked_message, ErrorCode.ADDRESS_LOCKED),
    ):  # fmt: skip
        since = failures_since(now, limits, locks.get(scope))
        count = conn.execute(
            select(func.count()).select_from(login_failures).where(column == key, login_failures.c.at > since)
        ).scalar_one()
        if count >= limit:
            until = now + limits.lockout
            conn.execute(
                pg_insert(login_locks)
                .values(scope=scope, key=key, locked_until=until)
                .on_conflict_do_update(index_elements=["scope", "key"], set_={"locked_until": until})
            )
            record_audit(conn, actor=audit_actor, action="lockout", entity="user", entity_id=user_id,
                         details={"scope": scope, "key": key, "failures": count,
                                  "locked_until": until.isoformat()})  # fmt: skip
            refusals.append(WorkflowError(message(minutes_left(until, now)), code))
    return refusals[0] if refusals else WorkflowError(WRONG_CREDENTIALS, ErrorCode.LOGIN_FAILED)


def _locks(conn: Connection, name: str, where: str) -> dict[str, datetime]:
    rows = conn.execute(
        select(login_locks.c.scope, login_locks.c.locked_until).where(
            ((login_locks.c.scope == "account") & (login_locks.c.key == name))
            | ((login_locks.c.scope == "address") & (login_locks.c.key == where))
        )
    )
    return {row.scope: row.locked_until for row in rows}


def _named(conn: Connection, username: str, *, lock: bool = False):
    query = select(*_COLUMNS).where(users.c.username == login_name(username))
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise WorkflowError(f"There is no user named {login_name(username)!r}.", ErrorCode.USER_NOT_FOUND)
    return row


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def ensure_demo_accounts(engine: Engine) -> list[tuple[str, str, str]]:
    """One demo account per role (demo-admin, demo-manager, demo-clerk,
    demo-analyst), created if missing, each with a random password; returns
    (username, role, password) for those created by this call only: the
    passwords exist nowhere else (only their hashes are stored). Random, not
    fixed, because `ecc demo` may be pointed at a database others can reach:
    a password printed in the README would open it to anyone."""
    created = []
    for role in ROLES:
        name = f"demo-{role}"
        with engine.connect() as conn:
            exists = conn.execute(select(users.c.id).where(users.c.username == name)).first()
        if exists is None:
            password = secrets.token_urlsafe(12)
            try:
                create_user(engine, username=name, role=role, password=password, actor=DEMO_ACTOR)
            except WorkflowError as e:
                if e.code is not ErrorCode.USERNAME_TAKEN:  # another `ecc demo` made it meanwhile
                    raise
                continue
            created.append((name, role, password))
    return created
