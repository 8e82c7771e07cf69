"""Bad input against the running servers: always problem+json, never a 500, nothing
written (the customer's story stays empty)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"customerId": "x"}', 422),
        (b'{"customerId": 7, "missionCode": "first-win"}', 422),
        (b'{"customerId": "has space", "missionCode": "first-win"}', 422),
        (b'{"customerId": "' + b"c" * 65 + b'", "missionCode": "first-win"}', 422),
        (b'{"customerId": "x", "missionCode": "no-such-mission"}', 422),
        (b'{"customerId": "x", "missionCode": "first-win", "extra": 1}', 422),
        (b"[]", 422),
        (b'{"customerId": "x", "missionCode": "' + b"m" * 70_000 + b'"}', 413),
        (b'{"customerId": "x", "missionCode": "\\u0000"}', 422),  # NUL: PostgreSQL refuses it
    ],
)
async def test_a_bad_achievement_is_refused_with_a_problem_and_writes_nothing(api, body, status):
    [player] = api.customers(1, "bad")
    payload = body.replace(b'"x"', f'"{player}"'.encode())
    response = await api.client.post(
        api.public("/missions"),
        content=payload,
        headers={"content-type": "application/json", **api.as_game_backend()},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and problem["title"]
    assert (await api.get("mission", f"/missions?customerId={player}"))["items"] == []


async def test_a_chunked_body_over_the_limit_is_refused(api):
    async def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(100):
            yield b"x" * 1024

    response = await api.client.post(
        api.public("/missions"),
        content=chunks(),
        headers={"content-type": "application/json", **api.as_game_backend()},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("service", "path", "status"),
    [
        ("mission", "/missions/does-not-exist", 404),
        ("mission", "/missions/" + "a" * 10_000, 422),
        ("mission", "/missions/%00", 400),  # a NUL in a path: the gateway refuses it itself
        ("gift", "/gifts/bad%00id", 400),
        ("mission", "/missions", 422),  # customerId missing
        ("reward", "/rewards/does-not-exist", 404),
        ("reward", "/rewards?customerId=" + "c" * 65, 422),
        ("wallet", "/wallets/has%20space", 422),
        ("gift", "/gifts/does-not-exist", 404),
        ("mypage", "/mypage/" + "c" * 65, 422),
        # Under an API's first segment (elsewhere the web app answers: its own pages).
        ("mypage", "/mypage/alice/no/such/route", 404),
    ],
)
async def test_unknown_or_malformed_ids_get_a_problem_not_a_500(api, service, path, status):
    response = await api.client.get(api.public(path))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_every_service_is_live_ready_and_measured(api):
    for service in ("mission", "reward", "wallet", "gift", "mypage"):
        assert (await api.client.get(api.url(service, "/health/live"))).status_code == 200
        ready = await api.client.get(api.url(service, "/health/ready"))
        assert ready.json()["checks"] == {"database": True, "kafka": True}
        metrics = await api.client.get(api.url(service, "/metrics"))
        assert "questline_http_requests_total" in metrics.text
        assert (await api.client.get(api.url(service, "/openapi.json"))).status_code == 200


async def test_a_control_character_in_a_gift_id_is_refused_and_never_reaches_gift(api):
    [player] = api.customers(1, "nul")
    response = await api.exchange(player, "some-reward", "\u0000")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("service", "path"), [("mission", "/missions/%00"), ("gift", "/gifts/bad%00id")]
)
async def test_a_service_itself_refuses_a_nul_in_an_id_with_422(api, service, path):
    response = await api.client.get(api.url(service, path))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
