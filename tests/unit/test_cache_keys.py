"""Cache keys are the same in every process and tell different inputs apart."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bi_app.cache import DashboardCache, cache_key
from workflow.errors import ConfigurationError, ErrorCode

ROOT = Path(__file__).resolve().parents[2]
PARTS = (7, dt.date(2024, 1, 1), "Books", None, frozenset({"FR", "DE", "IT"}), (1, "a"))


def key_in_another_process(hash_seed: str) -> str:
    script = (
        "import datetime as dt; from bi_app.cache import cache_key; "
        "print(cache_key('ecc', 'revenue', "
        "(7, dt.date(2024, 1, 1), 'Books', None, frozenset({'FR', 'DE', 'IT'}), (1, 'a'))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_key_is_the_same_in_processes_with_different_hash_seeds() -> None:
    here = cache_key("ecc", "revenue", PARTS)
    assert key_in_another_process("1") == key_in_another_process("2") == here


def test_a_key_names_its_namespace_and_chart() -> None:
    assert cache_key("ecc", "revenue", PARTS).startswith("ecc:revenue:")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ((1,), ("1",)),
        ((1,), (True,)),
        ((None,), ("None",)),
        ((dt.date(2024, 1, 1),), ("2024-01-01",)),
        ((dt.date(2024, 1, 1),), (dt.datetime(2024, 1, 1),)),
        ((Decimal("1.5"),), (1.5,)),
        (((1, 2),), (1, 2)),
        ((7, "Books"), (8, "Books")),
    ],
)
def test_different_key_parts_give_different_keys(one: tuple, other: tuple) -> None:
    assert cache_key("ecc", "revenue", one) != cache_key("ecc", "revenue", other)


def test_a_key_part_without_a_stable_form_is_refused() -> None:
    with pytest.raises(TypeError, match="object"):
        cache_key("ecc", "revenue", (object(),))


def test_without_redis_url_the_cache_lives_in_memory_silently(caplog: pytest.LogCaptureFixture) -> None:
    calls = []
    with caplog.at_level(logging.DEBUG, logger="bi_app.cache"):
        cache = DashboardCache(None)
        for _ in range(3):
            cache.get_or_compute("revenue", (1,), lambda: calls.append(1) or "figure")

    assert cache.backend == "memory"
    assert len(calls) == 1
    assert caplog.records == []


@pytest.mark.parametrize("url", ["localhost:6379", "http://cache:6379/0", "redis://:pw@cache:port/0"])
def test_a_redis_url_that_is_not_one_is_refused_without_showing_its_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        DashboardCache(url)

    assert refused.value.code is ErrorCode.INVALID_SETTING
    assert "is not a Redis URL; expected redis://host:port/db" in refused.value.message
    assert ":pw@" not in refused.value.message
