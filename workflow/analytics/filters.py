"""What a manager narrows the figures to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from workflow.errors import ErrorCode, WorkflowError

MAX_DAYS = 3660


@dataclass(frozen=True)
class Filters:
    """An inclusive range of business days, optionally one product category
    and some customer countries (none means all).

    One category at a time: an order with items in two categories would
    otherwise count twice in order counts and averages."""

    start: date
    end: date
    category: str | None = None
    countries: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise WorkflowError(
                f"The range ends ({self.end}) before it starts ({self.start}); pick an end on or after the start.",
                ErrorCode.INVALID_ARGUMENT,
            )
        if self.days > MAX_DAYS:
            raise WorkflowError(
                f"The range spans {self.days} days; at most {MAX_DAYS} are shown at once.",
                ErrorCode.INVALID_ARGUMENT,
            )
        object.__setattr__(self, "countries", tuple(sorted({c.upper() for c in self.countries})))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of equal length just before this one, same narrowing."""
        return Filters(
            self.start - timedelta(days=self.days),
            self.start - timedelta(days=1),
            self.category,
            self.countries,
        )

    def sql(
        self, *, country: str | None = None, category: str | None = None
    ) -> tuple[str, dict[str, object]]:
        """SQL conditions (each starting with AND) and their parameters for the
        given column expressions; a filter not chosen adds nothing."""
        clauses, params = [], {}
        if country and self.countries:
            clauses.append(f"AND {country} = ANY(:countries)")
            params["countries"] = list(self.countries)
        if category and self.category:
            clauses.append(f"AND {category} = :category")
            params["category"] = self.category
        return " ".join(clauses), params

    def order_sql(
        self,
        *,
        order_id: str = "o.id",
        customer_id: str = "o.customer_id",
        placed_at: str = "o.placed_at",
        period: bool = True,
    ) -> tuple[str, dict[str, object]]:
        """Conditions on orders (columns named by the arguments): placed in the
        period's business days (unless period=False), of a customer in the
        chosen countries, and with a category, holding an item of it."""
        clauses, params = [], {}
        if self.countries:
            clauses.append(
                f"AND EXISTS (SELECT 1 FROM customers AS fc WHERE fc.id = {customer_id} "
                "AND fc.country = ANY(:countries))"
            )
            params["countries"] = list(self.countries)
        if self.category:
            clauses.append(
                "AND EXISTS (SELECT 1 FROM order_items AS fi JOIN products AS fp ON fp.id = fi.product_id "
                f"WHERE fi.order_id = {order_id} AND fp.category = :category)"
            )
            params["category"] = self.category
        if period:
            clauses.append(
                f"AND {placed_at} >= (CAST(:period_start AS timestamp) AT TIME ZONE {_ZONE}) "
                f"AND {placed_at} < (CAST(:period_after AS timestamp) AT TIME ZONE {_ZONE})"
            )
            params.update({"period_start": self.start, "period_after": self.end + timedelta(days=1)})
        return " ".join(clauses), params


_ZONE = "(SELECT timezone FROM business_calendar)"
