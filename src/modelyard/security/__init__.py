"""Security primitives: encryption of stored secrets, API keys, passwords and the SSRF guard.

Kept free of web and storage code so every entry point (admin API, gateway, web UI, CLI) uses the
same rules.

Password hashing (argon2, 0.5 MiB) loads on first use of its names (PEP 562): the gateway
checks API keys and decrypts secrets, and never hashes a password.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from modelyard.security.api_keys import IssuedKey, hash_api_key, looks_like_api_key, new_api_key
from modelyard.security.secret_box import SecretBox, SecretDecryptError, SecretKeyError
from modelyard.security.upstream_hosts import (
    AllowedHosts,
    UpstreamHostRefused,
    check_base_url,
    is_address_allowed,
    parse_allowed,
    resolve_and_check,
)

if TYPE_CHECKING:
    from modelyard.security.passwords import (
        generate_password,
        hash_password,
        needs_rehash,
        validate_password,
        verify_password,
    )

_PASSWORD_NAMES = frozenset(
    {"generate_password", "hash_password", "needs_rehash", "validate_password", "verify_password"}
)

__all__ = [
    "AllowedHosts",
    "IssuedKey",
    "SecretBox",
    "SecretDecryptError",
    "SecretKeyError",
    "UpstreamHostRefused",
    "check_base_url",
    "generate_password",
    "hash_api_key",
    "hash_password",
    "is_address_allowed",
    "looks_like_api_key",
    "needs_rehash",
    "new_api_key",
    "parse_allowed",
    "resolve_and_check",
    "validate_password",
    "verify_password",
]


def __getattr__(name: str) -> Any:
    if name not in _PASSWORD_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.passwords"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
