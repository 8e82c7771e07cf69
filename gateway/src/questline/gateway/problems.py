"""The gateway's own refusals as RFC 9457 problem documents (Envoy local_reply_config).

Only replies Envoy makes itself go through these mappers; a service's own answer (its
404, its 503 with Retry-After) reaches the client untouched. No body carries anything
from the request: the detail is fixed text, or Envoy's own reason (jwt_authn's reasons
are fixed strings such as "Jwt is expired"), never the token.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEMS = "https://questline.dev/problems/"

# status: (type slug, title, detail). "%LOCAL_REPLY_BODY%" is the filter's own reason.
REFUSALS: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad request", "The gateway could not read this request."),
    401: ("unauthorised", "Unauthorised", "A valid bearer token is required: %LOCAL_REPLY_BODY%"),
    403: ("forbidden", "Forbidden", "The token's scope does not allow this request."),
    404: ("not-found", "Not found", "No public route matches this method and path."),
    413: ("payload-too-large", "Payload too large", "The request body is too large."),
    429: (
        "rate-limited",
        "Too many requests",
        "This client sent too many requests; retry after the Retry-After delay.",
    ),
    431: (
        "headers-too-large",
        "Request header fields too large",
        "The request's headers are larger than the gateway accepts.",
    ),
    502: ("bad-gateway", "Bad gateway", "The service behind this route gave no valid answer."),
    503: (
        "service-unavailable",
        "Service unavailable",
        "The service behind this route is unavailable; retry shortly.",
    ),
    504: (
        "gateway-timeout",
        "Gateway timeout",
        "The service behind this route did not answer in time.",
    ),
}


def local_reply_config(jwt_filter: str, jwt_failure: str) -> dict[str, Any]:
    """Mappers for the statuses above; any other local reply gets a generic document.

    jwt_authn answers 403 for a token made for another audience; that token is not
    valid here, which RFC 6750 makes a 401 (403 is for a valid token lacking a scope).
    `jwt_failure` is where jwt_authn records why it refused a token.
    """
    token_refused = {
        "metadata_filter": {
            "matcher": {
                "filter": jwt_filter,
                "path": [{"key": jwt_failure}, {"key": "code"}],
                "value": {"present_match": True},
            },
            "match_if_key_not_found": False,
        }
    }
    forbidden_token = {
        "filter": {"and_filter": {"filters": [_status_is(403), token_refused]}},
        "status_code": 401,
        "body_format_override": _body(401),
        "headers_to_add": [_header("www-authenticate", 'Bearer error="invalid_token"')],
    }
    # A 200 from the gateway itself is the welcome page: its body as it is.
    welcome = {
        "filter": _status_is(200),
        "body_format_override": {
            "text_format": "%LOCAL_REPLY_BODY%",
            "content_type": "text/html; charset=utf-8",
        },
    }
    return {
        "mappers": [
            forbidden_token,
            welcome,
            *(_mapper(status) for status in REFUSALS),
        ],
        "body_format": _problem(
            "about:blank",
            "Refused by the gateway",
            "%RESPONSE_CODE%",
            "%RESPONSE_CODE_DETAILS%",
        ),
    }


def _mapper(status: int) -> dict[str, Any]:
    mapper: dict[str, Any] = {"filter": _status_is(status), "body_format_override": _body(status)}
    if status == 503:
        # As the services' own fallbacks do: an unavailable service is worth a retry soon.
        mapper["headers_to_add"] = [_header("retry-after", "1")]
    return mapper


def _header(key: str, value: str) -> dict[str, Any]:
    return {"header": {"key": key, "value": value}, "append_action": "ADD_IF_ABSENT"}


def _body(status: int) -> dict[str, Any]:
    slug, title, detail = REFUSALS[status]
    return _problem(PROBLEMS + slug, title, status, detail)


def _status_is(status: int) -> dict[str, Any]:
    comparison = {"default_value": status, "runtime_key": f"questline.reply.{status}"}
    return {"status_code_filter": {"comparison": {"op": "EQ", "value": comparison}}}


def _problem(type_: str, title: str, status: int | str, detail: str) -> dict[str, Any]:
    return {
        "json_format": {"type": type_, "title": title, "status": status, "detail": detail},
        "content_type": PROBLEM_JSON,
    }
