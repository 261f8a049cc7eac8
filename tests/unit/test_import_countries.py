"""Country names and codes in import files, to ISO 3166 alpha-2."""

from __future__ import annotations

import pytest

from etl.countries import normalise_countries, to_alpha_2


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("276", "DE"),
        ("Germany", "DE"),
        ("  GERMANY ", "DE"),
        ("Deutschland", "DE"),
        ("Federal Republic of Germany", "DE"),
        ("Österreich", "AT"),
        ("Cote d'Ivoire", "CI"),
        ("UK", "GB"),
        ("England", "GB"),
        ("USA", "US"),
        ("United States of America", "US"),
        ("Czech Republic", "CZ"),
        ("Taiwan", "TW"),
    ],
)
def test_codes_and_names_in_several_languages_become_alpha_2(written, code):
    assert to_alpha_2(written) == code


@pytest.mark.parametrize("written", ["Atlantis", "EU", "XK", "Germany!!x", "49"])
def test_anything_else_is_not_guessed(written):
    assert to_alpha_2(written) is None


def test_unrecognised_values_are_kept_as_written_for_validation_to_reject():
    assert normalise_countries(["germany", "Atlantis", None, "germany"]) == ["DE", "Atlantis", None, "DE"]
