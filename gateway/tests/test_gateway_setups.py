"""Gateways other than the shared test one: started before the auth service, stopped,
refused, with a low route ceiling, and with a web app behind `/`."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from questline.devstack.ports import free_ports
from questline.gateway.process import Gateway, GatewayError

pytestmark = pytest.mark.integration

Tokens = Any  # conftest.Tokens
Services = Any  # conftest.Services


async def eventually_status(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], status: int, timeout: float
) -> httpx.Response:
    """Poll until `path` answers `status`; the last answer otherwise fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        response = await http.get(path, headers=headers)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.05)


async def test_a_gateway_started_before_auth_accepts_tokens_once_the_keys_are_published(
    services: Services,
    tokens: Tokens,
    keys: Any,
    tmp_path: Path,
    gateway_settings: Any,
    key_server_on: Any,
) -> None:
    (jwks_port,) = free_ports(1)
    settings = gateway_settings(
        jwks_url=f"http://127.0.0.1:{jwks_port}/jwks.json", jwks_retry_s=0.2
    )
    gateway = await _started(settings, tmp_path)
    try:
        token = tokens.bearer()
        async with httpx.AsyncClient(base_url=gateway.url) as http:
            before = await http.get("/rewards", headers=token)
            assert before.status_code == 401  # no keys yet: nothing can be verified
            async with key_server_on(jwks_port):
                after = await eventually_status(http, "/rewards", token, 200, timeout=10)
        assert after.status_code == 200, after.text
    finally:
        gateway.stop()


async def test_stop_ends_envoy_and_is_running_tells(
    services: Services, tmp_path: Path, gateway_settings: Any, key_server: Any
) -> None:
    gateway = await _started(gateway_settings(), tmp_path)
    assert gateway.is_running() and gateway.admin_ready()
    assert (tmp_path / "envoy.json").exists()
    gateway.stop()
    assert not gateway.is_running()
    assert gateway.returncode is not None
    assert not gateway.admin_ready()


def test_start_refuses_a_port_that_is_already_taken(tmp_path: Path, gateway_settings: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = gateway_settings(port=taken.getsockname()[1])
        gateway = Gateway(settings, tmp_path)
        with pytest.raises(GatewayError, match="already in use"):
            gateway.start()
    assert not gateway.is_running()


async def test_wait_ready_reports_an_envoy_that_died_with_the_end_of_its_log(
    tmp_path: Path, gateway_settings: Any
) -> None:
    # An address this machine does not have: Envoy cannot bind the listener and exits.
    gateway = Gateway(gateway_settings(listen_host="192.0.2.123"), tmp_path)
    gateway.start()
    try:
        with pytest.raises(GatewayError, match=r"exited while starting[\s\S]*192\.0\.2\.123"):
            await asyncio.to_thread(gateway.wait_ready, 20)
    finally:
        gateway.stop()


async def test_the_route_ceiling_refuses_clients_that_are_each_within_their_own_limit(
    tokens: Tokens, tmp_path: Path, gateway_settings: Any
) -> None:
    settings = gateway_settings(route_rate_per_s=2, route_burst=5, client_burst=20)
    gateway = await _started(settings, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=gateway.url) as http:
            players = [tokens.bearer(tokens.subject("player")) for _ in range(4)]
            answers = await asyncio.gather(
                *(http.get("/rewards", headers=p) for p in players for _ in range(5))
            )
            other_route = await http.get("/wallets/c-1", headers=players[0])
    finally:
        gateway.stop()
    # 20 requests, 5 per player (their buckets hold 20): only the ceiling says no.
    assert 5 <= sum(r.status_code == 200 for r in answers) < 20
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.headers["x-ratelimit-limit"] == "5"  # the bucket that ran dry
    assert other_route.status_code == 200  # each route has its own ceiling


async def _started(settings: Any, workdir: Path) -> Gateway:
    gateway = Gateway(settings, workdir)
    gateway.start()
    try:
        await asyncio.to_thread(gateway.wait_ready, 20)
    except BaseException:
        gateway.stop()
        raise
    return gateway


# -------------------------------------------------------------------------- web app


@pytest.mark.parametrize(
    ("method", "path", "service"),
    [
        ("GET", "/", "web"),
        ("GET", "/my-page/rewards", "web"),
        ("POST", "/callback", "web"),
        ("GET", "/missionsXYZ", "web"),
        ("GET", "/gifts", "gift"),
        ("GET", "/mission-definitions/daily", "mission"),
    ],
)
async def test_with_a_web_app_everything_outside_the_api_goes_to_it(
    web_client: httpx.AsyncClient, method: str, path: str, service: str
) -> None:
    response = await web_client.request(method, path)
    assert response.status_code == 200, response.text
    assert response.json()["service"] == service


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/exchanges"),
        ("GET", "/health/ready"),
        ("GET", "/metrics"),
        ("DELETE", "/gifts/g-1"),
        ("GET", "/missions/m-1/extra"),
    ],
)
async def test_with_a_web_app_the_api_paths_it_does_not_route_are_still_404_problems(
    web_client: httpx.AsyncClient, services: Services, method: str, path: str
) -> None:
    before = len(services["web"].seen)
    response = await web_client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert len(services["web"].seen) == before


async def test_with_a_web_app_a_bad_token_is_still_refused(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/", headers={"Authorization": "Bearer abc.def.ghi"})
    assert response.status_code == 401
