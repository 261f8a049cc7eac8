from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.integration.shop import Shop, open_shop


@pytest.fixture
def shop(db_engine: Engine) -> Shop:
    """Two customers (Ann, Bob) and two products (Mug 12.50, Lamp 40.00), 100 of each in stock."""
    return open_shop(db_engine)
