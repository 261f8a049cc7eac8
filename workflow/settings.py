"""Settings from the environment, read once into a frozen value.

Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.errors import ConfigurationError

_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    pgdata: Path
    business_timezone: str
    currency: str
    payment_terms_days: int
    redis_url: str | None
    cash_on_delivery: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ECC_* variables (and DATABASE_URL, REDIS_URL); a bad value
        raises ConfigurationError naming the variable and what it expects."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("ECC_DATA_DIR") or ".ecc").expanduser()
        pgdata = Path(env.get("ECC_PGDATA") or data_dir / "pgdata").expanduser()
        timezone = env.get("ECC_TIMEZONE") or "UTC"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"ECC_TIMEZONE={timezone!r} is not a known time zone; "
                "expected an IANA name such as 'Europe/Berlin' or 'UTC'."
            ) from None
        currency = (env.get("ECC_CURRENCY") or "EUR").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ConfigurationError(
                f"ECC_CURRENCY={currency!r} is not a currency code; expected three letters such as 'EUR'."
            )
        terms_text = env.get("ECC_PAYMENT_TERMS_DAYS") or "30"
        if not terms_text.isdigit() or not 0 <= int(terms_text) <= 365:
            raise ConfigurationError(
                f"ECC_PAYMENT_TERMS_DAYS={terms_text!r} is not valid; expected whole days from 0 to 365."
            )
        cod_text = (env.get("ECC_CASH_ON_DELIVERY") or "false").strip().lower()
        if cod_text not in _BOOLEANS:
            raise ConfigurationError(
                f"ECC_CASH_ON_DELIVERY={cod_text!r} is not valid; expected true or false (or 1 or 0)."
            )
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=data_dir,
            pgdata=pgdata,
            business_timezone=timezone,
            currency=currency,
            payment_terms_days=int(terms_text),
            redis_url=env.get("REDIS_URL") or None,
            cash_on_delivery=_BOOLEANS[cod_text],
        )
