"""The business calendar: which time zone days are counted in.

The database keeps the zone in business_calendar, because its rollup
triggers bucket every write into a local day. ecc sets it from ECC_TIMEZONE
at start-up; a change rebuilds the rollups from the raw rows.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import Connection, Date, Engine, cast, func, select, update

from workflow.db import transaction
from workflow.tables import business_calendar

log = logging.getLogger(__name__)


def sync_business_timezone(engine: Engine, timezone: str) -> bool:
    """Make the database count days in `timezone`; True when it changed (and
    the rollups were rebuilt in the same transaction)."""
    with transaction(engine) as conn:
        current = conn.execute(select(business_calendar.c.timezone).with_for_update()).scalar_one()
        if current == timezone:
            return False
        log.warning(
            "business time zone changes from %s to %s; rebuilding the daily rollups", current, timezone
        )
        conn.execute(update(business_calendar).values(timezone=timezone))
        conn.execute(select(func.rebuild_rollups()))
        return True


def business_today(conn: Connection) -> date:
    """Today's date in the business time zone, by the database's clock."""
    return conn.execute(
        select(cast(func.timezone(business_calendar.c.timezone, func.now()), Date))
    ).scalar_one()
