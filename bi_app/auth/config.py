"""Sign-in settings from the environment: the secret key and how long a
session lasts.

SECRET_KEY becomes the Flask server's secret key: it signs Dash's
background-callback handles and anything kept in Flask's cookie session, so
every worker on every host must share it. With ECC_ENV=production it must
be set (at least 32 characters), else the app refuses to start. Otherwise
(the embedded demo, a developer's machine) one is generated once with
`secrets` and kept in `<ECC_DATA_DIR>/secret_key`, readable by its owner
only, so a restart keeps it.

Sessions end after ECC_SESSION_IDLE_MINUTES without a request (default 30)
and ECC_SESSION_MAX_HOURS after sign-in in any case (default 12).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from workflow.errors import ConfigurationError

SECRET_FILE = "secret_key"
SECRET_MIN = 32
_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


@dataclass(frozen=True)
class AuthConfig:
    secret_key: str
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    # How many reverse proxies in front of the app set X-Forwarded-For,
    # -Proto and -Host (0: none, the headers are ignored, as anyone can send them).
    proxy_hops: int = 0

    @classmethod
    def from_env(cls, data_dir: Path, env: Mapping[str, str] | None = None) -> AuthConfig:
        """Read SECRET_KEY, ECC_ENV, the session limits and the proxies; a bad or missing
        value raises ConfigurationError naming the variable."""
        env = os.environ if env is None else env
        return cls(
            secret_key=secret_key(data_dir, env),
            idle_timeout=timedelta(minutes=_whole(env, "ECC_SESSION_IDLE_MINUTES", 30, 1, 24 * 60)),
            absolute_timeout=timedelta(hours=_whole(env, "ECC_SESSION_MAX_HOURS", 12, 1, 24 * 7)),
            proxy_hops=_whole(env, "ECC_PROXY_HOPS", 0, 0, 5),
        )


def is_production(env: Mapping[str, str]) -> bool:
    return (env.get("ECC_ENV") or "").strip().lower() == "production"


def secret_key(data_dir: Path, env: Mapping[str, str]) -> str:
    """SECRET_KEY when set; required in production; else the data folder's own."""
    given = (env.get("SECRET_KEY") or "").strip()
    if given:
        if len(given) < SECRET_MIN:
            raise ConfigurationError(
                f"SECRET_KEY has {len(given)} characters; use at least {SECRET_MIN} random ones, "
                f"e.g. from `{_GENERATE}`."
            )
        return given
    if is_production(env):
        raise ConfigurationError(
            "SECRET_KEY is not set, and ECC_ENV=production requires it (the same value on every worker "
            f"and host); generate one with `{_GENERATE}`."
        )
    return _kept_secret(Path(data_dir).expanduser())


def _kept_secret(data_dir: Path) -> str:
    """The key in data_dir/secret_key, made on first use (mode 0600). Two
    processes starting at once agree: only one can create the file."""
    path = data_dir / SECRET_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read_secret(path)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        return _read_secret(path)
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot keep the generated secret key in {path} ({exc.strerror or exc}); make ECC_DATA_DIR "
            "writable or set SECRET_KEY."
        ) from None


def _read_secret(path: Path) -> str:
    for _ in range(50):  # the other process may be between creating and writing the file
        value = path.read_text().strip()
        if len(value) >= SECRET_MIN:
            return value
        time.sleep(0.02)
    raise ConfigurationError(
        f"{path} holds no usable secret key; delete it to make a new one, or set SECRET_KEY."
    )


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = (env.get(name) or str(default)).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigurationError(
            f"{name}={text!r} is not valid; expected a whole number from {low} to {high}."
        )
    return int(text)
