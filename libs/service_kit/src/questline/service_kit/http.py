"""The HTTP shell every service shares: problem+json errors, request ids and logs,
metrics, a body size limit, and the health endpoints."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.service_kit import metrics, openapi
from questline.service_kit.drain import CLOSE, Drain
from questline.service_kit.hot_lane import ServiceApp
from questline.service_kit.logs import get_logger
from questline.service_kit.problems import (
    Problem,
    ProblemResponse,
    install_problem_handlers,
    problem_response,
    unexpected_problem,
)
from questline.service_kit.uuids import uuid4_hex

log = get_logger(__name__)

ReadyCheck = Callable[[], Awaitable[bool]]


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class RequestContextMiddleware:
    """Request id, access log line, metrics and the body size limit, as one cheap ASGI
    layer (no BaseHTTPMiddleware: it would copy every body). While the process drains,
    every answer closes its connection (see drain)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, drain: Drain | None = None) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.drain = drain or Drain()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = headers.get(b"x-request-id", b"").decode()[:64] or uuid4_hex()
        scope.setdefault("state", {})["request_id"] = request_id
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        status = 500
        if declared is None and scope["method"] in {"POST", "PUT", "PATCH"}:
            # A streamed body has no declared size: read it here, within the limit,
            # because an error raised inside the framework's body parsing becomes a 400.
            body = await self._read_limited(receive)
            if body is None:
                await self._too_large(scope, receive, send)
                return
            receive = _replay(body)

        started_answer = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_answer
            if message["type"] == "http.response.start":
                status = message["status"]
                started_answer = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    *([CLOSE] if self.drain.draining else []),
                ]
            await send(message)

        started = time.perf_counter()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if started_answer:  # half an answer sent: nothing sane to add
                raise
            await unexpected_problem(Request(scope), error)(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(scope["method"], route).observe(elapsed)
            if status >= 500:
                log.warning(
                    "http_request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    ms=round(elapsed * 1000, 2),
                    request_id=request_id,
                )

    async def _read_limited(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            Request(scope),
            413,
            "Request body too large",
            f"The body exceeds the limit of {self.max_body} bytes.",
        )
        await response(scope, receive, send)


def health_router(checks: Mapping[str, ReadyCheck], drain: Drain | None = None) -> APIRouter:
    router = APIRouter(tags=["platform"])
    drain = drain or Drain()

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get(
        "/health/ready",
        summary="Ready: its database and Kafka are reachable, and it is not draining",
        response_model=None,
        responses={
            503: {"description": "Not ready: `checks` says what is unreachable, or draining"}
        },
    )
    async def ready(request: Request) -> dict[str, Any] | ProblemResponse:
        if drain.draining:  # no check: the answer is the same whatever they say
            return problem_response(
                request,
                503,
                "Draining",
                f"This instance is stopping ({drain.reason}): send requests to another one.",
                draining=True,
            )
        results = {name: await check() for name, check in checks.items()}
        if all(results.values()):
            return {"status": "ready", "checks": results}
        failing = ", ".join(name for name, ok in results.items() if not ok)
        return problem_response(
            request,
            503,
            "Not ready",
            f"Unreachable: {failing}.",
            headers={"Retry-After": "2"},
            checks=results,
        )

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    ready_checks: Mapping[str, ReadyCheck],
    max_body_bytes: int,
    lifespan: Any = None,
    verifier: Any = None,
    drain: Drain | None = None,  # the runtime's: readiness and connections follow it
) -> FastAPI:
    drain = drain or Drain()
    app = ServiceApp(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.verifier = verifier  # caller.TokenVerifier: who is calling, on every route
    install_problem_handlers(app)
    openapi.install(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=max_body_bytes, drain=drain)
    app.include_router(health_router(ready_checks, drain))
    for router in routers:
        app.include_router(router)
    app.open_hot_lane(
        routers, lambda lane: RequestContextMiddleware(lane, max_body_bytes, drain=drain)
    )
    return app


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id") or uuid4_hex())


__all__ = ["Problem", "create_app", "request_id"]
