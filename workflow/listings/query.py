"""What every listing shares: the page, the selection, and the checks on
the values a person can type or pick.

A view's rows for one query value are a `Selection`: FROM, WHERE and ORDER
BY. Its SQL text is made only of constants written in workflow; whatever a
person typed travels as a parameter (psycopg's %(name)s placeholders), both
when a page is read and when the same rows are exported by COPY (where
psycopg merges the parameters client-side, quoted). So the paged listing and
the CSV export read exactly the same filter.

Pages are offset pages (page 1, 2, ...) over a stable order: every sort ends
with the row's id. Offsets stay cheap for the first MAX_ROWS rows of the
sorted view, the same bound the count stops at; beyond it a page is refused
with a hint to narrow the filter or reverse the sort.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from workflow.errors import ErrorCode, WorkflowError

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

MAX_ROWS = 10_000
"""Rows counted exactly and reachable by paging; beyond, "10,000+"."""
MAX_PAGE_SIZE = 500
MAX_SEARCH_LENGTH = 100
ZONE = "(SELECT timezone FROM business_calendar)"
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing. `total_count` is exact when `count_is_exact`;
    otherwise more than MAX_ROWS rows match and it is MAX_ROWS + 1."""

    rows: tuple[T, ...]
    page: int
    page_size: int
    total_count: int
    count_is_exact: bool

    @property
    def count_label(self) -> str:
        """What a pager shows: "1,234" or "10,000+"."""
        return f"{self.total_count:,}" if self.count_is_exact else f"{MAX_ROWS:,}+"

    @property
    def page_count(self) -> int:
        """Pages that can be opened (at least 1, at most MAX_ROWS rows' worth)."""
        return max(1, ceil(min(self.total_count, MAX_ROWS) / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.page_count


@dataclass(frozen=True)
class Selection:
    """FROM ... WHERE ... ORDER BY of one view for one query value.

    `source` holds the tables the conditions, the sort and the plain columns
    need; `count_source`, when given, the fewer tables the conditions alone
    need (counting then skips the joins kept for display). Conditions are
    ANDed; `params` fill their placeholders. Columns costly to compute
    (subqueries) go in the select list, where PostgreSQL computes them only
    for the rows a page returns."""

    source: str
    conditions: tuple[str, ...]
    params: Mapping[str, object]
    order_by: str
    count_source: str | None = None

    @property
    def where(self) -> str:
        return " AND ".join(f"({c})" for c in self.conditions) or "TRUE"

    def select(self, columns: str, joins: str = "") -> str:
        """Every matching row, in the listing's order; `joins` may add
        display-only tables (never filters)."""
        return f"SELECT {columns} FROM {self.source} {joins} WHERE {self.where} ORDER BY {self.order_by}"

    def count(self, cap: int = MAX_ROWS) -> str:
        """The number of matching rows, counting at most cap + 1."""
        source = self.count_source or self.source
        return f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {self.where} LIMIT {int(cap) + 1}) AS n"


def fetch_page(
    conn: Connection,
    selection: Selection,
    columns: str,
    to_row: Callable[[Any], T],
    *,
    page: int,
    page_size: int,
) -> Page[T]:
    """Rows of page `page` (from 1) and the capped count, on one connection."""
    offset = require_page(page, page_size)
    params = dict(selection.params)
    counted = conn.exec_driver_sql(selection.count(), params).scalar_one()
    rows = conn.exec_driver_sql(
        f"{selection.select(columns)} LIMIT {int(page_size)} OFFSET {int(offset)}", params
    ).all()
    return Page(
        tuple(to_row(r) for r in rows), page, page_size, min(counted, MAX_ROWS + 1), counted <= MAX_ROWS
    )


def require_page(page: int, page_size: int) -> int:
    """The offset of a page, refusing a page or size that cannot be shown."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid(f"Page size {page_size!r} is not allowed; choose from 1 to {MAX_PAGE_SIZE} rows.")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise invalid(f"Page {page!r} does not exist; pages are numbered from 1.")
    offset = (page - 1) * page_size
    if offset >= MAX_ROWS:
        raise invalid(
            f"Page {page} starts after the first {MAX_ROWS:,} rows; narrow the filter or reverse "
            "the sort to reach these rows."
        )
    return offset


def invalid(message: str) -> WorkflowError:
    return WorkflowError(message, ErrorCode.INVALID_ARGUMENT)


def require_range(start: date | None, end: date | None, what: str) -> None:
    """Business days, inclusive; either end may be open."""
    for name, day in (("start", start), ("end", end)):
        if day is not None and (isinstance(day, datetime) or not isinstance(day, date)):
            raise invalid(f"The {what} {name} {day!r} is not a date; pass a day such as 2026-03-02.")
    if start is not None and end is not None and end < start:
        raise invalid(
            f"The {what} range ends ({end}) before it starts ({start}); pick an end on or after the start."
        )


def day_conditions(column: str, start: date | None, end: date | None, params: dict[str, object]) -> list[str]:
    """`column` (a timestamptz) within business days start..end, inclusive,
    counted in the business time zone; written as bounds on the column so
    that an index on it serves the range."""
    conditions = []
    if start is not None:
        conditions.append(f"{column} >= (%(range_start)s::date::timestamp AT TIME ZONE {ZONE})")
        params["range_start"] = start
    if end is not None:
        conditions.append(f"{column} < (%(range_after)s::date::timestamp AT TIME ZONE {ZONE})")
        params["range_after"] = end + timedelta(days=1)
    return conditions


def require_sort(sort: str, allowed: Mapping[str, str], view: str) -> None:
    if sort not in allowed:
        raise invalid(f"{view} cannot be sorted by {sort!r}; choose one of: {', '.join(allowed)}.")


def order_by(allowed: Mapping[str, str], sort: str, descending: bool, tiebreak: str) -> str:
    """The chosen column, then the row id, both in the chosen direction.
    PostgreSQL's default null placement is kept (empty last going up, first
    going down) so that a plain btree index, read either way, serves the sort."""
    direction = "DESC" if descending else "ASC"
    return f"{allowed[sort]} {direction}, {tiebreak} {direction}"


def clean_search(text: str | None, what: str) -> str | None:
    """Trimmed search text; None when empty."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise invalid(f"The {what} search {text!r} is not text.")
    text = " ".join(text.split())
    if len(text) > MAX_SEARCH_LENGTH:
        raise invalid(
            f"The {what} search is {len(text)} characters long; at most {MAX_SEARCH_LENGTH} are used."
        )
    return text or None


def like_prefix(text: str) -> str:
    """A LIKE pattern for lower-case values starting with `text`, with
    LIKE's own wildcards in `text` taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def customer_match(search: str, params: dict[str, object]) -> str:
    """A condition on a customers row `m`: its id is the search (when digits),
    or its full name or e-mail starts with it, case-insensitively. Prefix
    matches use the lower(full_name) and lower(email) pattern indexes."""
    params["customer_prefix"] = like_prefix(search)
    matches = [
        "lower(m.full_name) LIKE %(customer_prefix)s",
        "lower(m.email) LIKE %(customer_prefix)s",
    ]
    if search.isdigit() and len(search) <= 18:
        params["customer_search_id"] = int(search)
        matches.insert(0, "m.id = %(customer_search_id)s")
    return " OR ".join(matches)


def customer_conditions(
    column: str, search: str | None, customer_id: int | None, params: dict[str, object]
) -> list[str]:
    """Rows whose customer id (in `column`) is `customer_id` and/or matches
    `search` (see customer_match)."""
    conditions = []
    if customer_id is not None:
        conditions.append(f"{column} = %(customer_id)s")
        params["customer_id"] = customer_id
    if search is not None:
        conditions.append(
            f"{column} IN (SELECT m.id FROM customers AS m WHERE {customer_match(search, params)})"
        )
    return conditions


def country_conditions(column: str, countries: tuple[str, ...], params: dict[str, object]) -> list[str]:
    """Rows whose customer (id in `column`) lives in one of `countries`;
    none means all."""
    if not countries:
        return []
    params["countries"] = list(countries)
    return [f"{column} IN (SELECT k.id FROM customers AS k WHERE k.country = ANY(%(countries)s::text[]))"]


def require_id(value: int | None, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise invalid(f"{what} {value!r} is not an id; ids are whole numbers from 1.")


def clean_countries(countries: Iterable[str]) -> tuple[str, ...]:
    """Distinct ISO 3166 alpha-2 codes, upper case, sorted."""
    cleaned = set()
    for country in _as_tuple(countries, "countries"):
        code = country.strip().upper() if isinstance(country, str) else country
        if not isinstance(code, str) or not _COUNTRY.match(code):
            raise invalid(f"Country {country!r} is not a two-letter ISO code such as DE.")
        cleaned.add(code)
    return tuple(sorted(cleaned))


def clean_choices(values: Iterable[str], allowed: Iterable[str], what: str) -> tuple[str, ...]:
    """Distinct values from a fixed set, in the set's order."""
    allowed = tuple(allowed)
    chosen = set(_as_tuple(values, what))
    unknown = sorted(str(v) for v in chosen if v not in allowed)
    if unknown:
        raise invalid(f"Unknown {what} {', '.join(map(repr, unknown))}; choose from {', '.join(allowed)}.")
    return tuple(v for v in allowed if v in chosen)


def clean_enums(values: Iterable[E | str], enum: type[E], what: str) -> tuple[E, ...]:
    """Distinct members of `enum` (given as members or their values), in enum order."""
    names = clean_choices([v.value if isinstance(v, enum) else v for v in _as_tuple(values, what)],
                          [m.value for m in enum], what)  # fmt: skip
    return tuple(enum(v) for v in names)


def clean_texts(values: Iterable[str], what: str) -> tuple[str, ...]:
    """Distinct, trimmed, non-empty texts (e.g. payment methods), sorted."""
    cleaned = set()
    for value in _as_tuple(values, what):
        if not isinstance(value, str) or not value.strip():
            raise invalid(f"Each of the {what} must be non-empty text; {value!r} is not.")
        cleaned.add(value.strip())
    return tuple(sorted(cleaned))


def _as_tuple(values: Iterable, what: str) -> tuple:
    if isinstance(values, str):
        raise invalid(f"The {what} must be a list of values, not the single text {values!r}.")
    return tuple(values)


def set_fields(obj: object, **values: object) -> None:
    """Store cleaned values on a frozen dataclass from its __post_init__."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)
