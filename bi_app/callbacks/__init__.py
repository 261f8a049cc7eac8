"""Thin callbacks: read inputs, call one workflow function, build the output.

Each module declares its callbacks on a CallbackSet and create_app attaches
them to its own app. (Dash's global `dash.callback` hands its callbacks to
the first app built in a process only; tests and workers build several.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dash import Dash


@dataclass
class CallbackSet:
    _server: list[tuple[tuple, dict, Callable[..., Any]]] = field(default_factory=list)
    _client: list[tuple[str, tuple, dict]] = field(default_factory=list)

    def callback(
        self, *dependencies: Any, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a server callback; the function stays a plain function."""

        def declare(function: Callable[..., Any]) -> Callable[..., Any]:
            self._server.append((dependencies, options, function))
            return function

        return declare

    def clientside(self, javascript: str, *dependencies: Any, **options: Any) -> None:
        self._client.append((javascript, dependencies, options))

    def attach(self, app: Dash) -> None:
        for dependencies, options, function in self._server:
            app.callback(*dependencies, **options)(function)
        for javascript, dependencies, options in self._client:
            app.clientside_callback(javascript, *dependencies, **options)
