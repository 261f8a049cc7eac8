"""The machine a run measured: CPU, cores, memory, OS, Python, PostgreSQL,
and the load average, which on a shared machine says how much to trust
the absolute figures."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from sqlalchemy import Engine, text


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def os_name() -> str:
    try:
        fields = dict(
            line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
        pretty = fields.get("PRETTY_NAME", "").strip('"')
    except OSError:
        pretty = ""
    return f"{pretty or platform.system()} (kernel {platform.release()})"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def postgres(engine: Engine) -> str:
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
        buffers = conn.execute(text("SHOW shared_buffers")).scalar_one()
        autovacuum = conn.execute(text("SHOW autovacuum")).scalar_one()
    return f"{version.split()[0]} (shared_buffers {buffers}, autovacuum {autovacuum})"


def describe(engine: Engine) -> dict[str, str]:
    """The machine now, as labelled values for the report."""
    return {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "memory": memory_gib(),
        "OS": os_name(),
        "Python": sys.version.split()[0],
        "PostgreSQL": postgres(engine),
        "load average (1/5/15 min)": load_average(),
    }
