"""Fixtures for the gateway tests: fake services that answer with what reached them, a
fake key server, tokens signed like the auth service's, and a real Envoy in front."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import json
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey, RSAKey

from questline.devstack.ports import free_ports
from questline.gateway.process import Gateway
from questline.gateway.settings import UPSTREAMS, GatewaySettings

ISSUER = "http://gateway.test"
AUDIENCE = "questline"


# ------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Keys:
    """The keys the fake key server publishes (EdDSA and RS256), and one it does not."""

    ed: OKPKey = field(
        default_factory=lambda: OKPKey.generate_key("Ed25519", parameters={"kid": "ed-1"})
    )
    rsa: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    )
    # Same kid as `ed`, another key: what a forger would sign with.
    impostor: OKPKey = field(
        default_factory=lambda: OKPKey.generate_key("Ed25519", parameters={"kid": "ed-1"})
    )

    def jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                {**self.ed.as_dict(private=False), "alg": "EdDSA", "use": "sig"},
                {**self.rsa.as_dict(private=False), "alg": "RS256", "use": "sig"},
            ]
        }


class Tokens:
    """Mints tokens as the auth service does: iss, aud, sub, exp, iat, scope, client_id."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def claims(self, sub: str, scope: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": now,
            "exp": now + 600,
            "scope": scope,
            "client_id": "questline-web",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(
        self,
        sub: str | None = None,
        scope: str = "player",
        *,
        key: OKPKey | RSAKey | None = None,
        kid: str | None = None,
        **overrides: Any,
    ) -> str:
        key = key or self.keys.ed
        alg = "RS256" if isinstance(key, RSAKey) else "EdDSA"
        header = {"alg": alg, "kid": kid or key.kid}
        claims = self.claims(sub or unique("player"), scope, **overrides)
        with warnings.catch_warnings():
            # RFC 9864 renames EdDSA to Ed25519; the tokens (and Envoy) use EdDSA.
            warnings.simplefilter("ignore", SecurityWarning)
            return jwt.encode(header, claims, key, algorithms=[alg])

    @staticmethod
    def subject(prefix: str) -> str:
        """A subject no other test uses (each client has its own rate-limit buckets)."""
        return unique(prefix)

    def bearer(
        self, sub: str | None = None, scope: str = "player", **kwargs: Any
    ) -> dict[str, str]:
        """An Authorization header with a fresh token (see mint)."""
        return {"Authorization": f"Bearer {self.mint(sub, scope, **kwargs)}"}

    def unsigned(self, sub: str) -> str:
        """`alg: none`: a token anyone can write."""
        return _compact({"alg": "none", "kid": self.keys.ed.kid}, self.claims(sub, "liveops"), b"")

    def hs256_with_public_key(self, sub: str) -> str:
        """HS256 keyed with the published public key: the classic algorithm confusion."""
        header = {"alg": "HS256", "kid": self.keys.ed.kid, "typ": "JWT"}
        secret = base64.urlsafe_b64decode(self.keys.jwks()["keys"][0]["x"] + "==")
        signing_input = _compact(header, self.claims(sub, "liveops"), None)
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes | None) -> str:
    parts = [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode())]
    if signature is not None:
        parts.append(_b64(signature))
    return ".".join(parts)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------ fake services


@dataclass
class Seen:
    """One request as a fake service received it."""

    method: str
    path: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


class FakeService:
    """An upstream that answers every request with what reached it, as JSON.

    A path containing "slow" is held until `release` is set; one containing
    "unavailable" gets the service's own 503.
    """

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.seen: list[Seen] = []
        self.release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def with_request_id(self, request_id: str) -> list[Seen]:
        return [seen for seen in self.seen if request_id in seen.header("x-request-id")]

    async def _answer(self, request: web.Request) -> web.Response:
        headers = [(key.lower(), value) for key, value in request.headers.items()]
        self.seen.append(Seen(request.method, request.path_qs, headers))
        if "slow" in request.path:
            await self.release.wait()
        if "unavailable" in request.path:
            return web.json_response(
                {"title": "down for a test"}, status=503, headers={"Retry-After": "7"}
            )
        body = {
            "service": self.name,
            "method": request.method,
            "path": request.path_qs,
            "headers": headers,
        }
        return web.json_response(body)


class Services(dict[str, FakeService]):
    def with_request_id(self, request_id: str) -> list[Seen]:
        return [seen for service in self.values() for seen in service.with_request_id(request_id)]


class KeyServer:
    """Serves the JWKS the gateway fetches."""

    def __init__(self, keys: Keys, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/jwks.json"
        self._keys = keys
        self._port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/jwks.json", self._jwks)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self._port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _jwks(self, _: web.Request) -> web.Response:
        return web.json_response(self._keys.jwks())


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def tokens(keys: Keys) -> Tokens:
    return Tokens(keys)


@pytest.fixture(scope="session")
async def services() -> AsyncIterator[Services]:
    names = [*UPSTREAMS, "web"]
    fakes = Services(
        {
            name: FakeService(name, port)
            for name, port in zip(names, free_ports(len(names)), strict=True)
        }
    )
    for fake in fakes.values():
        await fake.start()
    yield fakes
    for fake in fakes.values():
        fake.release.set()
        await fake.stop()


@pytest.fixture(scope="session")
async def key_server(keys: Keys) -> AsyncIterator[KeyServer]:
    server = KeyServer(keys, free_ports(1)[0])
    await server.start()
    yield server
    await server.stop()


def _settings(services: Services, key_server: KeyServer, **overrides: Any) -> GatewaySettings:
    """Settings for a test gateway in front of the fakes, with small, testable limits."""
    port, admin_port = free_ports(2)
    values: dict[str, Any] = {
        "port": port,
        "admin_port": admin_port,
        **{f"{name}_port": services[name].port for name in UPSTREAMS},
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwks_url": key_server.url,
        "client_rate_per_s": 10,
        "client_burst": 20,
        "exchange_rate_per_s": 1,
        "exchange_burst": 2,
        "sign_in_rate_per_s": 1,
        "sign_in_burst": 3,
        "route_timeout_s": 1.0,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@pytest.fixture(scope="session")
def gateway_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gateway")


async def started(settings: GatewaySettings, workdir: Path) -> Gateway:
    gateway = Gateway(settings, workdir)
    gateway.start()
    try:
        # In a thread: the key server the first fetch goes to runs on this loop.
        await asyncio.to_thread(gateway.wait_ready, 20)
    except BaseException:
        gateway.stop()
        raise
    return gateway


@pytest.fixture(scope="session")
async def gateway(
    services: Services, key_server: KeyServer, gateway_dir: Path
) -> AsyncIterator[Gateway]:
    gateway = await started(_settings(services, key_server), gateway_dir / "main")
    yield gateway
    gateway.stop()


@pytest.fixture
def gateway_settings(services: Services, key_server: KeyServer) -> Callable[..., GatewaySettings]:
    """Settings for another gateway in front of the same fakes, on its own ports."""
    return functools.partial(_settings, services, key_server)


@pytest.fixture
def key_server_on(keys: Keys) -> Callable[[int], AbstractAsyncContextManager[KeyServer]]:
    """A key server started late, on a given port (auth coming up after the gateway)."""

    @contextlib.asynccontextmanager
    async def serving(port: int) -> AsyncIterator[KeyServer]:
        server = KeyServer(keys, port)
        await server.start()
        try:
            yield server
        finally:
            await server.stop()

    return serving


@pytest.fixture(scope="module")
async def web_client(
    services: Services, key_server: KeyServer, gateway_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a gateway with a web app (the fake "web" service) behind `/`."""
    settings = _settings(services, key_server, web_upstream=f"127.0.0.1:{services['web'].port}")
    gateway = await started(settings, gateway_dir / "web")
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
        yield http
    gateway.stop()


@pytest.fixture(scope="session")
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
        yield http


@pytest.fixture
async def client_from(gateway: Gateway) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """Clients connecting from other loopback addresses (127.0.0.2, …): other clients
    as far as the per-address limits are concerned."""
    opened: list[httpx.AsyncClient] = []

    def connect(address: str) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(local_address=address)
        http = httpx.AsyncClient(base_url=gateway.url, timeout=10, transport=transport)
        opened.append(http)
        return http

    yield connect
    for http in opened:
        await http.aclose()
