"""A player signs in through the gateway (authorisation code with PKCE at the auth
service, behind the same entry point) and sees and exchanges only their own rewards;
an operator signs in and changes the catalogue."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"
WEB = "questline-web"


def register(api, command: str, username: str) -> None:
    """The operator command, as a person runs it against the running system."""
    subprocess.run(
        [sys.executable, "-m", "questline.auth", command, username, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        env=api.stack.service_env("auth"),
    )


async def sign_in(api, username: str, password: str, scope: str) -> httpx.Response:
    """The web app's part: PKCE, the sign-in page, the code, the token endpoint."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect = api.stack.gateway_url + "/callback"
    query = {
        "response_type": "code",
        "client_id": WEB,
        "redirect_uri": redirect,
        "scope": scope,
        "state": "xyz",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(api.public("/oauth/authorize"), params=query)
        assert page.status_code == 200 and 'name="password"' in page.text
        answer = await browser.post(
            api.public("/oauth/authorize"),
            params=query,
            data={"username": username, "password": password},
        )
        if answer.status_code != 302:
            return answer
        back = urlsplit(answer.headers["location"])
        assert back.geturl().startswith(redirect)
        code = parse_qs(back.query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": WEB,
            "code_verifier": verifier,
        }
        tokens = await browser.post(api.public("/oauth/token"), data=form)
        replay = await browser.post(api.public("/oauth/token"), data=form)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        return tokens


async def test_a_player_signs_in_and_exchanges_only_their_own_reward(api):
    [alice, bob] = api.customers(2, "signin")
    await asyncio.to_thread(register, api, "register-player", alice)
    for customer in (alice, bob):
        assert (await api.achieve(customer)).status_code == 201
    await api.wait_settled([alice, bob], 1)

    tokens = await sign_in(api, alice, PASSWORD, "openid player")
    assert tokens.status_code == 200, tokens.text
    mine = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    page = await api.client.get(api.public(f"/mypage/{alice}"), headers=mine)
    assert page.status_code == 200 and page.json()["customerId"] == alice
    assert (await api.client.get(api.public(f"/mypage/{bob}"), headers=mine)).status_code == 403

    gift = await api.new_gift(3)
    [own] = (await api.client.get(api.public(f"/wallets/{alice}"), headers=mine)).json()["rewards"]
    [bobs] = await api.rewards_of(bob)
    exchanged = await api.client.post(
        api.public(f"/wallets/{alice}/rewards/{own['rewardId']}/exchange"),
        json={"giftId": gift["id"]},
        headers=mine,
    )
    assert exchanged.status_code == 200 and exchanged.json()["status"] == "EXCHANGED"
    theft = await api.client.post(
        api.public(f"/wallets/{bob}/rewards/{bobs['rewardId']}/exchange"),
        json={"giftId": gift["id"]},
        headers=mine,
    )
    assert theft.status_code == 403
    await api.assert_exchange_invariants([alice, bob], [gift["id"]])


async def test_an_operator_signs_in_and_changes_the_catalogue(api):
    [olga] = api.customers(1, "op")
    await asyncio.to_thread(register, api, "register-operator", olga)
    tokens = await sign_in(api, olga, PASSWORD, "openid liveops")
    assert tokens.status_code == 200, tokens.text
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    created = await api.client.post(
        api.public("/gifts"), json={"name": "Operator's hat", "stock": 2}, headers=headers
    )
    assert created.status_code == 201, created.text
    restocked = await api.client.post(
        api.public(f"/gifts/{created.json()['id']}/stock"), json={"quantity": 3}, headers=headers
    )
    assert restocked.status_code == 200 and restocked.json()["stock"] == 5


async def test_a_wrong_password_tells_nothing_and_attempts_are_limited(api):
    [carol] = api.customers(1, "guess")
    await asyncio.to_thread(register, api, "register-player", carol)
    wrong = await sign_in(api, carol, "not the password", "openid player")
    unknown = await sign_in(api, "nobody-" + carol, "not the password", "openid player")
    assert wrong.status_code == unknown.status_code == 401
    assert alert(wrong.text) == alert(unknown.text) != ""
    for _ in range(5):
        await sign_in(api, carol, "still not it", "openid player")
    locked = await sign_in(api, carol, PASSWORD, "openid player")
    assert locked.status_code == 401  # locked for a while, whatever the password


def alert(page: str) -> str:
    """The sign-in page's message to the person (the rest echoes their own request)."""
    start = page.find('role="alert">')
    return page[start : page.find("</p>", start)] if start >= 0 else ""


async def test_a_pkce_verifier_that_does_not_match_is_refused(api):
    [dave] = api.customers(1, "pkce")
    await asyncio.to_thread(register, api, "register-player", dave)
    verifier, other = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect = api.stack.gateway_url + "/callback"
    query = {
        "response_type": "code",
        "client_id": WEB,
        "redirect_uri": redirect,
        "scope": "openid player",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(timeout=30) as browser:
        answer = await browser.post(
            api.public("/oauth/authorize"),
            params=query,
            data={"username": dave, "password": PASSWORD},
        )
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        tokens = await browser.post(
            api.public("/oauth/token"),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "client_id": WEB,
                "code_verifier": other,
            },
        )
    assert tokens.status_code == 400 and tokens.json()["error"] == "invalid_grant"
    assert tokens.headers["content-type"].startswith("application/problem+json")
