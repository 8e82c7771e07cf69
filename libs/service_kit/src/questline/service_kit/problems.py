"""RFC 9457 problem details: every error leaves a service as application/problem+json."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from questline.service_kit.logs import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(Response):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Problem(Exception):
    """Raise from an adapter to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    body.update(extensions)
    return ProblemResponse(body, status_code=status, headers=headers)


def _validation_errors(exc: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    errors = []
    malformed = False
    for e in exc.errors():
        if e.get("type") in {"json_invalid", "json_type"}:
            malformed = True
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        errors.append({"field": ".".join(loc) or "body", "message": e.get("msg", "invalid")})
    if malformed:
        return 400, "The request body is not valid JSON.", errors
    return 422, "The request has invalid or missing fields.", errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> ProblemResponse:
        return problem_response(
            request,
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> ProblemResponse:
        status, detail, errors = _validation_errors(exc)
        title = "Malformed request" if status == 400 else "Invalid request"
        return problem_response(request, status, title, detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
        title = titles.get(exc.status_code, "Request refused")
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}."
        return problem_response(
            request, exc.status_code, title, detail, headers=getattr(exc, "headers", None)
        )


def unexpected_problem(request: Request, exc: Exception) -> ProblemResponse:
    """The last resort, called by the request middleware for what no handler took: log
    it whole, tell the caller little, never leak internals. (Not an exception handler:
    Starlette re-raises after those, so a 503 would be logged and counted as a 500.)"""
    from questline.service_kit.db import is_transient

    code = getattr(exc, "sqlstate", None)
    # A data exception (SQLSTATE 22) or a value the driver cannot encode: bad input.
    if (isinstance(code, str) and code.startswith("22")) or type(exc).__name__ == "DataError":
        return problem_response(
            request, 422, "Invalid value", "A value in the request cannot be stored."
        )
    if is_transient(exc):
        log.warning("request_failed_transient", path=request.url.path, error=str(exc))
        return problem_response(
            request,
            503,
            "Service temporarily unavailable",
            "A dependency is not reachable right now. Please retry shortly.",
            headers={"Retry-After": "2"},
        )
    log.exception("request_failed", path=request.url.path)
    return problem_response(request, 500, "Internal error", "An unexpected error occurred.")
