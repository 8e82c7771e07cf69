"""The attack list of the gateway issue, against the running gateway and services:
every refusal has the right status and a problem+json body, the gateway stays healthy,
and no log line carries a token or a password."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from questline.auth.adapters.inbound.oauth import utc_now

pytestmark = pytest.mark.e2e
PROBLEM = "application/problem+json"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A JWT made by hand: unsigned (`none`) or HMAC-signed, as an attacker would."""
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    if key is None:
        return head + "."
    return head + "." + b64(hmac.new(key, head.encode(), hashlib.sha256).digest())


class Tokens:
    """Tokens signed with the running auth service's own key, but wrong in one way."""

    def __init__(self, api: Any, customer: str) -> None:
        keys = api.stack.tokens().parts.keys
        self.key: RSAKey = keys.signing_key(utc_now())
        self.customer = customer
        self.issuer = api.stack.gateway_url

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "aud": "questline",
            "sub": self.customer,
            "scope": "player",
            "iat": now,
            "exp": now + 300,
        }
        return {k: v for k, v in (base | changes).items() if v is not None}

    def signed(self, kid: str | None = "", key: RSAKey | None = None, **changes: Any) -> str:
        header = {"alg": "RS256", "kid": self.key.kid if kid == "" else kid}
        if kid is None:
            header.pop("kid")
        return jwt.encode(header, self.claims(**changes), key or self.key, ["RS256"])

    def bad(self) -> dict[str, str]:
        now = int(time.time())
        public_pem = self.key.as_pem(private=False)
        public_jwk = json.dumps(self.key.as_dict(private=False)).encode()
        other = RSAKey.generate_key(2048, parameters={"kid": self.key.kid})
        return {
            "malformed": "not.a.jwt",
            "garbage": "eyJhbGciOiJSUzI1NiJ9.e30",
            "bad signature": self.signed(key=other),
            "alg none": forged({"alg": "none", "kid": self.key.kid}, self.claims(), None),
            "HS256 keyed with the public PEM": forged(
                {"alg": "HS256", "kid": self.key.kid}, self.claims(), public_pem
            ),
            "HS256 keyed with the public JWK": forged(
                {"alg": "HS256", "kid": self.key.kid}, self.claims(), public_jwk
            ),
            "expired": self.signed(iat=now - 3600, exp=now - 600),
            "not yet valid": self.signed(nbf=now + 600),
            "wrong iss": self.signed(iss="https://evil.example"),
            "wrong aud": self.signed(aud="another-api"),
            "unknown kid": self.signed(kid="no-such-key"),
            "no exp": self.signed(exp=None),
        }


@pytest.fixture
async def victim(api) -> str:
    [customer] = api.customers(1, "victim")
    assert (await api.achieve(customer)).status_code == 201
    await api.wait_settled([customer], 1)
    return customer


def assert_problem(response: httpx.Response, status: int, token: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"]
    if token:
        assert token not in response.text


async def test_no_token_is_a_401_at_the_gateway_and_at_the_service(api, victim):
    for url in (api.public(f"/mypage/{victim}"), api.url("mypage", f"/mypage/{victim}")):
        response = await api.client.get(url, headers={"Authorization": ""})
        assert_problem(response, 401)
        assert "bearer" in response.headers["www-authenticate"].lower()


async def test_every_bad_token_is_refused_by_the_gateway_and_by_the_service_itself(api, victim):
    for name, token in Tokens(api, victim).bad().items():
        headers = {"Authorization": f"Bearer {token}"}
        for url in (api.public(f"/mypage/{victim}"), api.url("mypage", f"/mypage/{victim}")):
            response = await api.client.get(url, headers=headers)
            assert response.status_code == 401, (name, url, response.text)
            assert_problem(response, 401, token)


async def test_a_bad_token_is_refused_even_where_no_token_is_needed(api):
    headers = {"Authorization": "Bearer not.a.jwt"}
    assert_problem(await api.client.get(api.public("/gifts"), headers=headers), 401)
    anonymous = await httpx.AsyncClient().get(api.public("/gifts"))
    assert anonymous.status_code == 200


async def test_a_player_sees_only_their_own_things(api, victim):
    [mallory] = api.customers(1, "mallory")
    as_mallory = api.as_player(mallory)
    missions = await api.get("mission", f"/missions?customerId={victim}")
    mission_id = missions["items"][0]["id"]
    reward_id = missions["items"][0]["rewardId"]
    for path, status in (
        (f"/mypage/{victim}", 403),
        (f"/wallets/{victim}", 403),
        (f"/missions?customerId={victim}", 403),
        (f"/rewards?customerId={victim}", 403),
        (f"/exchanges?customerId={victim}", 403),
        (f"/missions/{mission_id}", 404),  # not yours: as if it did not exist
        (f"/rewards/{reward_id}", 404),
    ):
        assert_problem(await api.client.get(api.public(path), headers=as_mallory), status)
    gift = await api.new_gift(5)
    stolen = await api.client.post(
        api.public(f"/wallets/{victim}/rewards/{reward_id}/exchange"),
        json={"giftId": gift["id"]},
        headers=as_mallory,
    )
    assert_problem(stolen, 403)
    assert (await api.rewards_of(victim))[0]["status"] == "AVAILABLE"


async def test_a_player_cannot_use_operator_routes_or_report_achievements(api, victim):
    as_player = api.as_player(victim)
    for method, path, body in (
        ("POST", "/gifts", {"name": "Free stuff", "stock": 1000}),
        ("POST", "/mission-definitions", {"code": "cheat", "title": "Cheat", "points": 9999}),
        ("PATCH", "/mission-definitions/first-win", {"points": 9999}),
        ("GET", "/admin/circuit-breakers", None),
        ("POST", "/missions", {"customerId": victim, "missionCode": "first-win"}),
    ):
        response = await api.client.request(method, api.public(path), json=body, headers=as_player)
        assert_problem(response, 403)
    # And the services refuse it too, were the gateway bypassed.
    direct = await api.client.post(
        api.url("mission", "/missions"),
        json={"customerId": victim, "missionCode": "first-win"},
        headers=as_player,
    )
    assert_problem(direct, 403)
    assert len((await api.get("mission", f"/missions?customerId={victim}"))["items"]) == 1


async def test_gifts_internal_exchange_route_is_not_reachable_from_outside(api, victim):
    gift = await api.new_gift(5)
    body = {"rewardId": "made-up", "customerId": victim, "giftId": gift["id"]}
    through_gateway = await api.client.post(api.public("/exchanges"), json=body)
    assert_problem(through_gateway, 404)
    # Straight to gift's port: only wallet's token (scope gift:exchange) is accepted.
    for headers, status in (
        ({"Authorization": ""}, 401),
        (api.as_player(victim), 403),
        ({}, 403),  # the client's default: an operator
    ):
        direct = await api.client.post(api.url("gift", "/exchanges"), json=body, headers=headers)
        assert_problem(direct, status)
    assert (await api.get("gift", f"/gifts/{gift['id']}"))["stock"] == 5


async def test_an_oversized_header_is_refused_with_431(api):
    response = await api.client.get(api.public("/gifts"), headers={"X-Padding": "p" * 64 * 1024})
    assert response.status_code == 431
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_a_burst_of_ten_times_the_limit_gets_429s_and_the_gateway_stays_healthy(api):
    [flooder, bystander] = api.customers(2, "flood")
    burst = 10 * api.stack.gateway.settings.exchange_burst  # the tightest player route
    headers = api.as_player(flooder)
    exchange = api.public(f"/wallets/{flooder}/rewards/no-such-reward/exchange")
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=32), timeout=60) as http:
        answers = await asyncio.gather(
            *(http.post(exchange, json={"giftId": "g"}, headers=headers) for _ in range(burst))
        )
        assert {r.status_code for r in answers} <= {404, 429}
        limited = [r for r in answers if r.status_code == 429]
        assert limited, "no 429 in a burst of ten times the limit"
        refused = limited[0]
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert int(refused.headers["retry-after"]) >= 1
        assert any(h.startswith("x-ratelimit") for h in refused.headers)
        # Another client is untouched, and the gateway says it is fine.
        other = await http.get(api.public(f"/mypage/{bystander}"), headers=api.as_player(bystander))
        assert other.status_code == 200
        assert api.stack.gateway.admin_ready()


async def test_the_token_endpoint_is_limited_more_tightly(api):
    form = {"grant_type": "client_credentials"}
    async with httpx.AsyncClient(timeout=30) as http:
        answers = await asyncio.gather(
            *(
                http.post(api.public("/oauth/token"), data=form, auth=("game-backend", "wrong"))
                for _ in range(10 * api.stack.gateway.settings.sign_in_burst)
            )
        )
    statuses = {r.status_code for r in answers}
    assert 429 in statuses and 401 in statuses
    assert all(r.headers["content-type"].startswith(PROBLEM) for r in answers)


async def test_no_log_line_carries_a_token_or_a_password(api, victim):
    secret = api.stack.client_secret("game-backend")
    tokens = [api.game_token, api.stack.tokens().player(victim)]
    await api.client.get(api.public(f"/mypage/{victim}"), headers=api.as_player(victim))
    for log in api.stack.logs.glob("*.log"):
        text = log.read_text(errors="replace")
        for token in tokens:
            assert token.split(".")[2] not in text, f"a token signature in {log.name}"
        assert secret not in text, f"a client secret in {log.name}"
        assert "correct horse" not in text, f"a password in {log.name}"
