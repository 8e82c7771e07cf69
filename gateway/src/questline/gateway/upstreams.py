"""The upstream side of the Envoy bootstrap: a cluster per service with its instances,
their health checks and circuit breakers, and the one retry a route may make.

Taking an instance out of rotation without failing a request (docs/deploy.md,
"Zero-downtime updates"): on SIGTERM the instance drains (service_kit.drain): its
/health/ready answers 503 while its other routes still serve. The health check below
sees the 503 at its next round and marks the instance unhealthy at once (a 503 does not
wait for `unhealthy_threshold`); Envoy then sends it no new request and closes its
pooled connections to it as their requests finish. When the instance stops, nothing of
the gateway's is left on it. What can still go wrong before the check noticed — a
connection refused, a connection reset before the request was written — is retried on
another instance: those requests never reached a service, so even a POST is safe.

With every instance of a service unhealthy (say Kafka is down: readiness fails
everywhere) Envoy's panic threshold (50 %, its default) sends to all of them anyway:
a failing readiness check never turns into a gateway that refuses everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from questline.gateway.settings import UPSTREAMS, GatewaySettings

API = "type.googleapis.com/envoy.extensions"
WEB = "web"
JWKS = "jwks"
READY_PATH = "/health/ready"
# Only failures where the request never reached an instance: nothing was done there.
UNSENT = "connect-failure,reset-before-request"


def stream_cluster(upstream: str) -> str:
    return f"{upstream}_streams"


def clusters(settings: GatewaySettings, streamed: Iterable[str]) -> list[dict[str, Any]]:
    """One cluster per service; again for each service in `streamed` (its streams: each
    open one holds an upstream connection, counted against limits of their own); the
    web app's, when there is one; the key fetches'."""
    rendered = [_service_cluster(name, settings.endpoints(name), settings) for name in UPSTREAMS]
    for name in sorted(set(streamed)):
        rendered.append(
            _service_cluster(
                stream_cluster(name),
                settings.endpoints(name),
                settings,
                max_connections=settings.stream_max_connections,
            )
        )
    web = settings.web_address()
    if web is not None:
        rendered.append(_service_cluster(WEB, [web], settings))
    # Key fetches get their own small cluster: they never queue behind auth's traffic.
    rendered.append(
        {
            "name": JWKS,
            **_endpoints(JWKS, [settings.jwks_address()]),
            "connect_timeout": duration(settings.connect_timeout_s),
        }
    )
    return rendered


def retry_policy(settings: GatewaySettings) -> dict[str, Any]:
    """Retry what never reached an instance, on another instance when there is one."""
    return {
        "retry_on": UNSENT,
        "num_retries": settings.unsent_retries,
        "retry_host_predicate": [
            {
                "name": "envoy.retry_host_predicates.previous_hosts",
                "typed_config": {
                    "@type": f"{API}.retry.host.previous_hosts.v3.PreviousHostsPredicate"
                },
            }
        ],
        "host_selection_retry_max_attempts": 3,
    }


def _service_cluster(
    name: str,
    endpoints: list[tuple[str, int]],
    settings: GatewaySettings,
    max_connections: int | None = None,  # also its requests (one per connection)
) -> dict[str, Any]:
    cluster: dict[str, Any] = {
        "name": name,
        **_endpoints(name, endpoints),
        "connect_timeout": duration(settings.connect_timeout_s),
        "circuit_breakers": {
            "thresholds": [
                {
                    "priority": "DEFAULT",
                    "max_connections": max_connections or settings.upstream_max_connections,
                    "max_pending_requests": settings.upstream_max_pending,
                    "max_requests": max_connections or settings.upstream_max_requests,
                    "max_retries": settings.upstream_max_retries,
                }
            ]
        },
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": f"{API}.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http_protocol_options": {}},
                "common_http_protocol_options": {
                    "idle_timeout": duration(settings.upstream_idle_timeout_s)
                },
            }
        },
    }
    if len(endpoints) > 1:
        cluster["health_checks"] = [_readiness_check(settings)]
        # Pooled connections to an instance found unhealthy are closed as their requests
        # finish (not cut): none is left on it by the time it stops. (Envoy 1.40 drains
        # HTTP pools on a health failure anyway; this says so, and closes the rest.)
        cluster["close_connections_on_host_health_failure"] = True
    return cluster


def _readiness_check(settings: GatewaySettings) -> dict[str, Any]:
    interval = duration(settings.health_check_interval_s)
    return {
        "timeout": duration(settings.health_check_timeout_s),
        "interval": interval,
        # Envoy checks a cluster that has had no traffic yet only once a minute unless
        # told otherwise: an instance started before the first request would wait that
        # long to join.
        "no_traffic_interval": interval,
        "unhealthy_threshold": settings.unhealthy_threshold,
        "healthy_threshold": settings.healthy_threshold,
        "http_health_check": {"path": READY_PATH},
    }


def _endpoints(name: str, endpoints: list[tuple[str, int]]) -> dict[str, Any]:
    # IP literals need no resolver; a name is resolved (and re-resolved) by DNS.
    kind = "STATIC" if all(_is_ip(host) for host, _ in endpoints) else "STRICT_DNS"
    return {
        "type": kind,
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {"endpoint": {"address": address(host, port)}} for host, port in endpoints
                    ]
                }
            ],
        },
    }


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def address(host: str, port: int) -> dict[str, Any]:
    return {"socket_address": {"address": host, "port_value": port}}


def duration(seconds: float) -> str:
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
