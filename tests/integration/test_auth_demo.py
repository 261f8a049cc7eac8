"""`ecc demo` makes one account per role and prints each name and password once."""

from __future__ import annotations

import re

from tests.integration.test_cli import run_demo_until_it_serves
from workflow.db import make_engine
from workflow.users import authenticate


def test_demo_prints_one_account_per_role_whose_password_signs_it_in(fresh_database) -> None:
    out = run_demo_until_it_serves(fresh_database, "--orders", "50", "--days", "30")
    assert "Demo accounts (the passwords are shown only now; only their hashes are stored):" in out
    printed = re.findall(r"^  (demo-\w+)\s+(\w+)\s+(\S+)$", out, flags=re.MULTILINE)
    assert [(name, role) for name, role, _ in printed] == [
        ("demo-admin", "admin"), ("demo-manager", "manager"), ("demo-clerk", "clerk"), ("demo-analyst", "analyst"),
    ]  # fmt: skip
    assert out.index("Demo accounts") < out.index("Serving the dashboard at ")
    engine = make_engine(url=fresh_database)
    for name, role, password in printed:
        assert authenticate(engine, username=name, password=password, address="127.0.0.1").role == role
    engine.dispose()
    again = run_demo_until_it_serves(fresh_database)
    assert "demo-admin, demo-manager, demo-clerk, demo-analyst exist already" in again
    assert not re.search(r"^  demo-", again, flags=re.MULTILINE)
