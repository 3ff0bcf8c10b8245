"""Process settings, read once from ``MODELYARD_*`` environment variables.

Build a :class:`Settings` in the entry point (CLI or app factory) and pass it down; nothing in the
package reads the environment on its own.

A plain pydantic model that reads its own variables (names case-insensitive, values given to
the constructor win), rather than ``pydantic-settings``: that package loads its dotenv, CLI,
cloud-vault and file sources with it, some 1.7 MiB in every ``serve`` worker for the few
variables read here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

if TYPE_CHECKING:
    from modelyard.providers.egress_proxy import EgressProxies

ENV_PREFIX = "MODELYARD_"
# The variables every HTTP client reads, used when the MODELYARD_ one is not set (lower case
# first, as curl and Python's urllib do).
STANDARD_PROXY_VARIABLES = {
    "https_proxy": ("https_proxy", "HTTPS_PROXY"),
    "http_proxy": ("http_proxy", "HTTP_PROXY"),
    "no_proxy": ("no_proxy", "NO_PROXY"),
}


class Settings(BaseModel):
    """Everything an operator can set; flags of the CLI override these."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    data_dir: Path = Field(default=Path("./data"), description="SQLite database and key file")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in data_dir"
    )
    redis_url: str | None = None
    replicas: int | None = Field(
        default=None,
        ge=1,
        description="servers sharing redis_url (each with `workers` processes), at most: a process "
        "that never reached Redis then enforces 1/(replicas*workers) of each limit instead of "
        "refusing limited calls, and reachable ones leave room for those missing",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Fernet key for provider secrets; default: data_dir/secret.key"
    )
    allowed_upstream_hosts: list[str] = Field(
        default_factory=list,
        description="hosts or CIDRs that upstream base URLs may resolve to despite being private",
    )
    upstream_timeout: float = Field(
        default=120.0, gt=0, description="seconds to wait for an upstream's next bytes"
    )
    request_deadline: float = Field(
        default=120.0, gt=0, description="seconds one call may take, retries and fallbacks included"
    )
    body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds a request's whole body may take to arrive after its headers (408)",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="seconds a request's headers may take to arrive (the connection is closed)",
    )
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = Field(default=1, ge=1, description="processes serving the port, one core each")
    drain_seconds: float = Field(
        default=0.0,
        ge=0,
        description="seconds after SIGTERM a server keeps serving with /readyz at 503, so that a "
        "load balancer takes it out before it stops (modelyard.draining)",
    )
    log_level: str = "info"
    public_url: str | None = Field(
        default=None,
        description="URL browsers use (https://… behind a TLS proxy makes cookies Secure)",
    )

    # Single sign-on (OpenID Connect): on when issuer, client id and client secret are set.
    oidc_issuer: str | None = Field(
        default=None, description="OpenID issuer URL (its /.well-known/openid-configuration)"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_groups_claim: str = Field(
        default="groups", description="ID token claim whose values set the user's groups by name"
    )
    oidc_allowed_domains: list[str] = Field(
        default_factory=list, description="email domains that may sign in (empty: any)"
    )
    # Invites by mail: without smtp_host, an invite is a one-time link the admin passes on.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, description="sender address of invite mails")
    smtp_starttls: bool = True
    # /v1/responses answers kept (store: true) for previous_response_id, purged after this.
    responses_retention_days: int = Field(
        default=30, ge=1, description="days a stored response is kept"
    )
    # Raw usage rows (usage_records) older than this many days are purged hourly, in bounded
    # batches; the daily rollups the reports read stay (usage.retention). Unset: kept forever.
    usage_retention_days: int | None = Field(
        default=None, ge=1, description="days raw usage rows are kept (unset: forever)"
    )
    # Traces over OTLP/HTTP (operations.tracing): off, and nothing imported, unless set.
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector URL (its /v1/traces is added if missing)"
    )
    otlp_capture_content: bool = Field(
        default=False, description="put prompts and answers in the spans (never by default)"
    )
    # The catalog refreshes itself from here (ours or a models.dev api.json), by one replica.
    catalog_url: str | None = Field(
        default=None, description="catalog file URL refreshed on a schedule (none: by hand)"
    )
    catalog_refresh_hours: float = Field(
        default=24.0, gt=0, description="hours between scheduled catalog refreshes"
    )
    # /metrics and the per-call log line (operations.metrics, operations.call_log).
    metrics_token: SecretStr | None = Field(
        default=None, description="when set, /metrics needs Authorization: Bearer <token>"
    )
    log_format: Literal["json", "text", "off"] | None = Field(
        default=None, description="per-call log lines: json, text or off (none: json unless a TTY)"
    )
    # Upstream calls through an egress proxy, and extra trust (providers.egress_proxy,
    # providers.tls_trust); the proxies default to HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
    https_proxy: SecretStr | None = Field(
        default=None, description="http://[user:pass@]host:port for https upstreams (CONNECT)"
    )
    http_proxy: SecretStr | None = Field(
        default=None, description="http://[user:pass@]host:port for http upstreams (CONNECT)"
    )
    no_proxy: str | None = Field(
        default=None, description="hosts, domains, IPs or CIDRs reached without the proxy"
    )
    ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of CAs trusted besides the system's (a TLS-inspecting proxy's)",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, values: Any) -> Any:
        """``MODELYARD_<FIELD>`` (any case) for each field not given to the constructor."""
        if not isinstance(values, Mapping):
            return values
        return {**environment_values(os.environ), **values}

    @field_validator("allowed_upstream_hosts", "oidc_allowed_domains", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="before")
    @classmethod
    def _standard_proxy_variables(cls, values: Any) -> Any:
        """HTTPS_PROXY, HTTP_PROXY, NO_PROXY (either case) for the proxy fields not set."""
        if not isinstance(values, Mapping):
            return values
        return {**standard_proxy_values(os.environ), **values}

    @field_validator("ca_bundle", mode="after")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None) -> Path | None:
        import ssl

        if value is None or not str(value).strip():
            return None
        try:
            ssl.create_default_context().load_verify_locations(cafile=str(value))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"{value} is not a readable PEM file of CAs ({exc})") from None
        return value

    @property
    def egress_proxies(self) -> EgressProxies:
        """The egress proxies in force (none configured: every call goes direct).

        A malformed proxy URL raises ``ValueError`` here, when the server starts, rather than
        in validation, whose errors would repeat the URL with its password."""
        from modelyard.providers.egress_proxy import EgressProxies

        def raw(secret: SecretStr | None) -> str | None:
            return secret.get_secret_value() if secret is not None else None

        return EgressProxies.parse(raw(self.https_proxy), raw(self.http_proxy), self.no_proxy)

    @property
    def oidc_enabled(self) -> bool:
        """Whether single sign-on is configured (issuer, client id and secret all set)."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelyard.db').resolve()}"


def environment_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The fields of :class:`Settings` set in ``environ``, by field name (raw strings, which
    the model validates and converts); other ``MODELYARD_*`` variables are ignored."""
    fields = Settings.model_fields
    values: dict[str, str] = {}
    for name, value in environ.items():
        if name.upper().startswith(ENV_PREFIX):
            field = name[len(ENV_PREFIX) :].lower()
            if field in fields:
                values[field] = value
    return values


def standard_proxy_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The proxy fields set by the standard variables in ``environ``, leaving out any field
    whose ``MODELYARD_`` variable is set (that one wins)."""
    own = {name.upper() for name in environ if name.upper().startswith(ENV_PREFIX)}
    values: dict[str, str] = {}
    for field, names in STANDARD_PROXY_VARIABLES.items():
        if f"{ENV_PREFIX}{field.upper()}" in own:
            continue
        for name in names:
            if environ.get(name):
                values[field] = environ[name]
                break
    return values
