"""The pure parts of sign-in: the policy's helpers, where a sign-in may send
the browser, the secret key and the session limits, the sign-in page."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest

from bi_app.auth import policy
from bi_app.auth.config import SECRET_FILE, AuthConfig, secret_key
from bi_app.auth.login_page import login_page
from bi_app.auth.routes import local_path
from workflow.errors import ConfigurationError

# -- the policy's helpers


def test_nobody_signed_in_is_allowed_only_what_is_open_to_anyone() -> None:
    assert policy.allows(policy.ANYONE, None)
    assert not policy.allows(policy.SIGNED_IN, None)
    assert not policy.allows(policy.PAGES["/orders"], None)


def test_an_entry_that_names_no_roles_allows_nobody_not_even_an_admin() -> None:
    assert not any(policy.allows(policy.NOBODY, role) for role in (None, "admin", "clerk"))


def test_a_misspelt_role_in_the_table_fails_at_import_time() -> None:
    with pytest.raises(ValueError, match="unknown roles \\['clark'\\]"):
        policy.roles("clerk", "clark")


def test_refusals_name_the_roles_in_plain_words() -> None:
    assert policy.describe(policy.roles("clerk", "admin")) == "admins and clerks"
    assert policy.describe(policy.roles("admin")) == "admins"
    assert policy.describe(policy.roles("manager", "analyst", "admin")) == "admins, managers and analysts"


def test_a_clerk_starts_at_payments_and_the_others_at_the_dashboard() -> None:
    assert {role: policy.home(role) for role in ("admin", "manager", "clerk", "analyst")} == {
        "admin": "/", "manager": "/", "clerk": "/payments", "analyst": "/",
    }  # fmt: skip


def test_every_start_page_is_one_its_role_may_open() -> None:
    for role, path in policy.HOME.items():
        assert policy.allows(policy.page_roles(path), role), role


# -- after sign-in, only a local page


@pytest.mark.parametrize("asked", ["/orders", "/orders/12?x=1", "/download/orders.csv?from=2026-01-01"])
def test_a_local_path_is_kept(asked: str) -> None:
    assert local_path(asked) == asked


@pytest.mark.parametrize(
    "asked",
    ["", None, "orders", "//evil.example/", "https://evil.example/", "/\\evil.example", "/login", "/logout",
     "javascript:alert(1)", "/" + "a" * 2001],
)  # fmt: skip
def test_anything_else_is_dropped(asked) -> None:
    assert local_path(asked) == ""


# -- the secret key and the session limits


def test_a_key_is_generated_once_into_the_data_folder_readable_by_its_owner_only(tmp_path) -> None:
    first = secret_key(tmp_path / "data", {})
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "data" / SECRET_FILE).st_mode) == 0o600
    assert secret_key(tmp_path / "data", {}) == first


def test_secret_key_from_the_environment_wins_and_writes_no_file(tmp_path) -> None:
    given = "k" * 40
    assert secret_key(tmp_path, {"SECRET_KEY": given}) == given
    assert not (tmp_path / SECRET_FILE).exists()


def test_production_refuses_to_start_without_a_secret_key(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set, and ECC_ENV=production requires it"):
        secret_key(tmp_path, {"ECC_ENV": "production"})
    assert not (tmp_path / SECRET_FILE).exists()


def test_a_short_secret_key_is_refused_with_its_length(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY has 8 characters; use at least 32"):
        secret_key(tmp_path, {"SECRET_KEY": "abcdefgh", "ECC_ENV": "production"})


def test_the_session_limits_come_from_the_environment_and_bad_values_are_named(tmp_path) -> None:
    config = AuthConfig.from_env(tmp_path, {"ECC_SESSION_IDLE_MINUTES": "5", "ECC_SESSION_MAX_HOURS": "2"})
    assert (config.idle_timeout, config.absolute_timeout) == (timedelta(minutes=5), timedelta(hours=2))
    defaults = AuthConfig.from_env(tmp_path, {})
    assert (defaults.idle_timeout, defaults.absolute_timeout) == (timedelta(minutes=30), timedelta(hours=12))
    with pytest.raises(ConfigurationError, match="ECC_SESSION_IDLE_MINUTES='0' is not valid"):
        AuthConfig.from_env(tmp_path, {"ECC_SESSION_IDLE_MINUTES": "0"})


# -- the sign-in page


def test_the_sign_in_page_escapes_what_it_echoes() -> None:
    page = login_page(
        stylesheets=["/assets/a.css"], next_path='/x"><script>', username="<b>ann</b>", message="<i>no</i>"
    )
    assert "<script>" not in page and "<b>ann</b>" not in page and "<i>no</i>" not in page
    assert "&lt;b&gt;ann&lt;/b&gt;" in page and "&lt;i&gt;no&lt;/i&gt;" in page
    assert 'action="/login"' in page and 'method="post"' in page
