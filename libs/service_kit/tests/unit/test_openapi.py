"""The OpenAPI document of a service built by `create_app`: the statuses the shared
plumbing can answer are on every operation they apply to, and every error answer is
the one Problem schema as application/problem+json."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from questline.service_kit.caller import LIVEOPS, Caller, CallerDep, requires
from questline.service_kit.http import create_app
from questline.service_kit.idempotency import IdempotencyKey
from questline.service_kit.ids import IdPath
from questline.service_kit.problems import PROBLEM_JSON

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


class Thing(BaseModel):
    name: str


def document() -> dict[str, Any]:
    api = APIRouter()

    @api.get("/things", summary="A public list")
    async def things() -> list[Thing]:
        return []

    @api.get("/things/{thing_id}", responses={404: {"description": "No such thing"}})
    async def thing(thing_id: IdPath) -> Thing:
        return Thing(name=thing_id)

    @api.get("/mine")
    async def mine(caller: CallerDep) -> list[Thing]:
        return []

    @api.post("/things", status_code=201)
    async def add(
        body: Thing,
        caller: Annotated[Caller, requires(LIVEOPS)],
        idempotency_key: IdempotencyKey = None,
    ) -> Thing:
        return body

    async def ready() -> bool:
        return True

    app = create_app(
        title="test",
        description="test",
        routers=[api],
        ready_checks={"database": ready},
        max_body_bytes=1000,
    )
    return app.openapi()


def statuses(doc: dict[str, Any], method: str, path: str) -> list[str]:
    return list(doc["paths"][path][method]["responses"])


def test_a_command_with_a_body_and_a_token_documents_every_refusal_of_the_plumbing() -> None:
    assert statuses(document(), "post", "/things") == [
        "201",
        "400",
        "401",
        "403",
        "413",
        "422",
        "503",
    ]


def test_a_read_that_needs_a_token_but_no_scope_can_refuse_the_token_only() -> None:
    assert statuses(document(), "get", "/mine") == ["200", "401", "503"]


def test_the_scope_a_command_requires_is_in_its_security_requirement() -> None:
    operation = document()["paths"]["/things"]["post"]

    assert operation["security"] == [{"HTTPBearer": [LIVEOPS]}]


def test_a_read_by_id_documents_its_own_404_and_the_invalid_id() -> None:
    doc = document()

    assert statuses(doc, "get", "/things/{thing_id}") == ["200", "404", "422", "503"]
    assert doc["paths"]["/things/{thing_id}"]["get"]["responses"]["404"]["description"] == (
        "No such thing"
    )


def test_a_public_read_without_parameters_can_only_fail_for_want_of_its_database() -> None:
    assert statuses(document(), "get", "/things") == ["200", "503"]


def test_liveness_depends_on_nothing_and_readiness_documents_its_503() -> None:
    doc = document()

    assert statuses(doc, "get", "/health/live") == ["200"]
    assert statuses(doc, "get", "/health/ready") == ["200", "503"]


@pytest.mark.parametrize(("method", "path"), [("post", "/things"), ("get", "/things/{thing_id}")])
def test_every_error_answer_is_a_problem_and_fastapis_own_schema_is_gone(
    method: str, path: str
) -> None:
    doc = document()

    errors = {s: r for s, r in doc["paths"][path][method]["responses"].items() if s >= "400"}
    assert all(answer["content"] == PROBLEM for answer in errors.values())
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_a_503_says_when_to_retry() -> None:
    answer = document()["paths"]["/things"]["get"]["responses"]["503"]

    assert answer["headers"]["Retry-After"]["required"] is True


def test_an_optional_header_is_a_string_never_a_null() -> None:
    operation = document()["paths"]["/things"]["post"]

    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert (key["in"], key["required"]) == ("header", False)
    assert (key["schema"]["type"], key["schema"]["maxLength"]) == ("string", 200)
    assert "anyOf" not in key["schema"]
