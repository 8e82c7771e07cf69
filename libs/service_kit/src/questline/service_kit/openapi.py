"""Every status an operation can answer is in its OpenAPI document, each error with the
one `Problem` schema as `application/problem+json`.

A route declares its own refusals (404, 409, ...). The statuses the shared plumbing adds
are added here, once, to every operation they apply to, so a new route cannot forget
them: 401 and a 503 where a token is checked (caller.py), 403 where the security
requirement names a scope (`requires`, `bearer`), 400 and 413 where a body is read (the
JSON parser, the body limit in http.py), 422 where anything is validated, 404 where a
path has parameters (an id with a slash matches no route), and 503 with `Retry-After`
wherever the database may be out of reach (problems.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI

from questline.service_kit.problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Problems of one kind share a `type`; some "
    "carry more members (e.g. `giftId`, `retryAfterSeconds`, `errors`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {
            "type": "string",
            "description": "A URI naming the kind of problem; about:blank when the "
            "status says it all.",
        },
        "title": {"type": "string", "description": "A short summary of the kind."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong this time."},
        "instance": {"type": "string", "description": "The path that was asked for."},
        "errors": {
            "type": "array",
            "description": "Each invalid field or parameter (400 and 422).",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}

# The plumbing's own answers, and when each applies.
BAD_JSON = "The body is not valid JSON"
TOO_LARGE = "The body is too large"
INVALID = "Invalid parameters or fields"
NO_TOKEN = "No token, or not a valid one"
NOT_ALLOWED = "The token does not allow this"
NOTHING_HERE = "Nothing at this path (an id with a slash matches no route)"
UNAVAILABLE = (
    "A dependency (the database, or the keys that check tokens) is not reachable right "
    "now: retry after Retry-After seconds"
)
# Answers from memory: nothing it calls can be out of reach.
SELF_CONTAINED = {("get", "/health/live")}
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def problem(description: str, *, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A response of an operation's `responses`: a problem document."""
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the plumbing's statuses added to its operations and every error
    answer a problem (FastAPI documents its own 422 as application/json)."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for method, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            _absent_not_null(parameter)
        responses = operation.setdefault("responses", {})
        for status, description in _plumbing(method, path, operation):
            responses.setdefault(status, {"description": description})
        for status, answer in responses.items():
            # An error is a problem, unless the route says it answers something else
            # (a sign-in page again); FastAPI's own guess is application/json.
            declared = set(answer.get("content", {})) - {"application/json", PROBLEM_JSON}
            if status[0] in "45" and not declared:
                answer["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
            if answer.get("description") == "Validation Error":  # FastAPI's own words
                answer["description"] = INVALID
            if status == "503":
                answer["headers"] = {**answer.get("headers", {}), **RETRY_AFTER}
        operation["responses"] = dict(sorted(responses.items()))
    _drop_unused(document, ("HTTPValidationError", "ValidationError"))
    return document


def install(app: FastAPI) -> None:
    """`app` serves the completed document (generated once, on first request)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _plumbing(method: str, path: str, operation: dict[str, Any]) -> Iterator[tuple[str, str]]:
    parameters = operation.get("parameters", [])
    security = operation.get("security", [])
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        yield "413", TOO_LARGE
    if "application/json" in body:  # parsed and validated by the framework
        yield from (("400", BAD_JSON), ("422", INVALID))
    if parameters:
        yield "422", INVALID
    if any(p.get("in") == "path" for p in parameters):
        yield "404", NOTHING_HERE
    if security:
        yield "401", NO_TOKEN
    if any(scopes for requirement in security for scopes in requirement.values()):
        yield "403", NOT_ALLOWED
    if security or (method, path) not in SELF_CONTAINED:
        yield "503", UNAVAILABLE


def _absent_not_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is left out, never sent as null (a path, query or header
    has no null): FastAPI's `anyOf: [X, null]` becomes X."""
    schema = parameter.get("schema", {})
    others = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if len(others) == 1 and len(others) < len(schema["anyOf"]):
        del schema["anyOf"]
        schema.update(others[0])


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                yield method, path, operation


def _drop_unused(document: dict[str, Any], names: tuple[str, ...]) -> None:
    schemas = document["components"]["schemas"]
    for name in names:
        rest = {k: v for k, v in document.items() if k != "components"}
        others = {k: v for k, v in schemas.items() if k not in names}
        if f"#/components/schemas/{name}" not in json.dumps([rest, others]):
            schemas.pop(name, None)
