"""Who is calling: every service checks the bearer token itself (defence in depth
behind the gateway) and turns it into a `Caller` with its ownership rules.

A token is an RS256 JWT from the auth service: signature against its JWKS (cached,
fetched again when an unknown `kid` shows up), `iss`, `aud`, `exp`, `nbf`, `iat` and
an algorithm allow-list. A verified token is remembered until it expires, so a client
that sends the same token many times pays the signature check once (≈ 80 µs), then a
dictionary lookup."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from questline.service_kit.logs import get_logger
from questline.service_kit.problems import Problem

log = get_logger(__name__)

PLAYER = "player"
LIVEOPS = "liveops"
MISSIONS_REPORT = "missions:report"
GIFT_EXCHANGE = "gift:exchange"
ALGORITHMS = ("RS256",)
# After a failed first JWKS fetch, requests answer 503 at once for this long instead of
# each fetching again in turn behind the lock (they would queue for the timeout each).
FAILED_FETCH_PAUSE_S = 1.0


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    scopes: frozenset[str]
    expires_at: float = 0.0

    @property
    def customer_id(self) -> str | None:
        """A player acts for one customer: the one their token names."""
        return self.subject if PLAYER in self.scopes else None

    @property
    def operator(self) -> bool:
        return LIVEOPS in self.scopes

    def may_act_for(self, customer_id: str) -> bool:
        return self.operator or self.customer_id == customer_id

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Problem(403, "Forbidden", f"This needs a token with scope {scope}.")


def unauthorised(detail: str) -> Problem:
    return Problem(
        401,
        "Unauthorised",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="questline", error="invalid_token"'},
    )


class TokenVerifier:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        jwks: dict[str, Any] | None = None,
        refetch_after_s: float = 300.0,
        unknown_kid_pause_s: float = 10.0,
        cache_size: int = 50_000,
        leeway_s: int = 30,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self._transport = transport  # tests hand in a mock transport
        self.claims = jwt.JWTClaimsRegistry(
            leeway=leeway_s,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        self._keys = KeySet.import_key_set(jwks) if jwks is not None else None  # type: ignore[arg-type]
        self._fixed = jwks is not None
        self._fetched_at = time.monotonic() if jwks is not None else 0.0
        self._refetch_after = refetch_after_s
        self._kid_pause = unknown_kid_pause_s
        self._failed_at: float | None = None
        self._leeway = leeway_s
        self._verified: dict[str, Caller] = {}
        self._cache_size = cache_size
        self._lock = asyncio.Lock()

    async def caller(self, authorization: str | None) -> Caller:
        if not authorization:
            raise unauthorised("A bearer token is required.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthorised("Use the Bearer scheme.")
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            # The same leeway as the first check (joserfc's), or a token just past `exp`
            # would be refused from the cache and accepted again once dropped from it.
            if known.expires_at + self._leeway > now:
                return known
            del self._verified[token]
            raise unauthorised("The token has expired.")
        caller = await self._verify(token.strip(), now)
        if len(self._verified) >= self._cache_size:
            self._verified.clear()  # rare: the tokens of the last minutes come back once
        self._verified[token] = caller
        return caller

    async def _verify(self, token: str, now: float) -> Caller:
        keys = await self._keyset(force=False)
        try:
            try:
                decoded = jwt.decode(token, keys, algorithms=list(ALGORITHMS))
            except JoseError as error:
                if type(error).__name__ not in {"InvalidKeyIdError", "MissingKeyError"}:
                    raise
                # Perhaps a key rotated in since we fetched: look again (rate-limited).
                decoded = jwt.decode(token, await self._keyset(force=True), list(ALGORITHMS))
            self.claims.validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as error:
            raise unauthorised("The token is not valid.") from error
        claims = decoded.claims
        if "kid" not in decoded.header:
            raise unauthorised("The token names no key.")
        scope = claims.get("scope") or ""
        return Caller(
            subject=str(claims["sub"]),
            scopes=frozenset(scope.split() if isinstance(scope, str) else ()),
            expires_at=float(claims["exp"]),
        )

    async def _keyset(self, *, force: bool) -> KeySet:
        age = time.monotonic() - self._fetched_at
        if self._keys is not None and (
            self._fixed or (age < (self._kid_pause if force else self._refetch_after))
        ):
            return self._keys
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if self._keys is not None and age < (self._kid_pause if force else 1.0):
                return self._keys  # another request fetched while we waited
            if (
                self._keys is None
                and self._failed_at is not None
                and time.monotonic() - self._failed_at < FAILED_FETCH_PAUSE_S
            ):
                raise _jwks_unavailable()  # another request just failed to fetch them
            try:
                async with httpx.AsyncClient(timeout=3, transport=self._transport) as http:
                    response = await http.get(self.jwks_url)
                    response.raise_for_status()
                    self._keys = KeySet.import_key_set(response.json())
            # KeyError, TypeError: a body that is JSON but no key set (`{}`, `[]`, `null`).
            except (httpx.HTTPError, ValueError, KeyError, TypeError, JoseError) as error:
                log.warning("jwks_unavailable", url=self.jwks_url, error=str(error))
                if self._keys is None:
                    self._failed_at = time.monotonic()
                    raise _jwks_unavailable() from error
            self._fetched_at = time.monotonic()
            return self._keys


def _jwks_unavailable() -> Problem:
    return Problem(
        503,
        "Service temporarily unavailable",
        "Tokens cannot be checked right now. Please retry shortly.",
        headers={"Retry-After": "2"},
    )


async def caller_of(request: Request) -> Caller:
    """The caller of a lean route (no dependency solving), or 401."""
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.caller(request.headers.get("authorization"))


# Declares the bearer scheme in OpenAPI (the docs' Authorize button); reads nothing.
_bearer = HTTPBearer(auto_error=False, description="An access token from the auth service")


async def current_caller(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    return await caller_of(request)


CallerDep = Annotated[Caller, Depends(current_caller)]


def requires(scope: str) -> Any:
    """A route dependency: the caller's token must hold `scope` (else 403). As a
    `Security` dependency, the scope shows in the operation's OpenAPI security
    requirement (a role name, as OpenAPI 3.1 allows for a bearer scheme)."""

    async def check(caller: CallerDep) -> Caller:
        caller.require(scope)
        return caller

    return Security(check, scopes=[scope])


def bearer(*scopes: str) -> dict[str, Any]:
    """`openapi_extra` of a lean route, which checks its caller itself: the bearer
    scheme, and the scopes the route requires (as `requires` shows them)."""
    return {"security": [{"HTTPBearer": list(scopes)}]}


BEARER = bearer()

# What a route that needs a scope may answer besides its own statuses (for OpenAPI;
# service_kit.openapi adds 401 to every route that checks a token, and the problem body).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or not a valid one"},
    403: {"description": "The token does not allow this"},
}
