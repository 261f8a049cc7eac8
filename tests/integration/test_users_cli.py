"""`ecc users` as an admin runs it, in a child process: the password comes
from standard input (or a prompt), never from the command line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from argon2 import PasswordHasher
from sqlalchemy import text

import workflow.users as users_module
from bi_app import cli_users
from workflow.errors import ErrorCode, WorkflowError
from workflow.sessions import SessionStore
from workflow.users import authenticate

ROOT = Path(__file__).resolve().parents[2]
# What bi_app.cli does with the command, until it is registered there.
ECC = """
import argparse, sys
from bi_app.cli_users import add_users_parser, cmd_users
from workflow.errors import WorkflowError
from workflow.settings import Settings
parser = argparse.ArgumentParser(prog="ecc")
add_users_parser(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(cmd_users(args, Settings.from_env()))
except WorkflowError as e:
    print(f"ecc: error: {e.message}", file=sys.stderr)
    sys.exit(1)
"""
PASSWORD = "correct horse battery"


@pytest.fixture
def ecc(db_url):
    """ecc(*args, stdin="") -> (exit code, stdout, stderr) of `ecc users ...` in a child process."""

    def run(*args: str, stdin: str = "", redis_url: str | None = None) -> tuple[int, str, str]:
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url or ""}
        done = subprocess.run(
            [sys.executable, "-c", ECC, "users", *args],
            input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
        )  # fmt: skip
        return done.returncode, done.stdout, done.stderr

    return run


def query(db_engine, sql: str) -> list[tuple]:
    with db_engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_create_reads_the_password_from_standard_input_and_stores_only_its_argon2_hash(ecc, db_engine):
    code, out, err = ecc("create", "ann", "--role", "clerk", stdin=PASSWORD + "\n")
    assert (code, out, err) == (0, "Created ann (clerk); they can sign in now.\n", "")
    [(role, active, stored)] = query(
        db_engine, "SELECT role, active, password_hash FROM users WHERE username = 'ann'"
    )
    assert (role, active) == ("clerk", True)
    assert stored.startswith("$argon2id$") and PasswordHasher().verify(stored, PASSWORD)
    assert query(db_engine, "SELECT action, actor LIKE 'cli:%' FROM audit_log") == [("user_created", True)]


@pytest.mark.parametrize("extra", [[PASSWORD], ["--password", PASSWORD]])
def test_a_password_on_the_command_line_is_a_usage_error_and_creates_nobody(ecc, db_engine, extra):
    code, _, err = ecc("create", "ann", "--role", "clerk", *extra, stdin=PASSWORD + "\n")
    assert code == 2 and "unrecognized arguments" in err
    assert query(db_engine, "SELECT count(*) FROM users") == [(0,)]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create", "ann", "--role", "clerk"], "", "No password on standard input: pipe it as one line, or run the "
         "command in a terminal to be asked for it. Nothing was changed."),
        (["create", "ann", "--role", "clerk"], "short\n", "The password has 5 characters; use at least 12."),
        (["create", "Ann", "--role", "clerk"], "", "'Ann' is not a valid user name: use 3 to 40 lower-case letters, "
         "digits, '.', '_' or '-'."),
        (["disable", "nobody"], "", "There is no user named 'nobody'."),
    ],
)  # fmt: skip
def test_a_refusal_is_one_line_and_writes_nothing(ecc, db_engine, args, stdin, message):
    assert ecc(*args, stdin=stdin) == (1, "", f"ecc: error: {message}\n")
    assert query(db_engine, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM audit_log)") == [
        (0, 0)
    ]


def test_an_unknown_role_is_a_usage_error_listing_the_roles(ecc):
    code, _, err = ecc("create", "ann", "--role", "owner", stdin=PASSWORD + "\n")
    assert code == 2 and "choose from 'admin', 'manager', 'clerk', 'analyst'" in err


def test_list_shows_each_user_with_role_state_and_creation_time(ecc, db_engine):
    assert ecc("list") == (0, "No users yet; create one with `ecc users create NAME --role admin`.\n", "")
    ecc("create", "zoe.analyst", "--role", "analyst", stdin=PASSWORD + "\n")
    ecc("create", "ann", "--role", "admin", stdin=PASSWORD + "\n")
    ecc("disable", "zoe.analyst")
    created = dict(
        query(
            db_engine,
            "SELECT username, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM users",
        )
    )
    code, out, _ = ecc("list")
    assert code == 0
    assert out.splitlines() == [
        "NAME         ROLE     ACTIVE  PII  CREATED (UTC)",
        f"ann          admin    yes     yes  {created['ann']}",
        f"zoe.analyst  analyst  no      no   {created['zoe.analyst']}",
    ]


def test_disable_ends_the_users_sessions_in_postgresql_and_redis(ecc, db_engine, redis_server):
    ecc("create", "ann", "--role", "clerk", stdin=PASSWORD + "\n")
    [(user_id,)] = query(db_engine, "SELECT id FROM users")
    store = SessionStore(db_engine, redis_server.url)
    session_id = store.create(user_id, {})
    assert ecc("disable", "ann", redis_url=redis_server.url) == (
        0,
        "Disabled ann; their sessions have ended.\n",
        "",
    )
    assert store.get(session_id) is None
    assert query(db_engine, "SELECT active FROM users") == [(False,)]
    assert query(db_engine, "SELECT revoked_at IS NOT NULL FROM user_sessions") == [(True,)]
    plain = redis.Redis.from_url(redis_server.url)
    assert plain.keys("ecc:session:*") == []
    plain.close()
    assert ecc("disable", "ann") == (0, "ann was already disabled; nothing changed.\n", "")


def test_a_new_password_from_standard_input_replaces_the_old_one(ecc, db_engine):
    ecc("create", "ann", "--role", "clerk", stdin=PASSWORD + "\n")
    assert ecc("password", "Ann", stdin="a brand new secret\n") == (
        0, "New password set for ann; their sessions have ended.\n", "",
    )  # fmt: skip
    [(stored,)] = query(db_engine, "SELECT password_hash FROM users")
    assert PasswordHasher().verify(stored, "a brand new secret")


def test_demo_accounts_are_printed_with_their_passwords_once(db_engine, monkeypatch, capsys):
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    cli_users.print_demo_accounts(db_engine)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Demo accounts (the passwords are shown only now; only their hashes are stored):"
    printed = [line.split() for line in lines[1:]]
    assert [(name, role) for name, role, _ in printed] == [
        ("demo-admin", "admin"), ("demo-manager", "manager"), ("demo-clerk", "clerk"), ("demo-analyst", "analyst"),
    ]  # fmt: skip
    for name, _, password in printed:
        assert authenticate(db_engine, username=name, password=password, address="x").username == name
    cli_users.print_demo_accounts(db_engine)
    assert capsys.readouterr().out == (
        "Demo accounts: demo-admin, demo-manager, demo-clerk, demo-analyst exist already "
        "(set a new password with `ecc users password NAME`).\n"
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_password_is_asked_twice_and_must_match(monkeypatch):
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else"])
    prompts: list[str] = []
    monkeypatch.setattr(cli_users.getpass, "getpass", lambda prompt: prompts.append(prompt) or next(answers))
    assert cli_users.read_password("ann", Terminal()) == PASSWORD
    with pytest.raises(WorkflowError) as refused:
        cli_users.read_password("ann", Terminal())
    assert (refused.value.code, refused.value.message) == (
        ErrorCode.WEAK_PASSWORD, "The two passwords differ; nothing was changed.",
    )  # fmt: skip
    assert prompts[:2] == ["Password for ann: ", "The same password again: "]


def test_from_a_pipe_only_the_line_end_is_removed():
    assert (
        cli_users.read_password("ann", io.StringIO("  spaced secret  \r\nsecond line\n"))
        == "  spaced secret  "
    )


def test_pii_access_is_granted_and_revoked_by_name_and_audited(ecc, db_engine):
    ecc("create", "zoe.analyst", "--role", "analyst", stdin=PASSWORD + "\n")
    assert ecc("pii", "Zoe.Analyst", "--grant") == (
        0,
        "zoe.analyst may now see customers' e-mails and phones unmasked.\n",
        "",
    )
    assert query(db_engine, "SELECT pii_access FROM users") == [(True,)]
    assert (
        ecc("pii", "zoe.analyst", "--grant")[1] == "zoe.analyst already had that access; nothing changed.\n"
    )
    assert ecc("list")[1].splitlines()[1].split()[:4] == ["zoe.analyst", "analyst", "yes", "yes"]
    assert ecc("pii", "zoe.analyst", "--revoke")[:2] == (
        0,
        "zoe.analyst no longer sees customers' e-mails and phones unmasked.\n",
    )
    assert query(db_engine, "SELECT pii_access FROM users") == [(False,)]
    assert query(db_engine, "SELECT action FROM audit_log WHERE action LIKE 'pii%' ORDER BY id") == [
        ("pii_access_granted",),
        ("pii_access_revoked",),
    ]


def test_pii_access_needs_a_known_user_and_one_of_grant_or_revoke(ecc, db_engine):
    code, out, err = ecc("pii", "nobody", "--grant")
    assert (code, out) == (1, "") and "There is no user named 'nobody'." in err
    code, _, err = ecc("pii", "nobody")
    assert code == 2 and "one of the arguments --grant --revoke is required" in err
