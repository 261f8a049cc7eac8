"""The `ecc` command line as a person uses it: help everywhere, one clear line
for every error, and a working schema upgrade."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bi_app.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ecc(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ecc as a separate process, the way a shell would."""
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "bi_app.cli", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


@pytest.mark.parametrize("command", [[], ["db"], ["db", "upgrade"], ["seed"], ["demo"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: ecc" in capsys.readouterr().out


def test_an_unreachable_database_gives_one_line_naming_host_and_port():
    port = free_port()
    result = run_ecc("db", "upgrade", DATABASE_URL=f"postgresql://shop@127.0.0.1:{port}/shop")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"ecc: error: Cannot reach PostgreSQL at 127.0.0.1:{port}, database shop:")
    assert "Check that the server is running" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (
            ["seed", "--orders", "abc"],
            "argument --orders: expected a whole number from 1 to 5,000,000; got 'abc'",
        ),
        (
            ["seed", "--orders", "0"],
            "argument --orders: expected a whole number from 1 to 5,000,000; got '0'",
        ),
        (
            ["seed", "--orders", "10", "--days", "-1"],
            "argument --days: expected a whole number from 1 to 3,650",
        ),
        (["seed"], "the following arguments are required: --orders"),
        (["db", "downgrade"], "invalid choice: 'downgrade'"),
        (["serve-forever"], "invalid choice: 'serve-forever'"),
    ],
)
def test_bad_flags_are_refused_with_what_was_expected(flags, expected, capsys):
    with pytest.raises(SystemExit) as exited:
        main(flags)
    assert exited.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_bad_setting_is_one_line_not_a_stack_trace():
    result = run_ecc("db", "upgrade", ECC_TIMEZONE="Atlantis/Capital")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "ecc: error: ECC_TIMEZONE='Atlantis/Capital' is not a known time zone; "
        "expected an IANA name such as 'Europe/Berlin' or 'UTC'."
    )


def test_db_upgrade_applies_the_schema_then_reports_nothing_to_do(fresh_database, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    migrations = sorted(p.stem for p in (Path(__file__).parents[2] / "db" / "migrations").glob("*.sql"))
    assert main(["db", "upgrade"]) == 0
    assert f"Schema: applied {', '.join(['000_schema', *migrations])}." in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "Schema: up to date; nothing to apply." in capsys.readouterr().out
    engine = create_engine(fresh_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_migrations")).scalar() == 1 + len(migrations)
    engine.dispose()


def test_db_upgrade_makes_the_database_count_days_in_the_business_time_zone(
    fresh_database, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    monkeypatch.setenv("ECC_TIMEZONE", "Europe/Berlin")
    assert main(["db", "upgrade"]) == 0
    assert "Business days now count in Europe/Berlin; daily rollups rebuilt." in capsys.readouterr().out
    engine = create_engine(fresh_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT timezone FROM business_calendar")).scalar() == "Europe/Berlin"
    engine.dispose()
    assert main(["db", "upgrade"]) == 0
    assert "Business days" not in capsys.readouterr().out


def run_demo_until_it_serves(database_url: str, *args: str) -> str:
    """Start `ecc demo` as a shell would, wait until the dashboard answers on
    the printed address, stop it with Ctrl+C; returns what it printed."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bi_app.cli", "demo", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    printed = []
    try:
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Serving the dashboard at "):
                break
        url = f"http://127.0.0.1:{port}/"
        assert printed and printed[-1].startswith(f"Serving the dashboard at {url}"), printed
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200 and "E-Commerce Command Center" in response.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    return "".join(printed) + rest


def test_demo_seeds_an_empty_database_once_prints_the_last_90_days_and_serves_the_app(fresh_database):
    out = run_demo_until_it_serves(fresh_database, "--orders", "400", "--days", "120")
    assert "Demo data: wrote" in out and "400 orders" in out
    assert "Last 90 days to " in out and "Payment states: " in out
    assert "Stopped." in out
    again = run_demo_until_it_serves(fresh_database, "--orders", "400")
    assert "Demo data: the database already has 400 orders; keeping them." in again


def test_serve_refuses_a_port_in_use_with_one_line(db_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_ecc("serve", "--port", str(port), DATABASE_URL=db_url)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"ecc: error: Cannot listen on 127.0.0.1:{port} (")
    assert result.stderr.strip().endswith("stop the program using it or pass another --port.")


def test_seed_refuses_a_database_that_already_has_orders(fresh_database, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    assert main(["seed", "--orders", "50", "--days", "30"]) == 0
    capsys.readouterr()
    assert main(["seed", "--orders", "50"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        "ecc: error: The database already has 50 orders; demo data goes only into an empty database."
    )
