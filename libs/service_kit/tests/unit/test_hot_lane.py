"""The hot lane answers exactly as the framework would, without its layers: the same lean
endpoint on a hot route and on an ordinary one gives the same statuses, bodies and
headers, and the hot one never reaches the framework's middleware stack."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, TypeAdapter

from questline.service_kit import metrics
from questline.service_kit.hot_lane import ServiceApp, hot
from questline.service_kit.http import create_app
from questline.service_kit.ids import CustomerId, CustomerIdPath, IdPath, OpaqueId
from questline.service_kit.lean import json_response, path_schema, read_body, read_path
from questline.service_kit.problems import Problem


class Order(BaseModel):
    amount: int


async def _endpoint(request: Request) -> Response:
    order = await read_body(request, Order)
    if order.amount == 409:
        raise Problem(409, "Conflict", "taken", headers={"X-Why": "taken"})
    if order.amount == 500:
        raise KeyError("internal-name")
    if order.amount == 503:
        raise FileNotFoundError(2, "No such file or directory")  # a database gone
    return json_response(
        b'{"amount":%d,"item":"%s"}' % (order.amount, request.path_params["item"].encode()), 201
    )


def _app() -> ServiceApp:
    router = APIRouter()
    router.post("/hot/{item}", status_code=201)(hot(_endpoint))

    async def cold(request: Request) -> Response:
        return await _endpoint(request)

    router.post("/cold/{item}", status_code=201)(cold)
    app = create_app(
        title="t", description="d", routers=[router], ready_checks={}, max_body_bytes=1000
    )
    assert isinstance(app, ServiceApp)
    return app


async def _post(app: ServiceApp, path: str, body: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    "body",
    [
        b'{"amount": 3}',
        b'{"amount": "many"}',  # 422
        b"{not json",  # 400
        b'{"amount": 409}',  # a Problem with its own header
        b'{"amount": 500}',  # a bug: 500 without internals
        b'{"amount": 503}',  # the database gone: 503 + Retry-After
        b'{"amount": 1, "pad": "' + b"x" * 2000 + b'"}',  # 413
    ],
)
async def test_a_hot_route_answers_as_the_same_endpoint_through_the_framework(body: bytes):
    app = _app()
    hot_answer = await _post(app, "/hot/a", body)
    cold_answer = await _post(app, "/cold/a", body)
    assert hot_answer.status_code == cold_answer.status_code
    for header in ("content-type", "retry-after", "x-why"):
        assert hot_answer.headers.get(header) == cold_answer.headers.get(header)
    assert ("x-request-id" in hot_answer.headers) == ("x-request-id" in cold_answer.headers)
    hot_doc = hot_answer.text.replace("/hot/", "/x/")
    assert hot_doc == cold_answer.text.replace("/cold/", "/x/")
    assert "internal-name" not in hot_doc


async def test_a_hot_route_never_reaches_the_framework_layers():
    app = _app()

    async def refuse(scope, receive, send):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{scope['path']} went through the framework")

    app.middleware_stack = refuse  # what Starlette would otherwise build on first call
    answer = await _post(app, "/hot/b", b'{"amount": 7}')
    assert answer.status_code == 201
    assert answer.json() == {"amount": 7, "item": "b"}


async def test_other_methods_on_a_hot_path_still_get_the_framework_s_answer():
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/hot/a")
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_hot_route_is_counted_under_its_route_template():
    counted = metrics.HTTP_REQUESTS.labels("POST", "/hot/{item}", "201")
    before = counted._value.get()
    await _post(_app(), "/hot/c", b'{"amount": 1}')
    assert counted._value.get() == before + 1


def test_only_an_endpoint_that_takes_the_request_alone_can_be_hot():
    async def two(request: Request, item: str) -> Response:
        raise NotImplementedError

    with pytest.raises(TypeError, match="takes only the request"):
        hot(two)


_IDS = {"customer_id": TypeAdapter(CustomerId), "item_id": TypeAdapter(OpaqueId)}


def _paths_app() -> ServiceApp:
    """The same route twice: its path declared to FastAPI, and read by hand on the lane."""
    router = APIRouter()

    @router.post("/declared/{customer_id}/{item_id}")
    async def declared(customer_id: CustomerIdPath, item_id: IdPath) -> Response:
        return json_response(b'["%s","%s"]' % (customer_id.encode(), item_id.encode()))

    @router.post("/by-hand/{customer_id}/{item_id}", openapi_extra=path_schema(**_IDS))
    @hot
    async def by_hand(request: Request) -> Response:
        customer_id, item_id = read_path(request, **_IDS)
        return json_response(b'["%s","%s"]' % (customer_id.encode(), item_id.encode()))

    app = create_app(
        title="t", description="d", routers=[router], ready_checks={}, max_body_bytes=1000
    )
    assert isinstance(app, ServiceApp)
    return app


@pytest.mark.parametrize(
    "ids", ["alice/sword", "-alice/sword", "alice/" + "s" * 65, "-alice/s%7F", "alice/s%00"]
)
async def test_path_ids_read_by_hand_answer_as_ids_the_framework_validates(ids: str):
    app = _paths_app()
    by_hand = await _post(app, f"/by-hand/{ids}", b"")
    declared = await _post(app, f"/declared/{ids}", b"")
    assert (by_hand.status_code, by_hand.headers["content-type"]) == (
        declared.status_code,
        declared.headers["content-type"],
    )
    assert by_hand.text.replace("/by-hand/", "/x/") == declared.text.replace("/declared/", "/x/")


def test_path_ids_read_by_hand_are_documented_as_declared_ones():
    paths = _paths_app().openapi()["paths"]
    by_hand = paths["/by-hand/{customer_id}/{item_id}"]["post"]["parameters"]
    assert by_hand == paths["/declared/{customer_id}/{item_id}"]["post"]["parameters"]
