"""Country names and codes to ISO 3166-1 alpha-2 (pycountry).

Recognised, case-, accent- and punctuation-insensitively: alpha-2 and
alpha-3 codes, numeric codes, the English name, official name and common
name, the names in the languages of the main European markets (pycountry's
translations: de, fr, es, it, nl, pt, pl, sv, da), and everyday names that
are not ISO names (UK, England, USA, Holland, South Korea, Russia, ...).
Not recognised: anything else, including codes that are not assigned
countries (EU, UN, XK); those rows are rejected, never guessed.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry

LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da")
EVERYDAY_NAMES = {
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "usa": "US", "us": "US", "united states of america": "US", "america": "US",
    "holland": "NL", "the netherlands": "NL", "south korea": "KR", "korea": "KR", "north korea": "KP",
    "russia": "RU", "czech republic": "CZ", "turkey": "TR", "vietnam": "VN", "iran": "IR", "syria": "SY",
    "laos": "LA", "moldova": "MD", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "taiwan": "TW",
    "ivory coast": "CI", "macedonia": "MK", "swaziland": "SZ", "cape verde": "CV", "burma": "MM",
    "vatican": "VA", "palestine": "PS", "brunei": "BN", "micronesia": "FM", "uae": "AE",
}  # fmt: skip
ALPHA_2 = frozenset(country.alpha_2 for country in pycountry.countries)


def _key(text: str) -> str:
    """Lowercase, without accents, punctuation or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in LANGUAGES
    ]
    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)]
        names += [t.gettext(name) for t in translations for name in names[:3] if name]
        for name in (*names, country.alpha_3, country.numeric):
            if name:
                table.setdefault(_key(name), code)
        table[code.lower()] = code
    for name, code in EVERYDAY_NAMES.items():
        table[_key(name)] = code
    return table


def to_alpha_2(value: str) -> str | None:
    """The alpha-2 code for a country written as above, or None."""
    return _lookup().get(_key(value))


def normalise_countries(values: list[str | None]) -> list[str | None]:
    """Alpha-2 codes where recognised; other non-empty values are kept as
    written (trimmed) so validation can reject them; empty (None) stays None.
    Looks up each distinct value once."""
    codes = {value: None if value is None else to_alpha_2(value) or value for value in dict.fromkeys(values)}
    return list(map(codes.__getitem__, values))
