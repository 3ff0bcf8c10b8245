"""What the gateway's handlers share: configuration, upstream client, picker and meter."""

from __future__ import annotations

from dataclasses import dataclass

from modelyard.errors import Unauthenticated
from modelyard.providers.http import UpstreamClient
from modelyard.routing.config_store import Caller, ConfigStore
from modelyard.routing.select import DeploymentPicker
from modelyard.services import Services
from modelyard.usage.meter import Meter


@dataclass
class GatewayContext:
    config: ConfigStore
    upstream: UpstreamClient
    picker: DeploymentPicker
    meter: Meter

    async def authenticate(self, authorization: str | None) -> Caller:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "Missing API key: send 'Authorization: Bearer <key>'.", code="missing_api_key"
            )
        return await self.config.caller(token.strip())


def gateway_context(services: Services) -> GatewayContext:
    """The gateway's share of the running services."""
    return GatewayContext(
        config=services.config,
        upstream=services.upstream,
        picker=DeploymentPicker(),
        meter=services.meter,
    )
