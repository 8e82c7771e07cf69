"""The service-side token check: what it refuses (401, or 503 when it cannot check at
all), what it accepts, and the ownership rules of the `Caller` it gives.

No test waits on the clock: `clock` freezes wall and monotonic time and moves them on."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Request
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

from questline.service_kit import caller as caller_module
from questline.service_kit.caller import (
    GIFT_EXCHANGE,
    LIVEOPS,
    MISSIONS_REPORT,
    PLAYER,
    Caller,
    CallerDep,
    TokenVerifier,
    caller_of,
    requires,
)
from questline.service_kit.http import create_app
from questline.service_kit.problems import PROBLEM_JSON, Problem

ISSUER = "http://auth.test"
AUDIENCE = "questline"
JWKS_URL = "http://auth.test/.well-known/jwks.json"
LEEWAY = 30
KID_PAUSE = 10.0
REFETCH_AFTER = 300.0

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
# Same kid, different key: a forger who read the JWKS and made a key pair of their own.
IMPOSTOR = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
ROTATED = RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256"})
EC_KEY = ECKey.generate_key("P-256", parameters={"kid": "ec1"})
ED_KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "ed1"})

DROP = object()  # a claim to leave out of the token


def jwks_of(*keys: Any) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in keys]}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "customer-1",
        "iat": now,
        "exp": now + 600,
        "scope": PLAYER,
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not DROP}


def token(key: Any = KEY, alg: str = "RS256", kid: Any = "k1", **overrides: Any) -> str:
    header = {"alg": alg} if kid is DROP else {"alg": alg, "kid": kid}
    return jwt.encode(header, claims(**overrides), key, [alg])


def crafted(header: dict[str, Any], body: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A compact JWS put together by hand, for what joserfc would refuse to make."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def bearer(value: str) -> str:
    return f"Bearer {value}"


class Clock:
    def __init__(self) -> None:
        self.wall = float(int(time.time()))
        self.mono = 10_000.0

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    # Wall time for joserfc's claims registry and the verifier's cache; monotonic time
    # only for the verifier (the event loop keeps the real one).
    monkeypatch.setattr(time, "time", clock.time)
    monkeypatch.setattr(
        caller_module, "time", SimpleNamespace(time=clock.time, monotonic=clock.monotonic)
    )
    return clock


class JwksServer:
    """The auth service's JWKS endpoint, behind an httpx.MockTransport."""

    def __init__(self, *keys: Any) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.failure: str | None = None  # "down", "500", "empty-object", "html"

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.failure == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if self.failure == "500":
            return httpx.Response(500, text="oops")
        if self.failure == "empty-object":
            return httpx.Response(200, json={})
        if self.failure == "html":
            return httpx.Response(200, text="<html>maintenance</html>")
        return httpx.Response(200, json=jwks_of(*self.keys))

    def verifier(self, **options: Any) -> TokenVerifier:
        return TokenVerifier(
            jwks_url=JWKS_URL,
            issuer=ISSUER,
            audience=AUDIENCE,
            refetch_after_s=REFETCH_AFTER,
            unknown_kid_pause_s=KID_PAUSE,
            leeway_s=LEEWAY,
            transport=httpx.MockTransport(self.handle),
            **options,
        )


def fixed_verifier(*keys: Any, **options: Any) -> TokenVerifier:
    return TokenVerifier(
        jwks_url="",
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks=jwks_of(*(keys or (KEY,))),
        leeway_s=LEEWAY,
        **options,
    )


@pytest.fixture
def verifier() -> TokenVerifier:
    return fixed_verifier()


async def refused(verifier: TokenVerifier, authorization: str | None) -> Problem:
    """The check refuses with 401, says how to authenticate, and never echoes the token."""
    with pytest.raises(Problem) as caught:
        await verifier.caller(authorization)
    problem = caught.value
    assert problem.status == 401, problem
    assert problem.headers["WWW-Authenticate"].startswith("Bearer ")
    sent = (authorization or "").partition(" ")[2].strip()
    if sent:
        told = " ".join([problem.title, problem.detail or "", str(problem), str(problem.headers)])
        assert sent not in told
        # Not even a recognisable piece of it (its signature, its payload).
        for part in sent.split("."):
            if len(part) >= 8:
                assert part not in told
    return problem


async def unavailable(verifier: TokenVerifier, authorization: str) -> Problem:
    with pytest.raises(Problem) as caught:
        await verifier.caller(authorization)
    problem = caught.value
    assert problem.status == 503, problem
    assert int(problem.headers["Retry-After"]) > 0
    return problem


# --- the Authorization header -----------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, ""])
async def test_a_request_without_an_authorization_header_is_refused(
    verifier: TokenVerifier, authorization: str | None
) -> None:
    await refused(verifier, authorization)


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT", "Digest", "Bearer:"])
async def test_a_scheme_other_than_bearer_is_refused_even_with_a_valid_token(
    verifier: TokenVerifier, scheme: str
) -> None:
    await refused(verifier, f"{scheme} {token()}")


async def test_a_valid_token_without_any_scheme_is_refused(verifier: TokenVerifier) -> None:
    await refused(verifier, token())


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer ", "Bearer    ", "bearer "])
async def test_an_empty_bearer_token_is_refused(
    verifier: TokenVerifier, authorization: str
) -> None:
    await refused(verifier, authorization)


async def test_the_bearer_scheme_is_matched_without_regard_to_case(
    verifier: TokenVerifier,
) -> None:
    # RFC 9110: auth schemes are case-insensitive (the positive control for the above).
    assert (await verifier.caller(f"bEaReR {token()}")).subject == "customer-1"


# --- tokens that are not a JWS at all ---------------------------------------------------


def _malformed() -> dict[str, str]:
    good = token()
    header, body, signature = good.split(".")

    def with_header(raw: bytes) -> str:
        return f"{b64(raw)}.{body}.{signature}"

    return {
        "one part": "abcdef",
        "two parts": f"{header}.{body}",
        "four parts": f"{good}.{signature}",
        "five parts (a JWE shape)": f"{header}.{body}.{body}.{body}.{signature}",
        "header not base64": f"!!!$$$.{body}.{signature}",
        "payload not base64": f"{header}.%%%.{signature}",
        "signature not base64": f"{header}.{body}.***",
        "header not JSON": with_header(b"{alg: RS256"),
        "header a JSON string": with_header(b'"alg"'),
        "header a JSON list": with_header(b'["alg"]'),
        "header without alg": with_header(b'{"kid": "k1"}'),
        "alg not a string": with_header(b'{"alg": ["RS256"], "kid": "k1"}'),
        "payload not JSON": f"{header}.{b64(b'not json at all')}.{signature}",
        "not ASCII": "\u00e9.\u00fc.\u00df",
        "only dots": "..",
    }


MALFORMED = _malformed()


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_a_malformed_token_is_refused(verifier: TokenVerifier, case: str) -> None:
    await refused(verifier, bearer(MALFORMED[case]))


def _rsa_sign(data: bytes, scheme: str, hash_name: str, key: RSAKey = KEY) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    private = key.private_key
    assert private is not None
    algorithm = getattr(hashes, hash_name)()
    if scheme == "PSS":
        pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
        return private.sign(data, pss, algorithm)
    return private.sign(data, padding.PKCS1v15(), algorithm)


def _rs256(key: RSAKey) -> Callable[[bytes], bytes]:
    return lambda data: _rsa_sign(data, "PKCS1", "SHA256", key)


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2, 3]", b'"a string"', b"null"])
async def test_a_correctly_signed_token_whose_payload_is_not_a_json_object_is_refused(
    verifier: TokenVerifier, payload: bytes
) -> None:
    signing_input = f"{b64(json.dumps({'alg': 'RS256', 'kid': 'k1'}).encode())}.{b64(payload)}"
    signature = b64(_rs256(KEY)(signing_input.encode()))
    await refused(verifier, bearer(f"{signing_input}.{signature}"))


# --- forged signatures and algorithms --------------------------------------------------


async def test_a_token_signed_by_another_rsa_key_with_the_same_kid_is_refused(
    verifier: TokenVerifier,
) -> None:
    await refused(verifier, bearer(token(key=IMPOSTOR)))


async def test_a_token_whose_signature_was_cut_off_is_refused(verifier: TokenVerifier) -> None:
    header, body, _ = token().split(".")
    await refused(verifier, bearer(f"{header}.{body}."))


async def test_a_token_whose_claims_were_changed_after_signing_is_refused(
    verifier: TokenVerifier,
) -> None:
    header, _, signature = token(scope=PLAYER).split(".")
    raised = b64(json.dumps(claims(scope=LIVEOPS)).encode())
    await refused(verifier, bearer(f"{header}.{raised}.{signature}"))


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", [b"", b"anything"])
async def test_an_unsigned_alg_none_token_is_refused(
    verifier: TokenVerifier, alg: str, signature: bytes
) -> None:
    unsigned = crafted({"alg": alg, "kid": "k1", "typ": "JWT"}, claims(), lambda _: signature)
    await refused(verifier, bearer(unsigned))


def _public_key_secrets() -> dict[str, bytes]:
    public = KEY.as_dict(private=False)
    return {
        "PEM": KEY.as_pem(private=False),
        "PEM without trailing newline": KEY.as_pem(private=False).rstrip(b"\n"),
        "DER": KEY.as_der(private=False),
        "JWK as served": json.dumps(jwks_of(KEY)["keys"][0]).encode(),
        "JWK compact": json.dumps(public, separators=(",", ":")).encode(),
        "JWK sorted": json.dumps(public, sort_keys=True).encode(),
        "JWKS document": json.dumps(jwks_of(KEY)).encode(),
        "modulus": base64.urlsafe_b64decode(public["n"] + "=="),
    }


PUBLIC_KEY_SECRETS = _public_key_secrets()


@pytest.mark.parametrize("form", sorted(PUBLIC_KEY_SECRETS))
@pytest.mark.parametrize(("alg", "digest"), [("HS256", hashlib.sha256), ("HS512", hashlib.sha512)])
async def test_an_hmac_token_keyed_with_the_public_key_is_refused(
    verifier: TokenVerifier, form: str, alg: str, digest: Any
) -> None:
    # The classic algorithm confusion: a verifier that let the token pick HMAC would
    # use the RSA public key's bytes as the shared secret.
    secret = PUBLIC_KEY_SECRETS[form]
    forged = crafted(
        {"alg": alg, "kid": "k1", "typ": "JWT"},
        claims(scope=LIVEOPS),
        lambda data: hmac.new(secret, data, digest).digest(),
    )
    await refused(verifier, bearer(forged))


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize(
    ("key", "alg", "kid"),
    [(EC_KEY, "ES256", "ec1"), (ED_KEY, "EdDSA", "ed1"), (ED_KEY, "Ed25519", "ed1")],
)
async def test_es256_and_eddsa_tokens_are_refused_even_when_the_key_set_holds_their_keys(
    key: Any, alg: str, kid: str
) -> None:
    # The key set itself vouches for these keys: only the RS256 allow-list stops them.
    verifier = fixed_verifier(KEY, EC_KEY, ED_KEY)
    await refused(verifier, bearer(token(key=key, alg=alg, kid=kid)))
    assert (await verifier.caller(bearer(token()))).subject == "customer-1"


@pytest.mark.parametrize(
    ("alg", "sign"),
    [
        ("RS384", lambda data: _rsa_sign(data, "PKCS1", "SHA384")),
        ("RS512", lambda data: _rsa_sign(data, "PKCS1", "SHA512")),
        ("PS256", lambda data: _rsa_sign(data, "PSS", "SHA256")),
    ],
)
async def test_other_rsa_algorithms_with_the_right_key_are_refused_too(
    alg: str, sign: Callable[[bytes], bytes]
) -> None:
    # A published key without its own "alg": the signature is genuine, the algorithm not ours.
    bare = {k: v for k, v in KEY.as_dict(private=False).items() if k != "alg"}
    verifier = TokenVerifier(jwks_url="", issuer=ISSUER, audience=AUDIENCE, jwks={"keys": [bare]})
    await refused(verifier, bearer(crafted({"alg": alg, "kid": "k1"}, claims(), sign)))
    genuine = crafted({"alg": "RS256", "kid": "k1"}, claims(), _rs256(KEY))
    assert (await verifier.caller(bearer(genuine))).subject == "customer-1"


# --- claims -----------------------------------------------------------------------------


async def test_a_token_expired_beyond_the_leeway_is_refused(verifier: TokenVerifier) -> None:
    now = int(time.time())
    await refused(verifier, bearer(token(iat=now - 3600, exp=now - LEEWAY - 1)))


async def test_a_token_expired_within_the_leeway_is_still_accepted(
    verifier: TokenVerifier,
) -> None:
    now = int(time.time())
    await verifier.caller(bearer(token(iat=now - 3600, exp=now - LEEWAY + 2)))


async def test_a_token_not_valid_before_a_time_beyond_the_leeway_is_refused(
    verifier: TokenVerifier,
) -> None:
    await refused(verifier, bearer(token(nbf=int(time.time()) + LEEWAY + 5)))


async def test_a_token_not_valid_before_a_time_within_the_leeway_is_accepted(
    verifier: TokenVerifier,
) -> None:
    await verifier.caller(bearer(token(nbf=int(time.time()) + LEEWAY - 5)))


async def test_a_token_issued_in_the_future_beyond_the_leeway_is_refused(
    verifier: TokenVerifier,
) -> None:
    # joserfc's registry checks iat (issued after now + leeway: refused). A token from the
    # future is a broken clock at the issuer or a forgery; either way not to be trusted.
    now = int(time.time())
    await refused(verifier, bearer(token(iat=now + 3600, exp=now + 7200)))
    await refused(verifier, bearer(token(iat=now + LEEWAY + 5)))


async def test_a_token_issued_a_little_in_the_future_within_the_leeway_is_accepted(
    verifier: TokenVerifier,
) -> None:
    await verifier.caller(bearer(token(iat=int(time.time()) + LEEWAY - 5)))


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["soon", "9999999999", True, [1], {"at": 1}, 1e400])
async def test_a_time_claim_that_is_not_a_number_is_refused(
    verifier: TokenVerifier, claim: str, value: Any
) -> None:
    await refused(verifier, bearer(token(**{claim: value})))


@pytest.mark.parametrize("iss", ["http://evil.test", ISSUER + "/", ISSUER.upper(), "", [ISSUER]])
async def test_a_token_from_another_issuer_is_refused(verifier: TokenVerifier, iss: Any) -> None:
    await refused(verifier, bearer(token(iss=iss)))


async def test_a_token_without_an_issuer_is_refused(verifier: TokenVerifier) -> None:
    await refused(verifier, bearer(token(iss=DROP)))


@pytest.mark.parametrize("aud", ["another-api", "questline-admin", "", "QUESTLINE"])
async def test_a_token_for_another_audience_is_refused(verifier: TokenVerifier, aud: str) -> None:
    await refused(verifier, bearer(token(aud=aud)))


async def test_a_token_whose_audience_list_does_not_name_us_is_refused(
    verifier: TokenVerifier,
) -> None:
    await refused(verifier, bearer(token(aud=["another-api", "billing"])))
    await refused(verifier, bearer(token(aud=[])))


async def test_a_token_whose_audience_list_names_us_is_accepted(verifier: TokenVerifier) -> None:
    caller = await verifier.caller(bearer(token(aud=["another-api", AUDIENCE])))
    assert caller.subject == "customer-1"


async def test_a_token_without_an_audience_is_refused(verifier: TokenVerifier) -> None:
    await refused(verifier, bearer(token(aud=DROP)))


@pytest.mark.parametrize("sub", [DROP, None, "", 42, ["customer-1"]])
async def test_a_token_without_a_usable_subject_is_refused(
    verifier: TokenVerifier, sub: Any
) -> None:
    await refused(verifier, bearer(token(sub=sub)))


@pytest.mark.parametrize("exp", [DROP, None])
async def test_a_token_without_an_expiry_is_refused(verifier: TokenVerifier, exp: Any) -> None:
    await refused(verifier, bearer(token(exp=exp)))


# --- keys: kid, rotation, the JWKS endpoint ---------------------------------------------


async def test_a_token_without_a_kid_is_refused(verifier: TokenVerifier) -> None:
    # With one key in the set joserfc would take that key: the verifier insists on a kid.
    await refused(verifier, bearer(token(kid=DROP)))


async def test_a_token_without_a_kid_is_refused_when_the_set_holds_several_keys() -> None:
    await refused(fixed_verifier(KEY, ROTATED), bearer(token(kid=DROP)))


async def test_an_unknown_kid_that_the_jwks_url_does_not_have_either_is_refused() -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await refused(verifier, bearer(token(key=ROTATED, kid="k2")))
    assert server.fetches == 1  # the first use fetched; within the pause, no second look


async def test_an_unknown_kid_makes_the_verifier_look_again_after_the_pause(
    clock: Clock,
) -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await verifier.caller(bearer(token()))
    clock.advance(KID_PAUSE + 1)
    await refused(verifier, bearer(token(key=ROTATED, kid="k2")))
    assert server.fetches == 2


async def test_refetching_for_unknown_kids_is_rate_limited_to_one_fetch_per_pause(
    clock: Clock,
) -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await verifier.caller(bearer(token()))
    assert server.fetches == 1
    for window in range(3):
        for i in range(25):
            await refused(verifier, bearer(token(key=ROTATED, kid=f"gone-{window}-{i}")))
            clock.advance((KID_PAUSE - 1) / 25)  # still within this pause window
        assert server.fetches == 1 + window
        clock.advance(1.5)
    # Concurrent bad kids in a fresh window: still one fetch.
    clock.advance(KID_PAUSE)
    bad = [bearer(token(key=ROTATED, kid=f"storm-{i}")) for i in range(30)]
    outcomes = await asyncio.gather(*(verifier.caller(a) for a in bad), return_exceptions=True)
    assert all(isinstance(o, Problem) and o.status == 401 for o in outcomes)
    assert server.fetches == 4


async def test_a_key_rotated_in_at_the_jwks_url_is_used_once_an_unknown_kid_looks_again(
    clock: Clock,
) -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await verifier.caller(bearer(token()))
    server.keys.append(ROTATED)
    clock.advance(KID_PAUSE + 1)
    caller = await verifier.caller(bearer(token(key=ROTATED, kid="k2", sub="customer-2")))
    assert caller.subject == "customer-2"
    assert server.fetches == 2
    # The old key still verifies (both are published during a rotation).
    assert (await verifier.caller(bearer(token(sub="customer-3")))).subject == "customer-3"


async def test_an_impostor_key_with_a_known_kid_does_not_trigger_a_fetch(clock: Clock) -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await verifier.caller(bearer(token()))
    clock.advance(KID_PAUSE + 1)
    await refused(verifier, bearer(token(key=IMPOSTOR)))
    assert server.fetches == 1


@pytest.mark.parametrize("failure", ["down", "500", "empty-object", "html"])
async def test_a_jwks_server_unavailable_at_first_use_answers_503_with_retry_after(
    failure: str,
) -> None:
    server = JwksServer(KEY)
    server.failure = failure
    problem = await unavailable(server.verifier(), bearer(token()))
    assert "WWW-Authenticate" not in problem.headers  # not the caller's fault


async def test_requests_queued_behind_a_failed_first_fetch_do_not_each_fetch_again() -> None:
    # Each fetch may take its whole timeout: were every queued request to fetch again in
    # turn behind the lock, the last would wait for all of them.
    fetching, gate = asyncio.Event(), asyncio.Event()
    fetches = 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal fetches
        fetches += 1
        fetching.set()
        await gate.wait()
        raise httpx.ConnectError("connection timed out", request=request)

    verifier = TokenVerifier(
        jwks_url=JWKS_URL,
        issuer=ISSUER,
        audience=AUDIENCE,
        transport=httpx.MockTransport(handle),
    )
    tasks = [
        asyncio.create_task(verifier.caller(bearer(token(sub=f"customer-{i}")))) for i in range(8)
    ]
    # The first task holds the lock and is fetching; the others, started in the same turn
    # of the loop, are queued on the lock (taking a free asyncio.Lock does not suspend).
    await fetching.wait()
    gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(o, Problem) and o.status == 503 for o in outcomes), outcomes
    assert fetches == 1


async def test_the_verifier_recovers_once_the_jwks_server_is_back(clock: Clock) -> None:
    server = JwksServer(KEY)
    server.failure = "down"
    verifier = server.verifier()
    await unavailable(verifier, bearer(token()))
    server.failure = None
    clock.advance(2)  # the Retry-After it answered
    assert (await verifier.caller(bearer(token()))).subject == "customer-1"
    assert server.fetches == 2


@pytest.mark.parametrize("failure", ["down", "500", "empty-object", "html"])
async def test_a_later_jwks_outage_keeps_using_the_cached_keys(clock: Clock, failure: str) -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await verifier.caller(bearer(token()))
    server.failure = failure
    clock.advance(REFETCH_AFTER + 1)  # time to refresh the keys, and the refresh fails
    assert (await verifier.caller(bearer(token(sub="customer-2")))).subject == "customer-2"
    assert server.fetches == 2
    # The failed refresh counts as one: the next requests do not each try again.
    assert (await verifier.caller(bearer(token(sub="customer-3")))).subject == "customer-3"
    await refused(verifier, bearer(token(key=IMPOSTOR, sub="customer-4")))
    assert server.fetches == 2


async def test_keys_are_refreshed_from_the_jwks_url_after_refetch_after(clock: Clock) -> None:
    server = JwksServer(KEY)
    verifier = server.verifier()
    await verifier.caller(bearer(token()))
    clock.advance(REFETCH_AFTER - 1)
    await verifier.caller(bearer(token(sub="customer-2")))
    assert server.fetches == 1
    server.keys = [ROTATED]  # the old key was withdrawn
    clock.advance(2)
    await refused(verifier, bearer(token(sub="customer-3")))
    assert server.fetches == 2


async def test_a_fixed_key_set_is_never_fetched(clock: Clock) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a fixed JWKS must not be fetched")

    verifier = TokenVerifier(
        jwks_url=JWKS_URL,
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks=jwks_of(KEY),
        transport=httpx.MockTransport(handle),
    )
    clock.advance(REFETCH_AFTER * 10)
    await verifier.caller(bearer(token()))
    await refused(verifier, bearer(token(key=ROTATED, kid="k2")))


# --- the cache of verified tokens -------------------------------------------------------


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How many times the verifier checked a signature (joserfc's jwt.decode)."""
    seen: list[str] = []
    real = jwt.decode

    def spy(value: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(value)
        return real(value, *args, **kwargs)

    monkeypatch.setattr(caller_module.jwt, "decode", spy)
    return seen


async def test_a_verified_token_is_remembered_and_its_signature_checked_once(
    verifier: TokenVerifier, decodes: list[str]
) -> None:
    sent = bearer(token())
    first = await verifier.caller(sent)
    for _ in range(5):
        assert await verifier.caller(sent) == first
    assert len(decodes) == 1


async def test_a_refused_token_is_not_remembered(
    verifier: TokenVerifier, decodes: list[str]
) -> None:
    forged = bearer(token(key=IMPOSTOR))
    await refused(verifier, forged)
    await refused(verifier, forged)
    assert len(decodes) == 2


async def test_a_remembered_token_stops_being_accepted_once_it_expires(
    verifier: TokenVerifier, clock: Clock
) -> None:
    sent = bearer(token(exp=int(time.time()) + 5))
    await verifier.caller(sent)
    clock.advance(5 + LEEWAY - 1)
    await verifier.caller(sent)
    clock.advance(2)
    await refused(verifier, sent)
    await refused(verifier, sent)  # and stays refused


async def test_a_token_just_past_exp_is_answered_alike_from_the_cache_and_without_it(
    clock: Clock,
) -> None:
    # Within the leeway after exp: the first check (joserfc's) accepts; the cache must
    # not refuse it, or it would be refused, dropped, accepted again, and so on.
    sent = bearer(token(exp=int(time.time()) + 5))
    warm = fixed_verifier()
    await warm.caller(sent)
    clock.advance(5 + LEEWAY / 2)
    answers = []
    for verifier in (fixed_verifier(), warm, warm, warm):
        try:
            await verifier.caller(sent)
            answers.append("accepted")
        except Problem as problem:
            answers.append(str(problem.status))
    assert answers == ["accepted"] * 4


async def test_the_cache_of_verified_tokens_does_not_grow_beyond_cache_size(
    decodes: list[str],
) -> None:
    verifier = fixed_verifier(cache_size=10)
    for i in range(35):
        await verifier.caller(bearer(token(sub=f"customer-{i}")))
        assert len(verifier._verified) <= 10
    # Still a cache: a token seen just now is not checked again.
    checked = len(decodes)
    await verifier.caller(bearer(token(sub="customer-34")))
    assert len(decodes) == checked


# --- the Caller -------------------------------------------------------------------------


async def test_a_valid_token_gives_the_caller_its_subject_scopes_and_expiry(
    verifier: TokenVerifier,
) -> None:
    exp = int(time.time()) + 600
    sent = bearer(token(sub="svc-game", scope="missions:report  x", exp=exp))
    caller = await verifier.caller(sent)
    assert caller == Caller("svc-game", frozenset({MISSIONS_REPORT, "x"}), float(exp))


@pytest.mark.parametrize("scope", [DROP, "", None, 7, ["liveops"]])
async def test_a_token_without_a_scope_string_grants_no_scope(
    verifier: TokenVerifier, scope: Any
) -> None:
    caller = await verifier.caller(bearer(token(scope=scope)))
    assert caller.scopes == frozenset()
    assert not caller.may_act_for("customer-1")


def test_a_player_acts_for_its_own_customer_only() -> None:
    player = Caller("customer-1", frozenset({PLAYER}))
    assert player.customer_id == "customer-1"
    assert player.may_act_for("customer-1")
    assert not player.may_act_for("customer-2")
    assert not player.may_act_for("")
    assert not player.operator


def test_an_operator_acts_for_any_customer() -> None:
    operator = Caller("ops-alice", frozenset({LIVEOPS}))
    assert operator.operator
    assert operator.may_act_for("customer-1")
    assert operator.may_act_for("customer-2")


def test_a_game_backend_acts_for_no_customer_even_one_named_like_it() -> None:
    backend = Caller("customer-1", frozenset({MISSIONS_REPORT, GIFT_EXCHANGE}))
    assert backend.customer_id is None
    assert not backend.may_act_for("customer-1")
    assert not backend.may_act_for("customer-2")


def test_require_refuses_a_missing_scope_with_403() -> None:
    player = Caller("customer-1", frozenset({PLAYER}))
    player.require(PLAYER)
    with pytest.raises(Problem) as caught:
        player.require(LIVEOPS)
    assert caught.value.status == 403
    assert LIVEOPS in (caught.value.detail or "")


# --- in a FastAPI app -------------------------------------------------------------------


@pytest.fixture
async def client(verifier: TokenVerifier) -> Any:
    router = APIRouter()

    @router.get("/customers/{customer_id}/wallet")
    async def wallet(customer_id: str, caller: CallerDep) -> dict[str, str]:
        if not caller.may_act_for(customer_id):
            raise Problem(403, "Forbidden", "Not your wallet.")
        return {"customer": customer_id, "caller": caller.subject}

    @router.post("/operations")
    async def operate(caller: Annotated[Caller, requires(LIVEOPS)]) -> dict[str, str]:
        return {"caller": caller.subject}

    @router.get("/lean")
    async def lean(request: Request) -> dict[str, str]:
        return {"caller": (await caller_of(request)).subject}

    app = create_app(
        title="test",
        description="test",
        routers=[router],
        ready_checks={},
        max_body_bytes=10_000,
        verifier=verifier,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http


def auth(subject: str, scope: str) -> dict[str, str]:
    return {"Authorization": bearer(token(sub=subject, scope=scope))}


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status


async def test_a_route_answers_401_as_problem_json_without_a_valid_token(client: Any) -> None:
    forged = token(key=IMPOSTOR)
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": forged}):
        for method, path in (
            ("GET", "/customers/customer-1/wallet"),
            ("POST", "/operations"),
            ("GET", "/lean"),
        ):
            response = await client.request(method, path, headers=headers)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer ")
    response = await client.get("/lean", headers={"Authorization": bearer(forged)})
    assert_problem(response, 401)
    assert forged not in response.text


async def test_a_route_answers_403_as_problem_json_when_the_token_does_not_allow_it(
    client: Any,
) -> None:
    player = auth("customer-1", PLAYER)
    assert_problem(await client.post("/operations", headers=player), 403)
    assert_problem(await client.get("/customers/customer-2/wallet", headers=player), 403)
    backend = auth("customer-1", MISSIONS_REPORT)
    assert_problem(await client.get("/customers/customer-1/wallet", headers=backend), 403)


async def test_a_route_answers_200_to_a_caller_it_allows(client: Any) -> None:
    player = auth("customer-1", PLAYER)
    response = await client.get("/customers/customer-1/wallet", headers=player)
    assert response.status_code == 200
    assert response.json() == {"customer": "customer-1", "caller": "customer-1"}
    operator = auth("ops-alice", LIVEOPS)
    response = await client.get("/customers/customer-2/wallet", headers=operator)
    assert response.json() == {"customer": "customer-2", "caller": "ops-alice"}
    response = await client.post("/operations", headers=operator)
    assert response.status_code == 200
    assert response.json() == {"caller": "ops-alice"}
    response = await client.get("/lean", headers=player)
    assert response.json() == {"caller": "customer-1"}


async def test_a_route_answers_503_when_tokens_cannot_be_checked() -> None:
    server = JwksServer(KEY)
    server.failure = "down"
    app = create_app(
        title="test",
        description="test",
        routers=[],
        ready_checks={},
        max_body_bytes=10_000,
        verifier=server.verifier(),
    )

    @app.get("/me")
    async def me(caller: CallerDep) -> dict[str, str]:
        return {"caller": caller.subject}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        response = await http.get("/me", headers=auth("customer-1", PLAYER))
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "2"
