"""What leaves a service when a route fails in a way no handler expected: a database
gone (503 with Retry-After), a value it cannot store (422), a bug (500); each counted
under the status the caller got."""

from __future__ import annotations

import asyncpg
import httpx
from fastapi import APIRouter

from questline.service_kit import metrics
from questline.service_kit.http import create_app


def _app(error: Exception):  # type: ignore[no-untyped-def]
    router = APIRouter()

    @router.get("/fails")
    async def fails() -> None:
        raise error

    return create_app(
        title="t", description="d", routers=[router], ready_checks={}, max_body_bytes=1000
    )


async def _get(error: Exception) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(error), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/fails")


def _count(status: str) -> float:
    return metrics.HTTP_REQUESTS.labels("GET", "/fails", status)._value.get()


async def test_a_database_gone_answers_503_with_retry_after_and_is_counted_as_503():
    before_503, before_500 = _count("503"), _count("500")
    response = await _get(FileNotFoundError(2, "No such file or directory"))
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    assert _count("503") == before_503 + 1
    assert _count("500") == before_500


async def test_a_database_restarting_answers_503():
    response = await _get(asyncpg.CannotConnectNowError("the database system is starting up"))
    assert response.status_code == 503


async def test_a_value_the_database_refuses_answers_422():
    response = await _get(asyncpg.NumericValueOutOfRangeError("integer out of range"))
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid value"


async def test_a_bug_answers_500_without_internals():
    response = await _get(KeyError("secret-internal-name"))
    assert response.status_code == 500
    assert "secret-internal-name" not in response.text
    assert response.headers["content-type"] == "application/problem+json"
