"""A listing's query value (workflow.listings OrderQuery, ItemQuery,
PaymentQuery, ShipmentQuery, CustomerQuery) in the URL query string, both
ways, for any of them: the page's address and its CSV download carry the
same parameters, so the export is exactly the filter on screen.

Parameters are the query's field names, except start/end (`from`, `to`),
descending (`desc`) and tuples, named in the singular (`state=overdue,unpaid`,
`country=DE,FR`) and comma-separated. Only values that differ
from the query's defaults are written. Each bad parameter is dropped with
the workflow's own message as a note; the others are kept.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlencode

from workflow.errors import WorkflowError

Q = TypeVar("Q")
RENAMED = {
    "start": "from",
    "end": "to",
    "descending": "desc",
    "states": "state",
    "statuses": "status",
    "countries": "country",
    "categories": "category",
    "carriers": "carrier",
    "kinds": "kind",
    "methods": "method",
}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse_listing_query(
    query_type: type[Q], params: Mapping[str, str | list[str] | None], *, ignore: tuple[str, ...] = ("page",)
) -> tuple[Q, tuple[str, ...]]:
    """The query value the parameters describe, and for each parameter that
    was dropped (unknown, malformed or refused by the query's checks) the
    reason, as a sentence without its full stop."""
    fields = {RENAMED.get(f.name, f.name): f for f in dataclasses.fields(query_type)}
    hints = typing.get_type_hints(query_type)
    kept: dict[str, Any] = {}
    notes: list[str] = []
    for name, raw in params.items():
        if name in ignore:
            continue
        if name not in fields:
            notes.append(f"{name!r} is not a filter of this view")
            continue
        text = ",".join(raw) if isinstance(raw, list) else (raw or "")
        field = fields[name]
        try:
            value = _convert(text.strip(), hints[field.name], name)
            query_type(**{**kept, field.name: value})  # the query's own checks, one parameter at a time
        except (ValueError, WorkflowError) as exc:
            message = exc.message if isinstance(exc, WorkflowError) else str(exc)
            notes.append(message.rstrip("."))
            continue
        kept[field.name] = value
    return query_type(**kept), tuple(notes)


def listing_query_string(query: Any, **extra: str | int | None) -> str:
    """`?...` with the fields that differ from the defaults (and `extra`
    such as page=2), or ''."""
    params: dict[str, str] = {}
    for field in dataclasses.fields(query):
        value = getattr(query, field.name)
        if value == _default(field):
            continue
        params[RENAMED.get(field.name, field.name)] = _text(value)
    params.update({name: str(value) for name, value in extra.items() if value not in (None, "")})
    return "?" + urlencode(params) if params else ""


def _convert(text: str, hint: Any, name: str) -> Any:
    target, optional = _unwrap(hint)
    if text == "":
        if optional:
            return None
        if typing.get_origin(target) is tuple:
            return ()
        raise ValueError(f"{name} is empty")
    if typing.get_origin(target) is tuple:
        item = typing.get_args(target)[0]
        return tuple(_scalar(part.strip(), item, name) for part in text.split(",") if part.strip())
    return _scalar(text, target, name)


def _scalar(text: str, target: Any, name: str) -> Any:
    if target is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"{name}={text!r} is not true or false")
    if target is int:
        if not text.isdigit():
            raise ValueError(f"{name}={text!r} is not a whole number")
        return int(text)
    if target is date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name}={text!r} is not a date (expected YYYY-MM-DD)") from None
    if isinstance(target, type) and issubclass(target, Enum):
        try:
            return target(text)
        except ValueError:
            allowed = ", ".join(member.value for member in target)
            raise ValueError(f"{name}={text!r} is not one of {allowed}") from None
    return text


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """(the type inside Optional[...], whether None is allowed)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(hint))
    return hint, False


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(_text(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
