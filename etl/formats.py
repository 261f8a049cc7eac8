"""The e-mail, name and country formats, checked a whole column at a time.

EMAIL and NAME are the rules, as regular expressions searched in a value;
ALPHA_2 the country codes. valid_emails and valid_names answer, for every
value, exactly what `pattern.search(value) is not None` answers
(tests/unit/test_import_formats.py compares them on thousands of values),
at a fraction of the cost for a column of a million values:

- an e-mail is cut at its `@` by a cheaper pattern (the local part's rule,
  then any domain without `@` or a line break); the domain's rule, the
  costly half, is then checked once per distinct domain (a file has a few
  thousand domains for a million customers), the lengths with string
  functions. A value the cheaper pattern does not take is searched with
  EMAIL itself;
- a name is searched once per distinct value (names repeat).
"""

from __future__ import annotations

import operator
import re
from itertools import repeat

import numpy as np

from etl.countries import ALPHA_2
from etl.rules import MAX_NAME

# Local part: RFC 5322 atext (and letters of any script) with single dots; domain: labels of letters,
# digits and inner hyphens; the last one 2+ letters (or punycode).
_ATEXT = r"[\w!#$%&'*+/=?^`{|}~-]"
_DOMAIN = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
EMAIL = rf"^(?=.{{3,254}}$)(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*@{_DOMAIN}$"
NAME = rf"^(?=.{{2,{MAX_NAME}}}$)(?=.*[^\W\d_])[^\d\x00-\x1f\x7f@]+$"

_EMAIL = re.compile(EMAIL)
_NAME = re.compile(NAME)
# The local part as EMAIL has it, the one @, a domain with neither @ nor a line break (so that `$` and
# `.` in EMAIL mean the end of the value and any character). The domain is group 1.
_LOCAL_AT = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@([^@\n]*)")
_DOMAIN_ONLY = re.compile(_DOMAIN)
_MAX_LOCAL, _MIN_EMAIL, _MAX_EMAIL = 64, 3, 254


def valid_emails(values: list[str]) -> np.ndarray:
    """For each value, whether EMAIL finds it (a boolean array)."""
    count = len(values)
    # The domain of each value the cheaper pattern takes, else None (no match object is kept: a
    # list of them would be a million objects for the garbage collector to walk).
    domains = [None if match is None else match[1] for match in map(_LOCAL_AT.fullmatch, values)]
    verdicts: dict[str | None, bool] = {
        domain: _DOMAIN_ONLY.fullmatch(domain) is not None for domain in set(domains) if domain is not None
    }
    verdicts[None] = False
    valid = np.fromiter(map(verdicts.__getitem__, domains), dtype=bool, count=count)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=count)
    at = np.fromiter(map(str.find, values, repeat("@")), dtype=np.int64, count=count)
    valid &= (lengths >= _MIN_EMAIL) & (lengths <= _MAX_EMAIL) & (at <= _MAX_LOCAL)
    unshaped = np.fromiter(map(operator.is_, domains, repeat(None)), dtype=bool, count=count)
    for i in np.flatnonzero(unshaped).tolist():
        valid[i] = _EMAIL.search(values[i]) is not None
    return valid


def valid_names(values: list[str]) -> np.ndarray:
    """For each value, whether NAME finds it (a boolean array)."""
    verdicts = {value: _NAME.search(value) is not None for value in dict.fromkeys(values)}
    return np.fromiter(map(verdicts.__getitem__, values), dtype=bool, count=len(values))


def country_codes(values: list[str]) -> np.ndarray:
    """For each value, whether it is an ISO 3166 alpha-2 code (a boolean array)."""
    return np.fromiter(map(ALPHA_2.__contains__, values), dtype=bool, count=len(values))
