"""Accounts and sign-in on a real PostgreSQL: argon2 hashes, one message for
every wrong credential, locks per account and per address shared by every
worker, and the audit trail of each."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import Engine, text

import workflow.users as users_module
from workflow.db import make_engine
from workflow.errors import ErrorCode, WorkflowError
from workflow.users import (
    authenticate,
    create_user,
    disable_user,
    ensure_demo_accounts,
    list_users,
    set_password,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
WRONG = "The user name or password is wrong."


class CountingHasher(PasswordHasher):
    """Argon2 with cheap parameters (tests make hundreds of hashes), counting verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash, password):
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    cheap = CountingHasher()
    monkeypatch.setattr(users_module, "HASHER", cheap)
    return cheap


@pytest.fixture
def clerk(db_engine: Engine, hasher):
    """An active clerk, ann, whose password is PASSWORD."""
    return create_user(db_engine, username="ann", role="clerk", password=PASSWORD, actor="admin")


def rows(engine: Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def refusal(engine: Engine, username: str, password: str, *, at: datetime, address: str = "10.0.0.1"):
    with pytest.raises(WorkflowError) as refused:
        authenticate(engine, username=username, password=password, address=address, at=at)
    return refused.value.code, refused.value.message


def test_a_new_user_has_an_argon2id_hash_of_the_default_strength_that_verifies_the_password(db_engine):
    user = create_user(db_engine, username="ann", role="clerk", password=PASSWORD, actor="admin")
    [(stored, role, active)] = rows(
        db_engine, "SELECT password_hash, role, active FROM users WHERE id = :i", i=user.id
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert extract_parameters(stored) == extract_parameters(PasswordHasher().hash("x"))
    assert PasswordHasher().verify(stored, PASSWORD)
    assert (role, active, user.username, user.active) == ("clerk", True, "ann", True)
    assert rows(db_engine, "SELECT actor, action, entity_id, details->>'role' FROM audit_log") == [
        ("admin", "user_created", str(user.id), "clerk")
    ]


def test_a_taken_name_is_refused_and_nothing_is_written(db_engine, clerk):
    with pytest.raises(WorkflowError) as refused:
        create_user(db_engine, username="ann", role="admin", password="another password", actor="admin")
    assert (refused.value.code, refused.value.message) == (
        ErrorCode.USERNAME_TAKEN,
        "A user named 'ann' already exists.",
    )
    assert rows(db_engine, "SELECT count(*), min(role) FROM users") == [(1, "clerk")]


@pytest.mark.parametrize(
    ("username", "role", "password", "code"),
    [
        ("Ann", "clerk", PASSWORD, ErrorCode.INVALID_USERNAME),
        ("ann", "owner", PASSWORD, ErrorCode.INVALID_ROLE),
        ("ann", "clerk", "short", ErrorCode.WEAK_PASSWORD),
        ("ann.lee.clerk", "clerk", "ann.lee.clerk", ErrorCode.WEAK_PASSWORD),
    ],
)
def test_a_bad_name_role_or_password_writes_no_user_and_no_audit_row(
    db_engine, hasher, username, role, password, code
):
    with pytest.raises(WorkflowError) as refused:
        create_user(db_engine, username=username, role=role, password=password, actor="admin")
    assert refused.value.code is code
    assert rows(db_engine, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM audit_log)") == [
        (0, 0)
    ]


def test_users_are_listed_by_name_with_their_role_and_state(db_engine, hasher):
    for name, role in [("zoe", "analyst"), ("bob", "manager"), ("ann", "admin")]:
        create_user(db_engine, username=name, role=role, password=PASSWORD, actor="admin")
    disable_user(db_engine, username="bob", actor="admin")
    assert [(u.username, u.role, u.active) for u in list_users(db_engine)] == [
        ("ann", "admin", True), ("bob", "manager", False), ("zoe", "analyst", True),
    ]  # fmt: skip


def test_the_right_password_signs_in_and_is_audited_with_the_address(db_engine, clerk):
    user = authenticate(db_engine, username=" Ann ", password=PASSWORD, address="10.0.0.9", at=T0)
    assert (user.id, user.username, user.role) == (clerk.id, "ann", "clerk")
    assert rows(
        db_engine, "SELECT actor, entity_id, details->>'address' FROM audit_log WHERE action = 'login'"
    ) == [("ann", str(clerk.id), "10.0.0.9")]


def test_an_unknown_name_and_a_wrong_password_get_the_same_message_and_both_are_audited(db_engine, clerk):
    assert refusal(db_engine, "nobody", PASSWORD, at=T0) == (ErrorCode.LOGIN_FAILED, WRONG)
    assert refusal(db_engine, "ann", "wrong password!", at=T0) == (ErrorCode.LOGIN_FAILED, WRONG)
    assert rows(
        db_engine, "SELECT actor, details->>'reason' FROM audit_log WHERE action = 'login_failed' ORDER BY id"
    ) == [("nobody", "unknown_user"), ("ann", "wrong_password")]


def test_an_unknown_name_costs_an_argon2_verification_like_a_known_one(db_engine, clerk, hasher):
    before = hasher.verifications
    refusal(db_engine, "nobody", PASSWORD, at=T0)
    refusal(db_engine, "ann", "wrong password!", at=T0)
    assert hasher.verifications - before == 2


def test_the_fifth_failure_locks_the_account_for_fifteen_minutes_even_for_the_right_password(
    db_engine, clerk
):
    for second in range(4):
        assert refusal(db_engine, "ann", "wrong password!", at=T0 + timedelta(seconds=second)) == (
            ErrorCode.LOGIN_FAILED, WRONG,
        )  # fmt: skip
    fifth = T0 + timedelta(seconds=4)
    assert refusal(db_engine, "ann", "wrong password!", at=fifth) == (
        ErrorCode.ACCOUNT_LOCKED, "Too many failed sign-ins for this account; try again in 15 minutes.",
    )  # fmt: skip
    assert refusal(db_engine, "ann", PASSWORD, at=fifth + timedelta(minutes=5)) == (
        ErrorCode.ACCOUNT_LOCKED, "Too many failed sign-ins for this account; try again in 10 minutes.",
    )  # fmt: skip
    assert rows(db_engine, "SELECT action, details->>'reason' FROM audit_log ORDER BY id")[1:] == [
        *[("login_failed", "wrong_password")] * 5, ("lockout", None), ("login_failed", "account_locked"),
    ]  # fmt: skip
    assert rows(
        db_engine, "SELECT details->>'scope', details->>'failures' FROM audit_log WHERE action = 'lockout'"
    ) == [("account", "5")]
    user = authenticate(
        db_engine, username="ann", password=PASSWORD, address="10.0.0.1", at=fifth + timedelta(minutes=15)
    )
    assert user.id == clerk.id


def test_after_a_lock_ends_the_account_has_five_fresh_attempts(db_engine, clerk):
    for second in range(5):
        refusal(db_engine, "ann", "wrong password!", at=T0 + timedelta(seconds=second))
    after = T0 + timedelta(minutes=16)
    for minute in range(4):
        code, _ = refusal(db_engine, "ann", "wrong password!", at=after + timedelta(seconds=minute))
        assert code is ErrorCode.LOGIN_FAILED


def test_a_successful_sign_in_forgets_the_accounts_earlier_failures(db_engine, clerk):
    for second in range(4):
        refusal(db_engine, "ann", "wrong password!", at=T0 + timedelta(seconds=second))
    authenticate(
        db_engine, username="ann", password=PASSWORD, address="10.0.0.1", at=T0 + timedelta(seconds=5)
    )
    code, _ = refusal(db_engine, "ann", "wrong password!", at=T0 + timedelta(seconds=6))
    assert code is ErrorCode.LOGIN_FAILED


def test_an_unknown_name_is_locked_the_same_way_so_a_lock_tells_nothing_about_which_names_exist(
    db_engine, hasher
):
    outcomes = [
        refusal(db_engine, "ghost", "guess number one", at=T0 + timedelta(seconds=s)) for s in range(5)
    ]
    assert outcomes[-1] == (
        ErrorCode.ACCOUNT_LOCKED, "Too many failed sign-ins for this account; try again in 15 minutes.",
    )  # fmt: skip


def test_twenty_failures_from_one_address_lock_it_for_every_account_but_not_other_addresses(db_engine, clerk):
    at = T0
    for index in range(20):
        at = T0 + timedelta(seconds=index)
        outcome = refusal(db_engine, f"guess{index % 5}", "guess password", at=at, address="203.0.113.7")
    assert outcome == (
        ErrorCode.ADDRESS_LOCKED, "Too many failed sign-ins from this address; try again in 15 minutes.",
    )  # fmt: skip
    assert refusal(db_engine, "ann", PASSWORD, at=at + timedelta(minutes=1), address="203.0.113.7") == (
        ErrorCode.ADDRESS_LOCKED, "Too many failed sign-ins from this address; try again in 14 minutes.",
    )  # fmt: skip
    user = authenticate(
        db_engine, username="ann", password=PASSWORD, address="198.51.100.1", at=at + timedelta(minutes=1)
    )
    assert user.username == "ann"
    assert rows(
        db_engine, "SELECT details->>'scope', details->>'key' FROM audit_log WHERE action = 'lockout'"
    ) == [("address", "203.0.113.7")]


def test_failures_made_on_two_workers_count_together(db_engine, db_url, clerk):
    other_worker = make_engine(url=db_url)
    try:
        for second in range(5):
            engine = db_engine if second % 2 else other_worker
            outcome = refusal(engine, "ann", "wrong password!", at=T0 + timedelta(seconds=second))
    finally:
        other_worker.dispose()
    assert outcome[0] is ErrorCode.ACCOUNT_LOCKED


def test_concurrent_guesses_cannot_slip_past_the_account_limit(db_engine, clerk, hasher):
    codes: list[ErrorCode] = []
    start = threading.Barrier(10)

    def guess(index: int) -> None:
        start.wait()
        try:
            authenticate(
                db_engine, username="ann", password=f"wrong password {index}", address="10.0.0.1", at=T0
            )
        except WorkflowError as e:
            codes.append(e.code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert rows(db_engine, "SELECT count(*) FROM login_failures WHERE username = 'ann'") == [(5,)]
    assert sorted(codes).count(ErrorCode.LOGIN_FAILED) == 4
    assert hasher.verifications == 5


def test_a_disabled_user_cannot_sign_in_and_is_told_so_only_with_the_right_password(db_engine, clerk):
    assert disable_user(db_engine, username="ann", actor="admin") is True
    assert refusal(db_engine, "ann", PASSWORD, at=T0) == (
        ErrorCode.ACCOUNT_DISABLED, "This account is disabled; ask an administrator to enable it.",
    )  # fmt: skip
    assert refusal(db_engine, "ann", "wrong password!", at=T0) == (ErrorCode.LOGIN_FAILED, WRONG)
    assert rows(
        db_engine, "SELECT actor, action, details->>'username' FROM audit_log WHERE action = 'user_disabled'"
    ) == [("admin", "user_disabled", "ann")]


def test_disabling_twice_changes_nothing_the_second_time_and_an_unknown_name_is_refused(db_engine, clerk):
    disable_user(db_engine, username="ann", actor="admin")
    assert disable_user(db_engine, username="ann", actor="admin") is False
    assert rows(db_engine, "SELECT count(*) FROM audit_log WHERE action = 'user_disabled'") == [(1,)]
    with pytest.raises(WorkflowError) as refused:
        disable_user(db_engine, username="nobody", actor="admin")
    assert (refused.value.code, refused.value.message) == (
        ErrorCode.USER_NOT_FOUND,
        "There is no user named 'nobody'.",
    )


def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_sign_in(db_engine, clerk, hasher):
    weaker = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h WHERE id = :i"), {"h": weaker, "i": clerk.id})
    authenticate(db_engine, username="ann", password=PASSWORD, address="10.0.0.1", at=T0)
    [(renewed,)] = rows(db_engine, "SELECT password_hash FROM users WHERE id = :i", i=clerk.id)
    assert renewed != weaker
    assert extract_parameters(renewed) == extract_parameters(hasher.hash("x"))
    assert PasswordHasher().verify(renewed, PASSWORD)


def test_a_new_password_replaces_the_old_one(db_engine, clerk):
    set_password(db_engine, username="ann", password="a brand new secret", actor="admin")
    assert refusal(db_engine, "ann", PASSWORD, at=T0) == (ErrorCode.LOGIN_FAILED, WRONG)
    assert (
        authenticate(db_engine, username="ann", password="a brand new secret", address="x", at=T0).id
        == clerk.id
    )


def test_demo_accounts_are_made_once_per_role_and_their_printed_passwords_sign_in(db_engine, hasher):
    created = ensure_demo_accounts(db_engine)
    assert [(name, role) for name, role, _ in created] == [
        ("demo-admin", "admin"), ("demo-manager", "manager"), ("demo-clerk", "clerk"), ("demo-analyst", "analyst"),
    ]  # fmt: skip
    for name, role, password in created:
        assert authenticate(db_engine, username=name, password=password, address="x", at=T0).role == role
    assert len({password for _, _, password in created}) == 4
    hashes = rows(db_engine, "SELECT username, password_hash FROM users ORDER BY id")
    assert ensure_demo_accounts(db_engine) == []
    assert rows(db_engine, "SELECT username, password_hash FROM users ORDER BY id") == hashes
