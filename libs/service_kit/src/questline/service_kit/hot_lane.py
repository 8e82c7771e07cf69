"""The hot lane: a few routes served beneath the framework's layers.

FastAPI hands every request through Starlette's app, its error, telemetry and body-limit
middlewares, the exception middleware, an exit stack, a scan of every route and the
request-response wrapper before the endpoint runs: about a third of the mission
process's CPU at 300 achievements/s (py-spy), for work a lean endpoint does not need.
A route marked `hot` — a lean endpoint `(request) -> Response` — is found by matching
only the hot routes and called directly, inside the same `RequestContextMiddleware`
(request id, body limit, metrics, last resort) and with the app's own exception
handlers, so it answers exactly as through the framework. It stays in the router: the
OpenAPI document and any request the lane does not take still go the usual way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

LeanEndpoint = Callable[[Request], Awaitable[Response]]

_HOT = "__questline_hot__"


def hot(endpoint: LeanEndpoint) -> LeanEndpoint:
    """Mark a lean endpoint for the hot lane (use below the route decorator)."""
    params = list(inspect.signature(endpoint).parameters.values())
    if len(params) != 1:
        raise TypeError(f"{endpoint.__name__}: a hot endpoint takes only the request")
    setattr(endpoint, _HOT, True)
    return endpoint


class ServiceApp(FastAPI):
    """FastAPI with the hot lane in front; `open_hot_lane` once every route is in."""

    _hot: tuple[APIRoute, ...] = ()
    _lane: ASGIApp | None = None

    def open_hot_lane(
        self, routers: Iterable[APIRouter], wrap: Callable[[ASGIApp], ASGIApp]
    ) -> None:
        """The hot routes declared in `routers` (included without a prefix), served
        through `wrap`: the request middleware the lane shares with the other routes."""
        self._hot = tuple(
            route
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and getattr(route.endpoint, _HOT, False)
        )
        self._lane = wrap(self._serve_hot)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._lane is not None and scope["type"] == "http":
            for route in self._hot:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope["app"] = self
                    scope.update(child)  # route, endpoint, path_params
                    await self._lane(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    async def _serve_hot(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await scope["endpoint"](request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise  # the request middleware's last resort answers, as for any route
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Callable[..., Any] | None:
        for kind in type(error).__mro__:
            handler = self.exception_handlers.get(kind)
            if handler is not None:
                return handler
        return None


__all__ = ["ServiceApp", "hot"]
