"""Gateway settings: QUESTLINE_GATEWAY_* variables. Every number in the Envoy config
comes from here."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

UPSTREAMS = ("mission", "reward", "wallet", "gift", "mypage", "auth")


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_GATEWAY_", extra="ignore", frozen=True)

    # Where clients connect. The admin interface is always on 127.0.0.1 only.
    listen_host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    admin_port: int = Field(default=9901, ge=1, le=65535)

    # The services behind the gateway (HTTP/1.1, keep-alive). `{service}` in the host is
    # replaced by the service's name: one host per service, e.g. `questline-{service}` in
    # Kubernetes (deploy/helm/questline); without it every service is on the same host.
    upstream_host: str = "127.0.0.1"
    mission_port: int = Field(default=8081, ge=1, le=65535)
    reward_port: int = Field(default=8082, ge=1, le=65535)
    wallet_port: int = Field(default=8083, ge=1, le=65535)
    gift_port: int = Field(default=8084, ge=1, le=65535)
    mypage_port: int = Field(default=8085, ge=1, le=65535)
    auth_port: int = Field(default=8086, ge=1, le=65535)
    # Several instances of one service: their host:port list (JSON in the environment,
    # e.g. QUESTLINE_GATEWAY_MISSION_ENDPOINTS='["127.0.0.1:8081", "127.0.0.1:18081"]');
    # empty: the one instance at upstream_host and the port above.
    mission_endpoints: list[str] = Field(default_factory=list)
    reward_endpoints: list[str] = Field(default_factory=list)
    wallet_endpoints: list[str] = Field(default_factory=list)
    gift_endpoints: list[str] = Field(default_factory=list)
    mypage_endpoints: list[str] = Field(default_factory=list)
    auth_endpoints: list[str] = Field(default_factory=list)
    # host:port of the web app; empty: there is none yet and `/` answers 404.
    web_upstream: str = ""

    # Tokens: what a valid one says, and where the keys that sign them are published.
    jwt_issuer: str = "http://127.0.0.1:8080"
    jwt_audience: str = "questline"
    jwks_url: str = "http://127.0.0.1:8086/.well-known/jwks.json"
    # Keys are refetched this often; auth publishes a new key well before it signs
    # with it (QUESTLINE_AUTH_KEY_PUBLISH_DELAY_S, 120 s), so this must stay below that.
    jwks_cache_s: int = Field(default=60, ge=1)
    # A failed fetch (auth not up yet) is retried this soon instead of after a whole
    # cache period: the gateway may start before auth.
    jwks_retry_s: float = Field(default=1.0, ge=0.1)
    jwt_clock_skew_s: int = Field(default=30, ge=0, le=300)
    # Verified tokens remembered per worker: a repeated token skips the signature check.
    jwt_cache_size: int = Field(default=4096, ge=0)

    # Rate limits: token buckets, refilled at `rate` per second up to `burst`, kept per
    # route and per client (the token's subject, or the client address when there is
    # no token). Load tests from one client must raise these.
    client_rate_per_s: int = Field(default=200, ge=1)
    client_burst: int = Field(default=400, ge=1)
    # POST /missions: a game backend is one client speaking for all its players.
    report_rate_per_s: int = Field(default=5_000, ge=1)
    report_burst: int = Field(default=10_000, ge=1)
    # The exchange: a player has no reason to exchange ten rewards a second.
    exchange_rate_per_s: int = Field(default=10, ge=1)
    exchange_burst: int = Field(default=20, ge=1)
    # Sign-in and token endpoints, per client address: slows password guessing.
    sign_in_rate_per_s: int = Field(default=5, ge=1)
    sign_in_burst: int = Field(default=20, ge=1)
    # Every client together, per route: the ceiling that protects a service.
    route_rate_per_s: int = Field(default=10_000, ge=1)
    route_burst: int = Field(default=20_000, ge=1)
    # Clients with a live bucket per route (least recently seen ones are forgotten).
    tracked_clients: int = Field(default=10_000, ge=1)

    # Active health checks on /health/ready, for a service with several endpoints: an
    # instance that drains (503) leaves the rotation at the next check, one that comes
    # back joins it after `healthy_threshold` good answers. Silence (a refused connection,
    # a timeout) counts `unhealthy_threshold` times first. A lone instance is not checked:
    # there is no other to send its requests to.
    health_check_interval_s: float = Field(default=1.0, gt=0)
    health_check_timeout_s: float = Field(default=1.0, gt=0)
    unhealthy_threshold: int = Field(default=2, ge=1)
    healthy_threshold: int = Field(default=1, ge=1)
    # A request that never reached an instance (no connection, or reset before it was
    # sent) is retried this many times, on another instance when there is one. Nothing
    # else is retried: a POST must never be sent twice.
    unsent_retries: int = Field(default=2, ge=0, le=5)
    # Upstream calls.
    route_timeout_s: float = Field(default=10.0, gt=0)
    # The exchange waits on wallet, which waits on gift (and its circuit breaker).
    exchange_timeout_s: float = Field(default=15.0, gt=0)
    connect_timeout_s: float = Field(default=1.0, gt=0)
    # Streams (My Page's Server-Sent Events) have no route timeout; one silent for this
    # long is cut (the service sends a keep-alive every 15 s).
    stream_idle_timeout_s: float = Field(default=300.0, gt=0)
    # Open streams to a service at once: each holds one upstream connection.
    stream_max_connections: int = Field(default=20_000, ge=1)
    # Below uvicorn's 5 s keep-alive: Envoy drops an idle connection before the service
    # does, so a request is never written to a connection the service is closing.
    upstream_idle_timeout_s: float = Field(default=4.0, gt=0)
    # Circuit breakers per service, sized for ~5,000 req/s (HTTP/1.1: one request per
    # connection at a time, so connections ~ requests in flight).
    upstream_max_connections: int = Field(default=4096, ge=1)
    upstream_max_pending: int = Field(default=4096, ge=1)
    upstream_max_requests: int = Field(default=8192, ge=1)
    # Retries in flight at once per service (only of requests never sent, see above).
    upstream_max_retries: int = Field(default=256, ge=0)

    # Client side.
    max_request_header_kib: int = Field(default=16, ge=1, le=8192)
    max_downstream_connections: int = Field(default=50_000, ge=1)
    # Envoy worker threads. One: on two cores the services need the other; My Page
    # reads through the gateway at saturation (wrk, 64 connections, same machine and
    # minute): one worker 2,500 to 2,860/s at ≈ 235 µs of Envoy CPU per read, two workers
    # 1,540 to 2,460/s at ≈ 335 µs (threads contending with the service for the cores).
    concurrency: int = Field(default=1, ge=1)
    # One JSON line per request to this file; empty: no access log (the default: it
    # costs throughput). The Authorization header is never logged.
    access_log: str = ""

    @field_validator("web_upstream")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value:
            _host_and_port(value)
        return value

    @field_validator(*(f"{name}_endpoints" for name in UPSTREAMS))
    @classmethod
    def _host_ports(cls, values: list[str]) -> list[str]:
        for value in values:
            _host_and_port(value)
        if len(set(values)) != len(values):
            raise ValueError(f"an endpoint is listed twice: {values}")
        return values

    @field_validator("jwks_url")
    @classmethod
    def _plain_http(cls, value: str) -> str:
        # The key server is a local service; TLS to it would need a CA bundle here.
        parts = urlsplit(value)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"jwks_url must be an http:// URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _bursts_hold_a_second(self) -> GatewaySettings:
        for name in ("client", "report", "exchange", "sign_in", "route"):
            rate, burst = getattr(self, f"{name}_rate_per_s"), getattr(self, f"{name}_burst")
            if burst < rate:
                raise ValueError(f"{name}_burst ({burst}) must be at least {name}_rate_per_s")
        return self

    def upstream(self, name: str) -> tuple[str, int]:
        """(host, port) of a service by name (mission, reward, …, auth)."""
        if name not in UPSTREAMS:
            raise KeyError(name)
        return self.upstream_host.replace("{service}", name), int(getattr(self, f"{name}_port"))

    def endpoints(self, name: str) -> list[tuple[str, int]]:
        """(host, port) of each instance of a service: its endpoint list, else `upstream`."""
        listed: list[str] = getattr(self, f"{name}_endpoints")
        return [_host_and_port(value) for value in listed] or [self.upstream(name)]

    def jwks_address(self) -> tuple[str, int]:
        parts = urlsplit(self.jwks_url)
        return parts.hostname or "", parts.port or 80

    def web_address(self) -> tuple[str, int] | None:
        if not self.web_upstream:
            return None
        return _host_and_port(self.web_upstream)


def _host_and_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"expected host:port, got {value!r}")
    return host.strip("[]"), int(port)
