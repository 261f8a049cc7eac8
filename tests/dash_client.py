"""Calls a Dash callback over HTTP the way the browser does (a POST to
/_dash-update-component from the app's own origin, with the session
cookie), for tests that need a server's answer without a browser: several
processes, outages, access rules. sign_in_http gets the cookie through the
real sign-in form."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

COOKIE = "ecc_session"

Prop = tuple[str, str]


def call_callback(
    base_url: str,
    outputs: Sequence[Prop],
    inputs: Sequence[tuple[str, str, Any]],
    *,
    cookie: str | None = None,
    timeout: float = 30,
) -> dict[str, dict[str, Any]]:
    """{component id: {property: value}} of the callback's outputs; `cookie`
    is a "Cookie:" header value from sign_in_http."""
    payload = {
        "output": _output_key(outputs),
        "outputs": [{"id": i, "property": p} for i, p in outputs]
        if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [],
    }
    headers = {"Origin": base_url, **({"Cookie": cookie} if cookie else {})}
    status, body = post_json(f"{base_url}/_dash-update-component", payload, headers=headers, timeout=timeout)
    if status != 200:
        raise AssertionError(f"callback answered {status}: {body[:500]!r}")
    return json.loads(body)["response"]


def post_json(url: str, payload: object, *, headers: dict[str, str] | None = None, timeout: float = 30):
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sign_in_http(base_url: str, username: str, password: str, *, timeout: float = 30) -> str:
    """Sign in through POST /login as a browser would; the "Cookie:" header
    value of the new session. Fails with the page's answer when refused."""
    request = urllib.request.Request(
        f"{base_url}/login",
        data=urllib.parse.urlencode({"username": username, "password": password}).encode(),
        headers={"Origin": base_url, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        response = exc
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        if name == COOKIE and rest.split(";")[0]:
            return f"{COOKIE}={rest.split(';')[0]}"
    raise AssertionError(f"sign-in as {username} answered {response.status}: {response.read()[:500]!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def find_component(tree: Any, component_id: str) -> dict[str, Any] | None:
    """The serialised component with this id anywhere in a layout tree."""
    for node in _walk(tree):
        if node.get("props", {}).get("id") == component_id:
            return node
    return None


def text_of(tree: Any) -> str:
    """All the text in a serialised component tree, in order."""
    if isinstance(tree, str | int | float):
        return str(tree)
    if isinstance(tree, list):
        return "".join(text_of(child) for child in tree)
    if isinstance(tree, dict):
        return text_of(tree.get("props", {}).get("children", ""))
    return ""


def _walk(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, list):
        for child in tree:
            yield from _walk(child)
    elif isinstance(tree, dict) and "props" in tree:
        yield tree
        yield from _walk(tree["props"].get("children"))


def _output_key(outputs: Sequence[Prop]) -> str:
    if len(outputs) == 1:
        return f"{outputs[0][0]}.{outputs[0][1]}"
    return ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
