"""The API gateway: Envoy in front of every service (routing, tokens, scopes, limits).

`render` builds Envoy's config from `GatewaySettings`; `Gateway` runs Envoy with it.
"""

from questline.gateway.config import render
from questline.gateway.process import Gateway, GatewayError, validate
from questline.gateway.settings import GatewaySettings

__all__ = ["Gateway", "GatewayError", "GatewaySettings", "render", "validate"]
