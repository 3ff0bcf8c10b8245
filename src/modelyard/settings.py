"""Process settings, read once from ``MODELYARD_*`` environment variables.

Build a :class:`Settings` in the entry point (CLI or app factory) and pass it down; nothing in the
package reads the environment on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; flags of the CLI override these."""

    model_config = SettingsConfigDict(env_prefix="MODELYARD_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="SQLite database and key file")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in data_dir"
    )
    redis_url: str | None = None
    secret_key: SecretStr | None = Field(
        default=None, description="Fernet key for provider secrets; default: data_dir/secret.key"
    )
    allowed_upstream_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="hosts or CIDRs that upstream base URLs may resolve to despite being private",
    )
    upstream_timeout: float = Field(
        default=120.0, gt=0, description="seconds to wait for an upstream's next bytes"
    )
    request_deadline: float = Field(
        default=120.0, gt=0, description="seconds one call may take, retries and fallbacks included"
    )
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = Field(default=1, ge=1, description="processes serving the port, one core each")
    log_level: str = "info"

    @field_validator("allowed_upstream_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelyard.db').resolve()}"
