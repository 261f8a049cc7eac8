"""Demo customers: who they are, where they live, when they arrived, and which
orders are theirs.

Twelve countries (ISO 3166 alpha-2, weighted like a European shop that also
sells to North America and Australia). Names come from short first/last-name
lists; e-mails are firstname.lastname.<id>@example.com, unique and lowercase.
Phones are E.164 numbers built from the country's example mobile number
(libphonenumber) with the last five digits varied; about 7 % have none.

About 30 % of the customers existed before the period; the others arrive
during it, as often as orders do (so arrivals share the seasons and the
growth). Customers are numbered in order of arrival. Each order goes to a
customer who arrived before it, weighted by a long-tailed loyalty, so some
customers order a lot and some never. Excluded: addresses, consent, duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import phonenumbers

from workflow.demo.timeline import DAY, HOUR, digits

COUNTRIES: tuple[tuple[str, float], ...] = (
    ("DE", 0.17), ("US", 0.16), ("GB", 0.12), ("FR", 0.10), ("NL", 0.07), ("ES", 0.07),
    ("IT", 0.07), ("CA", 0.06), ("AU", 0.05), ("SE", 0.05), ("PL", 0.05), ("AT", 0.03),
)  # fmt: skip
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hugo", "Isabel", "Jonas", "Julia", "Karl",
    "Laura", "Lucas", "Maria", "Marco", "Nina", "Oliver", "Paula", "Pedro", "Rosa", "Samuel", "Sofia",
    "Thomas", "Ulrike", "Victor", "Wendy", "Yusuf", "Zoe", "Liam", "Olivia", "Noah", "Mia", "Elias",
    "Chloe", "Jan", "Eva", "Leon", "Alice", "Mateo",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Muller", "Martin", "Rossi", "Garcia", "Jansen", "Nowak", "Andersson", "Brown", "Schmidt",
    "Bernard", "Bianchi", "Lopez", "de Vries", "Kowalski", "Johansson", "Wilson", "Fischer", "Dubois",
    "Romano", "Fernandez", "Bakker", "Wisniewski", "Karlsson", "Taylor", "Weber", "Moreau", "Colombo",
    "Sanchez", "Visser", "Lewis", "Becker", "Laurent", "Ricci", "Walker", "Hofmann", "Novak", "Clarke",
)  # fmt: skip
EXISTING_SHARE = 0.3
NO_PHONE_SHARE = 0.07
VARIED_DIGITS = 5


@dataclass(frozen=True)
class Customers:
    """Customers (index i is customer id i + 1), ordered by created_at."""

    email: np.ndarray  # bytes
    full_name: np.ndarray  # bytes
    phone: np.ndarray  # bytes, b"" for none
    country: np.ndarray  # bytes
    created_at: np.ndarray  # Unix seconds
    loyalty: np.ndarray  # relative chance to place any given order

    def __len__(self) -> int:
        return len(self.email)


def customer_count(orders: int) -> int:
    """About one customer per five orders, at least 20."""
    return max(20, orders // 5)


def mobile_prefix(region: str) -> str:
    """'+<country code><national number without its last VARIED_DIGITS>' of
    the region's example mobile number (libphonenumber's metadata)."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = phonenumbers.national_significant_number(example)
    return f"+{example.country_code}{national[:-VARIED_DIGITS]}"


def make_customers(
    rng: np.random.Generator, count: int, order_times: np.ndarray, start: int
) -> Customers:
    """`count` customers whose arrivals follow the order times."""
    existing = max(1, round(EXISTING_SHARE * count))
    before = start - rng.integers(HOUR, 365 * DAY, existing)
    arrivals = rng.choice(order_times, size=count - existing) - rng.integers(60, 3 * DAY, count - existing)
    created = np.sort(np.concatenate([before, arrivals]))

    first = rng.integers(len(FIRST_NAMES), size=count)
    last = rng.integers(len(LAST_NAMES), size=count)
    firsts = np.array([n.encode() for n in FIRST_NAMES], dtype="S")
    lasts = np.array([n.encode() for n in LAST_NAMES], dtype="S")
    full_name = np.strings.add(np.strings.add(firsts[first], b" "), lasts[last])
    local = np.strings.add(np.strings.add(np.strings.lower(firsts)[first], b"."), _email_part(lasts)[last])
    ids = np.arange(1, count + 1).astype("S")
    email = np.strings.add(np.strings.add(np.strings.add(local, b"."), ids), b"@example.com")

    weights = np.array([w for _, w in COUNTRIES])
    country_index = rng.choice(len(COUNTRIES), size=count, p=weights / weights.sum())
    phone = np.zeros(count, dtype="S16")
    for index, (region, _) in enumerate(COUNTRIES):  # one loop per country
        rows = np.flatnonzero(country_index == index)
        varied = digits(rng.integers(0, 10**VARIED_DIGITS, len(rows)), VARIED_DIGITS)
        phone[rows] = np.strings.add(mobile_prefix(region).encode(), varied)
    phone[rng.random(count) < NO_PHONE_SHARE] = b""
    return Customers(
        email=email,
        full_name=full_name,
        phone=phone,
        country=np.array([c.encode() for c, _ in COUNTRIES], dtype="S2")[country_index],
        created_at=created,
        loyalty=rng.lognormal(0.0, 1.1, count),
    )


def _email_part(names: np.ndarray) -> np.ndarray:
    """Lowercase, without spaces ('de Vries' -> 'devries')."""
    return np.strings.replace(np.strings.lower(names), b" ", b"")


def assign_customers(rng: np.random.Generator, customers: Customers, order_times: np.ndarray) -> np.ndarray:
    """Customer index (0-based) of each order: among the customers created
    strictly before the order, chosen in proportion to their loyalty."""
    arrived = np.searchsorted(customers.created_at, order_times, side="left")
    cumulative = np.cumsum(customers.loyalty)
    draw = rng.random(len(order_times)) * cumulative[arrived - 1]
    chosen = np.searchsorted(cumulative, draw, side="right")
    return np.minimum(chosen, arrived - 1)
