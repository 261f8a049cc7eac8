"""Masks and PII detectors of the customer import: what a rejected value may show."""

from __future__ import annotations

import pytest

from etl.pii import card_numbers, mask_email, mask_phone, mask_text, mask_value, national_ids


def test_an_email_shows_only_first_letters_and_top_level_domain():
    assert mask_email("john.doe@example.com") == "j***@e***.com"
    assert mask_email("ann@mail.example.co.uk") == "a***@m***.uk"


def test_text_without_an_at_sign_is_masked_as_text_in_the_email_column():
    assert mask_email("john.example.com") == "j***"


def test_a_phone_shows_its_first_digit_and_last_two():
    assert mask_phone("+1 234 567 812") == "+1*******12"
    assert mask_phone("030 1234512") == "********12"


def test_a_phone_with_letters_is_masked_as_text():
    assert mask_phone("call me maybe") == "c*** m*** m***"


def test_a_card_number_shows_only_its_last_two_digits():
    assert mask_value("Eve 4111 1111 1111 1111", "card_number") == "**************11"
    assert mask_value("4111-1111-1111-1111 and 5500 0000 0000 0004", "card_number") == (
        "**************11 **************04"
    )


def test_a_digit_run_that_fails_the_luhn_check_is_not_a_card_number():
    assert card_numbers("4111 1111 1111 1112") == []
    assert card_numbers("order 123456789012") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("SSN 123-45-6789", ["123456789"]),
        ("NI number AB 12 34 56 C", ["AB123456C"]),
        ("pay to DE89 3704 0044 0532 0130 00", ["DE89370400440532013000"]),
        ("DE89 3704 0044 0532 0130 01", []),  # fails the IBAN check digits
        ("call 030 1234567", []),
    ],
)
def test_national_id_like_numbers_are_found(text, found):
    assert national_ids(text) == found


def test_a_national_id_shows_only_its_last_two_characters():
    assert mask_value("SSN 123-45-6789", "national_id") == "*******89"


def test_an_email_in_free_text_is_masked_like_an_email():
    assert mask_value("Ann (ann.smith@example.org)", "email_in_text") == "a***@e***.org"


def test_long_text_shows_initials_and_its_length():
    assert mask_text("x" * 100_000) == "x*** (100,000 characters)"
    assert mask_text("Anna Maria Lopez Garcia") == "A*** M*** L***"


def test_a_mask_never_starts_a_formula_nor_shows_a_digit():
    assert mask_text('=HYPERLINK("http://evil.example")') == "****"
    assert mask_text("+49 30 1234567") == "**** **** ****"
    assert mask_value("", "email") == ""
