"""Configuration values and the money rule, without a database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from workflow.db import normalize_url
from workflow.errors import ConfigurationError, ErrorCode
from workflow.money import quantize_money
from workflow.settings import Settings


def test_defaults_use_the_embedded_database_in_the_local_data_folder():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.pgdata == Path(".ecc") / "pgdata"
    assert settings.business_timezone == "UTC"
    assert settings.payment_terms_days == 30


def test_the_data_folder_moves_the_embedded_database_unless_pgdata_is_given():
    assert Settings.from_env({"ECC_DATA_DIR": "/srv/ecc"}).pgdata == Path("/srv/ecc/pgdata")
    assert Settings.from_env({"ECC_DATA_DIR": "/srv/ecc", "ECC_PGDATA": "/pg"}).pgdata == Path("/pg")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ECC_TIMEZONE": "Mars/Olympus"}, "ECC_TIMEZONE='Mars/Olympus' is not a known time zone"),
        ({"ECC_CURRENCY": "euro"}, "ECC_CURRENCY='EURO' is not a currency code; expected three letters"),
        ({"ECC_PAYMENT_TERMS_DAYS": "-3"}, "ECC_PAYMENT_TERMS_DAYS='-3' is not valid; expected whole days"),
        ({"ECC_PAYMENT_TERMS_DAYS": "thirty"}, "ECC_PAYMENT_TERMS_DAYS='thirty' is not valid"),
    ],
)
def test_a_bad_setting_names_the_variable_and_what_it_expects(env, expected):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert caught.value.code is ErrorCode.INVALID_SETTING
    assert expected in caught.value.message


@pytest.mark.parametrize(
    "url",
    ["postgres://u:p@db:5432/shop", "postgresql://u:p@db:5432/shop", "postgresql+psycopg://u:p@db:5432/shop"],
)
def test_every_common_postgres_url_form_uses_psycopg_3(url):
    normalized = normalize_url(url)
    assert normalized.drivername == "postgresql+psycopg"
    assert (normalized.host, normalized.port, normalized.database) == ("db", 5432, "shop")


def test_a_url_for_another_database_is_refused_with_an_example():
    with pytest.raises(ConfigurationError, match="expected a PostgreSQL URL such as postgresql://"):
        normalize_url("mysql://u@db/shop")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.345", "12.35"), ("12.344", "12.34"), ("-0.005", "-0.01"), ("0.125", "0.13"), (7, "7.00")],
)
def test_money_rounds_to_cents_half_away_from_zero_like_postgresql(value, expected):
    assert quantize_money(value) == Decimal(expected)
    assert str(quantize_money(value)) == expected


def test_money_refuses_floats():
    with pytest.raises(TypeError, match="must not be a float"):
        quantize_money(0.1)


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("1", True), ("FALSE", False), ("", False)])
def test_cash_on_delivery_is_a_yes_or_no_setting(text, expected):
    assert Settings.from_env({"ECC_CASH_ON_DELIVERY": text}).cash_on_delivery is expected


def test_a_cash_on_delivery_value_that_is_not_yes_or_no_is_refused():
    with pytest.raises(
        ConfigurationError, match="ECC_CASH_ON_DELIVERY='maybe' is not valid; expected true or false"
    ):
        Settings.from_env({"ECC_CASH_ON_DELIVERY": "maybe"})
