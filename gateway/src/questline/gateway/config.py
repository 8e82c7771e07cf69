"""The Envoy v3 bootstrap for the gateway, as a plain dict (`render`).

The route table below is the whole public surface: anything it does not name (a
service's /health and /metrics, gift's internal POST /exchanges, a known path with
another method) is not routed and answers 404.

A request goes through: the subject header and any x-envoy-* header are stripped
(early header mutation, before any filter) → jwt_authn (the token: when the route needs
one, or one is sent) → local_ratelimit (per route: its ceiling, and a bucket per client)
→ rbac (the route's scope) → router → the service's cluster (upstreams: its instances,
their health checks, the retry of a request that never reached one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from questline.gateway.problems import local_reply_config
from questline.gateway.settings import GatewaySettings
from questline.gateway.upstreams import (
    API,
    JWKS,
    WEB,
    address,
    clusters,
    duration,
    retry_policy,
    stream_cluster,
)

Access = Literal["token", "anyone"]
TOKEN: Access = "token"  # a valid token is required
ANYONE: Access = "anyone"  # anonymous is fine, but a token that is sent must be valid

# A route's profile: its per-client rate limit (GatewaySettings.<profile>_rate_per_s and
# _burst) and, for the exchange, its longer timeout.
Profile = Literal["client", "report", "exchange", "sign_in"]

LIVEOPS = "liveops"
REPORT = "missions:report"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # exact, or a URI template: {name} is one path segment
    upstream: str
    access: Access
    scope: str | None = None  # a word the token's `scope` must hold
    profile: Profile = "client"
    # A response that stays open (Server-Sent Events): no route timeout, an idle timeout
    # instead (the service sends keep-alives), and a cluster of its own (`_streams`), so
    # open streams never take the connections the service's other routes need.
    stream: bool = False

    @property
    def name(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "_", self.path.lower()).strip("_")
        return f"{self.method.lower()}_{words or 'root'}"

    @property
    def cluster(self) -> str:
        return stream_cluster(self.upstream) if self.stream else self.upstream


# fmt: off
ROUTES: tuple[Route, ...] = (*(Route(*row) for row in (
    # method  path                                         service    access  scope    profile
    ("GET",   "/.well-known/openid-configuration",         "auth",    ANYONE),
    ("GET",   "/.well-known/jwks.json",                    "auth",    ANYONE),
    ("GET",   "/oauth/authorize",                          "auth",    ANYONE, None,    "sign_in"),
    ("POST",  "/oauth/authorize",                          "auth",    ANYONE, None,    "sign_in"),
    ("POST",  "/oauth/token",                              "auth",    ANYONE, None,    "sign_in"),
    ("POST",  "/oauth/revoke",                             "auth",    ANYONE),
    ("GET",   "/oauth/userinfo",                           "auth",    ANYONE),
    ("POST",  "/missions",                                 "mission", TOKEN,  REPORT,  "report"),
    ("GET",   "/missions",                                 "mission", TOKEN),
    ("GET",   "/missions/{id}",                            "mission", TOKEN),
    ("GET",   "/mission-definitions",                      "mission", ANYONE),
    ("GET",   "/mission-definitions/{code}",               "mission", ANYONE),
    ("POST",  "/mission-definitions",                      "mission", TOKEN,  LIVEOPS),
    ("PATCH", "/mission-definitions/{code}",               "mission", TOKEN,  LIVEOPS),
    ("GET",   "/rewards",                                  "reward",  TOKEN),
    ("GET",   "/rewards/{id}",                             "reward",  TOKEN),
    ("GET",   "/wallets/{customer}",                       "wallet",  TOKEN),
    ("POST",  "/wallets/{customer}/rewards/{id}/exchange", "wallet",  TOKEN,  None,    "exchange"),
    ("GET",   "/admin/circuit-breakers",                   "wallet",  TOKEN,  LIVEOPS),
    # The LiveOps console's status: each service reports on itself (service_kit.ops).
    ("GET",   "/ops/mission/status",                       "mission", TOKEN,  LIVEOPS),
    ("GET",   "/ops/reward/status",                        "reward",  TOKEN,  LIVEOPS),
    ("GET",   "/ops/wallet/status",                        "wallet",  TOKEN,  LIVEOPS),
    ("GET",   "/ops/gift/status",                          "gift",    TOKEN,  LIVEOPS),
    ("GET",   "/ops/mypage/status",                        "mypage",  TOKEN,  LIVEOPS),
    ("GET",   "/gifts",                                    "gift",    ANYONE),
    ("GET",   "/gifts/{id}",                               "gift",    ANYONE),
    ("POST",  "/gifts",                                    "gift",    TOKEN,  LIVEOPS),
    ("POST",  "/gifts/{id}/stock",                         "gift",    TOKEN,  LIVEOPS),
    ("GET",   "/exchanges",                                "gift",    TOKEN),
    ("GET",   "/exchanges/{id}",                           "gift",    TOKEN),
    ("GET",   "/mypage/{customer}",                        "mypage",  TOKEN),
)),
    # The page pushed as it changes (Server-Sent Events), for its player or an operator.
    Route("GET", "/mypage/{customer}/stream", "mypage", TOKEN, stream=True),
)
# fmt: on

# With a web app behind `/`, these first segments still never reach it: they are the
# API's (or a service's private routes), so a miss there is a 404, not a web page.
API_SEGMENTS = (
    ".well-known", "oauth", "missions", "mission-definitions", "rewards", "wallets",
    "admin", "gifts", "exchanges", "mypage", "health", "metrics", "ops",
)  # fmt: skip

PROVIDER = "questline"
# The token's `sub`, set by jwt_authn for the per-client rate limit. A client's own copy
# is removed before any filter runs, so nobody can choose another client's bucket.
SUBJECT_HEADER = "x-questline-subject"
JWT_PAYLOAD = "jwt_payload"  # where jwt_authn puts the verified claims (dynamic metadata)
JWT_FAILURE = "jwt_failure"  # … and why it refused a token

JWT_FILTER = "envoy.filters.http.jwt_authn"
RATE_LIMIT_FILTER = "envoy.filters.http.local_ratelimit"
RBAC_FILTER = "envoy.filters.http.rbac"
ROUTER_FILTER = "envoy.filters.http.router"


def render(settings: GatewaySettings) -> dict[str, Any]:
    """The whole bootstrap: one listener, one cluster per service, admin on loopback."""
    return {
        "node": {"id": "questline-gateway", "cluster": "questline-gateway"},
        "admin": {"address": address("127.0.0.1", settings.admin_port)},
        # No stats sink: no flush timer either (stats stay readable on the admin port).
        "stats_flush_on_admin": True,
        "static_resources": {
            "listeners": [_listener(settings)],
            "clusters": clusters(settings, {r.upstream for r in ROUTES if r.stream}),
        },
        "overload_manager": {
            "resource_monitors": [
                {
                    "name": "envoy.resource_monitors.global_downstream_max_connections",
                    "typed_config": {
                        "@type": f"{API}.resource_monitors.downstream_connections.v3"
                        ".DownstreamConnectionsConfig",
                        "max_active_downstream_connections": settings.max_downstream_connections,
                    },
                }
            ]
        },
    }


# ----------------------------------------------------------------------- listener


def _listener(settings: GatewaySettings) -> dict[str, Any]:
    return {
        "name": "public",
        "address": address(settings.listen_host, settings.port),
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": _connection_manager(settings),
                    }
                ]
            }
        ],
    }


def _connection_manager(settings: GatewaySettings) -> dict[str, Any]:
    hcm: dict[str, Any] = {
        "@type": f"{API}.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "public",
        "codec_type": "AUTO",
        "server_name": "questline-gateway",
        # The client is the peer of this socket; X-Forwarded-For from it is not trusted.
        "use_remote_address": True,
        "xff_num_trusted_hops": 0,
        # A client's own request id is kept (traces across systems); else one is made.
        "generate_request_id": True,
        "preserve_external_request_id": True,
        "always_set_request_id_in_response": True,
        # Routes match the path the services will see.
        "normalize_path": True,
        "merge_slashes": True,
        "path_with_escaped_slashes_action": "REJECT_REQUEST",
        "max_request_headers_kb": settings.max_request_header_kib,
        "request_headers_timeout": "10s",
        "common_http_protocol_options": {
            "idle_timeout": "60s",
            # x_questline_subject would be a second spelling of the subject header.
            "headers_with_underscores_action": "DROP_HEADER",
        },
        "early_header_mutation_extensions": [
            {
                "name": "envoy.http.early_header_mutation.header_mutation",
                "typed_config": {
                    "@type": f"{API}.http.early_header_mutation.header_mutation.v3.HeaderMutation",
                    "mutations": [
                        {"remove": SUBJECT_HEADER},
                        # Envoy obeys x-envoy-retry-on, x-envoy-upstream-rq-timeout-ms, …
                        # from clients it counts as internal; which ones are has changed
                        # between versions (1.40: none by default). None may, whatever.
                        {"remove_on_match": {"key_matcher": {"prefix": "x-envoy-"}}},
                    ],
                },
            }
        ],
        "route_config": _route_config(settings),
        "http_filters": [
            {"name": JWT_FILTER, "typed_config": _jwt_authn(settings)},
            # Limits live per route (typed_per_filter_config); a route without one (no
            # route matched) is not limited.
            {
                "name": RATE_LIMIT_FILTER,
                "typed_config": {
                    "@type": f"{API}.filters.http.local_ratelimit.v3.LocalRateLimit",
                    "stat_prefix": "rate_limit",
                },
            },
            # No rules here: a route that needs a scope carries its own (RBACPerRoute).
            {"name": RBAC_FILTER, "typed_config": {"@type": f"{API}.filters.http.rbac.v3.RBAC"}},
            {
                "name": ROUTER_FILTER,
                "typed_config": {
                    "@type": f"{API}.filters.http.router.v3.Router",
                    # No x-envoy-* in answers: they tell a client nothing it needs.
                    "suppress_envoy_headers": True,
                },
            },
        ],
        "local_reply_config": local_reply_config(JWT_FILTER, JWT_FAILURE),
    }
    if settings.access_log:
        hcm["access_log"] = [_access_log(settings.access_log)]
    return hcm


def _access_log(path: str) -> dict[str, Any]:
    # The path without its query (an OAuth redirect carries a code there); no headers
    # but the request id, so the Authorization header can never end up in a file.
    return {
        "name": "envoy.access_loggers.file",
        "typed_config": {
            "@type": f"{API}.access_loggers.file.v3.FileAccessLog",
            "path": path,
            "log_format": {
                "json_format": {
                    "time": "%START_TIME%",
                    "method": "%REQ(:METHOD)%",
                    "path": "%PATH(WQ)%",
                    "status": "%RESPONSE_CODE%",
                    "flags": "%RESPONSE_FLAGS%",
                    "ms": "%DURATION%",
                    "upstream": "%UPSTREAM_CLUSTER%",
                    "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                    "request_id": "%REQ(X-REQUEST-ID)%",
                }
            },
        },
    }


# ------------------------------------------------------------------------- routes


def _route_config(settings: GatewaySettings) -> dict[str, Any]:
    routes = [_route(route, settings) for route in ROUTES]
    web = settings.web_address()
    if web is not None:
        routes += [_not_routed(segment) for segment in API_SEGMENTS]
        routes.append(_web_route(settings))
    else:
        routes.append(_welcome(settings))
    return {
        "name": "public",
        "virtual_hosts": [
            {
                "name": "questline",
                "domains": ["*"],
                "routes": routes,
                # Only what never reached a service: a POST is never sent twice.
                "retry_policy": retry_policy(settings),
            }
        ],
    }


WELCOME = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Questline</title></head><body style="font-family:system-ui,sans-serif;max-width:42rem;
margin:3rem auto;line-height:1.5"><h1>Questline</h1>
<p>This is the gateway: every API is here, behind a token. There is no web app yet.</p>
<ul>
<li>A token for scripts: <code>make -s token ARGS="--player alice"</code>
(or <code>--operator</code>, <code>--game-backend</code>), then
<code>curl -H "Authorization: Bearer $TOKEN" {base}/mypage/alice</code></li>
<li>Sign-in (OAuth 2 / OpenID Connect, code with PKCE):
<a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a></li>
<li>The catalogues, no token needed: <a href="/mission-definitions">/mission-definitions</a>,
<a href="/gifts">/gifts</a></li>
<li>Each service's API document: <code>http://127.0.0.1:8081/docs</code> to
<code>:8086/docs</code> (on this machine only)</li>
</ul></body></html>
"""


def _welcome(settings: GatewaySettings) -> dict[str, Any]:
    # Until the web app exists, the address `make run` prints says where things are.
    return {
        "name": "welcome",
        "match": {"path": "/", "headers": [{"name": ":method", "string_match": {"exact": "GET"}}]},
        "direct_response": {
            "status": 200,
            "body": {"inline_string": WELCOME.replace("{base}", _public_base(settings))},
        },
    }


def _public_base(settings: GatewaySettings) -> str:
    return f"http://{settings.listen_host}:{settings.port}"


def _not_routed(segment: str) -> dict[str, Any]:
    # /missions and /missions/…, not /missionsXYZ.
    return {
        "name": f"not_routed_{segment}",
        "match": {"path_separated_prefix": f"/{segment}"},
        "direct_response": {"status": 404},
    }


def _route(route: Route, settings: GatewaySettings) -> dict[str, Any]:
    # The exchange waits on wallet, which waits on gift.
    exchange = route.profile == "exchange"
    timeout = settings.exchange_timeout_s if exchange else settings.route_timeout_s
    per_filter: dict[str, Any] = {
        JWT_FILTER: _jwt_requirement("token" if route.access == TOKEN else "token_if_any"),
        RATE_LIMIT_FILTER: _rate_limit(route.name, route.profile, settings),
    }
    if route.scope is not None:
        per_filter[RBAC_FILTER] = _scope_required(route.scope)
    action: dict[str, Any] = {"cluster": route.cluster, "timeout": duration(timeout)}
    if route.stream:
        # An open stream is no slow answer: no deadline (0s), but one that stays silent
        # for longer than its keep-alives allow is dead. The rate limit above counts the
        # stream once, as it opens.
        action["timeout"] = "0s"
        action["idle_timeout"] = duration(settings.stream_idle_timeout_s)
    return {
        "name": route.name,
        "match": {
            **_path_match(route.path),
            "headers": [{"name": ":method", "string_match": {"exact": route.method}}],
        },
        "route": action,
        "typed_per_filter_config": per_filter,
    }


def _web_route(settings: GatewaySettings) -> dict[str, Any]:
    return {
        "name": "web",
        "match": {"prefix": "/"},
        "route": {"cluster": WEB, "timeout": duration(settings.route_timeout_s)},
        "typed_per_filter_config": {
            JWT_FILTER: _jwt_requirement("token_if_any"),
            RATE_LIMIT_FILTER: _rate_limit("web", "client", settings),
        },
    }


def _path_match(path: str) -> dict[str, Any]:
    if "{" not in path:
        return {"path": path}
    return {
        "path_match_policy": {
            "name": "envoy.path.match.uri_template.uri_template_matcher",
            "typed_config": {
                "@type": f"{API}.path.match.uri_template.v3.UriTemplateMatchConfig",
                "path_template": path,
            },
        }
    }


# ------------------------------------------------------------------------- tokens


def _jwt_authn(settings: GatewaySettings) -> dict[str, Any]:
    return {
        "@type": f"{API}.filters.http.jwt_authn.v3.JwtAuthentication",
        "providers": {
            PROVIDER: {
                "issuer": settings.jwt_issuer,
                "audiences": [settings.jwt_audience],
                "require_expiration": True,
                "clock_skew_seconds": settings.jwt_clock_skew_s,
                # Only the Authorization header: a token in a query string ends up in logs.
                "from_headers": [{"name": "Authorization", "value_prefix": "Bearer "}],
                "remote_jwks": {
                    "http_uri": {"uri": settings.jwks_url, "cluster": JWKS, "timeout": "2s"},
                    "cache_duration": duration(settings.jwks_cache_s),
                    # Fetched at start and refreshed in the background; a failed fetch
                    # (auth not up yet) is retried soon, not after a whole period.
                    "async_fetch": {"failed_refetch_duration": duration(settings.jwks_retry_s)},
                },
                # Services verify the token again themselves.
                "forward": True,
                "payload_in_metadata": JWT_PAYLOAD,
                "failed_status_in_metadata": JWT_FAILURE,
                # `scope` as a list in the metadata, so RBAC matches whole words.
                "normalize_payload_in_metadata": {"space_delimited_claims": ["scope"]},
                "claim_to_headers": [{"header_name": SUBJECT_HEADER, "claim_name": "sub"}],
                "jwt_cache_config": {"jwt_cache_size": settings.jwt_cache_size},
            }
        },
        "requirement_map": {
            "token": {"provider_name": PROVIDER},
            "token_if_any": {
                "requires_any": {
                    "requirements": [{"provider_name": PROVIDER}, {"allow_missing": {}}]
                }
            },
        },
    }


def _jwt_requirement(name: str) -> dict[str, Any]:
    return {
        "@type": f"{API}.filters.http.jwt_authn.v3.PerRouteConfig",
        "requirement_name": name,
    }


def _scope_required(scope: str) -> dict[str, Any]:
    in_scope = {
        "metadata_matcher": {
            "filter": JWT_FILTER,
            "path": [{"key": JWT_PAYLOAD}, {"key": "scope"}],
            "value": {"list_match": {"one_of": {"string_match": {"exact": scope}}}},
        }
    }
    return {
        "@type": f"{API}.filters.http.rbac.v3.RBACPerRoute",
        "rbac": {
            "rules": {
                "action": "ALLOW",
                "policies": {
                    f"scope {scope}": {
                        "permissions": [{"any": True}],
                        "principals": [{"sourced_metadata": in_scope}],
                    }
                },
            }
        },
    }


# --------------------------------------------------------------------- rate limits


# Which client a request counts against: the token's subject, else the client address.
# A rate_limits entry yields its descriptor only when every one of its actions does.
_BY_SUBJECT: dict[str, Any] = {
    "actions": [{"request_headers": {"header_name": SUBJECT_HEADER, "descriptor_key": "subject"}}]
}
_BY_ADDRESS_WITHOUT_SUBJECT: dict[str, Any] = {
    "actions": [
        {
            "header_value_match": {
                "descriptor_key": "anonymous",
                "descriptor_value": "true",
                "expect_match": False,
                "headers": [{"name": SUBJECT_HEADER, "present_match": True}],
            }
        },
        {"remote_address": {}},
    ]
}
_BY_ADDRESS: dict[str, Any] = {"actions": [{"remote_address": {}}]}


def _rate_limit(stat_name: str, profile: Profile, settings: GatewaySettings) -> dict[str, Any]:
    """One route's limiter: its own ceiling (every client together) and one bucket per
    client, kept for the `tracked_clients` most recently seen."""
    rate, burst = _limit_numbers(profile, settings)
    if profile == "sign_in":
        # Per address even with a token: signing in is what one does without one.
        descriptors = [_client_bucket([{"key": "remote_address"}], rate, burst)]
        actions = [_BY_ADDRESS]
    else:
        anonymous = [{"key": "anonymous", "value": "true"}, {"key": "remote_address"}]
        descriptors = [
            _client_bucket([{"key": "subject"}], rate, burst),
            _client_bucket(anonymous, rate, burst),
        ]
        actions = [_BY_SUBJECT, _BY_ADDRESS_WITHOUT_SUBJECT]
    always = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}
    return {
        "@type": f"{API}.filters.http.local_ratelimit.v3.LocalRateLimit",
        "stat_prefix": f"rate_limit_{stat_name}",
        "token_bucket": _bucket(settings.route_rate_per_s, settings.route_burst),
        "always_consume_default_token_bucket": True,
        "descriptors": descriptors,
        "rate_limits": actions,
        "max_dynamic_descriptors": settings.tracked_clients,
        "filter_enabled": always,
        "filter_enforced": always,
        "enable_x_ratelimit_headers": "DRAFT_VERSION_03",
        "response_headers_to_add": [
            # Buckets refill every second: a token is back within one.
            _header("retry-after", "1"),
            _header("ratelimit-policy", _policy(profile, rate, burst, settings)),
        ],
    }


def _limit_numbers(profile: Profile, settings: GatewaySettings) -> tuple[int, int]:
    rate: int = getattr(settings, f"{profile}_rate_per_s")
    burst: int = getattr(settings, f"{profile}_burst")
    return rate, burst


def _client_bucket(entries: list[dict[str, str]], rate: int, burst: int) -> dict[str, Any]:
    return {"entries": entries, "token_bucket": _bucket(rate, burst)}


def _bucket(rate: int, burst: int) -> dict[str, Any]:
    return {"max_tokens": burst, "tokens_per_fill": rate, "fill_interval": "1s"}


def _policy(profile: Profile, rate: int, burst: int, settings: GatewaySettings) -> str:
    # IETF RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers): quota per window.
    # A token bucket lets `burst` through at once and `rate` a second after that.
    return (
        f'"{profile}";q={rate};w=1;burst={burst}, '
        f'"route";q={settings.route_rate_per_s};w=1;burst={settings.route_burst}'
    )


def _header(key: str, value: str) -> dict[str, Any]:
    return {"header": {"key": key, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
