"""The rendered Envoy config, read back: which requests it routes where, with which token
and scope, and that every number comes from the settings.

The expected table is written out here from SYSTEM.md's contract, not derived from
config.ROUTES, so a route dropped, added or pointed elsewhere there fails a test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from questline.gateway.config import RATE_LIMIT_FILTER, RBAC_FILTER, SUBJECT_HEADER, render
from questline.gateway.process import command
from questline.gateway.settings import GatewaySettings

# method, an example path, service, token required, scope required
PUBLIC: list[tuple[str, str, str, bool, str | None]] = [
    ("GET", "/.well-known/openid-configuration", "auth", False, None),
    ("GET", "/.well-known/jwks.json", "auth", False, None),
    ("GET", "/oauth/authorize", "auth", False, None),
    ("POST", "/oauth/authorize", "auth", False, None),
    ("POST", "/oauth/token", "auth", False, None),
    ("POST", "/oauth/revoke", "auth", False, None),
    ("GET", "/oauth/userinfo", "auth", False, None),
    ("POST", "/missions", "mission", True, "missions:report"),
    ("GET", "/missions", "mission", True, None),
    ("GET", "/missions/m-1", "mission", True, None),
    ("GET", "/mission-definitions", "mission", False, None),
    ("GET", "/mission-definitions/daily-login", "mission", False, None),
    ("POST", "/mission-definitions", "mission", True, "liveops"),
    ("PATCH", "/mission-definitions/daily-login", "mission", True, "liveops"),
    ("GET", "/rewards", "reward", True, None),
    ("GET", "/rewards/r-1", "reward", True, None),
    ("GET", "/wallets/c-1", "wallet", True, None),
    ("POST", "/wallets/c-1/rewards/r-1/exchange", "wallet", True, None),
    ("GET", "/admin/circuit-breakers", "wallet", True, "liveops"),
    ("GET", "/ops/mission/status", "mission", True, "liveops"),
    ("GET", "/ops/reward/status", "reward", True, "liveops"),
    ("GET", "/ops/wallet/status", "wallet", True, "liveops"),
    ("GET", "/ops/gift/status", "gift", True, "liveops"),
    ("GET", "/ops/mypage/status", "mypage", True, "liveops"),
    ("GET", "/gifts", "gift", False, None),
    ("GET", "/gifts/g-1", "gift", False, None),
    ("POST", "/gifts", "gift", True, "liveops"),
    ("POST", "/gifts/g-1/stock", "gift", True, "liveops"),
    ("GET", "/exchanges", "gift", True, None),
    ("GET", "/exchanges/e-1", "gift", True, None),
    ("GET", "/mypage/c-1", "mypage", True, None),
    # The same service through a cluster of its own (open streams hold connections).
    ("GET", "/mypage/c-1/stream", "mypage_streams", True, None),
]

NOT_ROUTED: list[tuple[str, str]] = [
    ("POST", "/exchanges"),  # gift's internal route: wallet calls gift directly
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
    ("GET", "/"),
    ("GET", "/missionsXYZ"),
    ("GET", "/missions/m-1/extra"),
    ("GET", "/missions/"),
    ("DELETE", "/gifts/g-1"),
    ("PUT", "/missions"),
    ("HEAD", "/gifts"),
    ("POST", "/oauth/introspect"),
    ("GET", "/wallets/c-1/rewards/r-1/exchange"),
    ("GET", "/ops/auth/status"),  # auth has no status of this kind
    ("GET", "/ops/wallet"),
]


def routes(config: dict[str, Any]) -> list[dict[str, Any]]:
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    vhosts = hcm["typed_config"]["route_config"]["virtual_hosts"]
    assert len(vhosts) == 1 and vhosts[0]["domains"] == ["*"]
    return list(vhosts[0]["routes"])


def connection_manager(config: dict[str, Any]) -> dict[str, Any]:
    listener = config["static_resources"]["listeners"][0]
    typed: dict[str, Any] = listener["filter_chains"][0]["filters"][0]["typed_config"]
    return typed


def _path_matches(match: dict[str, Any], path: str) -> bool:
    if "path" in match:
        return bool(path == match["path"])
    if "path_separated_prefix" in match:
        prefix = match["path_separated_prefix"]
        return path == prefix or path.startswith(prefix + "/")
    if "prefix" in match:
        return path.startswith(match["prefix"])
    if "path_match_policy" in match:
        template = match["path_match_policy"]["typed_config"]["path_template"]
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        return re.fullmatch(pattern, path) is not None
    raise AssertionError(f"unexpected match {match}")


def resolve(config: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The first route Envoy would pick (the same match kinds Envoy has, read literally)."""
    for route in routes(config):
        match = route["match"]
        methods = [
            h["string_match"]["exact"] for h in match.get("headers", []) if h["name"] == ":method"
        ]
        if _path_matches(match, path) and (not methods or method in methods):
            return route
    return None


def cluster_of(route: dict[str, Any] | None) -> str | None:
    if route is None or "route" not in route:
        return None  # not routed, or answered by the gateway itself
    cluster: str = route["route"]["cluster"]
    return cluster


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return render(GatewaySettings())


@pytest.mark.parametrize(("method", "path", "service", "_token", "_scope"), PUBLIC)
def test_every_public_path_is_routed_to_its_service(
    config: dict[str, Any], method: str, path: str, service: str, _token: bool, _scope: str | None
) -> None:
    assert cluster_of(resolve(config, method, path)) == service


@pytest.mark.parametrize(("method", "path"), NOT_ROUTED)
def test_internal_health_and_unknown_requests_are_not_routed(
    config: dict[str, Any], method: str, path: str
) -> None:
    assert cluster_of(resolve(config, method, path)) is None


def test_the_config_routes_nothing_beyond_the_public_table(config: dict[str, Any]) -> None:
    routed = [r for r in routes(config) if "route" in r]
    assert len(routed) == len(PUBLIC)


@pytest.mark.parametrize(("method", "path", "_service", "token", "_scope"), PUBLIC)
def test_routes_ask_for_a_token_exactly_where_the_contract_says(
    config: dict[str, Any], method: str, path: str, _service: str, token: bool, _scope: str | None
) -> None:
    route = resolve(config, method, path)
    assert route is not None
    requirement = route["typed_per_filter_config"]["envoy.filters.http.jwt_authn"]
    assert requirement["requirement_name"] == ("token" if token else "token_if_any")


def test_an_optional_token_is_still_verified_when_one_is_sent(config: dict[str, Any]) -> None:
    jwt = connection_manager(config)["http_filters"][0]["typed_config"]
    anyone = jwt["requirement_map"]["token_if_any"]["requires_any"]["requirements"]
    # allow_missing, not allow_missing_or_failed: a bad token is a 401 on public routes too.
    assert anyone == [{"provider_name": "questline"}, {"allow_missing": {}}]


@pytest.mark.parametrize(("method", "path", "_service", "_token", "scope"), PUBLIC)
def test_scopes_are_checked_exactly_where_the_contract_says(
    config: dict[str, Any], method: str, path: str, _service: str, _token: bool, scope: str | None
) -> None:
    route = resolve(config, method, path)
    assert route is not None
    rbac = route["typed_per_filter_config"].get(RBAC_FILTER)
    if scope is None:
        assert rbac is None
        return
    (policy,) = rbac["rbac"]["rules"]["policies"].values()
    (principal,) = policy["principals"]
    matcher = principal["sourced_metadata"]["metadata_matcher"]
    assert matcher["path"] == [{"key": "jwt_payload"}, {"key": "scope"}]
    assert matcher["value"] == {"list_match": {"one_of": {"string_match": {"exact": scope}}}}


def test_only_a_request_that_never_reached_a_service_is_retried(config: dict[str, Any]) -> None:
    for route in routes(config):
        assert "retry_policy" not in route.get("route", {}), route["name"]
    vhost = connection_manager(config)["route_config"]["virtual_hosts"][0]
    policy = vhost["retry_policy"]
    # No connection, or reset before the request was written: never 5xx, never "reset"
    # (which includes a reset after the service got the request: a POST sent twice).
    assert set(policy["retry_on"].split(",")) == {"connect-failure", "reset-before-request"}
    assert policy["num_retries"] == 2
    (predicate,) = policy["retry_host_predicate"]
    assert predicate["name"] == "envoy.retry_host_predicates.previous_hosts"  # elsewhere


def test_the_clients_subject_header_and_envoy_headers_are_removed_before_any_filter(
    config: dict[str, Any],
) -> None:
    (early,) = connection_manager(config)["early_header_mutation_extensions"]
    mutations = early["typed_config"]["mutations"]
    assert {"remove": SUBJECT_HEADER} in mutations
    assert {"remove_on_match": {"key_matcher": {"prefix": "x-envoy-"}}} in mutations


def test_filters_run_token_then_limits_then_scope(config: dict[str, Any]) -> None:
    names = [f["name"] for f in connection_manager(config)["http_filters"]]
    assert names == [
        "envoy.filters.http.jwt_authn",
        "envoy.filters.http.local_ratelimit",
        "envoy.filters.http.rbac",
        "envoy.filters.http.router",
    ]


def test_the_admin_interface_listens_on_loopback_only() -> None:
    config = render(GatewaySettings(listen_host="0.0.0.0", admin_port=9911))
    assert config["admin"]["address"]["socket_address"] == {
        "address": "127.0.0.1",
        "port_value": 9911,
    }


# ----------------------------------------------------------- settings → numbers

NUMBERS = GatewaySettings(
    listen_host="127.0.0.9",
    port=18080,
    admin_port=19901,
    mission_port=18081,
    gift_port=18084,
    jwt_issuer="https://issuer.example",
    jwt_audience="aud-x",
    jwks_url="http://10.1.2.3:7000/keys",
    jwks_cache_s=45,
    jwks_retry_s=2.5,
    jwt_clock_skew_s=7,
    jwt_cache_size=321,
    client_rate_per_s=11,
    client_burst=22,
    report_rate_per_s=33,
    report_burst=66,
    exchange_rate_per_s=3,
    exchange_burst=4,
    sign_in_rate_per_s=2,
    sign_in_burst=5,
    route_rate_per_s=777,
    route_burst=888,
    tracked_clients=1234,
    route_timeout_s=9.5,
    exchange_timeout_s=14,
    connect_timeout_s=0.25,
    upstream_idle_timeout_s=3,
    upstream_max_connections=111,
    upstream_max_pending=222,
    upstream_max_requests=333,
    upstream_max_retries=44,
    unsent_retries=1,
    max_request_header_kib=24,
    max_downstream_connections=4321,
    concurrency=3,
)


@pytest.fixture(scope="module")
def numbered() -> dict[str, Any]:
    return render(NUMBERS)


def _limit_of(config: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    route = resolve(config, method, path)
    assert route is not None
    limit: dict[str, Any] = route["typed_per_filter_config"][RATE_LIMIT_FILTER]
    return limit


def _buckets(limit: dict[str, Any]) -> set[tuple[int, int]]:
    return {
        (d["token_bucket"]["tokens_per_fill"], d["token_bucket"]["max_tokens"])
        for d in limit["descriptors"]
    }


@pytest.mark.parametrize(
    ("method", "path", "rate", "burst"),
    [
        ("GET", "/gifts", 11, 22),
        ("GET", "/mypage/c-1", 11, 22),
        ("POST", "/missions", 33, 66),
        ("POST", "/wallets/c-1/rewards/r-1/exchange", 3, 4),
        ("POST", "/oauth/token", 2, 5),
        ("GET", "/oauth/authorize", 2, 5),
        ("POST", "/oauth/authorize", 2, 5),
    ],
)
def test_each_route_has_a_bucket_per_client_from_its_rate_limit_class(
    numbered: dict[str, Any], method: str, path: str, rate: int, burst: int
) -> None:
    limit = _limit_of(numbered, method, path)
    assert _buckets(limit) == {(rate, burst)}
    assert limit["max_dynamic_descriptors"] == 1234
    for descriptor in limit["descriptors"]:
        assert descriptor["token_bucket"]["fill_interval"] == "1s"
        # A blank value: one bucket per distinct value (subject or address).
        assert descriptor["entries"][-1].keys() == {"key"}


@pytest.mark.parametrize(("method", "path", "_s", "_t", "_sc"), PUBLIC)
def test_every_route_has_the_route_ceiling_and_answers_429_with_retry_after(
    numbered: dict[str, Any], method: str, path: str, _s: str, _t: bool, _sc: str | None
) -> None:
    limit = _limit_of(numbered, method, path)
    assert limit["token_bucket"] == {
        "max_tokens": 888,
        "tokens_per_fill": 777,
        "fill_interval": "1s",
    }
    assert limit["always_consume_default_token_bucket"] is True
    assert limit["enable_x_ratelimit_headers"] == "DRAFT_VERSION_03"
    added = {h["header"]["key"]: h["header"]["value"] for h in limit["response_headers_to_add"]}
    assert added["retry-after"] == "1"
    assert '"route";q=777;w=1' in added["ratelimit-policy"]


def test_sign_in_is_limited_per_address_and_other_routes_per_subject_else_address(
    numbered: dict[str, Any],
) -> None:
    sign_in = _limit_of(numbered, "POST", "/oauth/token")
    assert [d["entries"] for d in sign_in["descriptors"]] == [[{"key": "remote_address"}]]
    gifts = _limit_of(numbered, "GET", "/gifts")
    assert [d["entries"] for d in gifts["descriptors"]] == [
        [{"key": "subject"}],
        [{"key": "anonymous", "value": "true"}, {"key": "remote_address"}],
    ]
    subject_action, anonymous_actions = gifts["rate_limits"]
    assert subject_action["actions"][0]["request_headers"]["header_name"] == SUBJECT_HEADER
    # The address bucket applies only when there is no subject header.
    assert anonymous_actions["actions"][0]["header_value_match"]["expect_match"] is False


def test_token_settings_land_in_the_provider(numbered: dict[str, Any]) -> None:
    jwt = connection_manager(numbered)["http_filters"][0]["typed_config"]
    provider = jwt["providers"]["questline"]
    assert provider["issuer"] == "https://issuer.example"
    assert provider["audiences"] == ["aud-x"]
    assert provider["clock_skew_seconds"] == 7
    assert provider["jwt_cache_config"] == {"jwt_cache_size": 321}
    assert provider["forward"] is True
    assert provider["require_expiration"] is True
    assert provider["from_headers"] == [{"name": "Authorization", "value_prefix": "Bearer "}]
    assert provider["claim_to_headers"] == [{"header_name": SUBJECT_HEADER, "claim_name": "sub"}]
    remote = provider["remote_jwks"]
    assert remote["http_uri"]["uri"] == "http://10.1.2.3:7000/keys"
    assert remote["cache_duration"] == "45s"
    assert remote["async_fetch"] == {"failed_refetch_duration": "2.5s"}
    jwks = _cluster(numbered, remote["http_uri"]["cluster"])
    assert _endpoint(jwks) == ("10.1.2.3", 7000)


def _cluster(config: dict[str, Any], name: str) -> dict[str, Any]:
    (cluster,) = [c for c in config["static_resources"]["clusters"] if c["name"] == name]
    return dict(cluster)


def _endpoint(cluster: dict[str, Any]) -> tuple[str, int]:
    (endpoint,) = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
    address = endpoint["endpoint"]["address"]["socket_address"]
    return address["address"], address["port_value"]


def test_upstream_settings_land_in_the_clusters_and_routes(numbered: dict[str, Any]) -> None:
    assert _endpoint(_cluster(numbered, "mission")) == ("127.0.0.1", 18081)
    assert _endpoint(_cluster(numbered, "gift")) == ("127.0.0.1", 18084)
    assert _endpoint(_cluster(numbered, "reward")) == ("127.0.0.1", 8082)
    gift = _cluster(numbered, "gift")
    assert gift["connect_timeout"] == "0.25s"
    (threshold,) = gift["circuit_breakers"]["thresholds"]
    assert (threshold["max_connections"], threshold["max_pending_requests"]) == (111, 222)
    assert (threshold["max_requests"], threshold["max_retries"]) == (333, 44)
    http = gift["typed_extension_protocol_options"][
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    ]
    assert http["explicit_http_config"] == {"http_protocol_options": {}}  # HTTP/1.1
    assert http["common_http_protocol_options"]["idle_timeout"] == "3s"
    assert resolve(numbered, "GET", "/gifts")["route"]["timeout"] == "9.5s"  # type: ignore[index]
    assert (
        connection_manager(numbered)["route_config"]["virtual_hosts"][0]["retry_policy"][
            "num_retries"
        ]
        == 1
    )
    exchange = resolve(numbered, "POST", "/wallets/c/rewards/r/exchange")
    assert exchange is not None and exchange["route"]["timeout"] == "14s"


# ---------------------------------------------------------------- several instances

TWO_MISSIONS = GatewaySettings(
    mission_endpoints=["127.0.0.1:18081", "127.0.0.1:28081"],
    mypage_endpoints=["127.0.0.1:18085", "127.0.0.1:28085"],
    health_check_interval_s=0.5,
    health_check_timeout_s=0.25,
    unhealthy_threshold=3,
    healthy_threshold=2,
)


def _endpoints(cluster: dict[str, Any]) -> list[tuple[str, int]]:
    (group,) = cluster["load_assignment"]["endpoints"]
    addresses = [e["endpoint"]["address"]["socket_address"] for e in group["lb_endpoints"]]
    return [(a["address"], a["port_value"]) for a in addresses]


def test_several_instances_of_a_service_are_the_endpoints_of_its_cluster() -> None:
    config = render(TWO_MISSIONS)
    mission = [("127.0.0.1", 18081), ("127.0.0.1", 28081)]
    assert _endpoints(_cluster(config, "mission")) == mission
    assert _endpoints(_cluster(config, "mypage_streams")) == _endpoints(_cluster(config, "mypage"))
    assert _endpoints(_cluster(config, "reward")) == [("127.0.0.1", 8082)]  # the others: one


def test_each_instance_is_checked_on_its_readiness_and_leaves_with_its_connections() -> None:
    config = render(TWO_MISSIONS)
    for name in ("mission", "mypage", "mypage_streams"):
        cluster = _cluster(config, name)
        (check,) = cluster["health_checks"]
        assert check["http_health_check"] == {"path": "/health/ready"}  # 503 while draining
        assert (check["interval"], check["timeout"]) == ("0.5s", "0.25s")
        # A cluster with no traffic yet is checked at this pace too, not once a minute.
        assert check["no_traffic_interval"] == "0.5s"
        assert (check["unhealthy_threshold"], check["healthy_threshold"]) == (3, 2)
        assert cluster["close_connections_on_host_health_failure"] is True


def test_a_lone_instance_is_not_health_checked_there_being_no_other_to_send_to() -> None:
    config = render(TWO_MISSIONS)
    for name in ("reward", "wallet", "gift", "auth"):
        assert "health_checks" not in _cluster(config, name), name
    assert all(
        "health_checks" not in c for c in render(GatewaySettings())["static_resources"]["clusters"]
    )


def test_instances_listed_by_host_name_are_resolved_by_dns() -> None:
    settings = GatewaySettings(gift_endpoints=["gift-a.internal:8084", "10.0.0.7:8084"])
    gift = _cluster(render(settings), "gift")
    assert gift["type"] == "STRICT_DNS"
    assert _endpoints(gift) == [("gift-a.internal", 8084), ("10.0.0.7", 8084)]


def test_the_page_stream_is_routed_with_no_timeout_but_an_idle_timeout() -> None:
    config = render(GatewaySettings(stream_idle_timeout_s=240, route_timeout_s=9.5))

    stream = resolve(config, "GET", "/mypage/c-1/stream")
    page = resolve(config, "GET", "/mypage/c-1")

    assert stream is not None and page is not None
    assert stream["route"]["timeout"] == "0s"  # an open stream is never cut for its age
    assert stream["route"]["idle_timeout"] == "240s"  # well above the 15 s keep-alives
    assert (page["route"]["timeout"], "idle_timeout" in page["route"]) == ("9.5s", False)
    # Counted once against the client's bucket, as it opens, like any request.
    assert (
        stream["typed_per_filter_config"][RATE_LIMIT_FILTER]["descriptors"]
        == page["typed_per_filter_config"][RATE_LIMIT_FILTER]["descriptors"]
    )


def test_streams_hold_connections_of_their_own_to_the_same_service() -> None:
    config = render(GatewaySettings(stream_max_connections=1234, mypage_port=18085))

    streams, pages = _cluster(config, "mypage_streams"), _cluster(config, "mypage")

    assert _endpoint(streams) == _endpoint(pages) == ("127.0.0.1", 18085)
    (threshold,) = streams["circuit_breakers"]["thresholds"]
    assert (threshold["max_connections"], threshold["max_requests"]) == (1234, 1234)
    (threshold,) = pages["circuit_breakers"]["thresholds"]
    assert threshold["max_connections"] == GatewaySettings().upstream_max_connections


def test_listener_settings_land_in_the_listener(numbered: dict[str, Any]) -> None:
    listener = numbered["static_resources"]["listeners"][0]
    assert listener["address"]["socket_address"] == {"address": "127.0.0.9", "port_value": 18080}
    hcm = connection_manager(numbered)
    assert hcm["max_request_headers_kb"] == 24
    assert hcm["use_remote_address"] is True
    assert hcm["always_set_request_id_in_response"] is True
    (monitor,) = numbered["overload_manager"]["resource_monitors"]
    assert monitor["typed_config"]["max_active_downstream_connections"] == 4321
    assert command(NUMBERS, Path("/tmp/envoy.json"))[1:] == [
        "-c", "/tmp/envoy.json", "--concurrency", "3", "--log-level", "warn",
        "--disable-hot-restart",
    ]  # fmt: skip


def test_there_is_no_access_log_unless_asked_and_it_never_logs_headers_but_the_request_id() -> None:
    assert "access_log" not in connection_manager(render(GatewaySettings()))
    hcm = connection_manager(render(GatewaySettings(access_log="/tmp/access.log")))
    (log,) = hcm["access_log"]
    assert log["typed_config"]["path"] == "/tmp/access.log"
    fields = json.dumps(log["typed_config"]["log_format"]).lower()
    assert "authorization" not in fields
    assert re.findall(r"%req\(([^)]+)\)%", fields) == [":method", "x-request-id"]


# ------------------------------------------------------------------------- web app

WEB = GatewaySettings(web_upstream="127.0.0.1:3000")


@pytest.mark.parametrize("path", ["/", "/callback", "/app/my-page", "/missionsXYZ", "/favicon.ico"])
def test_with_a_web_app_every_other_path_goes_to_it(path: str) -> None:
    config = render(WEB)
    assert cluster_of(resolve(config, "GET", path)) == "web"
    assert _endpoint(_cluster(config, "web")) == ("127.0.0.1", 3000)


@pytest.mark.parametrize(
    ("method", "path"), [r for r in NOT_ROUTED if r[1] != "/" and r[1] != "/missionsXYZ"]
)
def test_with_a_web_app_the_api_paths_it_does_not_route_still_go_nowhere(
    method: str, path: str
) -> None:
    route = resolve(render(WEB), method, path)
    assert route is not None and route["direct_response"] == {"status": 404}


@pytest.mark.parametrize(("method", "path", "service", "_token", "_scope"), PUBLIC)
def test_with_a_web_app_the_public_routes_are_unchanged(
    method: str, path: str, service: str, _token: bool, _scope: str | None
) -> None:
    assert cluster_of(resolve(render(WEB), method, path)) == service


def test_a_web_app_named_by_host_name_is_resolved_by_dns() -> None:
    config = render(GatewaySettings(web_upstream="web.internal:3000"))
    assert _cluster(config, "web")["type"] == "STRICT_DNS"
    assert _cluster(config, "gift")["type"] == "STATIC"


# ------------------------------------------------------------------------ settings


def test_settings_are_read_from_questline_gateway_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUESTLINE_GATEWAY_PORT", "18000")
    monkeypatch.setenv("QUESTLINE_GATEWAY_CLIENT_RATE_PER_S", "50")
    monkeypatch.setenv("QUESTLINE_GATEWAY_WEB_UPSTREAM", "127.0.0.1:5173")
    monkeypatch.setenv("QUESTLINE_GATEWAY_MISSION_ENDPOINTS", '["127.0.0.1:1", "127.0.0.1:2"]')
    settings = GatewaySettings()
    assert (settings.port, settings.client_rate_per_s) == (18000, 50)
    assert settings.web_address() == ("127.0.0.1", 5173)
    assert settings.endpoints("mission") == [("127.0.0.1", 1), ("127.0.0.1", 2)]


def test_the_defaults_are_the_documented_ports_and_token_settings() -> None:
    settings = GatewaySettings()
    assert (settings.listen_host, settings.port, settings.admin_port) == ("127.0.0.1", 8080, 9901)
    services = ("mission", "reward", "wallet", "gift", "mypage", "auth")
    assert [settings.upstream(name)[1] for name in services] == [8081, 8082, 8083, 8084, 8085, 8086]
    assert settings.jwt_issuer == "http://127.0.0.1:8080"
    assert settings.jwt_audience == "questline"
    assert settings.jwks_url == "http://127.0.0.1:8086/.well-known/jwks.json"
    assert settings.web_address() is None


@pytest.mark.parametrize(
    "bad",
    [
        {"web_upstream": "no-port"},
        {"web_upstream": "host:99999"},
        {"jwks_url": "https://auth.example/jwks.json"},
        {"client_rate_per_s": 100, "client_burst": 50},
        {"port": 0},
        {"mission_endpoints": ["127.0.0.1"]},
        {"mission_endpoints": ["127.0.0.1:8081", "127.0.0.1:8081"]},
        {"unsent_retries": 9},
    ],
)
def test_settings_that_cannot_work_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(**bad)


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        GatewaySettings().port = 1  # type: ignore[misc]


def test_a_service_placeholder_in_the_upstream_host_gives_each_service_its_own_host() -> None:
    settings = GatewaySettings(upstream_host="questline-{service}.games.svc")
    clusters = {c["name"]: c for c in render(settings)["static_resources"]["clusters"]}
    for name in ("mission", "reward", "wallet", "gift", "mypage", "auth"):
        endpoint = clusters[name]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]
        address = endpoint["endpoint"]["address"]["socket_address"]["address"]
        assert address == f"questline-{name}.games.svc"
        assert clusters[name]["type"] == "STRICT_DNS"
