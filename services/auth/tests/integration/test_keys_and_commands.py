"""Signing keys rotate without breaking live tokens; the operator commands print what a
script needs and nothing else; no log line carries a token or a password."""

from __future__ import annotations

import argparse
from datetime import timedelta

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from questline.auth import bootstrap
from questline.auth.adapters.inbound import commands
from questline.auth.adapters.inbound.oauth import Storage, utc_now
from questline.auth.settings import AuthSettings
from questline.service_kit.caller import TokenVerifier

from .conftest import GAME_SECRET, ISSUER, PASSWORD, Pkce, sign_in

pytestmark = pytest.mark.integration


async def game_token(auth: httpx.AsyncClient) -> str:
    response = await auth.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("game-backend", GAME_SECRET),
    )
    return str(response.json()["access_token"])


def kid_of(token: str) -> str:
    import base64
    import json

    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def run(argv: list[str], settings: AuthSettings) -> int:
    """A command as `python -m questline.auth` runs it: its own pool, closed after."""
    return commands.run(argv, settings, bootstrap.storage(settings))


async def test_a_rotated_key_is_published_before_it_signs_and_the_old_one_stays(
    auth: httpx.AsyncClient, storage: Storage
) -> None:
    before = await game_token(auth)
    now = utc_now()
    new_kid = storage.keys.rotate(now, timedelta(seconds=120), timedelta(seconds=900))
    published = {k["kid"] for k in (await auth.get("/.well-known/jwks.json")).json()["keys"]}
    assert published == {kid_of(before), new_kid}
    assert kid_of(await game_token(auth)) == kid_of(before)  # not signing yet
    # Once its delay has passed the new key signs; the old one stays published until
    # the last token it signed has expired.
    later = now + timedelta(seconds=121)
    assert storage.keys.signing_key(later).kid == new_kid
    assert {k["kid"] for k in storage.keys.public_jwks(later)["keys"]} == published
    gone = now + timedelta(seconds=120 + 900 + 1)
    assert {k["kid"] for k in storage.keys.public_jwks(gone)["keys"]} == {new_kid}


async def test_a_service_fetches_the_keys_again_when_an_unknown_kid_arrives(
    auth: httpx.AsyncClient, storage: Storage
) -> None:
    jwks = (await auth.get("/.well-known/jwks.json")).json()
    fetched: list[int] = []

    async def served(_: httpx.Request) -> httpx.Response:
        fetched.append(1)
        return httpx.Response(200, json=(await auth.get("/.well-known/jwks.json")).json())

    verifier = TokenVerifier(
        jwks_url="http://auth/.well-known/jwks.json",
        issuer=ISSUER,
        audience="questline",
        unknown_kid_pause_s=0,
        transport=httpx.MockTransport(served),
    )
    assert (await verifier.caller(f"Bearer {await game_token(auth)}")).subject == "game-backend"
    storage.keys.rotate(utc_now(), timedelta(0), timedelta(seconds=900))
    token = await game_token(auth)
    assert kid_of(token) not in {k["kid"] for k in jwks["keys"]}
    assert (await verifier.caller(f"Bearer {token}")).subject == "game-backend"
    assert len(fetched) == 2


def test_the_token_command_prints_only_a_token_for_the_player(
    settings: AuthSettings, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    jwks = storage.keys.public_jwks(utc_now())
    assert run(["token", "--player", "alice"], settings) == 0
    out = capsys.readouterr().out.strip()
    assert "\n" not in out and out.count(".") == 2
    claims = jwt.decode(out, KeySet.import_key_set(jwks), algorithms=["RS256"]).claims
    assert claims["sub"] == "alice" and claims["scope"] == "player"
    assert claims["iss"] == ISSUER and claims["aud"] == "questline"


def test_the_token_command_knows_operators_and_game_backends(
    settings: AuthSettings, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    jwks = KeySet.import_key_set(storage.keys.public_jwks(utc_now()))
    for argv, subject, scope in (
        (["token", "--operator"], "operator", "liveops"),
        (["token", "--game-backend"], "game-backend", "missions:report"),
    ):
        assert run(argv, settings) == 0
        claims = jwt.decode(capsys.readouterr().out.strip(), jwks, algorithms=["RS256"]).claims
        assert (claims["sub"], claims["scope"]) == (subject, scope)


def test_registering_a_player_with_a_short_password_is_refused(
    settings: AuthSettings, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert run(["register-player", "bob", "--password-stdin"], settings) == 2
    assert storage.accounts.get("bob") is None


def test_the_commands_parser_offers_every_command() -> None:
    parser = commands.parser()
    for name in commands.COMMANDS:
        assert isinstance(parser, argparse.ArgumentParser)
        assert name in parser.format_help()


@pytest.mark.usefixtures("people")
async def test_no_log_line_carries_a_token_or_a_password(
    auth: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    token = await game_token(auth)
    await sign_in(auth, "alice", "a wrong password!", Pkce.new())
    await sign_in(auth, "alice", PASSWORD, Pkce.new())
    logged = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    assert token not in logged and token.split(".")[2] not in logged
    assert PASSWORD not in logged and "a wrong password!" not in logged
    assert GAME_SECRET not in logged
