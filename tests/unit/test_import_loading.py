"""The loading side's pure rules: COPY text and the invalid-share threshold."""

from __future__ import annotations

from decimal import Decimal

from workflow.customers import copy_text, is_over_threshold


def test_rows_become_copy_text_with_null_for_a_missing_phone():
    assert copy_text([("ann@x.com", "Ann", None, "DE"), ("bob@x.com", "Bob", "+4930123456", "FR")]) == (
        b"ann@x.com\tAnn\t\\N\tDE\nbob@x.com\tBob\t+4930123456\tFR\n"
    )


def test_backslashes_tabs_and_line_breaks_in_values_are_escaped():
    assert copy_text([("a@x.com", "A\\N\tB\r\nC", None, "DE")]) == b"a@x.com\tA\\\\N\\tB\\r\\nC\t\\N\tDE\n"


def test_rows_without_a_null_are_escaped_the_same():
    assert copy_text([("a@x.com", "A\\N\tB\r\nC", "+4930123456", "DE")]) == (
        b"a@x.com\tA\\\\N\\tB\\r\\nC\t+4930123456\tDE\n"
    )
    assert copy_text([("a@x.com", "Ann", "+4930123456", "DE")] * 2) == b"a@x.com\tAnn\t+4930123456\tDE\n" * 2
    assert copy_text([]) == b""


def test_the_threshold_allows_exactly_the_limit_and_refuses_more():
    assert not is_over_threshold(20, 1, Decimal(5))
    assert is_over_threshold(20, 2, Decimal("9.99"))
    assert not is_over_threshold(20, 2, Decimal(10))
    assert is_over_threshold(3, 1, Decimal(0))
    assert not is_over_threshold(0, 0, Decimal(0))
