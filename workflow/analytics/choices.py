"""What the dashboard's filters can be narrowed to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass(frozen=True)
class FilterChoices:
    """Product categories (of any product, active or not: past sales still
    carry them) and the countries customers live in, both sorted."""

    categories: tuple[str, ...]
    countries: tuple[str, ...]


def filter_choices(engine: Engine) -> FilterChoices:
    with engine.connect() as conn:
        categories = tuple(conn.execute(text("SELECT DISTINCT category FROM products ORDER BY 1")).scalars())
        countries = tuple(conn.execute(text("SELECT DISTINCT country FROM customers ORDER BY 1")).scalars())
    return FilterChoices(categories, countries)
