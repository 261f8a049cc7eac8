"""Sign-in rules without a database: names, roles, passwords, lock arithmetic and messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflow.errors import ErrorCode, WorkflowError
from workflow.user_rules import (
    DEFAULT_LIMITS,
    ROLES,
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

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_the_four_roles_of_the_design_are_the_roles():
    assert set(ROLES) == {"admin", "manager", "clerk", "analyst"}


@pytest.mark.parametrize("name", ["ann", "ann.lee", "clerk_2", "a-b", "x" * 40, "007"])
def test_a_user_name_of_lower_case_letters_digits_and_dot_underscore_dash_is_accepted(name):
    assert require_username(f"  {name} ") == name


@pytest.mark.parametrize("name", ["ab", "x" * 41, "Ann", "ann lee", "ann@shop", "änne", "", "ann/x"])
def test_any_other_user_name_is_refused_with_the_rule(name):
    with pytest.raises(WorkflowError) as refused:
        require_username(name)
    assert refused.value.code is ErrorCode.INVALID_USERNAME
    assert refused.value.message == (
        f"{name!r} is not a valid user name: use 3 to 40 lower-case letters, digits, '.', '_' or '-'."
    )


def test_a_role_outside_the_four_is_refused_listing_them():
    with pytest.raises(WorkflowError) as refused:
        require_role("owner")
    assert refused.value.code is ErrorCode.INVALID_ROLE
    assert refused.value.message == "'owner' is not a role; expected one of: admin, manager, clerk, analyst."


def test_a_password_of_eleven_characters_is_refused_saying_how_many_are_needed():
    with pytest.raises(WorkflowError) as refused:
        require_password("a" * 11, "ann")
    assert refused.value.code is ErrorCode.WEAK_PASSWORD
    assert refused.value.message == "The password has 11 characters; use at least 12."


def test_a_password_of_twelve_characters_is_accepted_unchanged_spaces_included():
    assert require_password(" twelve chars", "ann") == " twelve chars"


@pytest.mark.parametrize("password", ["ann.lee.clerk", "ANN.LEE.CLERK", " ann.lee.clerk "])
def test_the_user_name_as_password_is_refused_in_any_letter_case(password):
    with pytest.raises(WorkflowError) as refused:
        require_password(password, "ann.lee.clerk")
    assert refused.value.message == "The password must not be the user name."


def test_a_password_longer_than_1024_characters_is_refused():
    with pytest.raises(WorkflowError) as refused:
        require_password("p" * 1025, "ann")
    assert refused.value.message == "The password has 1,025 characters; use at most 1,024."


def test_the_name_typed_at_sign_in_is_trimmed_lower_cased_and_bounded():
    assert login_name("  Ann.Lee ") == "ann.lee"
    assert login_name("x" * 500) == "x" * 64
    assert login_address(None) == "unknown"
    assert login_address(" 10.0.0.7 ") == "10.0.0.7"


def test_minutes_left_rounds_up_and_is_never_zero():
    assert minutes_left(NOW + timedelta(minutes=15), NOW) == 15
    assert minutes_left(NOW + timedelta(minutes=10, seconds=1), NOW) == 11
    assert minutes_left(NOW + timedelta(seconds=5), NOW) == 1


def test_lock_messages_name_the_account_or_the_address_and_the_minutes():
    assert account_locked_message(15) == "Too many failed sign-ins for this account; try again in 15 minutes."
    assert account_locked_message(1) == "Too many failed sign-ins for this account; try again in 1 minute."
    assert address_locked_message(3) == "Too many failed sign-ins from this address; try again in 3 minutes."


def test_a_lock_holds_until_its_end_and_not_at_it():
    until = NOW + timedelta(minutes=15)
    assert is_locked(until, NOW)
    assert not is_locked(until, until)
    assert not is_locked(None, NOW)


def test_failures_count_over_the_window_but_never_from_before_the_last_lock_ended():
    assert failures_since(NOW, DEFAULT_LIMITS, None) == NOW - timedelta(minutes=15)
    ended = NOW - timedelta(minutes=2)
    assert failures_since(NOW, DEFAULT_LIMITS, ended) == ended
    assert failures_since(NOW, DEFAULT_LIMITS, NOW - timedelta(hours=1)) == NOW - timedelta(minutes=15)


def test_the_default_limits_are_five_per_account_and_twenty_per_address_in_fifteen_minutes():
    assert (DEFAULT_LIMITS.account_failures, DEFAULT_LIMITS.address_failures) == (5, 20)
    assert DEFAULT_LIMITS.window == DEFAULT_LIMITS.lockout == timedelta(minutes=15)
