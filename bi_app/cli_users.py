"""`ecc users create NAME --role ROLE`, `ecc users list`, `ecc users disable NAME`,
`ecc users password NAME`, `ecc users pii NAME --grant|--revoke`.

bi_app.cli registers the command (add_users_parser, cmd_users). A password
is never an argument (argv is visible to every user of the machine in `ps`
and lands in shell history): it is asked twice at a terminal, or read as one
line from standard input when that is a pipe or a file, e.g.
`printf '%s\\n' "$PW" | ecc users create ann --role clerk`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC
from typing import TextIO

from sqlalchemy import Engine

from workflow.db import make_engine
from workflow.errors import ErrorCode, WorkflowError
from workflow.sessions import SessionStore
from workflow.settings import Settings
from workflow.user_rules import PASSWORD_MIN, ROLES, login_name, require_username, sees_pii
from workflow.users import (
    User,
    create_user,
    disable_user,
    ensure_demo_accounts,
    find_user,
    list_users,
    set_password,
    set_pii_access,
)


def add_users_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "users", help="manage who may sign in", description="Create, list and disable the app's accounts."
    )
    actions = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create",
        help="create an account (the password is asked, never given on the command line)",
        description=f"Create an active account. The password (at least {PASSWORD_MIN} characters, not the "
        "user name) is asked twice at a terminal, or read as one line from standard input.",
    )
    create.add_argument("name", metavar="NAME", help="3 to 40 lower-case letters, digits, '.', '_' or '-'")
    create.add_argument("--role", required=True, choices=ROLES, help="what the account may do")
    actions.add_parser("list", help="list every account", description="List every account, by name.")
    disable = actions.add_parser(
        "disable",
        help="stop an account from signing in and end its sessions",
        description="Stop an account from signing in and end all its sessions at once.",
    )
    disable.add_argument("name", metavar="NAME")
    password = actions.add_parser(
        "password",
        help="give an account a new password and end its sessions",
        description="Set a new password (asked as for create) and end all the account's sessions.",
    )
    password.add_argument("name", metavar="NAME")
    pii = actions.add_parser(
        "pii",
        help="let an account see customers' e-mails and phones unmasked, or stop it",
        description="Grant or revoke access to customers' personal data (e-mail addresses and phone "
        "numbers, masked otherwise in pages and downloads). Admins always have it.",
    )
    pii.add_argument("name", metavar="NAME")
    choice = pii.add_mutually_exclusive_group(required=True)
    choice.add_argument("--grant", action="store_true", help="show personal data unmasked")
    choice.add_argument("--revoke", action="store_true", help="mask it again")


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    action = args.users_command
    if action == "create":
        require_username(args.name)  # before asking for a password that would be refused with it
        secret = read_password(args.name)
        user = create_user(
            make_engine(settings), username=args.name, role=args.role, password=secret, actor=_actor()
        )
        print(f"Created {user.username} ({user.role}); they can sign in now.")
    elif action == "list":
        print(users_table(list_users(make_engine(settings))))
    elif action == "disable":
        engine = make_engine(settings)
        name = login_name(args.name)
        if disable_user(engine, username=name, actor=_actor()):
            _forget_cached_sessions(engine, settings, name)
            print(f"Disabled {name}; their sessions have ended.")
        else:
            print(f"{name} was already disabled; nothing changed.")
    elif action == "password":
        engine = make_engine(settings)
        name = find_user(engine, args.name).username  # unknown: refused before the password is asked
        secret = read_password(name)
        set_password(engine, username=name, password=secret, actor=_actor())
        _forget_cached_sessions(engine, settings, name)
        print(f"New password set for {name}; their sessions have ended.")
    elif action == "pii":
        name = login_name(args.name)
        changed = set_pii_access(make_engine(settings), username=name, allowed=args.grant, actor=_actor())
        what = "may now see" if args.grant else "no longer sees"
        print(f"{name} {what} customers' e-mails and phones unmasked." if changed else
              f"{name} already {'had' if args.grant else 'did not have'} that access; nothing changed.")  # fmt: skip
    return 0


def read_password(name: str, stdin: TextIO | None = None) -> str:
    """Twice from a prompt at a terminal, else one line from stdin (its line
    end removed, nothing else: spaces may be part of a password)."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("The same password again: ") != first:
            raise WorkflowError("The two passwords differ; nothing was changed.", ErrorCode.WEAK_PASSWORD)
        return first
    line = stdin.readline()
    if not line.strip():
        raise WorkflowError(
            "No password on standard input: pipe it as one line, or run the command in a terminal to be "
            "asked for it. Nothing was changed.",
            ErrorCode.WEAK_PASSWORD,
        )
    return line.removesuffix("\n").removesuffix("\r")


def users_table(users: list[User]) -> str:
    """Name, role, active, personal data access, created (UTC), aligned; a
    hint when there is none."""
    if not users:
        return "No users yet; create one with `ecc users create NAME --role admin`."
    rows = [("NAME", "ROLE", "ACTIVE", "PII", "CREATED (UTC)")] + [
        (
            u.username,
            u.role,
            "yes" if u.active else "no",
            "yes" if sees_pii(u.role, u.pii_access) else "no",
            u.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        )
        for u in users
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    )


def print_demo_accounts(engine: Engine) -> None:
    """For `ecc demo`: create the missing demo accounts and print their passwords, once."""
    created = ensure_demo_accounts(engine)
    if not created:
        print("Demo accounts: demo-admin, demo-manager, demo-clerk, demo-analyst exist already "
              "(set a new password with `ecc users password NAME`).")  # fmt: skip
        return
    print("Demo accounts (the passwords are shown only now; only their hashes are stored):")
    for name, role, password in created:
        print(f"  {name:<13} {role:<8} {password}")


def _forget_cached_sessions(engine: Engine, settings: Settings, name: str) -> None:
    """Remove the user's session copies from Redis too (already refused without this)."""
    SessionStore(engine, settings.redis_url).delete_all_for_user(find_user(engine, name).id)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in this environment
        return "cli:unknown"
